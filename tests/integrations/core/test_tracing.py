"""Optional OpenTelemetry spans: one span per logical call, named `<integration>.<operation>`,
carrying our trace id and the outcome, never the query string; nothing while tracing is off."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from integrations.core.tracing import disable_tracing, enable_tracing, tracing_enabled
from integrations.errors import ConfigError, IntegrationError
from integrations.logging import bind_trace_id
from tests.helpers.pipeline import ScriptedVendor, make_client


@pytest.fixture(name="exporter")
def _exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    enable_tracing(provider)
    try:
        yield exporter
    finally:
        disable_tracing()


async def test_a_call_is_one_span_with_its_outcome(exporter: InMemorySpanExporter) -> None:
    client = make_client(ScriptedVendor(script=[503]), credentials={"api_key": "k"})
    with bind_trace_id("trace-otel-1"):
        await client.request("GET", "/items", operation="list_items", params={"sig": "secret"})

    (span,) = exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert span.name == "demo.list_items"
    assert attributes["integrations.trace_id"] == "trace-otel-1"
    assert attributes["http.response.status_code"] == 200
    assert attributes["integrations.retries"] == 1
    assert attributes["url.path"] == "/items"
    assert "secret" not in repr(attributes)


async def test_a_failed_call_names_its_error(exporter: InMemorySpanExporter) -> None:
    client = make_client(ScriptedVendor(default=404), credentials={"api_key": "k"})
    with contextlib.suppress(IntegrationError):
        await client.request("GET", "/items/9", operation="get_item")

    (span,) = exporter.get_finished_spans()
    assert dict(span.attributes or {})["error.type"] == "not_found"


async def test_no_spans_while_tracing_is_off() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    assert not tracing_enabled()
    client = make_client(ScriptedVendor(), credentials={"api_key": "k"})
    await client.request("GET", "/items", operation="list_items")
    assert exporter.get_finished_spans() == ()


def test_enabling_without_opentelemetry_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if it were not installed
    with pytest.raises(ConfigError, match=r"integrations\[otel\]"):
        enable_tracing()
    assert not tracing_enabled()
