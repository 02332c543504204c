"""The settings a connector's client really runs with, and where each value comes from.

`integrations config show <name>` and `GET /api/v1/integrations/{name}/settings` print this:
the spec of a client built the way the server builds it, from the stored runtime
configuration. Rows are read field by field from the spec's dataclasses, so a field added to
a spec (or to its retry, breaker or limit rules) shows up here without a change; only fields
that describe the vendor's wire format rather than how calls behave are left out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from integrations.connector_specs import connector_spec, effective_spec
from integrations.errors import ConfigError
from integrations.registry import get_connector
from integrations.runtime_config import IntegrationSettings

if TYPE_CHECKING:
    from integrations.core.spec import ProviderSpec
    from integrations.factory import IntegrationFactory

__all__ = [
    "SOURCES",
    "EffectiveSettings",
    "NoCallSettingsError",
    "SettingRow",
    "describe",
    "spec_rows",
]

SPEC, REGISTRY, CONFIG = "connector spec", "registry default", "runtime config"
OPTIONS, CLIENT = "runtime config (options)", "environment or credentials"
SOURCES = (SPEC, REGISTRY, CONFIG, OPTIONS, CLIENT)
# Identity and wire format: what the vendor's API is, not how our calls to it behave.
_NOT_SETTINGS = frozenset({"name", "auth", "pagination", "webhook", "request_id_header"})
# Rate-limit rule fields written in the rule's own words; any other field is added as k=v.
_RULE_WORDS = frozenset({"limit", "period_seconds", "methods", "path", "name"})


class NoCallSettingsError(ConfigError):
    """The connector has no client, so no call of it has settings to show."""

    http_status = 404
    code = "no_call_settings"


@dataclass(frozen=True, slots=True)
class SettingRow:
    """One effective setting: `retry.max_attempts`, `rate_limits.send`, ...

    Args:
        setting: the spec field's path; a rule is named by its label.
        value: the value as JSON.
        text: the value as printed, and as a connector README documents it.
        source: one of `SOURCES`.
    """

    setting: str
    value: Any
    text: str
    source: str


@dataclass(frozen=True, slots=True)
class EffectiveSettings:
    """Every effective setting of one integration, with what it was built from."""

    integration: str
    enabled: bool
    mode: str
    version: int
    client_built: bool
    note: str | None
    rows: tuple[SettingRow, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of `config show --json` and the REST endpoint."""
        body = dataclasses.asdict(self)
        body["settings"] = list(body.pop("rows"))
        return body


async def describe(factory: IntegrationFactory, name: str) -> EffectiveSettings:
    """The settings a client of `name` built by `factory` gets from the stored configuration.

    The client is built as the server builds it (enabled or not) and closed again; when it
    cannot be built (no credentials in live mode), the spec the factory would hand it is shown
    and `note` says why.

    Raises:
        ConfigError: unknown connector; NoCallSettingsError for one without a client.
    """
    info = get_connector(name)
    connector = connector_spec(info)
    if connector is None:
        raise NoCallSettingsError(
            f"{name} has no client in this version: it makes no outbound calls, "
            "so it has no call settings"
        )
    config = await factory.services.get_config(name)
    handed = effective_spec(info, config.settings)
    built: ProviderSpec | None = None
    note = None
    try:
        client = factory.build(config)
    except ConfigError as exc:
        note = (
            f"no client could be built ({exc.message}); shown: the spec the server would "
            "hand it, before the client's own adjustments from environment or credentials"
        )
    else:
        built = client.spec
        await client.aclose()
    rows = _rows(connector, handed, built, _chosen(config.settings), _chosen(info.defaults))
    return EffectiveSettings(
        integration=name,
        enabled=config.settings.enabled,
        mode=config.settings.mode,
        version=config.version,
        client_built=built is not None,
        note=note,
        rows=rows,
    )


def spec_rows(spec: ProviderSpec) -> dict[str, Any]:
    """`spec`'s settings as {setting: value}, read generically from its dataclasses."""
    rows: dict[str, Any] = {}
    for field in dataclasses.fields(spec):
        if field.name in _NOT_SETTINGS:
            continue
        value = getattr(spec, field.name)
        if _is_instance(value):
            for sub in dataclasses.fields(value):
                rows[f"{field.name}.{sub.name}"] = getattr(value, sub.name)
        elif isinstance(value, tuple) and value and all(_is_instance(v) for v in value):
            for item in value:
                label = str(getattr(item, "label", "") or len(rows))
                key = f"{field.name}.{label}"
                rows[key if key not in rows else f"{key}#{len(rows)}"] = item
        else:
            rows[field.name] = value
    return rows


def _rows(
    connector: ProviderSpec,
    handed: ProviderSpec,
    built: ProviderSpec | None,
    operator: set[str],
    registry: set[str],
) -> tuple[SettingRow, ...]:
    base, given = spec_rows(connector), spec_rows(handed)
    final = spec_rows(built) if built is not None else given
    rows = []
    for setting, value in final.items():
        field = _runtime_field(setting, value)
        if setting not in given or given[setting] != value:
            source = CLIENT  # changed by the client itself: PANDADOC_SANDBOX, a credential
        elif field in operator:
            source = CONFIG
        elif field in registry:
            source = REGISTRY
        elif base.get(setting) != value:
            source = OPTIONS  # a connector option (PandaDoc's limits_profile, sandbox)
        else:
            source = SPEC
        rows.append(SettingRow(setting, _as_json(value), _as_text(value), source))
    return tuple(rows)


def _chosen(settings: IntegrationSettings) -> set[str]:
    """The runtime fields set explicitly, as paths ("retry.max_attempts", "rate_limits")."""
    paths = set()
    for name in settings.model_fields_set:
        group = getattr(settings, name)
        if isinstance(group, BaseModel):
            paths |= {f"{name}.{sub}" for sub in group.model_fields_set}
        else:
            paths.add(name)
    return paths


def _runtime_field(setting: str, value: Any) -> str | None:
    """The runtime configuration field that sets spec `setting`, if there is one."""
    head, _, rest = setting.partition(".")
    if head == "rate_limits" and rest:  # runtime windows replace the spec's global rules only
        return head if not (value.path or value.methods) else None
    if head not in IntegrationSettings.model_fields:
        return None
    group = getattr(IntegrationSettings(), head)
    if isinstance(group, BaseModel):
        return setting if rest in type(group).model_fields else None
    return head


def _is_instance(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _as_json(value: Any) -> Any:
    if _is_instance(value):
        return {f.name: _as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (tuple, list)):
        return [_as_json(v) for v in value]
    if isinstance(value, Mapping):  # a read-only mapping in a spec (operation costs)
        return {str(k): _as_json(v) for k, v in value.items()}
    return value


def _as_text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if _is_instance(value) and hasattr(value, "period_seconds"):
        return _rule_text(value)
    if isinstance(value, (set, frozenset, tuple, list)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return ", ".join(_item_text(v) for v in items) or "none"
    return str(value)


def _item_text(item: Any) -> str:
    if isinstance(item, tuple) and len(item) == 2:  # (name, value) pairs: endpoint overrides
        return f"{item[0]}={_as_text(item[1])}"
    return _as_text(item)


def _rule_text(rule: Any) -> str:
    """`300 per 60 s`, then methods, path and any field not at its default."""
    parts = [f"{rule.limit} per {_as_text(rule.period_seconds)} s"]
    if rule.methods:
        parts.append("/".join(sorted(rule.methods)))
    if rule.path:
        parts.append(rule.path)
    for field in dataclasses.fields(rule):
        value = getattr(rule, field.name)
        known_default = field.name == "cost" and value == field.default
        if field.name not in _RULE_WORDS and not known_default:
            parts.append(f"{field.name}={_as_text(value)}")
    return ", ".join(parts)
