"""Shared by the sync acceptance tests: the simulator served on 127.0.0.1, a connected
integration, and the simulator's data in the shape of our tables."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import httpx2
from sqlalchemy import select

from integrations.practicepanther.mappings import EXCHANGE_STATUS, TASK_STATUS
from integrations.practicepanther.streams import PRACTICEPANTHER_SYNC
from integrations.practicepanther.token_store import DatabaseTokenStore, StoredTokens
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators.practicepanther import PracticePantherSimulator
from integrations.storage.tables_inbound import ContactRow, ExchangeRow, TaskRow
from integrations.sync.definition import OffsetPaging, SyncDefinition

SIM_APP = {"client_id": "pp-sim-client", "client_secret": "pp-sim-secret"}
REDIRECT = "http://127.0.0.1/callback"


def small_pages(size: int, definition: SyncDefinition = PRACTICEPANTHER_SYNC) -> SyncDefinition:
    """The PracticePanther sync with `size` records a page (many pages from small volumes)."""
    streams = tuple(
        dataclasses.replace(s, paging=OffsetPaging(page_size=size)) for s in definition.streams
    )
    return dataclasses.replace(definition, streams=streams)


def authorize(base: str) -> StoredTokens:
    """A token pair through the simulator's authorize redirect and code exchange."""
    query = {"response_type": "code", "client_id": SIM_APP["client_id"], "state": "st"}
    answer = httpx2.get(f"{base}/OAuth/Authorize", params={**query, "redirect_uri": REDIRECT})
    code = httpx2.URL(answer.headers["location"]).params["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **SIM_APP}
    body = httpx2.post(f"{base}/OAuth/Token", data=form).json()
    return StoredTokens(body["access_token"], body["refresh_token"], time.time() + 86_400)


async def connect(services: Services, base: str, **settings: Any) -> None:
    """Enable practicepanther (live mode) at `base` with fresh tokens stored encrypted."""
    update = IntegrationSettingsUpdate.model_validate(
        {"enabled": True, "mode": "live", "base_url": base, "credentials": SIM_APP, **settings}
    )
    await services.update_config("practicepanther", update, changed_by="test")
    store = DatabaseTokenStore(services.db, services.box, integration="practicepanther")
    await store.save(authorize(base))


def source(sim: PracticePantherSimulator) -> dict[str, set[tuple[Any, ...]]]:
    """What the tables must hold, built from the simulator's records."""

    def every(kind: str) -> list[dict[str, Any]]:
        return [sim.records.build(kind, i) for i in range(sim.volumes.count(kind))]

    return {
        "contacts": {(c["id"], c["first_name"], c["email"] or None, c["notes"])
                     for c in every("contacts")},
        "exchanges": {(m["id"], EXCHANGE_STATUS[m["status"]], m["notes"])
                      for m in every("matters")},
        "tasks": {(t["id"], TASK_STATUS[t["status"]], t["notes"], (t["matter_ref"] or {}).get("id"))
                  for t in every("tasks")},
    }  # fmt: skip


async def local(services: Services) -> dict[str, list[tuple[Any, ...]]]:
    """The same tuples from our tables (lists: a duplicate row would show)."""
    async with services.db.sessions() as session:
        contacts = (await session.execute(select(ContactRow))).scalars().all()
        exchanges = (await session.execute(select(ExchangeRow))).scalars().all()
        tasks = (await session.execute(select(TaskRow))).scalars().all()
    return {
        "contacts": [(c.external_id, c.first_name, c.email, c.raw.get("notes")) for c in contacts],
        "exchanges": [(e.pp_matter_id, e.status, e.notes) for e in exchanges],
        "tasks": [(t.external_id, t.status, t.description, t.matter_external_id) for t in tasks],
    }


def api_requests(sim: PracticePantherSimulator) -> int:
    return sum(1 for r in sim.journal.all() if r.path.startswith("/api/v2/"))
