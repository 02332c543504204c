"""Alert channels: a signed webhook a real receiver verifies, the destination allow-list,
retries with full-jitter backoff, and an email channel that says it is unavailable."""

from __future__ import annotations

import base64
import socket
import threading
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest
import standardwebhooks

from integrations.ops_config import AlertSettings
from integrations.telemetry.alert_channels import (
    EmailChannel,
    UnsafeDestinationError,
    WebhookChannel,
    channels_from_settings,
    check_destination,
)
from tests.helpers.http_server import serve_app

SECRET = "whsec_" + base64.b64encode(b"alert-channel-secret-0123456789").decode()
LOOPBACK = ["127.0.0.1"]


class Receiver:
    """An ASGI receiver keeping every request's headers and body; answers from a script."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: deque[int] = deque()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        with self.lock:
            self.received.append((headers, body))
            status = self.statuses.popleft() if self.statuses else 204
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(name="receiver")
def _receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    with serve_app(app) as url:
        yield app, url + "/alerts"


class Sleeps:
    """An injected sleep that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_notice_verifies_with_the_standardwebhooks_library(
    receiver: tuple[Receiver, str],
) -> None:
    """The receiver verifies the POST with `standardwebhooks` and reads type and data."""
    app, url = receiver
    channel = WebhookChannel(url, SECRET, allowed_private_hosts=LOOPBACK)
    delivery = await channel.send("alert_7_fired", "alert.fired", {"id": 7, "kind": "failure_rate"})
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    [(headers, body)] = app.received
    payload = standardwebhooks.Webhook(SECRET).verify(body, headers)
    assert payload["type"] == "alert.fired"
    assert payload["data"] == {"id": 7, "kind": "failure_rate"}
    assert headers["webhook-id"] == "alert_7_fired"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(SECRET).verify(body.replace(b"7", b"8"), headers)


async def test_loopback_is_refused_unless_allow_listed(receiver: tuple[Receiver, str]) -> None:
    """Without the allow-list nothing reaches the loopback receiver; the refusal says why."""
    app, url = receiver
    delivery = await WebhookChannel(url, SECRET).send("alert_1_fired", "alert.fired", {})
    assert delivery.status == "refused" and "127.0.0.1" in delivery.detail
    assert app.received == []


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://127.0.0.1/x", id="loopback-v4"),
        pytest.param("https://[::1]/x", id="loopback-v6"),
        pytest.param("https://localhost/x", id="localhost-resolves-to-loopback"),
        pytest.param("https://10.1.2.3/x", id="private-10"),
        pytest.param("https://192.168.0.10/x", id="private-192"),
        pytest.param("https://169.254.169.254/latest", id="link-local-metadata"),
        pytest.param("https://0.0.0.0/x", id="unspecified"),
        pytest.param("https://240.0.0.1/x", id="reserved"),
        pytest.param("http://93.184.215.14/x", id="public-but-plain-http"),
        pytest.param("ftp://93.184.215.14/x", id="not-http"),
    ],
)
async def test_unsafe_destinations_are_refused(url: str) -> None:
    """Loopback, private, link-local, reserved and plain-http public URLs are refused."""
    with pytest.raises(UnsafeDestinationError):
        await check_destination(url, [])


async def test_a_public_https_address_passes_and_allow_listed_hosts_skip_the_check() -> None:
    """A public literal address over https is accepted; an allow-listed host needs no https."""
    await check_destination("https://93.184.215.14/hook", [])
    await check_destination("http://10.0.0.5:8080/hook", ["10.0.0.5"])


async def test_retries_5xx_and_429_with_full_jitter(receiver: tuple[Receiver, str]) -> None:
    """503 then 429 then 204: three attempts, waits of rng * min(cap, base * 2**n)."""
    app, url = receiver
    app.statuses.extend([503, 429])
    sleeps = Sleeps()
    channel = WebhookChannel(
        url,
        SECRET,
        allowed_private_hosts=LOOPBACK,
        sleep=sleeps,
        rng=lambda: 0.5,
        backoff_base=1.0,
        backoff_cap=1.5,
    )
    delivery = await channel.send("alert_2_fired", "alert.fired", {"id": 2})
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert sleeps.waits == [0.5, 0.75]  # 0.5 * min(1.5, 1), 0.5 * min(1.5, 2)
    assert {h["webhook-id"] for h, _ in app.received} == {"alert_2_fired"}
    for headers, body in app.received:  # every attempt is signed afresh and verifies
        standardwebhooks.Webhook(SECRET).verify(body, headers)


async def test_a_client_error_is_not_retried(receiver: tuple[Receiver, str]) -> None:
    """A 400 is final: one attempt, reported as failed with the status."""
    app, url = receiver
    app.statuses.append(400)
    sleeps = Sleeps()
    channel = WebhookChannel(url, SECRET, allowed_private_hosts=LOOPBACK, sleep=sleeps)
    delivery = await channel.send("alert_3_fired", "alert.fired", {})
    assert (delivery.status, delivery.attempts, delivery.detail) == ("failed", 1, "HTTP 400")
    assert sleeps.waits == []


async def test_connection_errors_are_retried_then_reported() -> None:
    """A closed port: every attempt fails to connect, and the delivery says it gave up."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    channel = WebhookChannel(
        f"http://127.0.0.1:{port}/x",
        SECRET,
        allowed_private_hosts=LOOPBACK,
        attempts=3,
        sleep=sleeps,
    )
    delivery = await channel.send("alert_4_fired", "alert.fired", {})
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.detail.startswith("gave up: ConnectError")
    assert len(sleeps.waits) == 2


async def test_no_secret_means_no_unsigned_notice(receiver: tuple[Receiver, str]) -> None:
    """A webhook URL without a signing secret is refused rather than sent unsigned."""
    app, url = receiver
    delivery = await WebhookChannel(url, "", allowed_private_hosts=LOOPBACK).send(
        "alert_5_fired", "alert.fired", {}
    )
    assert delivery.status == "refused" and "WEBHOOK_SECRET" in delivery.detail
    assert app.received == []


async def test_email_reports_itself_unavailable() -> None:
    """Until the email connector exists, every email notice is reported unavailable."""
    delivery = await EmailChannel(["ops@example.com"]).send("alert_6_fired", "alert.fired", {})
    assert delivery.status == "unavailable"
    assert delivery.as_dict()["channel"] == "email"


def test_channels_follow_the_settings() -> None:
    """A URL makes a webhook channel, recipients an email channel, nothing makes none."""
    assert channels_from_settings(AlertSettings()) == []
    settings = AlertSettings.model_validate(
        {
            "webhook_url": "https://hooks.example.com/a",
            "webhook_secret": SECRET,
            "email_to": ["a@b.c"],
        }
    )
    names = [c.name for c in channels_from_settings(settings)]
    assert names == ["webhook", "email"]
