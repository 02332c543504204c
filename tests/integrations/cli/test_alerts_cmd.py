"""`integrations alerts list|resolve|test`: output, effects and clear errors."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import standardwebhooks
from structlog.testing import capture_logs
from typer.testing import CliRunner

from integrations.cli.common import console
from integrations.cli.main import app
from integrations.ops_config import AlertSettings
from integrations.storage.db import Database
from integrations.telemetry.alerts import AlertManager, AlertSignal
from tests.helpers.http_server import serve_app

SECRET = "whsec_" + base64.b64encode(b"alerts-cli-test-secret-012345678").decode()


@pytest.fixture(name="db_url")
def _db_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", url)
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    return url


def _seed(url: str) -> None:
    async def run() -> None:
        db = Database(url)
        manager = AlertManager(db, AlertSettings(), channels=[])
        for key in ("failure_rate:pandadoc", "job_failed:cleanup", "breaker_open:typeform"):
            kind, integration = key.split(":")
            signal = AlertSignal(kind, integration, "critical", f"[{kind}] {integration}")  # type: ignore[arg-type]
            await manager.fire(signal, dedupe_key=key)
        await manager.resolve("job_failed:cleanup", "ok")
        await db.dispose()

    with capture_logs():  # `db upgrade` pointed logging at the runner's closed stderr
        asyncio.run(run())


def test_list_as_json_and_filters(db_url: str) -> None:
    """--json prints the alerts newest first; --status and --integration filter them."""
    _seed(db_url)
    result = CliRunner().invoke(app, ["alerts", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert [a["kind"] for a in json.loads(result.stdout)] == [
        "breaker_open",
        "job_failed",
        "failure_rate",
    ]
    opened = CliRunner().invoke(app, ["alerts", "list", "--status", "open", "--json"])
    assert [a["integration"] for a in json.loads(opened.stdout)] == ["typeform", "pandadoc"]
    one = CliRunner().invoke(app, ["alerts", "list", "--integration", "pandadoc", "--json"])
    assert [a["kind"] for a in json.loads(one.stdout)] == ["failure_rate"]


def test_list_table_shows_messages_verbatim(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table prints a message holding brackets as it is (no markup parsing)."""
    _seed(db_url)
    monkeypatch.setattr(console, "width", 200)  # one line per row
    result = CliRunner().invoke(app, ["alerts", "list"])
    assert result.exit_code == 0
    assert "[failure_rate] pandadoc" in result.stdout


def test_bad_status_is_a_clear_error(db_url: str) -> None:
    """An unknown --status exits 2 naming the choices, without a traceback."""
    result = CliRunner().invoke(app, ["alerts", "list", "--status", "closed"])
    assert result.exit_code == 2
    assert "--status must be one of open, resolved" in result.stderr
    assert "Traceback" not in result.output


def test_resolve_then_again_and_unknown(db_url: str) -> None:
    """Resolve works once; again and an unknown id exit 1 saying why."""
    _seed(db_url)
    rows = json.loads(CliRunner().invoke(app, ["alerts", "list", "--json"]).stdout)
    open_id = next(r["id"] for r in rows if r["status"] == "open")
    done = CliRunner().invoke(app, ["alerts", "resolve", str(open_id), "--message", "fixed"])
    assert done.exit_code == 0 and f"alert {open_id} resolved" in done.stdout
    after = json.loads(CliRunner().invoke(app, ["alerts", "list", "--json"]).stdout)
    assert next(r for r in after if r["id"] == open_id)["details"]["resolution"] == "fixed"
    again = CliRunner().invoke(app, ["alerts", "resolve", str(open_id)])
    assert again.exit_code == 1 and "already resolved" in again.stderr
    missing = CliRunner().invoke(app, ["alerts", "resolve", "9999"])
    assert missing.exit_code == 1 and "no alert 9999" in missing.stderr


def test_test_without_channels_fails_clearly(db_url: str) -> None:
    """With no channel configured, `alerts test` says which settings to set and exits 1."""
    result = CliRunner().invoke(app, ["alerts", "test"])
    assert result.exit_code == 1
    assert "INTEGRATIONS_ALERTS__WEBHOOK_URL" in result.stderr


class Receiver:
    """Keeps every request's headers and body; answers 200."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        with self.lock:
            self.received.append(({k.decode(): v.decode() for k, v in scope["headers"]}, body))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(name="receiver")
def _receiver() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with serve_app(receiver) as url:
        yield receiver, url + "/hook"


def test_test_sends_through_the_configured_webhook(
    db_url: str, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The configured webhook gets a verifiable test notice; email reports unavailable (exit 1)."""
    app_receiver, url = receiver
    monkeypatch.setenv("INTEGRATIONS_ALERTS__WEBHOOK_URL", url)
    monkeypatch.setenv("INTEGRATIONS_ALERTS__WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("INTEGRATIONS_ALERTS__ALLOWED_PRIVATE_HOSTS", '["127.0.0.1"]')
    sent = CliRunner().invoke(app, ["alerts", "test"])
    assert sent.exit_code == 0, sent.output
    assert "webhook: sent" in sent.stdout
    [(headers, body)] = app_receiver.received
    assert standardwebhooks.Webhook(SECRET).verify(body, headers)["type"] == "alert.test"
    monkeypatch.setenv("INTEGRATIONS_ALERTS__EMAIL_TO", '["ops@example.com"]')
    with_email = CliRunner().invoke(app, ["alerts", "test"])
    assert with_email.exit_code == 1
    assert "email: unavailable" in with_email.stdout
