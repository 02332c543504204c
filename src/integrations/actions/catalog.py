"""The declared operations of every connector, read from the modules the registry names.

A module that does not import yet is skipped with a warning, and one that fails while
importing is logged as broken: one unfinished connector never takes the others down.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from pydantic import TypeAdapter

from integrations.actions.declaration import OperationSpec
from integrations.errors import ConfigError, IntegrationError
from integrations.logging import get_logger
from integrations.registry import CONNECTORS, ConnectorInfo

__all__ = [
    "UnknownActionError",
    "actions_of",
    "collect_actions",
    "describe_action",
    "get_action",
    "operation_costs",
]

_log = get_logger()


class UnknownActionError(IntegrationError):
    """The connector declares no operation of this name."""

    http_status = 404
    code = "unknown_action"


def _declared(info: ConnectorInfo) -> list[OperationSpec]:
    if info.tools is None:
        return []
    try:
        module = importlib.import_module(info.tools)
    except ModuleNotFoundError as exc:
        # Not written yet (or an optional dependency is absent): serve the others.
        _log.warning(
            "actions.module_skipped", integration=info.name, module=info.tools, reason=str(exc)
        )
        return []
    except Exception:
        # Present but broken: one connector's bug must not take every operation down.
        _log.exception("actions.module_broken", integration=info.name, module=info.tools)
        return []
    specs = getattr(module, "TOOLS", None)
    if not isinstance(specs, list) or not all(isinstance(s, OperationSpec) for s in specs):
        raise ConfigError(
            f"{info.tools}.TOOLS must be a list of OperationSpec", integration=info.name
        )
    return specs


def collect_actions(connectors: Iterable[ConnectorInfo] | None = None) -> list[OperationSpec]:
    """Every declared operation, in registry order.

    Raises:
        ConfigError: two operations share a tool name, or a module's `TOOLS` is malformed.
    """
    found: dict[str, OperationSpec] = {}
    for info in CONNECTORS.values() if connectors is None else connectors:
        for spec in _declared(info):
            if spec.name in found:
                raise ConfigError(f"two operations are declared as {spec.name!r}")
            found[spec.name] = spec
    return list(found.values())


def actions_of(name: str) -> dict[str, OperationSpec]:
    """The operations of connector `name` by action name (empty when it declares none)."""
    info = CONNECTORS.get(name)
    return {s.action: s for s in _declared(info)} if info is not None else {}


def get_action(name: str, action: str) -> OperationSpec:
    """Operation `action` of connector `name`; UnknownActionError listing the known ones."""
    found = actions_of(name)
    if action not in found:
        known = ", ".join(sorted(found)) or "none"
        raise UnknownActionError(
            f"{name} has no action {action!r}; its actions: {known}", integration=name
        )
    return found[action]


def operation_costs(name: str) -> dict[str, float]:
    """Cost per pipeline operation of connector `name`, from its declarations (non-zero only)."""
    return {s.booked_operation: s.cost for s in actions_of(name).values() if s.cost}


def describe_action(spec: OperationSpec) -> dict[str, Any]:
    """One operation as listings show it: schemas, writes, cost, example input."""
    return {
        "name": spec.action,
        "tool": spec.name,
        "description": spec.description,
        "writes": spec.writes,
        "cost": spec.cost,
        "input_schema": spec.input_model.model_json_schema(),
        "output_schema": TypeAdapter(spec.output_model).json_schema(mode="serialization"),
        "example": dict(spec.example),
    }
