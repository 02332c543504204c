"""Acceptance: two triggers at once give one run and one 409. PracticePanther's
`trigger_sync` operation refuses a second sync through the same path as
`POST /api/sync/trigger`, on every surface (REST action, `integrations call`, MCP), with the
code `sync_already_running`. The simulator is served over real HTTP on 127.0.0.1; the app
is the real one, with the embedded job runner on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import mcp
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from integrations.api.app import create_app
from integrations.cli import call_cmd
from integrations.cli.main import app as cli
from integrations.config import Settings, load_settings
from integrations.factory import IntegrationFactory
from integrations.jobs.embedded import EmbeddedRunner
from integrations.mcp.guard import ToolPolicy
from integrations.mcp.server import build_server
from integrations.services import Services
from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator
from integrations.storage.tables_jobs import JobRow
from integrations.storage.tables_sync import SyncRunRow
from tests.helpers.http_server import serve_app
from tests.integrations.mcp.support import error_of
from tests.integrations.practicepanther.support import connect, local, source

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

ADMIN = "trigger-admin-token-0123456789"
ACTION = "/api/v1/integrations/practicepanther/actions/trigger_sync"
GENERIC = "/api/sync/trigger"


@pytest.fixture(name="sim")
def _sim() -> PracticePantherSimulator:
    sim = create_simulator(seed=5)
    sim.set_volumes(accounts=60, contacts=120, matters=150, tasks=200)
    return sim


@pytest.fixture(name="base")
def _base(sim: PracticePantherSimulator) -> Iterator[str]:
    with serve_app(sim.asgi) as url:
        yield url


@pytest.fixture(name="app_settings")
def _app_settings(services: Services, tmp_path: Path, secret_key: str) -> Settings:
    return load_settings(
        database_url=services.settings.resolved_database_url,
        var_dir=tmp_path / "var",
        secret_key=secret_key,
        admin_token=ADMIN,
        jobs={"runner": "embedded", "poll_seconds": 0.05},
    )


@pytest.fixture(name="factory")
async def _factory(
    services: Services, app_settings: Settings, base: str
) -> AsyncIterator[IntegrationFactory]:
    await connect(services, base, rate_limits=[{"limit": 100_000, "period_seconds": 1}])
    factory = IntegrationFactory(Services(app_settings, services.db))
    yield factory
    await factory.close()


@pytest.fixture(name="api")
async def _api(
    factory: IntegrationFactory, app_settings: Settings
) -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app(app_settings, factory.services)
    app.state.services, app.state.factory = factory.services, factory
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with httpx2.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        yield c


async def _runs(services: Services) -> list[SyncRunRow]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(SyncRunRow).order_by(SyncRunRow.id)))


async def _work_until_idle(factory: IntegrationFactory) -> None:
    runner = EmbeddedRunner(factory.services, factory)
    try:
        await runner.run_worker(until_idle=True)
    finally:
        await runner.close()


def _refusal(response: httpx2.Response) -> str:
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "sync_already_running", error
    assert "practicepanther" in error["message"] and "already" in error["message"]
    return str(error["message"])


async def test_two_trigger_sync_calls_at_once_give_one_run_and_one_409(
    api: httpx2.AsyncClient, factory: IntegrationFactory, sim: PracticePantherSimulator
) -> None:
    first, second = await asyncio.gather(
        api.post(ACTION, json={"sync_type": "full"}),
        api.post(ACTION, json={"sync_type": "full"}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first, second)
    accepted, refused = (first, second) if first.status_code == 200 else (second, first)
    assert accepted.json()["status"] == "queued" and accepted.json()["job_id"]
    _refusal(refused)
    # The generic route shares the refusal while that sync is queued.
    _refusal(await api.post(GENERIC, json={"syncType": "incremental"}))
    await _work_until_idle(factory)
    runs = await _runs(factory.services)
    assert [(r.sync_type, r.trigger, r.triggered_by, r.status) for r in runs] == [
        ("full", "manual", "action", "success")
    ]
    tables = await local(factory.services)
    assert {k: sorted(v, key=repr) for k, v in tables.items()} == {
        k: sorted(v, key=repr) for k, v in source(sim).items()
    }
    # Once it has finished, triggers are accepted again; the action and the generic route
    # at once still give one run.
    action, generic = await asyncio.gather(
        api.post(ACTION, json={"sync_type": "incremental"}),
        api.post(GENERIC, json={"syncType": "incremental"}),
    )
    statuses = {action.status_code, generic.status_code}
    assert statuses in ({200, 409}, {202, 409}), (action.text, generic.text)
    _refusal(action if action.status_code == 409 else generic)
    await _work_until_idle(factory)
    assert [r.sync_type for r in await _runs(factory.services)] == ["full", "incremental"]


async def test_cli_and_mcp_refuse_while_a_sync_is_queued_or_starting(
    api: httpx2.AsyncClient,
    factory: IntegrationFactory,
    app_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """MCP while the sync is queued; the CLI once a worker has taken its job but the run
    has not taken the sync lock yet (the moment a queueing lock alone would let through)."""
    assert (await api.post(ACTION, json={"sync_type": "full"})).status_code == 200
    server = build_server(factory, policy=ToolPolicy(("*",), calls_per_minute=0))
    async with mcp.Client(server) as client:
        result = await client.call_tool("practicepanther_trigger_sync", {"sync_type": "full"})
    error = error_of(result)
    assert error["code"] == "sync_already_running" and "already" in error["message"]

    worker = EmbeddedRunner(factory.services, factory)
    now = dt.datetime.now(dt.UTC)
    started = await worker.store.claim(now, now + dt.timedelta(minutes=5))
    assert started is not None and started.name == "sync_run"
    monkeypatch.setattr(call_cmd, "load_cli_settings", lambda: app_settings)
    monkeypatch.setattr(call_cmd, "upgrade_database", lambda _: None)
    args = ["call", "practicepanther", "trigger_sync", "sync_type=full"]
    answer = await asyncio.to_thread(CliRunner().invoke, cli, args)
    assert answer.exit_code == 1, answer.output
    assert "already" in answer.output and "practicepanther" in answer.output
    async with factory.services.db.sessions() as session:
        jobs = list(await session.scalars(select(JobRow).where(JobRow.name == "sync_run")))
    assert len(jobs) == 1 and await _runs(factory.services) == []
