"""With tracing on, every job run is a span carrying the job, its attempt and its trace id."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from integrations.core.tracing import disable_tracing, enable_tracing
from integrations.jobs import JobContext
from integrations.jobs.registry import JobSpec
from tests.integrations.jobs.conftest import JobBackend, run_until

pytestmark = pytest.mark.integration


async def test_every_job_run_is_a_span(jobs_backend: JobBackend) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    traces: list[str] = []

    async def noop(ctx: JobContext) -> None:
        traces.append(ctx.trace_id)

    enable_tracing(provider)
    try:
        runner = jobs_backend.runner({"noop": JobSpec("noop", noop)})
        await runner.defer("noop")
        await run_until([runner], lambda: len(traces) == 1)
    finally:
        disable_tracing()

    (span,) = [s for s in exporter.get_finished_spans() if s.name == "job noop"]
    attributes = dict(span.attributes or {})
    assert attributes["integrations.job"] == "noop"
    assert attributes["integrations.attempt"] == 1
    assert attributes["integrations.trace_id"] == traces[0]
