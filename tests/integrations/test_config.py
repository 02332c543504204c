"""Process settings: defaults per environment, all-at-once validation, production rules."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.config import Environment, get_settings, is_placeholder, load_settings
from integrations.errors import ConfigError

GOOD_TOKEN = "a-long-random-admin-token-0123456789"
LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


def _load(env: dict[str, str]) -> object:
    with mock.patch.dict(os.environ, env):
        return load_settings()


def test_development_defaults() -> None:
    """Development needs nothing set: SQLite under var/, console logs, no Redis."""
    s = load_settings()
    assert s.env is Environment.DEVELOPMENT
    assert s.resolved_database_url == "sqlite+aiosqlite:///var/integrations.db"
    assert s.log_format == "console"
    assert s.redis_url is None
    assert s.server.host == "127.0.0.1" and s.server.port == 8000


@pytest.mark.parametrize(
    ("env", "fmt"),
    [
        pytest.param("staging", "json", id="staging"),
        pytest.param("development", "console", id="development"),
    ],
)
def test_log_format_per_environment(env: str, fmt: str) -> None:
    """Logs are JSON outside development unless a format is set."""
    s = load_settings(env=env)
    assert s.log_format == fmt
    assert load_settings(env=env, logging={"format": "json"}).log_format == "json"


def test_nested_groups_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nested groups are read with the `__` delimiter."""
    monkeypatch.setenv("INTEGRATIONS_SERVER__PORT", "9100")
    monkeypatch.setenv("INTEGRATIONS_LOGGING__LEVEL", "debug")
    monkeypatch.setenv("INTEGRATIONS_LOGGING__INTEGRATION_LEVELS", '{"pandadoc": "DEBUG"}')
    s = load_settings()
    assert s.server.port == 9100
    assert s.logging.level == "DEBUG"
    assert s.logging.integration_levels == {"pandadoc": "DEBUG"}


def test_dotenv_is_read(tmp_path: Path) -> None:
    """A `.env` file in the working folder is read."""
    (tmp_path / ".env").write_text("INTEGRATIONS_SERVER__PORT=9200\n")
    assert load_settings().server.port == 9200


def test_postgres_url_is_normalised() -> None:
    """A plain postgresql:// URL is given the psycopg driver."""
    s = load_settings(database_url="postgresql://u@h/db")
    assert s.resolved_database_url == "postgresql+psycopg://u@h/db"


def test_three_bad_fields_in_one_message() -> None:
    """Three invalid values are reported together, each by its variable name."""
    env = {
        "INTEGRATIONS_SERVER__PORT": "99999",
        "INTEGRATIONS_LOGGING__LEVEL": "loud",
        "INTEGRATIONS_DATABASE_URL": "mysql://x",
    }
    with pytest.raises(ConfigError) as info:
        _load(env)
    message = str(info.value)
    for name in env:
        assert name in message
    assert len(info.value.problems) == 3


def test_production_requires_real_secrets() -> None:
    """Production refuses a missing key and a placeholder admin token."""
    with pytest.raises(ConfigError) as info:
        _load({"INTEGRATIONS_ENV": "production", "INTEGRATIONS_ADMIN_TOKEN": "changethis"})
    fields = {field for field, _ in info.value.problems}
    assert fields == {"INTEGRATIONS_SECRET_KEY", "INTEGRATIONS_ADMIN_TOKEN"}
    assert "changethis" not in str(info.value)


def test_production_accepts_real_secrets() -> None:
    """Production starts with a Fernet key and a long admin token."""
    key = Fernet.generate_key().decode()
    s = load_settings(env="production", secret_key=key, admin_token=GOOD_TOKEN)
    assert s.is_production and s.log_format == "json"


def test_short_admin_token_refused_in_production() -> None:
    """A short admin token is refused in production."""
    key = Fernet.generate_key().decode()
    with pytest.raises(ConfigError, match="at least 24"):
        load_settings(env="production", secret_key=key, admin_token="short-token-19")


def test_bad_secret_key_never_echoed() -> None:
    """An invalid key is reported without its value."""
    with pytest.raises(ConfigError) as info:
        load_settings(secret_key="not-a-fernet-key-value")
    assert "not-a-fernet-key-value" not in str(info.value)


def test_invalid_redis_url() -> None:
    """A Redis URL must use a redis scheme."""
    with pytest.raises(ConfigError, match="INTEGRATIONS_REDIS_URL"):
        load_settings(redis_url="http://localhost")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("", True, id="empty"),
        pytest.param("changethis", True, id="changethis"),
        pytest.param("<your key>", True, id="angle"),
        pytest.param("xxxx", True, id="xxx"),
        pytest.param("k3Jd9-real-value", False, id="real"),
    ],
)
def test_placeholders(value: str, expected: bool) -> None:
    """Template words are recognised as placeholders."""
    assert is_placeholder(value) is expected


def test_get_settings_is_cached() -> None:
    """The process settings are built once."""
    assert get_settings() is get_settings()


# Property 34: configuration validated at start-up — every invalid value reported, valid accepted.
PORTS = st.one_of(st.integers(-70_000, 140_000), st.text(max_size=6))
LEVEL_NAMES = st.one_of(st.sampled_from(sorted(LEVELS)), st.text(max_size=10))
TIMEOUTS = st.one_of(st.floats(-10, 1_000, allow_nan=False), st.sampled_from(["abc", "", "1e9"]))


def _port_ok(value: object) -> bool:
    text = str(value).strip()
    digits = text.lstrip("-")
    return digits.isascii() and digits.isdigit() and 1 <= int(text) <= 65535


def _timeout_ok(value: object) -> bool:
    try:
        number = float(str(value))
    except ValueError:
        return False
    return 0 < number <= 120


@settings(max_examples=150, deadline=None)
@given(port=PORTS, level=LEVEL_NAMES, timeout=TIMEOUTS)
def test_property_34_startup_validation(port: object, level: str, timeout: object) -> None:
    """Any generated invalid value is reported by name; a fully valid set is accepted."""
    env = {
        "INTEGRATIONS_SERVER__PORT": str(port),
        "INTEGRATIONS_LOGGING__LEVEL": level,
        "INTEGRATIONS_HTTP__CONNECT_TIMEOUT": str(timeout),
    }
    expected_bad = {
        name
        for name, ok in (
            ("INTEGRATIONS_SERVER__PORT", _port_ok(port)),
            ("INTEGRATIONS_LOGGING__LEVEL", level.upper() in LEVELS),
            ("INTEGRATIONS_HTTP__CONNECT_TIMEOUT", _timeout_ok(timeout)),
        )
        if not ok
    }
    if "\x00" in "".join(env.values()):
        return  # an environment cannot hold NUL bytes
    if not expected_bad:
        _load(env)
        return
    with pytest.raises(ConfigError) as info:
        _load(env)
    assert {field for field, _ in info.value.problems} == expected_bad


def test_unknown_http_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key the HTTP group does not have (the retired TIMEOUT) is refused by name."""
    monkeypatch.setenv("INTEGRATIONS_HTTP__TIMEOUT", "5")
    with pytest.raises(ConfigError, match="INTEGRATIONS_HTTP__TIMEOUT"):
        load_settings()


def test_invalid_json_group_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A nested group that is not JSON is reported like any other bad value."""
    monkeypatch.setenv("INTEGRATIONS_LOGGING__INTEGRATION_LEVELS", "{bad")
    with pytest.raises(ConfigError, match="INTEGRATIONS_LOGGING"):
        load_settings()


def test_integration_levels_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-integration levels accept any case; a bad one names its connector."""
    monkeypatch.setenv("INTEGRATIONS_LOGGING__INTEGRATION_LEVELS", '{"pandadoc": "debug"}')
    assert load_settings().logging.integration_levels == {"pandadoc": "DEBUG"}
    monkeypatch.setenv("INTEGRATIONS_LOGGING__INTEGRATION_LEVELS", '{"pandadoc": "loud"}')
    with pytest.raises(ConfigError, match=r"INTEGRATION_LEVELS \(pandadoc\)"):
        load_settings()
