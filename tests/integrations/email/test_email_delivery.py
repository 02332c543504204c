"""Email against a real SMTP server on loopback (STARTTLS, AUTH): sends, the 200-message
acceptance, per-message status, retries of transient failures only, logging, dry run."""

from __future__ import annotations

import email
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from integrations.core.clock import VirtualClock
from integrations.core.dry_run import DryRunCaptured, dry_run
from integrations.email import operations
from integrations.email.client import EmailIntegration
from integrations.email.models import EmailMessage
from integrations.storage.repositories.deliveries import MemoryDeliveryLog
from tests.integrations.email.conftest import PASSWORD, SmtpServer, free_port

pytestmark = pytest.mark.anyio


def _message(to: str, **kw: object) -> EmailMessage:
    fields = {"subject": "Order {{ order }}", "body": "Hello {{ name }}", "to": to}
    fields["variables"] = {"order": "A-1", "name": "Ada"}
    return EmailMessage.model_validate(fields | kw)


async def test_send_over_starttls_with_auth_arrives_rendered(server: SmtpServer) -> None:
    """One message goes through STARTTLS and AUTH and arrives with the variables filled."""
    client = server.client()
    deliveries = MemoryDeliveryLog()
    result = await operations.send_email(client, _message("ada@example.org"), deliveries=deliveries)
    await client.aclose()
    assert result.status == "sent" and result.attempts == 1
    [(recipients, content)] = server.handler.received
    parsed = email.message_from_bytes(content)
    assert recipients == ("ada@example.org",)
    assert parsed["Subject"] == "Order A-1"
    assert parsed.get_payload(decode=True).decode().strip() == "Hello Ada"
    assert result.message_id in parsed["Message-ID"]
    assert (await deliveries.get(result.message_id)).status == "sent"  # type: ignore[union-attr]


async def test_wrong_password_fails_without_retry(server: SmtpServer) -> None:
    """A 535 (bad credentials) is permanent: one attempt, stored failed with its code."""
    client = server.client(smtp_password="not-" + PASSWORD)
    result = await operations.send_email(
        client, _message("ada@example.org"), deliveries=MemoryDeliveryLog()
    )
    await client.aclose()
    assert (result.status, result.attempts, result.error_code) == ("failed", 1, "535")
    assert server.handler.received == []


async def test_bulk_200_with_5_invalid_recipients(server: SmtpServer) -> None:
    """200 messages, 5 bad (3 malformed, 2 refused 550): 195 arrive, 5 fail with reasons."""
    refused = ["gone1@example.org", "gone2@example.org"]
    for address in refused:
        server.handler.refuse[address] = [550]
    recipients = [f"user{i}@example.org" for i in range(195)]
    recipients[10:10] = ["no-at-sign", "two@@example.org", "spaces in@example.org", *refused]
    client = server.client()
    deliveries = MemoryDeliveryLog()
    messages = [_message(to) for to in recipients]
    result = await operations.send_bulk_email(
        client, messages, deliveries=deliveries, concurrency=10
    )
    await client.aclose()
    assert (result.total, result.sent, result.failed) == (200, 195, 5)
    delivered = {to for rcpts, _ in server.handler.received for to in rcpts}
    assert delivered == {f"user{i}@example.org" for i in range(195)}
    failed = [r for r in result.results if r.status == "failed"]
    assert sorted(r.error_code or "" for r in failed) == ["550", "550", *["invalid_address"] * 3]
    assert all(r.error_reason for r in failed)
    # One result per message, in the order given, recipients masked.
    assert [r.recipient for r in result.results][10:15] == [
        "***",
        "t***@example.org",
        "s***@example.org",
        "g***@example.org",
        "g***@example.org",
    ]
    stored = [await deliveries.get(r.message_id) for r in result.results]
    assert [s.status for s in stored if s] == [r.status for r in result.results]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(st.sampled_from([421, 451, 452, 550, 553, 554]), min_size=0, max_size=5))
async def test_property_9_retried_up_to_3_times_on_transient_errors_only(
    server: SmtpServer, script: list[int]
) -> None:
    """Property 9: 4xx replies are retried (at most 3 retries), a 5xx never is."""
    server.handler.refuse.clear()
    server.handler.tries.clear()
    address = "retry@example.org"
    server.handler.refuse[address] = list(script)
    clock = VirtualClock()
    client = server.client(clock=clock)
    result = await operations.send_email(client, _message(address), deliveries=MemoryDeliveryLog())
    await client.aclose()
    transient_prefix = 0
    for code in script:
        if code >= 500:
            break
        transient_prefix += 1
    permanent_next = transient_prefix < len(script) and script[transient_prefix] >= 500
    expected_attempts = min(transient_prefix + 1, 4)
    assert result.attempts == expected_attempts == server.handler.tries[address]
    if transient_prefix >= 4:
        assert result.status == "failed" and result.error_code in {"421", "451", "452"}
    elif permanent_next:
        assert result.status == "failed" and result.error_code == str(script[transient_prefix])
    else:
        assert result.status == "sent"
    assert len(clock.slept) == expected_attempts - 1  # a backoff before each retry only


async def test_connection_refused_is_retried_then_failed() -> None:
    """Property 9: a connection error is transient: 4 attempts, then failed."""
    credentials = {
        "smtp_host": "127.0.0.1",
        "smtp_port": str(free_port()),  # nobody listens there
        "smtp_tls": "none",
        "from": "a@example.org",
    }
    client = EmailIntegration(
        credentials=credentials, dotenv=None, environ={}, clock=VirtualClock()
    )
    result = await operations.send_email(
        client, _message("x@example.org"), deliveries=MemoryDeliveryLog()
    )
    await client.aclose()
    assert (result.status, result.attempts, result.error_code) == ("failed", 4, "connect_error")


async def test_property_8_and_10_status_per_message_and_every_operation_logged(
    server: SmtpServer,
) -> None:
    """Properties 8 and 10: each message gets its own stored status, and every operation
    logs recipient (masked), subject and status; the full address never appears."""
    server.handler.refuse["bounce@example.org"] = [550]
    client = server.client()
    deliveries = MemoryDeliveryLog()
    with capture_logs() as logs:
        bulk = await operations.send_bulk_email(
            client,
            [_message("ada.lovelace@example.org"), _message("bounce@example.org")],
            deliveries=deliveries,
        )
        status = await operations.track_delivery_status(deliveries, bulk.results[1].message_id)
    await client.aclose()
    assert status is not None and (status.status, status.error_code) == ("failed", "550")
    sent = await deliveries.get(bulk.results[0].message_id)
    assert sent is not None and sent.status == "sent" and sent.attempts == 1
    events = {line["event"] for line in logs}
    assert {
        "email.message_sent",
        "email.message_failed",
        "email.bulk_finished",
        "email.status_read",
    } <= events
    per_message = [line for line in logs if line["event"].startswith("email.message_")]
    assert {line["recipient"] for line in per_message} == {"a***@example.org", "b***@example.org"}
    assert all(line["subject"] == "Order A-1" and line["status"] for line in per_message)
    assert "ada.lovelace" not in repr(logs)


async def test_dry_run_shows_rendered_messages_and_sends_nothing(server: SmtpServer) -> None:
    """A dry run of a bulk send answers each rendered message, recipients masked."""
    client = server.client()
    with dry_run(), pytest.raises(DryRunCaptured) as captured:
        await operations.send_bulk_email(
            client,
            [_message("ada@example.org"), _message("broken")],
            deliveries=MemoryDeliveryLog(),
        )
    await client.aclose()
    shown = captured.value.request["json"]["messages"]
    assert [m["to"] for m in shown] == ["a***@example.org", "***"]
    assert shown[0]["subject"] == "Order A-1" and shown[0]["text"].strip() == "Hello Ada"
    assert shown[1]["would_fail"] == "invalid_address"
    assert server.handler.received == [] and server.handler.tries == {}
    assert re.match(r"^smtp://127\.0\.0\.1:\d+$", captured.value.request["url"])


async def test_health_check_does_starttls_auth_and_noop(server: SmtpServer) -> None:
    """The health check logs in over STARTTLS and sends nothing; a bad password is unhealthy."""
    good, bad = server.client(), server.client(smtp_password="wrong")
    assert (await good.health_check()).healthy
    unhealthy = await bad.health_check()
    await good.aclose()
    await bad.aclose()
    assert not unhealthy.healthy and "535" in unhealthy.message
    assert server.handler.received == []
