"""The Typeform simulator: forms, responses, tagged webhooks, signed `form_response` delivery.

Base URL `https://api.typeform.com`; routes in `typeform_routes`, data in `typeform_data` and
`typeform_answers`, responses paging in `typeform_query`, webhook rules in `typeform_webhooks`.

- Auth: `Authorization: Bearer <token>` (scheme case-insensitive). With no tokens configured
  any non-empty token is the default account, which owns the seeded forms; configured tokens
  (`create_simulator(tokens={token: account_id})` or `PUT /_sim/typeform/tokens`) are the only
  valid ones then. Missing or unknown → 403 AUTHENTICATION_ERROR; another account's form →
  403 FORBIDDEN.
- Rate limit: 2 requests/second. The kit limiter counts per route pattern, not per token, so
  the simulator has one window shared by every account (a per-account limit in reality).
- Respondents: `await sim.submit(form_id, answers)` or `POST /_sim/typeform/forms/{id}/submit`
  stores a completed response and posts `form_response` to every enabled webhook of the form
  whose `event_types.form_response` is not false. A 404/410 answer disables that webhook.
- `reset()` restores the seeded forms, responses and tokens and removes every webhook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from integrations.simulators.datagen import DataGenerator
from integrations.simulators.emitter import Delivery
from integrations.simulators.kit import Simulator
from integrations.simulators.limits import SimRateLimit
from integrations.simulators.typeform_answers import make_response, seeded_responses
from integrations.simulators.typeform_data import (
    DEFAULT_ACCOUNT,
    FEEDBACK_FORM_ID,
    ONBOARDING_FORM_ID,
    SimForm,
    iso,
    new_form,
    seeded_forms,
)
from integrations.simulators.typeform_errors import (
    TypeformError,
    typeform_error_body,
    typeform_too_many,
)
from integrations.simulators.typeform_webhooks import (
    DEFAULT_BACKOFF_DELAYS,
    DEFAULT_RETRY_DELAYS,
    TypeformEmitter,
)

__all__ = ["SEEDED_RESPONSES", "Submission", "TypeformSimulator", "create_simulator"]

# form id: (seeded responses, every n-th one partial or 0)
SEEDED_RESPONSES = {ONBOARDING_FORM_ID: (60, 8), FEEDBACK_FORM_ID: (35, 0)}
RATE_LIMIT = SimRateLimit(limit=2, period_seconds=1.0, name="typeform: 2 req/s per account")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(slots=True)
class Submission:
    """A simulated respondent's response and the webhook deliveries it caused."""

    response: dict[str, Any]
    deliveries: list[tuple[str, Delivery]] = field(default_factory=list)


class TypeformSimulator(Simulator):
    """Typeform's state: accounts by token, forms, responses, webhooks by form and tag."""

    def __init__(
        self,
        *,
        seed: int = 0,
        tokens: dict[str, str] | None = None,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        backoff_delays: tuple[float, ...] = DEFAULT_BACKOFF_DELAYS,
    ) -> None:
        super().__init__("typeform", seed=seed)
        self.emitter: TypeformEmitter = TypeformEmitter(
            retry_delays=retry_delays, backoff_delays=backoff_delays
        )
        self.emitter.on_stop = self._delivery_stopped
        self.error_body = typeform_error_body
        self.too_many = typeform_too_many
        self.use_default_limits([RATE_LIMIT])
        self._initial_tokens = dict(tokens or {})
        self.tokens: dict[str, str] = {}
        self.gen = DataGenerator(seed)
        self.forms: dict[str, SimForm] = {}
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.webhooks: dict[str, dict[str, dict[str, Any]]] = {}
        self._event_targets: dict[str, tuple[str, str]] = {}
        self.on_reset.append(self._load)
        self._load()

    def _load(self) -> None:
        self.gen = DataGenerator(self.seed)
        self.tokens = dict(self._initial_tokens)
        self.forms = {form.id: form for form in seeded_forms()}
        self.responses = {form_id: [] for form_id in self.forms}
        for form_id, (count, partial_every) in SEEDED_RESPONSES.items():
            form = self.forms[form_id]
            self.responses[form_id] = seeded_responses(form, self.gen, count, partial_every)
        self.webhooks = {}
        self._event_targets = {}

    def now(self) -> str:
        """The simulated time in Typeform's format."""
        return iso(dt.datetime.fromtimestamp(self.clock.now(), dt.UTC))

    def account_for(self, authorization: str | None) -> str:
        """The account of a `Bearer` token; 403 AUTHENTICATION_ERROR otherwise."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise TypeformError(
                403,
                "AUTHENTICATION_ERROR",
                "Authentication credentials not found on the Request Headers",
            )
        if not self.tokens:
            return DEFAULT_ACCOUNT
        if token not in self.tokens:
            raise TypeformError(403, "AUTHENTICATION_ERROR", "The access token is not valid")
        return self.tokens[token]

    def form_for(self, account: str, form_id: str) -> SimForm:
        """The form if `account` may manage it: 404 FORM_NOT_FOUND / 403 FORBIDDEN."""
        form = self.forms.get(form_id)
        if form is None:
            raise TypeformError(404, "FORM_NOT_FOUND", f"Form {form_id!r} was not found")
        if form.account != account:
            raise TypeformError(403, "FORBIDDEN", "The form belongs to another account")
        return form

    def add_form(self, account: str, title: str) -> SimForm:
        """A new form (onboarding questions) owned by `account`, without responses."""
        form = new_form(self.gen, account, title, self.now())
        self.forms[form.id] = form
        self.responses[form.id] = []
        return form

    def webhook(self, form_id: str, tag: str) -> dict[str, Any]:
        """The webhook of `form_id` tagged `tag`; 404 NOT_FOUND otherwise."""
        found = self.webhooks.get(form_id, {}).get(tag)
        if found is None:
            raise TypeformError(404, "NOT_FOUND", f"No webhook with tag {tag!r} on this form")
        return found

    def ulid(self) -> str:
        """A ULID-like id (26 Crockford base-32 characters), like Typeform's ids."""
        return "".join(self.gen.choice(_CROCKFORD) for _ in range(26))

    async def submit(
        self,
        form_id: str,
        answers: dict[str, Any] | None = None,
        hidden: dict[str, str] | None = None,
    ) -> Submission:
        """A respondent completes `form_id`; its webhooks receive `form_response`."""
        form = self.forms.get(form_id)
        if form is None:
            raise TypeformError(404, "FORM_NOT_FOUND", f"Form {form_id!r} was not found")
        moment = dt.datetime.fromtimestamp(int(self.clock.now()), dt.UTC)
        existing = [r["submitted_at"] for r in self.responses[form_id]]
        if existing and iso(moment) <= max(existing):
            latest = dt.datetime.fromisoformat(max(existing).replace("Z", "+00:00"))
            moment = latest + dt.timedelta(seconds=1)
        response = make_response(form, self.gen, moment, given=answers or {}, hidden=hidden)
        self.responses[form_id].append(response)
        submission = Submission(response)
        for tag, hook in list(self.webhooks.get(form_id, {}).items()):
            if not hook["enabled"] or not hook["event_types"].get("form_response", True):
                continue
            delivery = await self._deliver(form, tag, hook, response)
            if delivery is not None:
                submission.deliveries.append((tag, delivery))
        return submission

    async def _deliver(
        self, form: SimForm, tag: str, hook: dict[str, Any], response: dict[str, Any]
    ) -> Delivery | None:
        event_id = self.ulid()
        self._event_targets[event_id] = (form.id, tag)
        body = {
            key: response[key]
            for key in ("token", "landed_at", "submitted_at", "hidden", "calculated")
        }
        payload = {
            "event_id": event_id,
            "event_type": "form_response",
            "form_response": {
                "form_id": form.id,
                **body,
                "variables": response["variables"],
                "definition": form.webhook_definition(),
                "answers": response["answers"],
                "ending": {"id": form.ending()["id"], "ref": form.ending()["ref"]},
            },
        }
        return await self.emitter.emit(
            event_id, payload, url=hook["url"], secret=hook.get("secret") or ""
        )

    def _delivery_stopped(self, delivery: Delivery, status: int) -> None:
        form_id, tag = self._event_targets.get(delivery.event_id, ("", ""))
        hook = self.webhooks.get(form_id, {}).get(tag)
        if hook is not None and hook["url"] == delivery.url:
            hook["enabled"] = False
            hook["updated_at"] = self.now()


def create_simulator(
    seed: int = 0,
    *,
    tokens: dict[str, str] | None = None,
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
    backoff_delays: tuple[float, ...] = DEFAULT_BACKOFF_DELAYS,
) -> TypeformSimulator:
    """The Typeform simulator app with its routes."""
    from integrations.simulators.typeform_routes import install_routes

    sim = TypeformSimulator(
        seed=seed, tokens=tokens, retry_delays=retry_delays, backoff_delays=backoff_delays
    )
    install_routes(sim)
    return sim
