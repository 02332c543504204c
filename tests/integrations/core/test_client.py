"""The call path: one record per call with its trace id (1), metrics for every call (2),
errors with context and no secrets (36-38), requests and responses logged redacted (47-50)."""

from __future__ import annotations

import contextlib
import gc
import json
import types
from collections.abc import Iterator

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from integrations.core.clock import VirtualClock
from integrations.core.records import CapturedCall, RedactedDetails
from integrations.core.spec import ProviderSpec
from integrations.errors import IntegrationError, ProviderError
from integrations.logging import bind_trace_id, set_integration_level
from integrations.runtime_config import IntegrationSettings, RateLimitWindow
from integrations.telemetry.metrics import MetricsRecorder
from tests.helpers.pipeline import DemoIntegration, ScriptedVendor, make_client

API_KEY = "sk_live_Q2xpZW50U2VjcmV0S2V5"
STATUSES = st.sampled_from([200, 201, 204, 400, 401, 403, 404, 409, 422, 423, 429, 500, 502, 503])


@settings(max_examples=40, deadline=None)
@given(statuses=st.lists(STATUSES, min_size=1, max_size=12))
async def test_property_1_and_2_one_record_and_metric_per_call(statuses: list[int]) -> None:
    """Every logical call, success or failure, writes one record with its trace id and metric."""
    vendor = ScriptedVendor(script=list(statuses), headers={"Retry-After": "0"})
    # The breaker stays closed however many 5xx come in a row: each call must reach the vendor.
    client = make_client(
        vendor, max_attempts=1, threshold=len(statuses) + 1, metrics=MetricsRecorder()
    )
    for i, _ in enumerate(statuses):
        with bind_trace_id(f"trace-{i}"), contextlib.suppress(IntegrationError):
            await client.request("GET", f"/items/{i}", operation="get_item")
    records = client.recorder.records  # type: ignore[attr-defined]
    assert [r.trace_id for r in records] == [f"trace-{i}" for i in range(len(statuses))]
    assert [r.status_code for r in records] == statuses
    assert [r.success for r in records] == [s < 400 for s in statuses]
    stats = client.metrics.stats("demo", "get_item")
    assert stats.calls == len(statuses)
    assert stats.successes == sum(s < 400 for s in statuses)
    assert len(stats.latencies_ms) == len(statuses)
    snapshot = client.metrics.snapshot()["demo"]["get_item"]
    assert snapshot["calls"] == len(statuses) and snapshot["p99_ms"] is not None


@settings(max_examples=40, deadline=None)
@given(
    status=st.sampled_from([400, 401, 403, 404, 409, 422, 423, 429, 500, 503]),
    secret=st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ23456789", min_size=12, max_size=20),
)
async def test_property_36_37_38_errors_have_context_never_secrets(
    status: int, secret: str
) -> None:
    """A failed call's error names integration, status and request id, and never a secret."""
    body = {"detail": f"key {secret} rejected", "token": secret, "errors": {"api_key": secret}}
    vendor = ScriptedVendor(
        default=status, body=lambda r: body, headers={"x-request-id": "req-77", "Retry-After": "0"}
    )
    client = make_client(vendor, max_attempts=1, credentials={"api_key": secret})
    with capture_logs() as logs, pytest.raises(ProviderError) as info:
        await client.request("GET", "/items", operation="get_item", params={"api_key": secret})
    err = info.value
    assert (err.provider, err.status, err.request_id) == ("demo", status, "req-77")
    rendered = " ".join([str(err), json.dumps(err.to_dict()), err.body, repr(err.headers)])
    assert secret not in rendered
    record = client.recorder.records[-1]  # type: ignore[attr-defined]
    assert record.error_class == type(err).__name__
    assert secret not in json.dumps(
        [record.url, record.error_message, record.request_summary, record.response_summary]
    )
    (line,) = [e for e in logs if e["event"] == "call.completed"]
    assert line["error"] == type(err).__name__ and line["integration"] == "demo"


async def test_property_47_to_50_request_and_response_logged_redacted() -> None:
    """The call line and record carry method, URL, status, timing and trace id, redacted."""
    vendor = ScriptedVendor(body=lambda r: {"access_token": API_KEY, "id": 7})
    client = make_client(vendor, credentials={"api_key": API_KEY})
    with capture_logs() as logs, bind_trace_id("trace-47"):
        await client.request(
            "POST",
            "/items",
            operation="create_item",
            json={"name": "x", "password": API_KEY},
            params={"signature": API_KEY},
        )
    (line,) = [e for e in logs if e["event"] == "call.completed"]
    assert line["method"] == "POST" and line["status"] == 200 and "duration_ms" in line
    assert API_KEY not in json.dumps(line, default=str)
    record = client.recorder.records[-1]  # type: ignore[attr-defined]
    assert record.trace_id == "trace-47"
    assert record.request_summary["body_bytes"] > 0
    assert record.response_summary["status"] == 200
    assert API_KEY not in json.dumps([record.url, record.request_summary, record.response_summary])
    # The vendor really received the credential: redaction is for logs only.
    assert vendor.seen[0].headers["Authorization"] == f"Bearer {API_KEY}"


async def test_transport_error_is_mapped_and_recorded() -> None:
    """A connection failure becomes a ConnectError with a record and no status."""
    client = make_client(ScriptedVendor(script=[httpx2.ConnectError("refused")]), max_attempts=1)
    with pytest.raises(IntegrationError, match="connection failed"):
        await client.request("GET", "/x", operation="get_x")
    record = client.recorder.records[-1]  # type: ignore[attr-defined]
    assert record.status_code is None and record.error_class == "ConnectError"


async def test_mock_calls_are_marked() -> None:
    """A client on a simulator marks its records and log lines as mock."""
    client = make_client(ScriptedVendor(), is_mock=True)
    with capture_logs() as logs:
        await client.request("GET", "/x", operation="get_x")
    assert client.recorder.records[-1].is_mock  # type: ignore[attr-defined]
    assert [e["mock"] for e in logs if e["event"] == "call.completed"] == [True]


async def test_health_check_and_cache_key() -> None:
    """The concrete health check runs through the pipeline; cache keys come from the core."""
    client = make_client(ScriptedVendor())
    assert (await client.health_check()).healthy
    request = client.build_request("GET", "/x", params={"b": 2, "a": 1, "none": None})
    assert request.url.params.get("none") is None
    assert client.generate_cache_key(request).startswith("cache:demo:")
    await client.aclose()


def test_query_auth_and_absolute_urls() -> None:
    """Query-parameter auth puts the key in the query; an absolute URL keeps its host and
    gets the key only on the base URL's own origin."""
    from integrations.core.spec import AuthSpec

    spec = ProviderSpec(
        "q", "https://h", auth=AuthSpec(scheme="query", name="confmKey", credential="key")
    )
    client = DemoIntegration(
        spec,
        transport=httpx2.MockTransport(lambda r: httpx2.Response(200)),
        credentials={"key": "juso-key-123456"},
        clock=VirtualClock(),
    )
    request = client.build_request("GET", "https://h/x")
    assert str(request.url) == "https://h/x?confmKey=juso-key-123456"
    elsewhere = client.build_request("GET", "https://other/x")
    assert str(elsewhere.url) == "https://other/x"


def test_spec_with_runtime_settings() -> None:
    """Runtime settings override base URL, global limits, retry and breaker; endpoint rules stay."""
    from integrations.core.spec import RateLimitRule

    endpoint = RateLimitRule(5, 60, methods=frozenset({"POST"}))
    spec = ProviderSpec("s", "https://h", rate_limits=(RateLimitRule(1, 1), endpoint))
    settings_ = IntegrationSettings.model_validate(
        {
            "base_url": "http://127.0.0.1:9100/",
            "rate_limits": [{"limit": 9, "period_seconds": 2}],
            "retry": {"max_attempts": 7},
            "circuit": {"failure_threshold": 2},
            "cache_ttl_seconds": 5,
        }
    )
    merged = spec.with_settings(settings_)
    assert merged.base_url == "http://127.0.0.1:9100"
    assert merged.rate_limits == (RateLimitRule(9, 2.0), endpoint)
    assert merged.retry.max_attempts == 7 and merged.circuit.failure_threshold == 2
    assert merged.cache_ttl_seconds == 5
    assert spec.with_settings(IntegrationSettings()).rate_limits == spec.rate_limits
    assert RateLimitWindow(limit=1, period_seconds=1).limit == 1


def _reachable(root: object) -> Iterator[object]:
    seen: set[int] = set()
    todo = [root]
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, type):
            continue
        seen.add(id(item))
        yield item
        todo.extend(gc.get_referents(item))


async def test_a_kept_record_holds_plain_data() -> None:
    """A record keeps strings, bytes and numbers, never the request, response or exception
    (10,000 kept graphs made every garbage collection walk them), and redacts once."""
    vendor = ScriptedVendor(script=[503, httpx2.ConnectError("refused")], default=500)
    client = make_client(vendor, credentials={"api_key": API_KEY})
    set_integration_level("demo", "ERROR")  # no call line: nothing reads the record yet
    try:
        with contextlib.suppress(IntegrationError):
            await client.request("GET", "/items", operation="list_items", params={"s": API_KEY})
    finally:
        set_integration_level("demo", None)
    record = client.recorder.records[-1]  # type: ignore[attr-defined]
    assert isinstance(record.source, CapturedCall)
    held = [type(o) for o in _reachable(record)]
    forbidden = (httpx2.Request, httpx2.Response, BaseException, types.TracebackType)
    assert not [t for t in held if issubclass(t, forbidden)]
    assert record.request_summary["attempts"] and record.error_message
    assert isinstance(record.source, RedactedDetails)  # redacted once, then kept redacted
    assert API_KEY not in json.dumps(record.as_row(), default=str)


def test_responses_are_not_cached_unless_asked() -> None:
    """Caching is opt-in: a cached read can be stale right after a write."""
    assert ProviderSpec(name="x", base_url="https://x.example").cache_ttl_seconds == 0
    assert IntegrationSettings().cache_ttl_seconds == 0
