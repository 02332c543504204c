"""The `integrations` command: config, db, admin and secrets commands, exit codes and messages."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from integrations import __version__
from integrations.cli.main import app
from integrations.config import load_settings
from integrations.errors import ConfigError
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.crypto import SecretBox, generate_key
from integrations.storage.db import Database
from integrations.storage.migrate import head_revision
from integrations.storage.repositories import AdminTokenRepository, IntegrationConfigRepository

BAD_ENV = {
    "INTEGRATIONS_SERVER__PORT": "99999",
    "INTEGRATIONS_LOGGING__LEVEL": "loud",
    "INTEGRATIONS_DATABASE_URL": "mysql://x",
}
SECRET = "pd-key-rotate-me-7d3f"
T = TypeVar("T")


def _cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _exited_cleanly(result: Result) -> bool:
    """The command ended through an exit code, not an unexpected exception."""
    return result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture(name="sqlite_env", autouse=True)
def _sqlite_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A SQLite file and a var folder of the test's own."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", url)
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    return url


@pytest.fixture(name="db_url")
def _db_url(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    """The commands pointed at an empty database on each backend."""
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", database_url)
    return database_url


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("--version",), f"integrations {__version__}\n", id="version"),
        pytest.param(("config", "check"), "configuration is valid", id="config-check"),
        pytest.param(("config", "template", "pandadoc"), "\nPANDADOC_API_KEY=", id="template"),
    ],
)
def test_command_succeeds(args: tuple[str, ...], expected: str) -> None:
    """Commands that need no database exit 0 with their output on stdout."""
    result = _cli(*args)

    assert result.exit_code == 0, result.output
    assert expected in result.stdout


def test_config_check_names_every_invalid_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three bad values give exit 2 and one message naming all three variables."""
    for name, value in BAD_ENV.items():
        monkeypatch.setenv(name, value)

    result = _cli("config", "check")

    assert result.exit_code == 2
    assert _exited_cleanly(result)
    for name in BAD_ENV:
        assert name in result.stderr
    assert "Traceback" not in result.output


def test_config_check_shows_the_proxy_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proxy each scheme uses is listed with credentials masked, with the bypass list."""
    monkeypatch.setenv("HTTPS_PROXY", "http://me:hunter2@proxy.local:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,.internal")
    result = _cli("config", "check")
    assert result.exit_code == 0, result.output
    assert "https via http://***@proxy.local:3128; direct: localhost,.internal" in result.stdout
    assert "hunter2" not in result.output


def test_config_check_refuses_a_proxy_the_engines_cannot_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A socks5:// proxy is named with the reason, exit 2, instead of failing every call."""
    monkeypatch.setenv("HTTPS_PROXY", "socks5://proxy.local:1080")
    result = _cli("config", "check")
    assert result.exit_code == 2 and _exited_cleanly(result)
    assert "HTTPS_PROXY: unsupported proxy socks5://proxy.local" in result.stderr


def test_invalid_config_in_a_real_process() -> None:
    """The installed script exits non-zero with every name on stderr and no traceback."""
    script = Path(sys.executable).parent / "integrations"
    completed = subprocess.run(
        [str(script), "config", "check"],
        env={**os.environ, **BAD_ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode != 0
    for name in BAD_ENV:
        assert name in completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr


def test_admin_list_tokens_empty() -> None:
    """With no tokens the list says how to make one."""
    assert _cli("db", "upgrade").exit_code == 0
    result = _cli("admin", "list-tokens")
    assert result.exit_code == 0 and "create-token" in result.stdout


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("nope", id="plain"),
        pytest.param("[bold]nope", id="markup-swallowed"),
        pytest.param("[/nope]", id="markup-crash"),
    ],
)
def test_config_template_unknown_connector(name: str) -> None:
    """An unknown connector exits 2, quoting the name as given and listing the known ones."""
    result = _cli("config", "template", name)

    assert result.exit_code == 2
    assert _exited_cleanly(result)
    assert repr(name) in result.stderr
    assert "pandadoc" in result.stderr
    assert "typeform" in result.stderr


def test_db_upgrade_current_downgrade(db_url: str) -> None:
    """`db upgrade` reaches head, `db current` shows it, `db downgrade base` empties the schema."""
    head = head_revision()

    def current() -> list[str]:
        result = _cli("db", "current")
        assert result.exit_code == 0, result.output
        return result.stdout.split()

    if not db_url.startswith("sqlite"):  # SQLite has no file yet: the next test covers it
        assert current() == ["current:", "None", "head:", head]
    assert _cli("db", "upgrade").exit_code == 0
    assert current() == ["current:", head, "head:", head]
    assert _cli("db", "downgrade", "base").exit_code == 0
    assert current() == ["current:", "None", "head:", head]


def test_db_current_on_a_missing_sqlite_file_says_so_and_creates_nothing(
    sqlite_env: str, tmp_path: Path
) -> None:
    """Asking for the revision of a database that does not exist exits 1 naming the file and
    the command that creates it; the file is not created by the question."""
    result = _cli("db", "current")

    assert result.exit_code == 1
    assert _exited_cleanly(result)
    assert "no database at" in result.stderr
    assert "cli.db" in result.stderr
    assert "integrations db upgrade" in result.stderr
    assert not (tmp_path / "cli.db").exists()


def test_db_current_on_an_unreachable_postgres_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PostgreSQL server that refuses the connection is a one-line error, not a traceback."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(
        "INTEGRATIONS_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x"
    )
    result = _cli("db", "current")

    assert result.exit_code == 1
    assert _exited_cleanly(result)
    assert "database error" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("db", "upgrade"), id="db-upgrade"),
        pytest.param(("admin", "create-token"), id="create-token"),
        pytest.param(("admin", "revoke-token", "abc"), id="revoke-token"),
        pytest.param(("secrets", "rotate"), id="rotate"),
    ],
)
def test_unreachable_database(monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    """A database that refuses connections gives exit 1 and a message, not a traceback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{port}/x")

    result = _cli(*args)

    assert result.exit_code == 1
    assert _exited_cleanly(result), repr(result.exception)
    assert "error:" in result.stderr


def _in_session(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed session on the database at `url`, outside the CLI."""

    async def run() -> T:
        database = Database(url)
        try:
            async with database.sessions.begin() as session:
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(run())


def test_admin_create_and_revoke_token(db_url: str) -> None:
    """A created token verifies until `revoke-token <id>` revokes it; an unknown id fails."""
    assert _cli("db", "upgrade").exit_code == 0

    created = _cli("admin", "create-token", "--name", "x")

    assert created.exit_code == 0, created.output
    (token,) = re.findall(r"^itk_\S+$", created.stdout, flags=re.MULTILINE)
    assert _in_session(db_url, lambda s: AdminTokenRepository(s).verify(token)) == "x"

    revoked = _cli("admin", "revoke-token", token.split("_", 2)[1])
    unknown = _cli("admin", "revoke-token", "0123456789abcdef")

    assert revoked.exit_code == 0, revoked.output
    assert _in_session(db_url, lambda s: AdminTokenRepository(s).verify(token)) is None
    listed = _cli("admin", "list-tokens")
    assert listed.exit_code == 0
    assert token.split("_", 2)[1] in listed.stdout and token.split("_", 2)[2] not in listed.stdout
    assert unknown.exit_code == 1
    assert _exited_cleanly(unknown)
    assert "no token with id" in unknown.stderr


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("  ", id="blank"),
        pytest.param("n" * 129, id="long"),
    ],
)
def test_admin_create_token_bad_name(name: str) -> None:
    """A name that is blank or too long is refused with exit 2 before touching the database."""
    result = _cli("admin", "create-token", "--name", name)

    assert result.exit_code == 2
    assert "--name" in result.stderr


def test_secrets_keygen() -> None:
    """`secrets keygen` prints one valid Fernet key."""
    result = _cli("secrets", "keygen")

    assert result.exit_code == 0
    Fernet(result.stdout.strip().encode())


def test_secrets_rotate(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rotation fails without the old key; with "B,A" it leaves secrets readable with B alone."""
    key_a, key_b = generate_key(), generate_key()
    monkeypatch.setenv("INTEGRATIONS_SECRET_KEY", key_a)
    assert _cli("db", "upgrade").exit_code == 0
    update = IntegrationSettingsUpdate.model_validate({"credentials": {"api_key": SECRET}})

    async def store() -> None:
        services = Services(load_settings())
        try:
            await services.update_config("pandadoc", update, changed_by="test")
        finally:
            await services.close()

    def credentials(key: str) -> dict[str, object]:
        box = SecretBox([key])
        get = lambda s: IntegrationConfigRepository(s, box).get(integration="pandadoc")  # noqa: E731
        return _in_session(db_url, get).credentials

    asyncio.run(store())
    monkeypatch.setenv("INTEGRATIONS_SECRET_KEY", generate_key())
    refused = _cli("secrets", "rotate")
    assert refused.exit_code == 2
    assert "cannot be decrypted" in refused.stderr
    assert credentials(key_a) == {"api_key": SECRET}

    monkeypatch.setenv("INTEGRATIONS_SECRET_KEY", f"{key_b},{key_a}")
    rotated = _cli("secrets", "rotate")

    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 1 secret(s)" in rotated.stdout
    assert credentials(key_b) == {"api_key": SECRET}
    with pytest.raises(ConfigError):
        credentials(key_a)
