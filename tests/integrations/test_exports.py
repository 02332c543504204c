"""Every module's `__all__` names exactly what it defines publicly."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import integrations


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(integrations.__path__, "integrations."):
        if ".migrations" in info.name:
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_all_is_declared_and_resolves(name: str) -> None:
    """Each module declares `__all__` and every listed name exists."""
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ lists missing {attr}"
