"""Retry decisions and backoff (property 19), and the retry layer's behaviour."""

from __future__ import annotations

import email.utils

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.core.backoff import backoff_ceiling, full_jitter, server_wait
from integrations.core.retry import RetryPolicy
from integrations.core.spec import RetrySpec
from integrations.errors import BadRequestError, RateLimitedError, ServiceUnavailableError
from tests.helpers.pipeline import ScriptedVendor, make_client

NOW = 1_700_000_000.0
GET = httpx2.Request("GET", "https://x/y")


def _response(status: int, **headers: str) -> httpx2.Response:
    return httpx2.Response(status, headers=headers)


@given(
    attempt=st.integers(0, 2000),
    base=st.floats(0.01, 10),
    cap=st.floats(0.01, 600),
    u=st.floats(0, 1, exclude_max=True),
)
def test_property_19_backoff_within_bounds(attempt: int, base: float, cap: float, u: float) -> None:
    """Every wait lies in [0, min(cap, base * 2**n)]."""
    wait = full_jitter(attempt, base=base, cap=cap, rng=lambda: u)
    assert 0 <= wait <= min(cap, base * 2.0 ** min(attempt, 60))
    assert backoff_ceiling(attempt, base=base, cap=cap) <= cap


def test_default_schedule_doubles_from_one_second() -> None:
    """With base 1 s the ceilings are 1, 2, 4, 8, 16, 32, then the 60 s cap."""
    assert [backoff_ceiling(n, base=1, cap=60) for n in range(7)] == [1, 2, 4, 8, 16, 32, 60]
    with pytest.raises(ValueError):
        backoff_ceiling(-1, base=1, cap=60)


@given(seconds=st.integers(0, 120), cap=st.integers(1, 60))
def test_property_19_retry_after_honoured_up_to_cap(seconds: int, cap: int) -> None:
    """A Retry-After within the cap is waited exactly; beyond the cap the call fails fast."""
    policy = RetryPolicy(RetrySpec(max_attempts=5, cap_seconds=cap))
    decision = policy.decide(1, _response(429, **{"Retry-After": str(seconds)}), GET, NOW)
    assert decision.wait == seconds
    assert decision.retry is (seconds <= cap)


def test_retry_after_http_date_and_reset_headers() -> None:
    """HTTP-date Retry-After and an exhausted X-RateLimit budget are both read."""
    date = email.utils.formatdate(NOW + 7, usegmt=True)
    assert server_wait({"Retry-After": date}, NOW) == pytest.approx(7, abs=1)
    assert server_wait({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4"}, NOW) == 4
    assert server_wait({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(NOW + 9)}, NOW) == 9
    assert server_wait({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "4"}, NOW) is None
    assert server_wait({"Retry-After": "soon"}, NOW) is None


@pytest.mark.parametrize(
    ("outcome", "method", "headers", "retry"),
    [
        pytest.param(_response(503), "GET", {}, True, id="503-get"),
        pytest.param(_response(500), "DELETE", {}, True, id="500-delete"),
        pytest.param(_response(429), "PUT", {}, True, id="429-put"),
        pytest.param(_response(404), "GET", {}, False, id="404-final"),
        pytest.param(_response(409), "GET", {}, False, id="409-final"),
        pytest.param(_response(503), "POST", {}, False, id="post-without-key"),
        pytest.param(_response(429), "POST", {}, True, id="429-post-refused-so-safe"),
        pytest.param(_response(503), "PATCH", {"Idempotency-Key": "k"}, True, id="patch-with-key"),
        pytest.param(httpx2.ConnectError("x"), "GET", {}, True, id="connect-error"),
        pytest.param(httpx2.ReadTimeout("x"), "GET", {}, True, id="timeout"),
        pytest.param(ValueError("x"), "GET", {}, False, id="not-transport"),
    ],
)
def test_what_is_retried(
    outcome: httpx2.Response | Exception, method: str, headers: dict[str, str], retry: bool
) -> None:
    """429, 5xx, timeouts and connection errors are retried; other 4xx and keyless writes not."""
    policy = RetryPolicy(RetrySpec(max_attempts=3, idempotency_header="Idempotency-Key"))
    request = httpx2.Request(method, "https://x/y", headers=headers)
    assert policy.decide(1, outcome, request, NOW).retry is retry


def test_attempts_are_bounded() -> None:
    """The last allowed attempt is never retried."""
    policy = RetryPolicy(RetrySpec(max_attempts=3))
    assert policy.decide(2, _response(503), GET, NOW).retry
    assert not policy.decide(3, _response(503), GET, NOW).retry


async def test_three_503_then_success_counts_retries() -> None:
    """3 x 503 then 200 succeeds with retry_count 3 in the one call record."""
    vendor = ScriptedVendor(script=[503, 503, 503])
    client = make_client(vendor, max_attempts=4)
    response = await client.request("GET", "/items", operation="list_items")
    assert response.status_code == 200
    assert len(vendor.seen) == 4
    (record,) = client.recorder.records  # type: ignore[attr-defined]
    assert record.retry_count == 3 and record.success
    attempts = record.request_summary["attempts"]
    assert len(attempts) == 3 and all(a.startswith("status 503: ") for a in attempts)


async def test_why_the_last_attempt_stopped_is_in_the_record() -> None:
    """A call answered at once records no attempts; an exhausted one says why it stopped."""
    quick = make_client(ScriptedVendor(), max_attempts=2)
    await quick.request("GET", "/items", operation="list_items")
    assert "attempts" not in quick.recorder.records[0].request_summary  # type: ignore[attr-defined]
    client = make_client(ScriptedVendor(default=503), max_attempts=2)
    with pytest.raises(ServiceUnavailableError):
        await client.request("GET", "/items", operation="list_items")
    (record,) = client.recorder.records  # type: ignore[attr-defined]
    assert record.request_summary["attempts"][-1] == "status 503: 2 attempt(s) exhausted"


async def test_exhausted_retries_raise_mapped_error() -> None:
    """When every attempt fails the last answer's error is raised."""
    client = make_client(ScriptedVendor(default=503), max_attempts=2)
    with pytest.raises(ServiceUnavailableError):
        await client.request("GET", "/items", operation="list_items")


async def test_write_retried_with_same_idempotency_key() -> None:
    """A POST is retried only with an idempotency key, the same one on every attempt."""
    vendor = ScriptedVendor(script=[502, 502])
    client = make_client(vendor, idempotency_header="Idempotency-Key")
    await client.request("POST", "/items", operation="create_item", json={"a": 1})
    keys = {r.headers["Idempotency-Key"] for r in vendor.seen}
    assert len(vendor.seen) == 3 and len(keys) == 1


async def test_server_wait_beyond_cap_fails_fast() -> None:
    """A 429 asking for an hour fails at once with the time the call may be retried."""
    vendor = ScriptedVendor(default=429, headers={"Retry-After": "3600"})
    client = make_client(vendor)
    with pytest.raises(RateLimitedError) as info:
        await client.request("GET", "/items", operation="list_items")
    assert info.value.retry_after == 3600 and info.value.retry_at is not None
    assert len(vendor.seen) == 1


async def test_client_error_not_retried() -> None:
    """A 400 is final: one request, a BadRequestError carrying the vendor's field errors."""
    vendor = ScriptedVendor(default=400, body=lambda r: {"detail": "bad", "errors": {"name": "x"}})
    client = make_client(vendor)
    with pytest.raises(BadRequestError) as info:
        await client.request("GET", "/items", operation="list_items")
    assert len(vendor.seen) == 1
    assert info.value.field_errors == {"name": "x"}
    assert "bad" in info.value.message
