"""The PracticePanther simulator: OAuth 2.0, accounts/contacts/matters/tasks at any volume.

Base URL `https://app.practicepanther.com`, REST root `/api/v2` (BRIEF §3). Modules:
`practicepanther_oauth` (authorize, token, rotation, Bearer), `practicepanther_data` and
`practicepanther_records` (records computed from (seed, index)), `practicepanther_order` and
`practicepanther_query` (paging, filters), `practicepanther_routes` (HTTP) and
`practicepanther_control` (`/_sim/practicepanther/…`).

- Lists are plain JSON arrays; `$top`/`$skip`/`$orderby` and the swagger filters apply;
  without `$top` the whole list comes back (`max_page_size` caps it, like a server page).
- Data: volumes per resource (default 50 accounts, 80 contacts, 60 matters, 150 tasks);
  `modify(kind, percent)` changes a deterministic share of records (notes gain a revision
  mark, matter status and task status/priority are redrawn) and bumps their updated_at to
  the simulated now (always later than every generated time). Contacts have no timestamps:
  modifying contacts bumps their accounts, and `updated_since` on contacts selects contacts
  whose account's updated_at is at or after the given time.
- Rate limit: none by default (PracticePanther publishes no number); set one with
  `set_rate_limit(n, seconds)`, answered with 429 and `Retry-After`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from integrations.simulators.kit import Simulator
from integrations.simulators.limits import SimRateLimit
from integrations.simulators.practicepanther_data import BASE_END, Volumes
from integrations.simulators.practicepanther_oauth import OAuthSettings, TokenStore
from integrations.simulators.practicepanther_records import Records

__all__ = ["KINDS", "Modification", "PracticePantherSimulator", "create_simulator"]

KINDS = ("accounts", "contacts", "matters", "tasks")
API_ROUTES = r"^[A-Z]+ /api/v2/"


@dataclass(frozen=True, slots=True)
class Modification:
    """One `modify` call: which records changed and the updated_at they got."""

    round: int
    kind: str
    updated_at: int
    indices: tuple[int, ...]
    ids: tuple[str, ...]


class PracticePantherSimulator(Simulator):
    """PracticePanther's state: OAuth clients and tokens, volumes, the change log."""

    def __init__(self, *, seed: int = 0, volumes: Volumes | None = None) -> None:
        super().__init__("practicepanther", seed=seed)
        self.error_body = _error_body
        self.too_many = _too_many
        self._initial_volumes = volumes or Volumes()
        self.oauth = OAuthSettings()
        self.tokens = TokenStore()
        self.records = Records(seed, self._initial_volumes)
        self.modifications: list[Modification] = []
        self.max_page_size: int | None = None
        self.on_reset.append(self._load)
        self._load()

    def _load(self) -> None:
        self.oauth = OAuthSettings()
        self.tokens = TokenStore()
        self.records = Records(self.seed, self._initial_volumes)
        self.modifications = []
        self.max_page_size = None

    @property
    def volumes(self) -> Volumes:
        return self.records.volumes

    def set_volumes(self, **counts: int) -> Volumes:
        """New volumes (unnamed kinds keep theirs); the change log starts over."""
        merged = {kind: counts.get(kind, self.volumes.count(kind)) for kind in KINDS}
        if any(count < 0 for count in merged.values()):
            raise ValueError("volumes must be >= 0")
        if merged["accounts"] == 0 and any(merged[k] for k in ("contacts", "matters", "tasks")):
            raise ValueError("contacts, matters and tasks need at least one account")
        self.records = Records(self.seed, Volumes(**merged), naive_times=self.records.naive_times)
        self.modifications = []
        return self.records.volumes

    def set_rate_limit(self, limit: int | None, period_seconds: float = 300.0) -> None:
        """At most `limit` API calls per `period_seconds` (None: no limit); 429 beyond it."""
        windows = [] if limit is None else [
            SimRateLimit(limit=limit, period_seconds=period_seconds, route=API_ROUTES,
                         name=f"practicepanther: {limit} per {period_seconds:g} s")
        ]  # fmt: skip
        self.set_rate_limits(windows)

    def now_s(self) -> float:
        return self.clock.now()

    def modify(self, kind: str, percent: float) -> Modification:
        """Change `percent` % of `kind` (at least one when percent > 0), deterministically."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not 0 <= percent <= 100:
            raise ValueError("percent must be in [0, 100]")
        total = self.volumes.count(kind)
        wanted = min(total, max(1, round(total * percent / 100))) if percent > 0 else 0
        number = len(self.modifications) + 1
        chooser = random.Random(f"{self.seed}:{kind}:{number}")
        indices = tuple(sorted(chooser.sample(range(total), wanted)))
        last = max((m.updated_at for m in self.modifications), default=BASE_END)
        moment = max(math.floor(self.now_s()), last + 1)
        changes = self.records.changes
        for index in indices:
            revision = changes.get(kind, {}).get(index, (0, 0))[1] + 1
            changes.setdefault(kind, {})[index] = (moment, revision)
            if kind == "contacts":  # a contact edit is an edit of its account
                account = self.volumes.account_of_contact(index)
                account_revision = changes.get("accounts", {}).get(account, (0, 0))[1]
                changes.setdefault("accounts", {})[account] = (moment, account_revision)
        ids = tuple(self.records.id(kind, i) for i in indices)
        change = Modification(number, kind, moment, indices, ids)
        self.modifications.append(change)
        return change

    def changed_ids(self, kind: str, since_round: int = 0) -> list[str]:
        """Ids of `kind` changed by modifications after round `since_round`, sorted."""
        found = {i for m in self.modifications if m.kind == kind and m.round > since_round
                 for i in m.ids}  # fmt: skip
        return sorted(found)

    def state(self) -> dict[str, Any]:
        """Volumes, OAuth settings (secrets included: it is a simulator), change log, limits."""
        return {
            "volumes": {kind: self.volumes.count(kind) for kind in KINDS},
            "oauth": self.oauth.model_dump(),
            "tokens_issued": self.tokens.issued,
            "refreshes": self.tokens.refreshed,
            "max_page_size": self.max_page_size,
            "naive_times": self.records.naive_times,
            "modifications": [
                {"round": m.round, "kind": m.kind, "count": len(m.ids), "updated_at": m.updated_at}
                for m in self.modifications
            ],
        }

    def issue_tokens(self, client_id: str | None = None) -> dict[str, object]:
        """A token answer as `/OAuth/Token` gives, without the browser round trip (tests)."""
        client = client_id or next(iter(self.oauth.clients), "pp-sim-client")
        return self.tokens.issue(client, self.oauth, self.now_s())


def _error_body(status: int) -> tuple[dict[str, Any], dict[str, str]]:
    # ASP.NET Web API's error shape, which PracticePanther's API is built on.
    return {"Message": f"An error has occurred (simulated {status})."}, {}


def _too_many(
    wait: float, window: SimRateLimit, remaining: int
) -> tuple[dict[str, Any], dict[str, str]]:
    headers = {"Retry-After": str(max(1, math.ceil(wait)))}
    return {"Message": f"Too many requests: at most {window.limit} per "
            f"{window.period_seconds:g} s."}, headers  # fmt: skip


def create_simulator(seed: int = 0, *, volumes: Volumes | None = None) -> PracticePantherSimulator:
    """The PracticePanther simulator app with its routes."""
    from integrations.simulators.practicepanther_control import install_control
    from integrations.simulators.practicepanther_routes import install_routes

    sim = PracticePantherSimulator(seed=seed, volumes=volumes)
    install_routes(sim)
    install_control(sim)
    return sim
