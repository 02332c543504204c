"""Vendor simulators: the other side of the wire, built from the documented contracts.

Simulators never import connector code. Each vendor module exposes `create_simulator()`;
`SIMULATORS` maps vendor names to those factories for the CLI and mock mode.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from integrations.errors import ConfigError
from integrations.simulators.kit import Simulator

__all__ = ["SIMULATORS", "Simulator", "create"]

SIMULATORS: dict[str, str] = {
    "address": "integrations.simulators.address:create_simulator",
    "mock": "integrations.simulators.mock:create_simulator",
    "nicednb": "integrations.simulators.nicednb:create_simulator",
    "pandadoc": "integrations.simulators.pandadoc:create_simulator",
    "practicepanther": "integrations.simulators.practicepanther:create_simulator",
    "typeform": "integrations.simulators.typeform:create_simulator",
}


def create(vendor: str, *, seed: int = 0) -> Simulator:
    """A new simulator of `vendor`."""
    try:
        target = SIMULATORS[vendor]
    except KeyError:
        known = ", ".join(sorted(SIMULATORS))
        raise ConfigError(f"no simulator for {vendor!r}; available: {known}") from None
    module, _, attr = target.partition(":")
    factory: Callable[..., Simulator] = getattr(importlib.import_module(module), attr)
    return factory(seed=seed)
