"""Errors and resilience: the error map, 429 waits, retries with backoff, the breaker."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import httpx2
import pytest
from structlog.testing import capture_logs

from integrations.core.spec import CircuitSpec
from integrations.errors import (
    AuthError,
    BadRequestError,
    CircuitOpenError,
    ForbiddenError,
    NotFoundError,
    ProviderError,
    ProviderServerError,
    RateLimitedError,
    RequestTimeoutError,
    ServiceUnavailableError,
)
from integrations.pandadoc import PANDADOC_SPEC, PandaDocIntegration
from integrations.pandadoc import operations as ops
from integrations.pandadoc.bodies import StatusChange
from integrations.pandadoc.exceptions import (
    DocumentLockedError,
    DocumentNotReadyError,
    DocumentStateError,
    PandaDocErrorMap,
)
from integrations.pandadoc.models import DocumentStatus
from integrations.simulators.faults import FaultPlan
from integrations.simulators.limits import SimRateLimit
from integrations.simulators.pandadoc import PandaDocSimulator
from tests.integrations.pandadoc.conftest import (
    CLIENT_EMAIL,
    KEY,
    LinkedClock,
    deal,
    make_client,
    new_document,
)

DOCS = "/public/v1/documents"
TEMPLATES = "/public/v1/templates"


def _spec(**changes: Any) -> Any:
    return dataclasses.replace(PANDADOC_SPEC, **changes)


@pytest.mark.parametrize(
    ("status", "error", "detail"),
    [
        pytest.param(400, BadRequestError, "Bad request.", id="400"),
        pytest.param(401, AuthError, "Authentication credentials were not provided", id="401"),
        pytest.param(403, ForbiddenError, "do not have permission", id="403"),
        pytest.param(404, NotFoundError, "Not found", id="404"),
        pytest.param(409, DocumentNotReadyError, "processing happens asynchronously", id="409"),
        pytest.param(423, DocumentLockedError, "locked for editing", id="423"),
        pytest.param(429, RateLimitedError, "Request was throttled", id="429"),
        pytest.param(500, ProviderServerError, "A server error occurred", id="500"),
        pytest.param(502, ServiceUnavailableError, "A server error occurred", id="502"),
        pytest.param(503, ServiceUnavailableError, "A server error occurred", id="503"),
        pytest.param(504, ServiceUnavailableError, "A server error occurred", id="504"),
    ],
)
async def test_every_status_surfaces_as_its_error_with_the_vendor_detail(
    client: PandaDocIntegration,
    sim: PandaDocSimulator,
    status: int,
    error: type[ProviderError],
    detail: str,
) -> None:
    """A create answered with each documented status raises its class, carrying PandaDoc's
    own detail (a throttled write is retried first, up to the attempt limit)."""
    sim.faults.set(f"POST {DOCS}", FaultPlan(script=[status] * 7))
    with pytest.raises(error) as caught:
        await ops.create_document_from_template(client, deal(sim))
    exc = caught.value
    assert type(exc) is error and exc.status == status and exc.integration == "pandadoc"
    assert detail in exc.message and KEY not in str(exc)
    expected_attempts = 7 if status == 429 else 1
    assert len(sim.journal.all(method="POST", path=DOCS)) == expected_attempts
    if status == 400:
        assert isinstance(exc, BadRequestError)
        assert exc.field_errors == {"non_field_errors": "Bad request."}
    if status == 423:
        assert isinstance(exc, DocumentLockedError) and exc.locked_by and exc.expires_at
        assert exc.to_dict()["locked_by"] == exc.locked_by


async def test_vendor_refusals_keep_their_meaning(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """Real refusals: invalid fields name the field, a lock is 423 with its expiry, a wrong
    manual status is a state error naming the status, an unknown id is 404."""
    with pytest.raises(BadRequestError) as invalid:
        await ops.create_document_from_template(
            client, deal(sim, recipients=[{"email": "x@example.com", "role": "Boss"}])
        )
    assert "Boss" in invalid.value.field_errors["recipients"]
    assert "recipients: Recipient 1" in invalid.value.message
    created = await new_document(client, sim)
    await ops.wait_for_document_status(client, created.id)
    await sim.lock(created.id, 120)
    with pytest.raises(DocumentLockedError) as locked:
        await ops.send_document(client, created.id)
    assert locked.value.status == 423 and locked.value.code == "document_locked"
    await sim.unlock(created.id)
    await ops.send_document(client, created.id)
    with pytest.raises(DocumentStateError) as state:
        await ops.change_document_status(client, created.id, StatusChange(status=10))
    assert state.value.document_status == DocumentStatus.SENT
    assert state.value.to_dict()["document_id"] == created.id
    with pytest.raises(NotFoundError):
        await ops.get_document_details(client, "NoSuchDocument")


def _answer(status: int, body: Any = None, **headers: str) -> httpx2.Response:
    content = b"" if body is None else httpx2.Response(200, json=body).content
    return httpx2.Response(status, content=content, headers=headers)


@pytest.mark.parametrize(
    ("response", "message", "fields"),
    [
        pytest.param(
            _answer(
                400, {"type": "validation_error", "detail": {"name": ["Required."], "tags": "Bad"}}
            ),
            "name: Required.; tags: Bad",
            {"name": "Required.", "tags": "Bad"},
            id="field-mapping",
        ),
        pytest.param(
            _answer(
                400, {"code": "bad_request", "details": [{"code": "invalid", "pointer": "/name"}]}
            ),
            "bad_request",
            {"/name": "invalid"},
            id="v2-shape",
        ),
        pytest.param(
            _answer(400, {"error": "invalid_grant"}), "invalid_grant", {}, id="oauth-shape"
        ),
        pytest.param(_answer(400, ["not", "an", "object"]), "rejected as invalid", {}, id="list"),
        pytest.param(_answer(400), "rejected as invalid", {}, id="empty"),
    ],
)
def test_error_map_reads_every_body_shape(
    response: httpx2.Response, message: str, fields: dict[str, str]
) -> None:
    """`{detail: {field: [msg]}}`, v2 `{code, details}`, OAuth `{error}` and odd bodies all
    give a readable message and the field errors."""
    error = PandaDocErrorMap(PANDADOC_SPEC).to_error(response, now=0.0)
    assert isinstance(error, BadRequestError)
    assert message in error.message and error.field_errors == fields


def test_conflict_bodies_name_the_document_state() -> None:
    """409 `{id, status, info_message}`: uploaded is "not ready" (retryable), any other
    status a plain state error; a 409 without that shape stays a ConflictError."""
    errors = PandaDocErrorMap(PANDADOC_SPEC)
    ready = errors.to_error(
        _answer(409, {"id": "D1", "status": "document.uploaded", "info_message": "wait"}), now=0
    )
    assert isinstance(ready, DocumentNotReadyError) and ready.retryable
    assert (ready.document_id, ready.document_status) == ("D1", "document.uploaded")
    other = errors.to_error(_answer(409, {"id": "D1", "status": "document.sent"}), now=0)
    assert type(other) is DocumentStateError and "document.sent" in other.message
    plain = errors.to_error(_answer(409, {"detail": "Conflict."}), now=0)
    assert not isinstance(plain, DocumentStateError) and plain.status == 409


@pytest.mark.parametrize(
    ("vendor_hint", "window", "wait"),
    [
        pytest.param("header", 29.7, 30.0, id="retry-after-header"),
        pytest.param("text", 12.5, 13.0, id="expected-available-in-text"),
        pytest.param("none", 0.7, 1.0, id="no-hint-backoff"),
    ],
)
async def test_429_then_success_honours_the_wait(
    client: PandaDocIntegration,
    sim: PandaDocSimulator,
    clock: LinkedClock,
    vendor_hint: str,
    window: float,
    wait: float,
) -> None:
    """A read throttled by PandaDoc waits as told (Retry-After, or the "available in N
    seconds" text), else backs off, then succeeds; no wait happens in real time."""
    # The window is a little shorter than the whole seconds announced, as with a vendor
    # that rounds its hint up.
    route = f"^GET {TEMPLATES}$"
    sim.set_rate_limits([SimRateLimit(limit=1, period_seconds=window, route=route)])
    if vendor_hint == "header":
        sim.configure(send_retry_after=True)
    elif vendor_hint == "text":
        text = "Request was throttled. Expected available in {} seconds."
        sim.too_many = lambda left, window, remaining: (
            {"type": "request_error", "detail": text.format(math.ceil(left))},
            {},
        )
    started = clock.now()
    await ops.list_templates(client)
    templates = await ops.list_templates(client, q="nda")
    assert [t.name for t in templates] == ["Mutual NDA"]
    assert [r.status for r in sim.journal.all(path=TEMPLATES)] == [200, 429, 200]
    assert wait in clock.slept and wait <= clock.now() - started < wait + 1.5


async def test_throttled_write_is_retried_after_the_wait(
    client: PandaDocIntegration, sim: PandaDocSimulator, clock: LinkedClock
) -> None:
    """A 429 on create means nothing was created, so the pipeline retries it after the wait
    (writes without an idempotency key are repeated only after a 429)."""
    route = r"^POST /public/v1/documents#template$"
    sim.set_rate_limits([SimRateLimit(limit=1, period_seconds=19.7, route=route)])
    sim.configure(send_retry_after=True)
    with capture_logs() as logs:
        await new_document(client, sim)
        second = await new_document(client, sim)
    assert second.status == DocumentStatus.UPLOADED
    assert [r.status for r in sim.journal.all(method="POST", path=DOCS)] == [201, 429, 201]
    assert any(e["event"] == "call.attempt_finished" and e["retry"] for e in logs)
    assert len(sim.state.documents) == 2 and 20.0 in clock.slept


async def test_throttle_longer_than_the_cap_fails_fast(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """A write told to wait longer than the backoff cap raises at once with the wait."""
    route = r"^POST /public/v1/documents#template$"
    sim.set_rate_limits([SimRateLimit(limit=1, period_seconds=600, route=route)])
    sim.configure(send_retry_after=True)
    await new_document(client, sim)
    with pytest.raises(RateLimitedError) as caught:
        await new_document(client, sim)
    assert caught.value.retry_after == pytest.approx(600, abs=1)
    assert len(sim.journal.all(method="POST", path=DOCS)) == 2


@pytest.mark.parametrize(
    ("rng", "expected"),
    [
        pytest.param(1.0, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0], id="ceilings"),
        pytest.param(0.5, [0.5, 1.0, 2.0, 4.0, 8.0, 16.0], id="half-jitter"),
    ],
)
async def test_backoff_schedule_1_2_4_8_16_32_with_jitter(
    sim: PandaDocSimulator, clock: LinkedClock, rng: float, expected: list[float]
) -> None:
    """Six 503s then success: waits follow full jitter under ceilings 1, 2, 4, 8, 16, 32 s
    (breaker threshold raised so it does not stop the retries)."""
    spec = _spec(circuit=CircuitSpec(failure_threshold=10))
    client = make_client(sim, clock, spec=spec, rng=lambda: rng)
    sim.faults.set(f"GET {TEMPLATES}", FaultPlan(script=[503] * 6 + [200]))
    assert len(await ops.list_templates(client)) == 3
    assert clock.slept == expected
    await client.aclose()


async def test_retries_stop_at_max_attempts(sim: PandaDocSimulator, clock: LinkedClock) -> None:
    """Seven failing attempts are the limit: the seventh 503 is raised."""
    client = make_client(sim, clock, spec=_spec(circuit=CircuitSpec(failure_threshold=10)))
    sim.faults.set(f"GET {TEMPLATES}", FaultPlan(script=[503] * 8))
    with pytest.raises(ServiceUnavailableError):
        await ops.list_templates(client)
    assert len(sim.journal.all(path=TEMPLATES)) == 7
    await client.aclose()


async def test_five_502s_open_the_breaker(sim: PandaDocSimulator, clock: LinkedClock) -> None:
    """Five calls answered 502 open the breaker: the sixth fails with CircuitOpenError and
    reaches no simulator; after the reset timeout a trial call closes it again."""
    client = make_client(
        sim, clock, spec=_spec(retry=dataclasses.replace(PANDADOC_SPEC.retry, max_attempts=1))
    )
    sim.faults.set(f"GET {TEMPLATES}", FaultPlan(script=[502] * 5))
    for _ in range(5):
        with pytest.raises(ServiceUnavailableError):
            await ops.list_templates(client)
    with pytest.raises(CircuitOpenError) as caught:
        await ops.list_templates(client)
    assert caught.value.next_attempt_at is not None
    assert [r.status for r in sim.journal.all(path=TEMPLATES)] == [502] * 5
    await clock.sleep(60)
    assert len(await ops.list_templates(client)) == 3
    assert (await client.breaker.snapshot()).state == "closed"
    await client.aclose()


async def test_breaker_stops_a_retrying_call(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """With default retries one call meets five 502s; the breaker opens and refuses the
    sixth attempt, so a failing vendor sees at most five requests."""
    sim.faults.set(f"GET {TEMPLATES}", FaultPlan(script=[502] * 10))
    with pytest.raises(CircuitOpenError):
        await ops.list_templates(client)
    assert len(sim.journal.all(path=TEMPLATES)) == 5


@pytest.mark.parametrize(
    "fault",
    [pytest.param("drop", id="dropped-connection"), pytest.param("timeout", id="timeout")],
)
async def test_transport_failures_on_reads_are_retried(
    sim: PandaDocSimulator, clock: LinkedClock, fault: str
) -> None:
    """A dropped connection or a timeout on a read is retried and the read succeeds."""
    client = make_client(sim, clock, spec=_spec(timeout_seconds=0.2))
    sim.faults.set(f"GET {TEMPLATES}", FaultPlan(script=[fault, 200]))
    assert len(await ops.list_templates(client)) == 3
    assert len(sim.journal.all(path=TEMPLATES)) == 2
    await client.aclose()


async def test_timeouts_surface_when_they_persist(
    sim: PandaDocSimulator, clock: LinkedClock
) -> None:
    """A write that times out is not repeated (it may have happened) and is reported."""
    client = make_client(sim, clock, spec=_spec(timeout_seconds=0.2))
    sim.faults.set(f"POST {DOCS}", FaultPlan(script=["timeout"]))
    with pytest.raises(RequestTimeoutError):
        await new_document(client, sim)
    assert len(sim.journal.all(method="POST", path=DOCS)) == 1
    await client.aclose()


async def test_a_failed_send_can_be_repeated(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """Recovery from a partial failure: a send that got a 502 left the document in draft,
    so running the send again completes the flow."""
    created = await new_document(client, sim)
    await ops.wait_for_document_status(client, created.id)
    sim.faults.set(f"POST {DOCS}/{created.id}/send", FaultPlan(script=[502]))
    with pytest.raises(ServiceUnavailableError):
        await ops.send_document(client, created.id)
    assert (await ops.get_document_status(client, created.id)).status == DocumentStatus.DRAFT
    sent = await ops.send_document(client, created.id)
    assert sent.status == DocumentStatus.SENT
    link = await ops.create_signing_link(client, created.id, CLIENT_EMAIL)
    assert link.session_id


async def test_error_logs_are_sanitized(sim: PandaDocSimulator, clock: LinkedClock) -> None:
    """Failed calls are logged with status and class, never with the API key."""
    client = make_client(sim, clock, credentials={"api_key": "pd-secret-abcdef-123456"})
    with capture_logs() as logs, pytest.raises(AuthError):
        await ops.list_documents(client)
    completed = [e for e in logs if e["event"] == "call.completed"]
    assert completed and completed[-1]["status"] == 401
    assert "pd-secret-abcdef-123456" not in repr(logs)
    await client.aclose()
