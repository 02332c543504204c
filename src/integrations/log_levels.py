"""Log levels per integration: configured ones, and runtime overrides that outlive a reconfigure.

Two gates decide whether a line is written. structlog's filtering bound logger drops lines
below the lowest level anyone asked for before any processor runs (nearly free), then
`IntegrationLevelFilter` applies each integration's own level. A runtime override below that
floor (an operator sets `log_level: DEBUG` on one connector while the process logs at INFO)
therefore has to lower the floor too, or its lines would never reach the filter.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from structlog.typing import EventDict, WrappedLogger

__all__ = ["LEVELS", "IntegrationLevelFilter", "LevelControl"]

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50, "exception": 40}


class IntegrationLevelFilter:
    """Drops events below the level set for their `integration` (or the global level)."""

    __slots__ = ("_configured", "_default", "_levels")

    def __init__(self, default: str, levels: Mapping[str, str]) -> None:
        self._default = LEVELS[default.lower()]
        self._configured = {k: LEVELS[v.lower()] for k, v in levels.items()}
        self._levels = dict(self._configured)

    def set_level(self, integration: str, level: str | None) -> None:
        """Override `integration`'s level at run time; None restores the configured one."""
        if level is not None:
            self._levels[integration] = LEVELS[level.lower()]
        elif integration in self._configured:
            self._levels[integration] = self._configured[integration]
        else:
            self._levels.pop(integration, None)

    def enabled(self, level: int, integration: str) -> bool:
        """Whether an event of `level` about `integration` would pass this filter."""
        return level >= self._levels.get(integration, self._default)

    def floor(self) -> int:
        """The lowest level any integration (or the process) lets through."""
        return min([self._default, *self._levels.values()])

    def __call__(self, logger: WrappedLogger, name: str, event_dict: EventDict) -> EventDict:
        threshold = self._levels.get(str(event_dict.get("integration")), self._default)
        if LEVELS.get(name, 20) < threshold:
            raise structlog.DropEvent
        return event_dict


class LevelControl:
    """The filter of the current logging configuration plus the runtime overrides.

    `configure_logging()` may run again after connectors applied their runtime levels (a CLI
    command configures logging after building the factory); the overrides are kept here so
    a new configuration starts with them instead of silently dropping them.
    """

    def __init__(self) -> None:
        self.filter = IntegrationLevelFilter("info", {})
        self._overrides: dict[str, str] = {}
        self._configured = False

    def configure(self, default: str, levels: Mapping[str, str]) -> IntegrationLevelFilter:
        """A new filter for a new configuration, with the runtime overrides applied."""
        self.filter = IntegrationLevelFilter(default, levels)
        for integration, level in self._overrides.items():
            self.filter.set_level(integration, level)
        self._configured = True
        return self.filter

    def bound_logger(self) -> type[structlog.typing.FilteringBoundLogger]:
        """structlog's wrapper class that pre-filters below the current floor."""
        return structlog.make_filtering_bound_logger(self.filter.floor())

    def set_level(self, integration: str, level: str | None) -> None:
        """Apply (or with None, remove) an integration's runtime level, floor included."""
        if level is None:
            self._overrides.pop(integration, None)
        else:
            self._overrides[integration] = level
        before = self.filter.floor()
        self.filter.set_level(integration, level)
        if self._configured and self.filter.floor() != before:
            structlog.configure(wrapper_class=self.bound_logger())
