"""Every request the client builds (operations, the sync's pages, OAuth) matches a path and
method of PracticePanther's published Swagger file, with only the parameters declared there
(plus the OData options the API supports but the file omits, BRIEF §3.1), date-times with
an offset and ids as UUIDs."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from integrations.core.clock import VirtualClock
from integrations.practicepanther import operations as ops
from integrations.practicepanther.client import PracticePantherIntegration
from integrations.simulators.practicepanther import PracticePantherSimulator
from integrations.sync.engine import SyncEngine
from tests.integrations.practicepanther.support import small_pages

pytestmark = pytest.mark.anyio
SWAGGER = Path(__file__).parents[4] / "shared/contracts/practicepanther-swagger-v2.json"
ODATA = frozenset({"$top", "$skip", "$orderby", "$filter"})
OAUTH = {("GET", "/OAuth/Authorize"), ("POST", "/OAuth/Token")}


def _swagger() -> dict[str, Any]:
    if not SWAGGER.is_file():
        pytest.skip(f"the vendor contract folder is absent ({SWAGGER.parent})")
    document: dict[str, Any] = json.loads(SWAGGER.read_text())
    return document


def _match(paths: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    for template, operations in paths.items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            found: dict[str, Any] = operations[method.lower()]
            return found
    return None


def _check(paths: dict[str, Any], method: str, path: str, query: str) -> list[str]:
    if (method, path) in OAUTH:
        return []
    operation = _match(paths, method, path)
    if operation is None:
        return [f"{method} {path}: not in the swagger"]
    declared = {p["name"]: p for p in operation.get("parameters", [])}
    problems = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        spec = declared.get(name)
        if spec is None and name not in ODATA:
            problems.append(f"{method} {path}: undeclared parameter {name}")
        elif (
            spec is not None
            and spec.get("format") == "date-time"
            and dt.datetime.fromisoformat(value).tzinfo is None
        ):
            problems.append(f"{name}={value}: a date-time without an offset")
    if any(p["in"] == "path" and p.get("format") == "uuid" for p in declared.values()):
        last = path.rstrip("/").rsplit("/", 1)[1]
        if not re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", last, re.I):
            problems.append(f"{method} {path}: the id is not a UUID")
    return problems


async def test_every_request_matches_the_swagger(
    client: PracticePantherIntegration,
    sim: PracticePantherSimulator,
    clock: VirtualClock,
    services: Any,
) -> None:
    paths = _swagger()["paths"]
    sim.set_volumes(accounts=5, contacts=8, matters=6, tasks=9)
    since = dt.datetime(2024, 1, 1)  # naive on purpose: it must go out with an offset
    contact = (await ops.list_contacts(client, top=2, updated_since=since))[0]
    await ops.list_contacts(client, top=2, search_text="a", account_id=str(uuid.UUID(int=1)))
    matter = (await ops.list_matters(client, top=2))[0]
    await ops.list_matters(client, top=2, status="Open", account_id=str(uuid.UUID(int=1)))
    task = (await ops.list_tasks(client, top=2, updated_since=since, status="Completed"))[0]
    await ops.get_contact(client, contact.id)
    await ops.get_matter(client, matter.id)
    await ops.get_task(client, task.id)
    await ops.get_current_user(client)
    clock.advance(86_400)  # a refresh goes out too
    await ops.get_current_user(client)
    engine = SyncEngine(services, None, small_pages(4), client=client)
    for sync_type in ("full", "incremental"):
        assert (await engine.run(sync_type)).status in {"success", "partial"}
    sent = sim.journal.all()
    assert {r.path for r in sent} >= {"/OAuth/Token", "/api/v2/contacts", "/api/v2/tasks"}
    problems = [p for r in sent for p in _check(paths, r.method, r.path, r.query)]
    assert problems == []
