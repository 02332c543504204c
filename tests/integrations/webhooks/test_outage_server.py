"""A real `integrations serve` process and a database that stalls or cannot be reached.

Start-up against an unreachable database ends within the connect timeout with one line on
stderr. A stall while serving is written to the log twice: once when it starts and once when
it ends with the count of refused requests; no traceback per request or per worker poll.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from integrations.webhooks.schemes import sign_standard
from tests.helpers.stalls import Stall
from tests.integrations.webhooks.test_crash import ADMIN_TOKEN, Server, _enable_generic, _free_port
from tests.integrations.webhooks.test_inbound import URL

pytestmark = pytest.mark.integration

TIMEOUT_S = 2
EXIT_WITHIN_S = 30.0  # the 2 s connect timeout plus start-up, generously on a loaded machine
RECOVERY_WITHIN_S = 30.0
SECRET = "whsec_" + base64.b64encode(b"outage-server-secret-0123456789").decode()


def _env(tmp_path: Path, url: str, secret_key: str) -> dict[str, str]:
    return {
        **os.environ,
        "INTEGRATIONS_DATABASE_URL": url,
        "INTEGRATIONS_VAR_DIR": str(tmp_path / "var"),
        "INTEGRATIONS_SECRET_KEY": secret_key,
        "INTEGRATIONS_ADMIN_TOKEN": ADMIN_TOKEN,
        "INTEGRATIONS_DATABASE__CONNECT_TIMEOUT": str(TIMEOUT_S),
        "INTEGRATIONS_DATABASE__STATEMENT_TIMEOUT": str(TIMEOUT_S),
        "INTEGRATIONS_LOGGING__FORMAT": "json",
    }


def test_serve_fails_with_one_line_when_the_database_is_unreachable(
    broken: tuple[Stall | None, str], tmp_path: Path, secret_key: str
) -> None:
    """`serve` on a frozen PostgreSQL (or a SQLite file that cannot be opened) exits 1 within
    seconds, with one line naming the database and why, instead of hanging."""
    script = Path(sys.executable).parent / "integrations"
    started = time.monotonic()
    completed = subprocess.run(
        [str(script), "serve", "--host", "127.0.0.1", "--port", str(_free_port())],
        env=_env(tmp_path, broken[1], secret_key),
        cwd=tmp_path,
        capture_output=True,
        timeout=EXIT_WITHIN_S * 2,
    )
    elapsed = time.monotonic() - started
    assert completed.returncode == 1, completed.stderr
    lines = completed.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: database unreachable at ")
    if broken[0] is not None:
        assert "connection timeout expired" in lines[0]
        assert "INTEGRATIONS_DATABASE__CONNECT_TIMEOUT=2 s" in lines[0]
    else:
        assert "unable to open database file" in lines[0]
    assert elapsed < EXIT_WITHIN_S


def _delivery(event_id: str) -> dict[str, Any]:
    body = json.dumps({"type": "outage.test", "id": event_id}).encode()
    now = int(time.time())
    return {
        "content": body,
        "headers": {
            "webhook-id": event_id,
            "webhook-timestamp": str(now),
            "webhook-signature": sign_standard(SECRET, event_id, now, body),
        },
    }


async def _until_accepted(client: httpx2.AsyncClient, event_id: str) -> int:
    """Deliver as a vendor retries after a 503; how many 503s it took."""
    refused, deadline = 0, time.monotonic() + RECOVERY_WITHIN_S
    while (answer := await client.post(URL, **_delivery(event_id))).status_code != 200:
        assert answer.status_code == 503 and time.monotonic() < deadline, answer.text
        refused += 1
        await asyncio.sleep(0.2)
    return refused


def _events(log: Path) -> list[dict[str, Any]]:
    lines = log.read_text(errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


async def test_an_outage_is_logged_once_with_the_refused_count(
    stall: tuple[Stall, str], tmp_path: Path, secret_key: str
) -> None:
    """While the database is stalled, deliveries get 503 and the worker keeps polling; the
    log says `database.unavailable` once and `database.recovered` once with the number of
    refused requests, and holds no traceback."""
    log = tmp_path / "serve.log"
    server = Server(_env(tmp_path, stall[1], secret_key), tmp_path, log)
    try:
        await server.wait_healthy()
        await _enable_generic(server.url, SECRET)
        async with httpx2.AsyncClient(base_url=server.url, timeout=60) as client:
            assert (await client.post(URL, **_delivery("before"))).status_code == 200
            stall[0].freeze()
            during = await asyncio.gather(
                *(client.post(URL, **_delivery(f"during-{i}")) for i in range(6))
            )
            assert [a.status_code for a in during] == [503] * 6
            await asyncio.sleep(2 * TIMEOUT_S)  # the worker polls the stalled database too
            stall[0].thaw()
            refused = 6 + sum([await _until_accepted(client, f"during-{i}") for i in range(6)])
            deadline = time.monotonic() + RECOVERY_WITHIN_S
            while not any(e["event"] == "database.recovered" for e in _events(log)):
                assert time.monotonic() < deadline, server.tail()
                await asyncio.sleep(0.2)
    finally:
        stall[0].thaw()
        server.stop()
    events = _events(log)
    names = [e["event"] for e in events]
    assert names.count("database.unavailable") == 1, server.tail()
    recovered = [e for e in events if e["event"] == "database.recovered"]
    assert len(recovered) == 1 and recovered[0]["refused_requests"] == refused
    assert "Traceback" not in log.read_text(errors="replace")
    assert not {"webhook.worker_failed", "webhook.store_failed", "api.request_failed"} & set(names)
    others = [n for n in names if not n.startswith(("api.request", "webhook.received"))]
    print(f"\n{stall[1].split(':', 1)[0]}: {len(names)} log events, besides requests: {others}")
