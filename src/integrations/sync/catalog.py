"""Which integrations have a sync, and their `SyncDefinition`.

A connector declares its sync in `integrations.<name>.streams` (a module-level
`SyncDefinition` whose `integration` is the connector's name); `register_definition` adds
one from elsewhere (tests, plugins). Lookups import the module on first use.
"""

from __future__ import annotations

import importlib

from integrations.errors import ConfigError
from integrations.registry import CONNECTORS
from integrations.sync.definition import SyncDefinition

__all__ = ["definition_for", "find_definition", "register_definition", "synced_integrations"]

_REGISTERED: dict[str, SyncDefinition] = {}


def register_definition(definition: SyncDefinition) -> None:
    """Make `definition` the sync of its integration (replacing any registered before)."""
    _REGISTERED[definition.integration] = definition


def find_definition(name: str) -> SyncDefinition | None:
    """The sync of integration `name`, or None when it has none."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    if not name.isidentifier():
        return None
    try:
        module = importlib.import_module(f"integrations.{name}.streams")
    except ModuleNotFoundError as exc:
        if exc.name in (f"integrations.{name}", f"integrations.{name}.streams"):
            return None  # no such package, or a connector without a sync
        raise
    for value in vars(module).values():
        if isinstance(value, SyncDefinition) and value.integration == name:
            _REGISTERED[name] = value
            return value
    return None


def definition_for(name: str) -> SyncDefinition:
    """The sync of `name`; ConfigError naming the integrations that have one otherwise."""
    found = find_definition(name)
    if found is None:
        known = ", ".join(synced_integrations()) or "none yet"
        raise ConfigError(f"{name!r} has no sync; integrations with one: {known}", integration=name)
    return found


def synced_integrations() -> list[str]:
    """Every integration with a sync (registered or declared by its connector), sorted."""
    names = set(_REGISTERED)
    names.update(name for name in CONNECTORS if find_definition(name) is not None)
    return sorted(names)
