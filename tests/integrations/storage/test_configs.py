"""Runtime configuration: validated updates, history, encrypted credentials (property 35)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from integrations.errors import ConfigError
from integrations.mock.spec import MOCK_SPEC
from integrations.runtime_config import IntegrationSettingsUpdate, RateLimitWindow
from integrations.services import Services
from integrations.storage.crypto import SecretBox, generate_key
from integrations.storage.rotation import rotate_secrets
from integrations.storage.tables import (
    IntegrationConfigHistoryRow,
    IntegrationConfigRow,
    OAuthTokenRow,
)
from integrations.storage.tables_inbound import WebhookSubscriptionRow

API_KEY = "pd_live_QmVyeVNlY3JldEFwaUtleQ"


async def test_defaults_come_from_the_connector(services: Services) -> None:
    """An integration never configured is disabled, with its connector's own limits."""
    config = await services.get_config("typeform")
    assert config.version == 0 and not config.settings.enabled
    assert config.settings.rate_limits == (RateLimitWindow(limit=2, period_seconds=1),)


async def test_update_records_history_with_masked_secrets(services: Services) -> None:
    """Each change writes who, when, old and new; secrets appear only as a mask."""
    await services.update_config(
        "pandadoc",
        IntegrationSettingsUpdate(enabled=True, credentials={"api_key": API_KEY}),
        changed_by="alice",
    )
    await services.update_config(
        "pandadoc", IntegrationSettingsUpdate(mode="mock"), changed_by="bob"
    )
    config = await services.get_config("pandadoc")
    assert config.credentials == {"api_key": API_KEY}
    assert config.version == 2 and config.settings.mode == "mock" and config.settings.enabled
    async with services.db.sessions() as session:
        rows = list(
            await session.scalars(
                select(IntegrationConfigHistoryRow).order_by(IntegrationConfigHistoryRow.version)
            )
        )
    assert [(r.version, r.changed_by) for r in rows] == [(1, "alice"), (2, "bob")]
    assert rows[0].old_value is None
    assert rows[1].old_value is not None and rows[1].old_value["mode"] == "live"
    assert rows[1].new_value["credentials"] == {"api_key": "***"}
    assert API_KEY not in repr([(r.old_value, r.new_value) for r in rows])
    assert API_KEY not in str(config.public())


async def test_invalid_update_writes_nothing(services: Services) -> None:
    """A bad merged value raises ConfigError naming it, and storage is untouched."""
    await services.update_config("mock", IntegrationSettingsUpdate(enabled=True), changed_by="a")
    # The update model refuses these bounds itself (as its schema says); built without
    # validation, they still cannot pass the merge.
    bad = IntegrationSettingsUpdate.model_construct(cache_ttl_seconds=-5, timeout_seconds=0)
    with pytest.raises(ConfigError) as info:
        await services.update_config("mock", bad, changed_by="a")
    assert {f for f, _ in info.value.problems} == {"cache_ttl_seconds", "timeout_seconds"}
    config = await services.get_config("mock")
    assert config.version == 1
    assert config.settings.cache_ttl_seconds == MOCK_SPEC.cache_ttl_seconds  # the connector's
    assert config.settings.timeout_seconds == MOCK_SPEC.timeout_seconds


async def test_unknown_connector_refused(services: Services) -> None:
    """Configuration exists only for registered connectors."""
    with pytest.raises(ConfigError, match="unknown connector"):
        await services.get_config("nope")


async def test_api_key_not_in_raw_database(services: Services, database_url: str) -> None:
    """A stored API key is nowhere in a raw dump of the database."""
    await services.update_config(
        "pandadoc", IntegrationSettingsUpdate(credentials={"api_key": API_KEY}), changed_by="a"
    )
    if services.db.is_sqlite:
        await services.db.dispose()  # checkpoint the WAL into the file
        path = Path(database_url.split("///", 1)[1])
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"pandadoc" in raw  # the row is really in the file we read
    else:
        raw = _pg_dump(database_url)
        assert b"pandadoc" in raw
    assert API_KEY.encode() not in raw


def _pg_dump(url: str) -> bytes:
    """Every row of every table as text, as `pg_dump --data-only` would show it."""
    out = []
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        for table in tables:
            out.append(table)
            out.extend(str(row) for row in conn.execute(f'SELECT * FROM "{table}"'))  # noqa: S608
    return "\n".join(out).encode()


async def test_rotate_then_new_key_alone(services: Services) -> None:
    """After rotation every stored secret decrypts with the new key alone."""
    await services.update_config(
        "pandadoc", IntegrationSettingsUpdate(credentials={"api_key": API_KEY}), changed_by="a"
    )
    old_box = services.box
    async with services.db.sessions.begin() as session:
        session.add(
            OAuthTokenRow(
                integration="practicepanther",
                access_token=old_box.encrypt("at-1"),
                refresh_token=old_box.encrypt("rt-1"),
            )
        )
        session.add(
            WebhookSubscriptionRow(
                integration="typeform",
                resource_id="f1",
                tag="t",
                url="https://x",
                secret=old_box.encrypt("whsec-1"),
                previous_secret=old_box.encrypt("whsec-0"),
            )
        )
    new_key = generate_key()
    old_keys = services.settings.secret_key.get_secret_value()  # type: ignore[union-attr]
    both = SecretBox([new_key, old_keys])
    async with services.db.sessions.begin() as session:
        report = await rotate_secrets(session, both)
    assert (report.integration_configs, report.oauth_tokens, report.webhook_subscriptions) == (
        1,
        1,
        1,
    )
    new_only = SecretBox([new_key])
    async with services.db.sessions() as session:
        config = await session.scalar(select(IntegrationConfigRow))
        token = await session.scalar(select(OAuthTokenRow))
        sub = await session.scalar(select(WebhookSubscriptionRow))
    assert config is not None and token is not None and sub is not None
    assert new_only.decrypt_json(config.credentials or "") == {"api_key": API_KEY}
    assert new_only.decrypt(token.access_token) == "at-1"
    assert new_only.decrypt(token.refresh_token or "") == "rt-1"
    assert new_only.decrypt(sub.secret or "") == "whsec-1"
    assert new_only.decrypt(sub.previous_secret or "") == "whsec-0"


async def test_rotation_with_unknown_key_changes_nothing(services: Services) -> None:
    """A rotation that cannot decrypt a value aborts without touching any row."""
    await services.update_config(
        "pandadoc", IntegrationSettingsUpdate(credentials={"api_key": API_KEY}), changed_by="a"
    )
    async with services.db.sessions() as session:
        before = await session.scalar(text("SELECT credentials FROM integration_configs"))
    with pytest.raises(ConfigError):
        async with services.db.sessions.begin() as session:
            await rotate_secrets(session, SecretBox([generate_key()]))
    async with services.db.sessions() as session:
        assert await session.scalar(text("SELECT credentials FROM integration_configs")) == before


# Property 35: a runtime configuration update is read by the next use and recorded in history.
UPDATES = st.fixed_dictionaries(
    {},
    optional={
        "enabled": st.booleans(),
        "mode": st.sampled_from(["live", "mock"]),
        "cache_ttl_seconds": st.floats(0, 86_400, allow_nan=False),
        "timeout_seconds": st.floats(0.5, 600, allow_nan=False),
        "retry": st.builds(dict, max_attempts=st.integers(1, 10)),
        "rate_limits": st.lists(
            st.builds(
                dict, limit=st.integers(1, 1000), period_seconds=st.sampled_from([1, 60, 300])
            ),
            max_size=3,
        ),
    },
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(updates=st.lists(UPDATES, min_size=1, max_size=4))
async def test_property_35_runtime_updates(
    services: Services, updates: list[dict[str, object]]
) -> None:
    """After each update the next read returns it, and history grows by exactly one row."""
    start = (await services.get_config("mock")).version
    expected_version = start
    for i, raw in enumerate(updates, start=1):
        update = IntegrationSettingsUpdate.model_validate(raw)
        await services.update_config("mock", update, changed_by=f"user{i}")
        current = await services.get_config("mock")
        expected_version += 1 if raw else 0  # an empty update changes nothing
        assert current.version == expected_version
        for field in raw:
            expected = getattr(update, field)
            actual = getattr(current.settings, field)
            if field == "rate_limits":
                assert list(actual) == expected
            elif field in {"retry", "circuit"}:
                for key, value in raw[field].items():  # type: ignore[attr-defined]
                    assert getattr(actual, key) == value
            else:
                assert actual == expected
    async with services.db.sessions() as session:
        rows = list(
            await session.scalars(
                select(IntegrationConfigHistoryRow).where(
                    IntegrationConfigHistoryRow.integration == "mock",
                    IntegrationConfigHistoryRow.version > start,
                )
            )
        )
    assert sorted(r.version for r in rows) == list(range(start + 1, expected_version + 1))
