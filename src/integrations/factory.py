"""Builds connector clients from their runtime configuration, live or mock.

The factory reads an integration's configuration on every `get()` and rebuilds the client
when the configuration's version changed, so an operator's change (enabled, mode, limits,
credentials) takes effect on the next use without a restart. In mock mode the client's
bottom transport is the vendor's simulator in this process; the whole pipeline still runs,
and in a process serving the API the simulator's webhooks reach that API's own receiver
(`mock_webhooks`).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
from pydantic import SecretStr
from starlette.types import ASGIApp

from integrations.connector_specs import client_class, effective_spec
from integrations.core.cache import ResponseCache
from integrations.core.circuit import CircuitListener
from integrations.core.client import BaseIntegration
from integrations.core.clock import Clock
from integrations.core.state import MemoryStateStore, StateStore
from integrations.errors import ConfigError, IntegrationDisabledError
from integrations.logging import get_logger, set_integration_level
from integrations.mock_webhooks import MockWebhookLoop
from integrations.registry import ConnectorInfo, get_connector
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators import Simulator, create
from integrations.simulators.transport import SimulatorTransport
from integrations.storage.repositories.configs import IntegrationConfig
from integrations.telemetry.alerts import AlertManager
from integrations.telemetry.health import CircuitHealthWriter
from integrations.telemetry.metrics import MetricsRecorder
from integrations.telemetry.recorder import CallRecorder, DatabaseCallRecorder
from integrations.telemetry.token_alarm import TokenAlarmRecorder
from integrations.telemetry.windows import MetricsFanOut, WindowRecorder

__all__ = ["IntegrationFactory"]

_log = get_logger()


@dataclass(slots=True)
class _Built:
    version: int
    client: BaseIntegration


@dataclass(slots=True)
class IntegrationFactory:
    """Hands out one client per integration, rebuilt when its configuration changes.

    Args:
        services: settings, database and runtime configuration.
        store: shared breaker/limiter/cache state for every client.
        recorder / metrics: where call records and metrics go.
        windows: persisted metric windows, fed with `metrics` (the process factory's only).
        clock: injected time (tests).
        webhook_loop: where mock-mode simulators deliver webhooks (None: as they are set).
        mock_transport: builds mock mode's bottom transport for a connector (default: its
            simulator's); proof runs record through one and replay through another.
    """

    services: Services
    store: StateStore | None = None
    recorder: CallRecorder | None = None
    metrics: MetricsRecorder | None = None
    windows: WindowRecorder | None = None
    clock: Clock | None = None
    circuit_listeners: list[CircuitListener] = field(default_factory=list)
    simulators: dict[str, Simulator] = field(default_factory=dict)
    webhook_loop: MockWebhookLoop | None = None
    mock_transport: Callable[[str], httpx2.AsyncBaseTransport] | None = None
    _built: dict[str, _Built] = field(default_factory=dict)
    _mock_store: MemoryStateStore | None = None
    _uninstall: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # One store for every client of this factory, so rebuilding a client after a
        # configuration change keeps its breaker, budget and cache; mock mode gets its own,
        # so simulator answers and failures never leak into live state.
        if self.store is None:
            self.store = MemoryStateStore(self.clock)
        self._mock_store = MemoryStateStore(self.clock)

    @classmethod
    def for_process(
        cls, services: Services, *, receiver: ASGIApp | None = None
    ) -> IntegrationFactory:
        """The factory a server or CLI process uses: call records in the database, and
        breaker, limiter and cache state in Redis when `INTEGRATIONS_REDIS_URL` is set
        (falling back to memory, and saying so once, while Redis is unreachable).

        Args:
            receiver: the app this process serves; mock-mode simulators then deliver their
                webhooks to its receiver (`mock_webhooks`).
        """
        store: StateStore | None = None
        if services.settings.redis_url:
            import redis.exceptions

            from integrations.core.redis_state import RedisStateStore
            from integrations.core.state_fallback import FallbackStateStore

            store = FallbackStateStore(
                RedisStateStore.from_url(services.settings.redis_url),
                errors=(redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError),
            )
        factory = cls(
            services,
            store=store,
            recorder=TokenAlarmRecorder(
                DatabaseCallRecorder(services.db), AlertManager.from_services(services)
            ),
            metrics=MetricsRecorder(),
            windows=WindowRecorder(services.db, services.settings.metrics),
            circuit_listeners=[CircuitHealthWriter(services.db)],
            webhook_loop=MockWebhookLoop(services, receiver) if receiver is not None else None,
        )
        # A recorded change (webhook, sync, reconciliation) drops the cached answers about it.
        from integrations.cache_invalidation import install_cache_invalidation

        factory._uninstall.append(install_cache_invalidation(factory))
        return factory

    async def get(self, name: str) -> BaseIntegration:
        """The client of `name` for its current configuration.

        Raises:
            IntegrationDisabledError: the integration is not enabled.
            ConfigError: unknown connector, or one without a client yet.
        """
        info = get_connector(name)
        config = await self.services.get_config(name)
        if not config.settings.enabled:
            raise IntegrationDisabledError(
                f"{name} is disabled; enable it with PATCH /api/v1/integrations/{name}",
                integration=name,
            )
        if self.webhook_loop is not None:
            config = await self.webhook_loop.prepare(info, config)
        built = self._built.get(name)
        if built is not None and built.version == config.version:
            return built.client
        set_integration_level(name, config.settings.log_level)
        client = self._build(info, config.settings.mode, config.credentials, config)
        loop = self.webhook_loop  # email and SMS have local peers, no simulator to connect
        if loop is not None and config.settings.mode == "mock" and loop.closes(info):
            loop.connect(info, self.simulator(name), config)
        if built is not None:
            await built.client.aclose()
        self._built[name] = _Built(config.version, client)
        return client

    def build(self, config: IntegrationConfig) -> BaseIntegration:
        """A new client for `config`, made as `get()` makes one but enabled or not and not
        kept: for inspecting what a server would use (`config show`). The caller closes it.

        Raises:
            ConfigError: no client for this connector, or the client refuses the
                configuration (no credentials in live mode, for one).
        """
        info = get_connector(config.integration)
        return self._build(info, config.settings.mode, config.credentials, config)

    def _token_saver(self, name: str) -> Callable[[Any], Awaitable[None]]:
        """A `token_listener` that stores refreshed OAuth tokens in the runtime configuration
        (encrypted), so a restart does not fall back to a rotated, now invalid refresh token."""

        async def save(tokens: Any) -> None:
            built = self._built.get(name)
            if built is None:
                return
            try:
                config = await self.services.get_config(name)
                merged = config.credentials | built.client.credentials  # refreshed keys win
                update = IntegrationSettingsUpdate(
                    credentials={k: SecretStr(str(v)) for k, v in merged.items()}
                )
                saved = await self.services.update_config(name, update, changed_by="oauth-refresh")
            except Exception:  # the call itself succeeded: never fail it over bookkeeping
                _log.exception("integration.token_save_failed", integration=name)
                return
            # The client already holds these credentials: the new version needs no rebuild
            # (which would close the client under the call that is retrying with the token).
            current = self._built.get(name) is built and built.version == config.version
            if current and saved.version == config.version + 1:  # nobody else changed it
                built.version = saved.version
            _log.info("integration.token_saved", integration=name, version=saved.version)

        return save

    def clients(self) -> dict[str, BaseIntegration]:
        """The clients built so far, by integration (what `/metrics` reads breakers from)."""
        return {name: built.client for name, built in self._built.items()}

    def simulator(self, name: str) -> Simulator:
        """The in-process simulator of `name` (made on first use, kept across rebuilds)."""
        info = get_connector(name)
        if info.simulator is None:
            raise ConfigError(f"{name} has no simulator, so it cannot run in mock mode")
        if name not in self.simulators:
            self.simulators[name] = create(info.simulator)
        return self.simulators[name]

    def _build(
        self,
        info: ConnectorInfo,
        mode: str,
        credentials: dict[str, Any],
        config: IntegrationConfig,
    ) -> BaseIntegration:
        cls = client_class(info)
        spec = effective_spec(info, config.settings)
        options: dict[str, Any] = {
            "credentials": credentials,
            "store": self._mock_store if mode == "mock" else self.store,
            "circuit_listeners": list(self.circuit_listeners) or None,
            "recorder": self.recorder,
            "metrics": self._metrics_sink(),
            "clock": self.clock,
            "connect_timeout": self.services.settings.http.connect_timeout,
            "max_connections": self.services.settings.http.max_connections,
            "http2": self.services.settings.http.http2,
        }
        parameters = inspect.signature(cls).parameters
        if mode != "mock" and "token_listener" in parameters:
            options["token_listener"] = self._token_saver(info.name)
        if "services" in parameters:  # a client keeping state of its own (OAuth tokens)
            options["services"] = self.services
        if mode == "mock":
            # A connector that speaks no HTTP (email's SMTP) starts its own peer on loopback.
            if not getattr(cls, "LOCAL_PEER", False):
                make = self.mock_transport
                bottom = make(info.name) if make else SimulatorTransport(self.simulator(info.name))
                options["transport"] = bottom
            options["is_mock"] = True
            _log.warning(
                "integration.mock_mode",
                integration=info.name,
                detail="calls go to the in-process simulator, not the vendor",
            )
        return cls(spec, **{k: v for k, v in options.items() if v is not None})

    def _metrics_sink(self) -> MetricsRecorder | WindowRecorder | MetricsFanOut | None:
        if self.windows is None or self.metrics is None:
            return self.windows or self.metrics
        return MetricsFanOut(self.metrics, self.windows)

    async def invalidate_cache(self, name: str, pattern: str = "*") -> int:
        """Drop `name`'s cached responses whose key, after `cache:<name>:`, matches the glob
        `pattern`, in the live store and the mock-mode one; returns how many were dropped."""
        key = f"cache:{name}:{pattern}"
        stores = [store for store in (self.store, self._mock_store) if store is not None]
        return sum([await store.cache_delete_pattern(key) for store in stores])

    async def invalidate_cache_tag(self, name: str, tag: str) -> None:
        """Make `name`'s cached answers tagged `tag` (e.g. `documents:<id>`) unreachable, in
        the live store and the mock-mode one (see `core.cache`)."""
        for store in (self.store, self._mock_store):
            if store is not None:
                await ResponseCache(store).invalidate_tag(name, tag)

    async def close(self) -> None:
        """Close every client, write pending call records and metric windows, release shared
        state."""
        while self._uninstall:
            self._uninstall.pop()()
        for built in self._built.values():
            await built.client.aclose()
        self._built.clear()
        if self.recorder is not None:
            await self.recorder.close()
        if self.windows is not None:
            await self.windows.close()
        if self.store is not None:
            await self.store.close()
