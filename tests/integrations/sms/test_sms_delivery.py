"""SMS against moto's SNS on loopback: sends read back, status, retries, the rate limit."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest
from structlog.testing import capture_logs

from integrations.core.clock import VirtualClock
from integrations.core.dry_run import DryRunCaptured, dry_run
from integrations.core.transport import create_transport
from integrations.sms import operations
from integrations.sms.models import SmsMessage
from integrations.storage.repositories.deliveries import MemoryDeliveryLog
from tests.integrations.sms.conftest import sent_sms, sms_client

pytestmark = pytest.mark.anyio


async def test_property_11_and_13_send_arrives_and_status_is_stored(moto: str) -> None:
    """Properties 11, 13: a local number is sent as E.164, read back, and its status kept."""
    client = sms_client(moto)
    deliveries = MemoryDeliveryLog()
    with capture_logs() as logs:
        result = await operations.send_sms(
            client, SmsMessage(to="010-1234-5678", message="코드 123456"), deliveries=deliveries
        )
    await client.aclose()
    [arrived] = sent_sms(moto)
    assert arrived["phone_number"] == "+821012345678" and arrived["message"] == "코드 123456"
    assert result.status == "sent" and result.provider_message_id == arrived["message_id"]
    stored = await deliveries.get(result.message_id)
    assert stored is not None and (stored.status, stored.recipient) == ("sent", "+82******5678")
    assert "01012345678" not in repr(logs) and "+821012345678" not in repr(logs)


async def test_invalid_numbers_are_never_sent(moto: str) -> None:
    """An invalid number fails with a reason; nothing reaches SNS."""
    client = sms_client(moto)
    messages = [SmsMessage(to=n, message="hi") for n in ("12", "+999123", "abc")]
    result = await operations.send_bulk_sms(client, messages, deliveries=MemoryDeliveryLog())
    await client.aclose()
    assert result.failed == 3 and sent_sms(moto) == []
    assert all(r.error_code == "invalid_phone_number" and r.error_reason for r in result.results)


async def test_acceptance_100_sms_at_10_per_second_take_at_least_9_9_s(moto: str) -> None:
    """100 SMS under a 10/s limit all arrive, and take >= 9.9 s (of the virtual clock)."""
    clock = VirtualClock()
    client = sms_client(moto, per_second=10, clock=clock)
    started = clock.now()
    numbers = [f"+8210{5550000 + i:08d}" for i in range(100)]
    messages = [SmsMessage(to=n, message=f"hello {i}") for i, n in enumerate(numbers)]
    result = await operations.send_bulk_sms(client, messages, deliveries=MemoryDeliveryLog())
    elapsed = clock.now() - started
    await client.aclose()
    assert result.sent == 100 and elapsed >= 9.9
    assert sorted(s["phone_number"] for s in sent_sms(moto)) == sorted(numbers)


async def test_property_15_rate_limit_never_exceeded(moto: str) -> None:
    """No 1-second window of admissions (virtual clock) holds more than the limit."""
    clock = VirtualClock()
    client = sms_client(moto, per_second=5, clock=clock)
    admitted: list[float] = []
    acquire = client.limiter.acquire

    async def timed(*args: Any, **kw: Any) -> float:
        waited = await acquire(*args, **kw)
        admitted.append(clock.now())  # the moment the request may leave
        return waited

    client.limiter.acquire = timed  # type: ignore[method-assign]
    messages = [SmsMessage(to=f"+8210{5550000 + i:08d}", message="x") for i in range(23)]
    result = await operations.send_bulk_sms(
        client, messages, deliveries=MemoryDeliveryLog(), concurrency=23
    )
    await client.aclose()
    assert result.sent == 23 and len(admitted) == 23
    assert max(sum(1 for u in admitted if t <= u < t + 1.0) for t in admitted) <= 5


async def test_property_14_throttling_is_retried_up_to_3_times(moto: str) -> None:
    """Throttling (400 Throttling, 429) and 5xx are retried at most 3 times; a 400 is not."""
    script: list[int] = []

    class Scripted(httpx2.AsyncBaseTransport):
        def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
            self.inner = inner
            self.calls = 0

        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            self.calls += 1
            if script:
                status = script.pop(0)
                code = "Throttling" if status == 400 else "InternalError"
                body = f"<ErrorResponse><Error><Code>{code}</Code></Error></ErrorResponse>"
                return httpx2.Response(status, content=body.encode())
            return await self.inner.handle_async_request(request)

    for given, attempts, status in (
        ([400, 500, 503], 4, "sent"),
        ([400, 400, 400, 400], 4, "failed"),
        ([], 1, "sent"),
    ):
        script[:] = given
        bottom = Scripted(create_transport(timeout=10))
        client = sms_client(moto, clock=VirtualClock())
        client_with = type(client)(
            client.spec,
            credentials={"access_key_id": "a", "secret_access_key": "b"},
            dotenv=None,
            environ={},
            clock=VirtualClock(),
            transport=bottom,
        )
        await client.aclose()
        result = await operations.send_sms(
            client_with, SmsMessage(to="+821012345678", message="x"), deliveries=MemoryDeliveryLog()
        )
        await client_with.aclose()
        assert (result.status, result.attempts, bottom.calls) == (status, attempts, attempts)


async def test_dry_run_shows_the_publish_and_sends_nothing(moto: str) -> None:
    """A dry run answers each SMS as it would go (number masked, parts) and sends nothing."""
    client = sms_client(moto)
    with dry_run(), pytest.raises(DryRunCaptured) as captured:
        await operations.send_bulk_sms(
            client,
            [SmsMessage(to="010-1234-5678", message="a" * 200), SmsMessage(to="1", message="b")],
            deliveries=MemoryDeliveryLog(),
        )
    await client.aclose()
    shown = captured.value.request["json"]["messages"]
    assert shown[0]["to"] == "+82******5678" and shown[0]["parts"] == 2
    assert shown[1]["would_fail"].startswith("invalid phone number")
    assert sent_sms(moto) == []


async def test_health_check_reads_sms_attributes(moto: str) -> None:
    """GetSMSAttributes answers: healthy, and nothing is sent."""
    client = sms_client(moto)
    result = await client.health_check()
    await client.aclose()
    assert result.healthy and sent_sms(moto) == []


def test_sent_sms_helper_is_sync_safe(moto: str) -> None:
    """The read-back helper works outside an event loop too."""
    assert asyncio.run(asyncio.sleep(0, result=sent_sms(moto))) == []
