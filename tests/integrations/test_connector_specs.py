"""A connector's own call settings are the defaults; runtime configuration overrides only what an
operator set, and `effective_settings.describe` names the source of every value."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from integrations.connector_specs import connector_defaults, connector_spec, effective_spec
from integrations.effective_settings import EffectiveSettings, describe, spec_rows
from integrations.factory import IntegrationFactory
from integrations.pandadoc.spec import PANDADOC_SPEC
from integrations.registry import CONNECTORS
from integrations.runtime_config import (
    IntegrationSettings,
    IntegrationSettingsUpdate,
    RetrySettings,
    with_defaults,
)
from integrations.services import Services
from integrations.storage.tables import IntegrationConfigRow

WITH_CLIENT = sorted(name for name, info in CONNECTORS.items() if info.client)
PANDADOC_LIVE = {"enabled": True, "credentials": {"api_key": "pd-test-key"}}


async def _set(services: Services, name: str, body: dict[str, Any]) -> None:
    update = IntegrationSettingsUpdate.model_validate(body)
    await services.update_config(name, update, changed_by="test")


async def _stored(services: Services, name: str) -> dict[str, Any]:
    async with services.db.sessions() as session:
        row = await session.scalar(
            select(IntegrationConfigRow).where(IntegrationConfigRow.integration == name)
        )
    assert row is not None
    return dict(row.settings)


def _rows(report: Any) -> dict[str, tuple[str, str]]:
    return {r.setting: (r.text, r.source) for r in report.rows}


@pytest.mark.parametrize("name", WITH_CLIENT)
def test_unconfigured_spec_is_the_connectors_own(name: str) -> None:
    """With nothing set by an operator, every setting equals the connector's spec, except the
    fields its registry entry sets on purpose."""
    info = CONNECTORS[name]
    spec = connector_spec(info)
    assert spec is not None
    registry_set = info.defaults.model_fields_set - {"enabled", "mode"}

    given = spec_rows(effective_spec(info, IntegrationSettings()))

    expected = {k: v for k, v in spec_rows(spec).items() if k.split(".")[0] not in registry_set}
    assert {k: v for k, v in given.items() if k in expected} == expected


@pytest.mark.parametrize("name", WITH_CLIENT)
async def test_unconfigured_rows_come_from_the_connector(services: Services, name: str) -> None:
    """For every connector with a client, an unconfigured integration's settings all come from
    its spec or its registry entry, one row per spec setting."""
    report = await _describe(services, name)

    spec = connector_spec(CONNECTORS[name])
    assert spec is not None
    assert {r.source for r in report.rows} <= {"connector spec", "registry default"}
    assert {r.setting for r in report.rows} >= set(spec_rows(spec)) - {"rate_limits"}


def test_pandadoc_defaults_are_the_documented_ones() -> None:
    """PandaDoc's runtime defaults carry its spec's 7 attempts and 32 s cap, not 3 and 60 s."""
    defaults = connector_defaults("pandadoc")

    assert (defaults.retry.max_attempts, defaults.retry.cap_seconds) == (7, 32.0)
    assert defaults.cache_ttl_seconds == PANDADOC_SPEC.cache_ttl_seconds
    assert not defaults.model_fields_set  # nothing of it is ever stored


def test_with_defaults_keeps_what_the_operator_set() -> None:
    """Fields the operator set win and stay marked as set; the rest come from the defaults."""
    chosen = IntegrationSettings.model_validate({"retry": {"max_attempts": 4}})

    merged = with_defaults(chosen, connector_defaults("pandadoc"))

    assert merged.retry == RetrySettings.model_construct(
        max_attempts=4, base_seconds=1.0, cap_seconds=32.0
    )
    assert merged.model_dump(exclude_unset=True) == {"retry": {"max_attempts": 4}}


async def _describe(services: Services, name: str) -> EffectiveSettings:
    """What `config show <name>` reports, from a factory opened and closed for it."""
    factory = IntegrationFactory(services)
    try:
        return await describe(factory, name)
    finally:
        await factory.close()


async def test_server_built_client_retries_as_documented(services: Services) -> None:
    """A PandaDoc client from the process factory has the spec's retry rules (7 attempts,
    waits capped at 32 s), not the generic runtime default."""
    await _set(services, "pandadoc", PANDADOC_LIVE)
    factory = IntegrationFactory(services)
    try:
        client = await factory.get("pandadoc")
    finally:
        await factory.close()

    assert client.spec.retry == PANDADOC_SPEC.retry
    assert (client.spec.retry.max_attempts, client.spec.retry.cap_seconds) == (7, 32.0)
    assert await _stored(services, "pandadoc") == {}  # enabling stored no call settings


async def test_operator_override_and_reset(services: Services) -> None:
    """A set field overrides only itself and is stored alone; `null` gives the connector's
    value back and removes it from storage."""
    await _set(services, "pandadoc", PANDADOC_LIVE | {"retry": {"max_attempts": 4}})
    await _set(services, "pandadoc", {"timeout_seconds": 5})
    factory = IntegrationFactory(services)
    try:
        overridden = await factory.get("pandadoc")
        assert (overridden.spec.retry.max_attempts, overridden.spec.retry.cap_seconds) == (4, 32)
        assert overridden.spec.timeout_seconds == 5
        assert await _stored(services, "pandadoc") == {
            "retry": {"max_attempts": 4},
            "timeout_seconds": 5.0,
        }

        await _set(services, "pandadoc", {"retry": {"max_attempts": None}})
        await _set(services, "pandadoc", {"timeout_seconds": None})
        restored = await factory.get("pandadoc")
    finally:
        await factory.close()

    assert restored.spec.retry == PANDADOC_SPEC.retry
    assert restored.spec.timeout_seconds == PANDADOC_SPEC.timeout_seconds
    assert await _stored(services, "pandadoc") == {}


async def test_sources_name_where_each_value_comes_from(services: Services) -> None:
    """Operator fields read `runtime config`, the registry's window `registry default`, a
    connector option `runtime config (options)` and untouched values `connector spec`."""
    body = {"retry": {"cap_seconds": 10}, "options": {"limits_profile": "limits-page"}}
    await _set(services, "pandadoc", PANDADOC_LIVE | body)
    report = await _describe(services, "pandadoc")

    rows = _rows(report)
    assert report.client_built and report.note is None and report.enabled
    assert rows["retry.cap_seconds"] == ("10", "runtime config")
    assert rows["retry.max_attempts"] == ("7", "connector spec")
    assert rows["rate_limits.300/60s"] == ("300 per 60 s", "registry default")
    assert rows["rate_limits.create_pdf"][1] == "runtime config (options)"
    assert rows["rate_limits.create_pdf"][0].startswith("50 per 60 s, POST, ")
    assert rows["limits_profile"] == ("limits-page", "runtime config (options)")
    assert rows["circuit.failure_threshold"] == ("5", "connector spec")


async def test_client_adjustments_are_attributed(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sandbox key set in the environment changes the built client's limits, and the rows
    say the environment or credentials did it."""
    monkeypatch.setenv("PANDADOC_SANDBOX", "true")
    await _set(services, "pandadoc", PANDADOC_LIVE)
    report = await _describe(services, "pandadoc")

    rows = _rows(report)
    assert rows["sandbox"] == ("true", "environment or credentials")
    assert rows["rate_limits.sandbox"][1] == "environment or credentials"
    assert "rate_limits.create_pdf" not in rows


async def test_unbuildable_client_shows_the_handed_spec(services: Services) -> None:
    """Without credentials the client cannot be built: the report says why and still shows
    the spec the server would hand it."""
    report = await _describe(services, "pandadoc")

    assert not report.client_built and not report.enabled and report.version == 0
    assert report.note is not None and "no credentials" in report.note
    assert _rows(report)["retry.max_attempts"] == ("7", "connector spec")
