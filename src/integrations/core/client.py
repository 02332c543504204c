"""`BaseIntegration`: the one way every connector calls its vendor.

`call()` runs the request through record → cache → retry → circuit breaker → rate limiter →
transport, maps error answers to the error tree, and writes one call record, one metrics
observation and one log line per logical call, with the trace id and secrets redacted.
"""

from __future__ import annotations

import abc
import inspect
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx2

from integrations.core.cache import CacheLayer, ResponseCache, generate_cache_key
from integrations.core.circuit import CircuitBreaker, CircuitLayer, CircuitListener
from integrations.core.clock import Clock, SystemClock
from integrations.core.context import EXTENSION, CallContext, Priority
from integrations.core.dry_run import DryRunLayer
from integrations.core.errormap import ErrorMap
from integrations.core.ratelimit import RateLimiter, RateLimitLayer
from integrations.core.records import CallRecorder, MemoryCallRecorder, MetricsSink
from integrations.core.request_safety import check_base_url, check_headers, clean_credentials
from integrations.core.response_check import ResponseCheckLayer
from integrations.core.retry import RetryLayer, RetryPolicy
from integrations.core.spec import ProviderSpec
from integrations.core.state import MemoryStateStore, StateStore
from integrations.core.summary import record_for
from integrations.core.tracing import annotate, span, tracing_enabled
from integrations.core.transport import ATTEMPT_TIMEOUT, create_transport
from integrations.core.urls import BaseURL
from integrations.errors import CircuitOpenError, IntegrationError, error_for_transport
from integrations.logging import current_trace_id, get_logger, log_enabled, register_secret

__all__ = ["BaseIntegration", "Fallback", "HealthResult"]

Fallback = Callable[[], Awaitable[httpx2.Response] | httpx2.Response]
_WRITES = frozenset({"POST", "PATCH"})
_log = get_logger()


@dataclass(frozen=True, slots=True)
class HealthResult:
    """The outcome of one health check."""

    healthy: bool
    latency_ms: float
    message: str = ""


class BaseIntegration(abc.ABC):
    """A connector's client: owns one transport chain built from its `ProviderSpec`.

    Args:
        spec: the vendor described as data (runtime settings already applied).
        credentials: secrets for the spec's auth scheme; registered for log redaction.
        store: shared state of breaker, limiter and cache (memory unless given).
        clock: time source; a `VirtualClock` makes tests wait for nothing.
        transport: the bottom transport (a simulator in mock mode); else one httpx2 client.
        recorder: where call records go; metrics: the in-process metrics.
        is_mock: the transport is a simulator; records and logs say so.
        connect_timeout: caps the connect phase below the spec's timeout (process setting
            `INTEGRATIONS_HTTP__CONNECT_TIMEOUT`); max_connections: the pool size; http2: offer
            HTTP/2 where the vendor speaks it.
    """

    def __init__(
        self,
        spec: ProviderSpec,
        *,
        credentials: Mapping[str, str] | None = None,
        store: StateStore | None = None,
        clock: Clock | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        recorder: CallRecorder | None = None,
        metrics: MetricsSink | None = None,
        circuit_listeners: list[CircuitListener] | None = None,
        rng: Callable[[], float] = random.random,
        is_mock: bool = False,
        connect_timeout: float | None = None,
        max_connections: int = 100,
        http2: bool = False,
    ) -> None:
        self.spec = spec
        if transport is None:  # the network, not a simulator or a test's transport
            check_base_url(spec.base_url, integration=spec.name, allowed_hosts=spec.allowed_hosts)
        self.credentials = clean_credentials(credentials or {}, integration=spec.name)
        for value in self.credentials.values():
            register_secret(value)
        self.clock = clock or SystemClock()
        self.store = store or MemoryStateStore(self.clock)
        self.recorder = recorder or MemoryCallRecorder()
        self.metrics = metrics
        self.is_mock = is_mock
        self.errors = ErrorMap(spec)
        self._base_url = BaseURL(spec.base_url)
        seconds = spec.timeout_seconds
        connect = min(connect_timeout, seconds) if connect_timeout else seconds
        self._timeouts = {"connect": connect, "read": seconds, "write": seconds, "pool": seconds}
        bottom = self.wrap_transport(
            transport
            or create_transport(
                timeout=seconds,
                connect_timeout=connect_timeout,
                max_connections=max_connections,
                http2=http2,
            )
        )
        self.limiter = RateLimiter(
            spec.name,
            spec.rate_limits,
            self.store,
            self.clock,
            background_share=spec.background_share,
        )
        self.breaker = CircuitBreaker(
            spec.name, spec.circuit, self.store, self.clock, circuit_listeners
        )
        self.cache = ResponseCache(self.store)
        layers: httpx2.AsyncBaseTransport = RateLimitLayer(bottom, self.limiter)
        layers = ResponseCheckLayer(layers)
        layers = CircuitLayer(layers, self.breaker)
        layers = RetryLayer(layers, RetryPolicy(spec.retry, rng), self.clock)
        # Dry runs stop above everything: a captured write spends no budget and is not recorded.
        self._chain = DryRunLayer(CacheLayer(layers, self.cache, spec.cache_ttl_seconds))

    @property
    def name(self) -> str:
        return self.spec.name

    def wrap_transport(self, bottom: httpx2.AsyncBaseTransport) -> httpx2.AsyncBaseTransport:
        """Hook: a connector may wrap the engine (or the simulator) it is given, e.g. to read
        vendor hints; the pipeline's layers then run over what it returns. Called once, from
        `__init__`, after `self.clock` is set."""
        return bottom

    @abc.abstractmethod
    async def health_check(self) -> HealthResult:
        """Probe the vendor cheaply (an authenticated read)."""

    def generate_cache_key(self, request: httpx2.Request) -> str:
        """The cache key `call()` would use for `request`."""
        return generate_cache_key(self.name, request)

    def build_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx2.Request:
        """A request to `path` under the base URL, with an idempotency key on writes when the
        vendor supports one (generated once, reused by every attempt).

        Credentials go only to the base URL's origin: an absolute `path` elsewhere (a link a
        vendor answer carried) is sent without them. Build path parameters with
        `core.urls.api_path`, so an id can never change which endpoint is called.
        """
        query = {k: v for k, v in (params or {}).items() if v is not None}
        merged = dict(headers or {})
        home = not path.startswith(("http://", "https://")) or self._base_url.owns(httpx2.URL(path))
        auth = self.spec.auth
        secret = self.credentials.get(auth.credential) if home else None
        if auth.scheme == "header" and secret:
            merged.setdefault(auth.name, f"{auth.prefix}{secret}")
        elif auth.scheme == "query" and secret:
            query[auth.name] = secret
        method = method.upper()
        key_header = self.spec.retry.idempotency_header
        if key_header and method in _WRITES:
            merged.setdefault(key_header, uuid.uuid4().hex)
        url = self._base_url.join(path, query)
        return httpx2.Request(
            method, url, json=json, content=content, data=data, files=files, headers=merged
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        fallback: Fallback | None = None,
        priority: Priority = "interactive",
        cache_ttl: float | None = None,
        deadline: float | None = None,
        extensions: Mapping[str, Any] | None = None,
        **kw: Any,
    ) -> httpx2.Response:
        """`build_request` then `call`, for the common case; `extensions` ride on the request
        (what a connector's rate-limit rule matchers read)."""
        request = self.build_request(method, path, **kw)
        if extensions:
            request.extensions.update(extensions)
        return await self.call(
            request,
            operation=operation,
            fallback=fallback,
            priority=priority,
            cache_ttl=cache_ttl,
            deadline=deadline,
        )

    async def call(
        self,
        request: httpx2.Request,
        *,
        operation: str,
        fallback: Fallback | None = None,
        priority: Priority = "interactive",
        cache_ttl: float | None = None,
        deadline: float | None = None,
    ) -> httpx2.Response:
        """Send `request` through the whole pipeline; the single entry point.

        Returns the successful response (2xx/3xx). On an open circuit returns `fallback()`
        when given, else raises `CircuitOpenError` carrying the next trial time.

        Args:
            deadline: seconds the whole call may take, retries and waits included (default:
                the spec's `deadline_seconds`). A wait that would pass it is not started.

        Raises:
            IntegrationError: the mapped error of a failed call (see `integrations.errors`);
                `ConfigError` before anything is sent when a header value is unsafe.
        """
        if not tracing_enabled():
            return await self._call(request, operation, fallback, priority, cache_ttl, deadline)
        attributes = {
            "integrations.integration": self.name,
            "integrations.operation": operation,
            "integrations.mock": self.is_mock,
            "integrations.trace_id": current_trace_id(),
            "http.request.method": request.method,
            "url.path": request.url.path,  # never the query: it may hold a signature
        }
        with span(f"{self.name}.{operation}", attributes):
            return await self._call(request, operation, fallback, priority, cache_ttl, deadline)

    async def _call(
        self,
        request: httpx2.Request,
        operation: str,
        fallback: Fallback | None,
        priority: Priority,
        cache_ttl: float | None,
        deadline: float | None,
    ) -> httpx2.Response:
        if not self._base_url.owns(request.url):  # credentials stay on the vendor's origin
            for name in {self.spec.auth.name, "Authorization"}:
                request.headers.pop(name, None)
        check_headers(request.headers, integration=self.name)
        seconds = self.spec.deadline_seconds if deadline is None else deadline
        ctx = CallContext(
            self.name,
            operation,
            priority,
            cache_ttl,
            is_mock=self.is_mock,
            deadline=self.clock.now() + seconds,
            attempt_timeout=self.spec.timeout_seconds,
        )
        request.extensions[EXTENSION] = ctx
        request.extensions["timeout"] = self._timeouts  # read by httpcore2, never written
        request.extensions[ATTEMPT_TIMEOUT] = min(self.spec.timeout_seconds, seconds)
        started = time.perf_counter()
        response: httpx2.Response | None = None
        error: IntegrationError | None = None
        try:
            response = await self._chain.handle_async_request(request)
            response.request = request  # a simulator's answer is not bound to it yet
            await response.aread()
            if response.status_code >= 400:
                error = self.errors.to_error(response, now=self.clock.now())
        except httpx2.TransportError as exc:
            error = error_for_transport(exc, provider=self.name)
        except IntegrationError as exc:
            error = exc
        self._finish(ctx, request, response, error, started)
        if isinstance(error, CircuitOpenError) and fallback is not None:
            result = fallback()
            return await result if inspect.isawaitable(result) else result
        if error is not None:
            raise error
        assert response is not None
        return response

    def _finish(
        self,
        ctx: CallContext,
        request: httpx2.Request,
        response: httpx2.Response | None,
        error: IntegrationError | None,
        started: float,
    ) -> None:
        duration_ms = (time.perf_counter() - started) * 1000
        cost = self.spec.operation_costs.get(ctx.operation, 0.0)
        record = record_for(ctx, request, response, error, duration_ms, current_trace_id(), cost)
        self.recorder.record(record)
        if self.metrics is not None:
            self.metrics.observe(record)
        annotate(
            {
                "http.response.status_code": record.status_code,
                "integrations.retries": record.retry_count,
                "integrations.cache_hit": record.cache_hit,
                "error.type": record.error_code,
            }
        )
        level = logging.INFO if error is None else logging.WARNING
        if log_enabled(level, self.name):  # a dropped line would still build its event
            (_log.info if error is None else _log.warning)(
                "call.completed",
                integration=self.name,
                operation=ctx.operation,
                method=request.method,
                url=record.url,
                status=record.status_code,
                duration_ms=round(duration_ms, 2),
                retries=ctx.retry_count,
                cache_hit=ctx.cache_hit,
                mock=self.is_mock,
                error=record.error_class,
            )

    async def aclose(self) -> None:
        """Close the transport chain and flush call records."""
        await self._chain.aclose()
        await self.recorder.flush()
