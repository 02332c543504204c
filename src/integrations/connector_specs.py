"""A connector's own call settings, and the runtime configuration that starts from them.

A connector declares its retry, breaker, limits, cache and timeouts once, in its client's
`ProviderSpec`. The runtime configuration (`integration_configs`) keeps only what an operator
set; every other field takes the connector's value from here, so a generic runtime default can
never override what a connector declares (it did: the server built PandaDoc with 3 attempts
and a 60 s cap while its spec says 7 and 32 s). A registry entry may add runtime defaults of
its own (PandaDoc's global 300/min window); for a connector without a client they are all
there is.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from integrations.errors import ConfigError
from integrations.registry import ConnectorInfo, get_connector
from integrations.runtime_config import IntegrationSettings, RateLimitWindow, with_defaults

if TYPE_CHECKING:
    from integrations.core.client import BaseIntegration
    from integrations.core.spec import ProviderSpec

__all__ = [
    "client_class",
    "connector_defaults",
    "connector_spec",
    "effective_spec",
    "spec_settings",
]

# Runtime fields that are not copied from the spec: `base_url` unset means "the spec's host"
# already, and as an `HttpUrl` it would come back rewritten (a trailing slash added).
_NOT_FROM_SPEC = frozenset({"base_url"})


def client_class(info: ConnectorInfo) -> type[BaseIntegration]:
    """The `BaseIntegration` subclass of `info` ("module:Class" in the registry), imported.

    Raises:
        ConfigError: the connector has no client in this version.
    """
    if info.client is None:
        raise ConfigError(f"connector {info.name!r} has no client in this version")
    module, _, attr = info.client.partition(":")
    cls: type[BaseIntegration] = getattr(importlib.import_module(module), attr)
    return cls


def connector_spec(info: ConnectorInfo) -> ProviderSpec | None:
    """The spec `info`'s client declares (`SPEC`), or None for a connector without a client."""
    if info.client is None:
        return None
    spec: ProviderSpec = client_class(info).SPEC  # type: ignore[attr-defined]
    return spec


@functools.cache
def connector_defaults(name: str) -> IntegrationSettings:
    """What connector `name`'s runtime configuration holds before an operator sets anything.

    Registry defaults first, then the spec's values, then `IntegrationSettings`' own. No field
    counts as set (`model_fields_set` is empty), so none of it is ever stored.
    """
    info = get_connector(name)
    spec = connector_spec(info)
    start = IntegrationSettings() if spec is None else _from_spec(spec)
    return _nothing_set(with_defaults(info.defaults, start))


def spec_settings(info: ConnectorInfo, settings: IntegrationSettings) -> IntegrationSettings:
    """`settings` as `ProviderSpec.with_settings` should see them.

    Rate-limit windows go through only when an operator or the registry configured some:
    otherwise the spec keeps its own rules as they are (names and matchers included), rather
    than getting back nameless copies of its global ones.
    """
    configured = settings.model_fields_set | info.defaults.model_fields_set
    if "rate_limits" in configured:
        return settings
    return settings.model_copy(update={"rate_limits": ()})


def effective_spec(info: ConnectorInfo, settings: IntegrationSettings) -> ProviderSpec:
    """The spec a client of `info` gets for runtime `settings`: the connector's own values,
    with only what the operator (or the registry entry) set applied over them."""
    resolved = with_defaults(settings, connector_defaults(info.name))
    base = client_class(info).SPEC  # type: ignore[attr-defined]
    spec: ProviderSpec = base.with_settings(spec_settings(info, resolved))
    # Costs are declared once, on the operations; the pipeline books them per call.
    from integrations.actions.catalog import operation_costs

    costs = operation_costs(info.name)
    if costs:
        spec = dataclasses.replace(spec, operation_costs=costs)
    return spec


def _from_spec(spec: ProviderSpec) -> IntegrationSettings:
    """`IntegrationSettings` holding `spec`'s values, field by field where the names match."""
    base = IntegrationSettings()
    update: dict[str, Any] = {}
    for name, value in base:
        if name in _NOT_FROM_SPEC or not hasattr(spec, name):
            continue
        own = getattr(spec, name)
        if name == "rate_limits":
            update[name] = tuple(
                RateLimitWindow.model_construct(limit=r.limit, period_seconds=r.period_seconds)
                for r in own
                if not (r.path or r.methods)  # the windows runtime configuration replaces
            )
        elif isinstance(value, BaseModel) and dataclasses.is_dataclass(own):
            fields = {f: getattr(own, f) for f in type(value).model_fields if hasattr(own, f)}
            update[name] = value.model_copy(update=fields)
        elif not isinstance(value, BaseModel):
            update[name] = own
    return base.model_copy(update=update)


def _nothing_set(settings: IntegrationSettings) -> IntegrationSettings:
    values: dict[str, Any] = {
        name: type(v).model_construct(set(), **dict(v)) if isinstance(v, BaseModel) else v
        for name, v in settings
    }
    return IntegrationSettings.model_construct(set(), **values)
