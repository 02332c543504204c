"""The PandaDoc simulator: documents, templates, webhooks and limits as BRIEF §1 and the
official OpenAPI spec describe them, on the kit's clock, faults, limiter and emitter.

Documents are created `document.uploaded` and become `document.draft` (or `document.error`
when the PDF URL or uploaded file name contains "fail") `processing_delay` simulated seconds
later; the move happens on the next request or `advance()`, and emits
`document_state_changed`. Real recipients sign in a browser, so viewing and signing are
simulated through `view()` / `sign()` (and `/_sim/pandadoc/...`).

Rate limits default to the 2025 changelog values per endpoint; `sandbox=True` is the
sandbox key's 10 requests/min on every endpoint. Create-from-PDF and create-from-template
share one path, so their windows are keyed on virtual routes `POST /public/v1/documents#pdf`
and `#template` that the create handler checks once it knows the kind; a window added by hand
with route `.*` therefore counts a create twice. PandaDoc documents no rate-limit headers,
so a 429 carries no `Retry-After` unless `send_retry_after=True`; the spec does require one on
the download endpoints' 202 ("PDF not ready"), so that answer always carries it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from fastapi import Request

from integrations.simulators import pandadoc_lifecycle as lifecycle
from integrations.simulators.kit import Simulator
from integrations.simulators.limits import SimRateLimit
from integrations.simulators.pandadoc_models import (
    STATUS_CODES,
    Document,
    PandaDocConfig,
    PandaDocError,
    iso,
)
from integrations.simulators.pandadoc_state import PandaDocState
from integrations.simulators.pandadoc_views import PROCESSING_MESSAGE, webhook_data
from integrations.simulators.pandadoc_webhooks import WebhookHub, pandadoc_signer

__all__ = [
    "NO_CREDENTIALS",
    "PandaDocConfig",
    "PandaDocError",
    "PandaDocSimulator",
    "create_simulator",
    "production_limits",
    "sandbox_limits",
]

NO_CREDENTIALS = {
    "type": "authentication_error",
    "detail": "Authentication credentials were not provided.",
}
THROTTLED = {"type": "throttled", "detail": "Request was throttled."}
_DOCS = "/public/v1/documents"


def production_limits() -> list[SimRateLimit]:
    """Per-endpoint windows, requests per minute (changelog 2025-06-11, BRIEF §1.8)."""
    per_minute = [
        (300, rf"^POST {_DOCS}#pdf$", "create from PDF"),
        (500, rf"^POST {_DOCS}#template$", "create from template"),
        (400, rf"^POST {_DOCS}/[^/]+/send$", "send"),
        (600, rf"^GET {_DOCS}/[^/]+/details$", "document details"),
        (600, r"^GET /public/v1/templates/[^/]+/details$", "template details"),
        (2000, rf"^GET {_DOCS}$", "list"),
        (2000, rf"^GET {_DOCS}/[^/]+$", "status"),
        (2000, rf"^DELETE {_DOCS}/[^/]+$", "delete"),
        (100, rf"^GET {_DOCS}/[^/]+/download$", "download"),
        (300, rf"^GET {_DOCS}/[^/]+/download-protected$", "download protected"),
    ]
    return [
        SimRateLimit(limit=n, period_seconds=60, route=r, name=name) for n, r, name in per_minute
    ]


def sandbox_limits() -> list[SimRateLimit]:
    """A sandbox key: 10 requests/min on any endpoint (virtual `#` routes excluded so a
    create counts once)."""
    return [SimRateLimit(limit=10, period_seconds=60, route=r"^[A-Z]+ /[^#]*$", name="sandbox")]


class PandaDocSimulator(Simulator):
    """PandaDoc's side of the wire.

    Args:
        seed: seeds ids, templates and faults.
        config: behaviour switches (`PandaDocConfig`).
        api_keys: accepted API keys / bearer tokens; empty accepts any non-empty one.
    """

    def __init__(
        self, *, seed: int = 0, config: PandaDocConfig, api_keys: Iterable[str] = ()
    ) -> None:
        super().__init__("pandadoc", seed=seed, signer=pandadoc_signer)
        self.config = config
        self._initial = config.model_copy(deep=True)
        self.api_keys: set[str] = set(api_keys)
        self._initial_keys = set(self.api_keys)
        self.state = PandaDocState(self.clock.now, seed, config)
        self.hub = WebhookHub(
            self.emitter, lambda: self.state.gen.uuid(), lambda: self.state.gen.short_id()
        )
        # Its own seeded stream, so losing events never shifts the ids or faults of a run.
        self._drops = random.Random(f"{seed}:webhook-drops")
        self.hub.drop = lambda: self._drops.random() < self.config.webhook_drop_rate
        self.state.notify = self._publish
        self.error_body = self._error_body
        self.too_many = self._too_many
        self.on_advance.append(self._advanced)
        self.on_reset.append(self._reset)
        self._apply_config()

    # --- configuration -----------------------------------------------------------------

    def _apply_config(self, *, limits: bool = True) -> None:
        if limits:
            windows = sandbox_limits() if self.config.sandbox else production_limits()
            self.use_default_limits(windows)
        self.emitter.retry_delays = tuple(self.config.webhook_retry_delays)
        self.hub.workspace_id = self.state.workspace_id

    def configure(self, **changes: Any) -> PandaDocConfig:
        """Change behaviour switches at run time (validated); changing `sandbox` swaps the
        rate-limit windows (other changes keep windows set by hand)."""
        merged = self.config.model_dump() | changes
        fresh = PandaDocConfig.model_validate(merged)
        for key in changes:
            setattr(self.config, key, getattr(fresh, key))
        self._apply_config(limits="sandbox" in changes)
        return self.config

    def _reset(self) -> None:
        for key in PandaDocConfig.model_fields:
            setattr(self.config, key, getattr(self._initial, key))
        self.api_keys = set(self._initial_keys)
        self.state.reset()
        self.hub.clear()
        self._drops.seed(f"{self.seed}:webhook-drops")
        self._apply_config()

    async def _advanced(self, seconds: float) -> None:
        await self.state.catch_up()

    # --- the wire ----------------------------------------------------------------------

    async def guard(self, request: Request) -> None:
        """Every `/public` request: `API-Key <key>` or `Bearer <token>`, then catch up."""
        scheme, _, credential = request.headers.get("authorization", "").strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() not in {"api-key", "bearer"} or not credential:
            raise PandaDocError(401, NO_CREDENTIALS)
        if self.api_keys and credential not in self.api_keys:
            raise PandaDocError(401, {"type": "authentication_error", "detail": "Invalid token."})
        await self.state.catch_up()

    def check_create_limit(self, kind: str) -> None:
        """Count a create against its kind's window ("pdf" or "template")."""
        wait, window = self.limiter.check("POST", f"{_DOCS}#{kind}")
        if window is not None:
            body, headers = self.too_many(wait, window, self.limiter.remaining(window))
            raise PandaDocError(429, body, headers)

    def _too_many(
        self, wait: float, window: SimRateLimit, remaining: int
    ) -> tuple[dict[str, Any], dict[str, str]]:
        headers = {"Retry-After": str(max(1, round(wait)))} if self.config.send_retry_after else {}
        return dict(THROTTLED), headers

    def _error_body(self, status: int) -> tuple[dict[str, Any], dict[str, str]]:
        """PandaDoc's error shape for a status injected by the fault plan."""
        bodies: dict[int, dict[str, Any]] = {
            400: {"type": "request_error", "detail": {"non_field_errors": ["Bad request."]}},
            401: NO_CREDENTIALS,
            403: {
                "type": "permissions_error",
                "detail": "You do not have permission to perform this action.",
            },
            404: {"type": "request_error", "detail": "Not found"},
            409: {"id": "", "status": "document.uploaded", "info_message": PROCESSING_MESSAGE},
            423: {
                "type": "document_locked",
                "detail": "Document is locked for editing.",
                "locked_by_user_id": "SimulatedLockHolder000",
                "lock_type": "wopi_editing",
                "expires_at": iso(self.clock.now() + 900),
            },
            429: THROTTLED,
        }
        if status >= 500:
            return {"type": "server_error", "detail": "A server error occurred."}, {}
        default = {"type": "request_error", "detail": f"Simulated error {status}."}
        return dict(bodies.get(status, default)), {}

    async def _publish(self, event: str, details: dict[str, Any]) -> None:
        await self.hub.publish(event, lambda payload: webhook_data(details, payload))

    # --- simulated people (also under /_sim/pandadoc) -----------------------------------

    async def _act(self, doc_id: str, action: str, *args: Any) -> Document:
        await self.state.catch_up()
        doc = self.state.get(doc_id)
        getattr(lifecycle, action)(self.state, doc, *args)
        await self.state.flush()
        return doc

    async def view(self, doc_id: str) -> Document:
        """A recipient opens the document: sent -> viewed."""
        return await self._act(doc_id, "view")

    async def sign(self, doc_id: str, email: str | None = None) -> Document:
        """`email` completes (None: every signer left, in signing order); the last signer
        completes the document."""
        if email is None:
            return await self._act(doc_id, "sign_remaining")
        return await self._act(doc_id, "sign", email)

    async def lock(self, doc_id: str, seconds: float = 900.0) -> Document:
        """Lock for editing: writes answer 423 until `seconds` pass or `unlock()`."""
        return await self._act(doc_id, "lock", seconds)

    async def unlock(self, doc_id: str) -> Document:
        doc = self.state.get(doc_id)
        doc.lock = None
        return doc

    async def force_status(self, doc_id: str, status: str) -> Document:
        """Put a document in any status (e.g. `document.waiting_pay`) for tests."""
        if status not in STATUS_CODES:
            raise PandaDocError(400, {"detail": f"unknown status {status!r}"})
        return await self._act(doc_id, "force_status", status)


def create_simulator(
    seed: int = 0,
    *,
    api_keys: Iterable[str] = (),
    processing_delay: float = 3.0,
    pdf_delay: float = 0.0,
    sandbox: bool = False,
    send_retry_after: bool = False,
    webhook_retry_delays: Iterable[float] = (),
) -> PandaDocSimulator:
    """The PandaDoc simulator with its API, error handlers and control routes."""
    from integrations.simulators.pandadoc_routes import register_routes

    config = PandaDocConfig(
        processing_delay=processing_delay,
        pdf_delay=pdf_delay,
        sandbox=sandbox,
        send_retry_after=send_retry_after,
        webhook_retry_delays=list(webhook_retry_delays),
    )
    sim = PandaDocSimulator(seed=seed, config=config, api_keys=api_keys)
    register_routes(sim)
    return sim
