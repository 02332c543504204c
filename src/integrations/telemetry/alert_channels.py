"""Where alert notices go: a signed outbound webhook, and email once its connector exists.

Every send returns a `Delivery` (sent, failed, refused or unavailable) that the alert keeps
in `alerts.deliveries`: an operator can always see whether a notice left and why not, and
no channel drops a notice silently.

The webhook channel:
- signs with the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
  `webhook-signature: v1,<base64 HMAC>` over `id.timestamp.body`); the id is stable across
  retries of one notice so a receiver can drop the duplicates;
- refuses a destination that is, or resolves to, a loopback, private, link-local, reserved,
  multicast or unspecified address unless its host is in `allowed_private_hosts`; other
  hosts must use https. A leaked admin token cannot then turn alerts into requests to the
  internal network. The check resolves the name once before sending; a resolver that
  answers differently a moment later (DNS rebinding) is not covered;
- never follows redirects (a redirect could lead to a refused address);
- retries 5xx, 429, timeouts and connection errors up to `attempts` times with full-jitter
  backoff (`uniform(0, min(cap, base * 2**n))` seconds), sleeping through an injected
  `sleep` so tests run on a virtual clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx2

from integrations.ops_config import AlertSettings
from integrations.webhooks.schemes import sign_standard

__all__ = [
    "AlertChannel",
    "Delivery",
    "EmailChannel",
    "UnsafeDestinationError",
    "WebhookChannel",
    "channels_from_settings",
    "check_destination",
]

DeliveryStatus = Literal["sent", "failed", "refused", "unavailable"]
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one channel did with one notice."""

    channel: str
    status: DeliveryStatus
    detail: str
    attempts: int = 0
    event_type: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "event_type": self.event_type,
            "status": self.status,
            "detail": self.detail,
            "attempts": self.attempts,
            "at": dt.datetime.now(dt.UTC).isoformat(),
        }


class AlertChannel(Protocol):
    """Sends one notice; never raises for a delivery problem (it returns it)."""

    name: str

    async def send(self, event_id: str, event_type: str, data: dict[str, Any]) -> Delivery: ...


class UnsafeDestinationError(ValueError):
    """The webhook URL points where alerts must not be sent."""


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


async def check_destination(url: str, allowed_private_hosts: Sequence[str]) -> None:
    """Refuse `url` unless it is https to a public address, or its host is allow-listed.

    Raises:
        UnsafeDestinationError: saying which rule the URL broke.
    """
    parsed = httpx2.URL(url)
    host = parsed.host.lower().rstrip(".")
    if parsed.scheme not in ("http", "https") or not host:
        raise UnsafeDestinationError(f"{url!r} is not an http(s) URL")
    if host in {h.lower().rstrip(".") for h in allowed_private_hosts}:
        return
    if parsed.scheme != "https":
        raise UnsafeDestinationError(
            f"host {host!r} must use https (only allow-listed hosts may not)"
        )
    port = parsed.port or 443
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port)
    except OSError as exc:
        raise UnsafeDestinationError(f"host {host!r} does not resolve: {exc}") from None
    for info in infos:
        address = str(info[4][0])
        if _forbidden(address):
            raise UnsafeDestinationError(
                f"host {host!r} resolves to {address}, a loopback/private/reserved address; "
                "add it to INTEGRATIONS_ALERTS__ALLOWED_PRIVATE_HOSTS to allow it"
            )


class WebhookChannel:
    """POSTs `{"type": ..., "timestamp": ..., "data": ...}` signed for a Standard Webhooks receiver.

    Args:
        url / secret: the destination and its `whsec_...` signing secret.
        allowed_private_hosts: hosts exempt from the address check (and from https).
        timeout: seconds for one attempt.
        attempts / backoff_base / backoff_cap: retry budget and full-jitter bounds (seconds).
        sleep / rng / now: injected for virtual clocks and reproducible jitter.
        transport: an httpx2 transport (tests); the default opens real connections.
    """

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        allowed_private_hosts: Sequence[str] = (),
        timeout: float = 10.0,
        attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        now: Callable[[], float] | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.url, self._secret = url, secret
        self._allowed = tuple(allowed_private_hosts)
        self._timeout = timeout
        self._attempts = attempts
        self._base, self._cap = backoff_base, backoff_cap
        self._sleep, self._rng = sleep, rng
        self._now = now or (lambda: dt.datetime.now(dt.UTC).timestamp())
        self._transport = transport

    async def send(self, event_id: str, event_type: str, data: dict[str, Any]) -> Delivery:
        if not self._secret:
            why = "no signing secret (set INTEGRATIONS_ALERTS__WEBHOOK_SECRET, whsec_...)"
            return Delivery(self.name, "refused", why, 0, event_type)
        try:
            await check_destination(self.url, self._allowed)
        except UnsafeDestinationError as exc:
            return Delivery(self.name, "refused", str(exc), 0, event_type)
        async with httpx2.AsyncClient(
            timeout=self._timeout, transport=self._transport, follow_redirects=False
        ) as client:
            return await self._deliver(client, event_id, event_type, data)

    async def _deliver(
        self, client: httpx2.AsyncClient, event_id: str, event_type: str, data: dict[str, Any]
    ) -> Delivery:
        detail = ""
        for attempt in range(1, self._attempts + 1):
            timestamp = int(self._now())
            body = json.dumps(
                {"type": event_type, "timestamp": timestamp, "data": data}, default=str
            ).encode()
            headers = {
                "content-type": "application/json",
                "webhook-id": event_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign_standard(self._secret, event_id, timestamp, body),
            }
            try:
                response = await client.post(self.url, content=body, headers=headers)
            except httpx2.TransportError as exc:
                detail = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 300:
                    return Delivery(
                        self.name, "sent", f"HTTP {response.status_code}", attempt, event_type
                    )
                detail = f"HTTP {response.status_code}"
                if response.status_code not in _RETRY_STATUSES:
                    return Delivery(self.name, "failed", detail, attempt, event_type)
            if attempt < self._attempts:
                await self._sleep(self._rng() * min(self._cap, self._base * 2 ** (attempt - 1)))
        return Delivery(self.name, "failed", f"gave up: {detail}", self._attempts, event_type)


EmailSender = Callable[[tuple[str, ...], str, dict[str, Any]], Awaitable[Delivery]]


class EmailChannel:
    """Email notices through `sender` (the email connector: `telemetry.alert_email`); without
    one, each notice is recorded as unavailable, never silently dropped."""

    name = "email"

    def __init__(self, recipients: Sequence[str], sender: EmailSender | None = None) -> None:
        self.recipients = tuple(recipients)
        self._sender = sender

    async def send(self, event_id: str, event_type: str, data: dict[str, Any]) -> Delivery:
        if self._sender is None:
            return Delivery(
                self.name,
                "unavailable",
                f"no email sender; {len(self.recipients)} recipient(s) not notified",
                0,
                event_type,
            )
        return await self._sender(self.recipients, event_type, {"event_id": event_id, **data})


def channels_from_settings(
    settings: AlertSettings, email_sender: EmailSender | None = None
) -> list[AlertChannel]:
    """The channels `settings` configure: a webhook with a URL and secret, email with recipients."""
    channels: list[AlertChannel] = []
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        channels.append(
            WebhookChannel(
                settings.webhook_url, secret, allowed_private_hosts=settings.allowed_private_hosts
            )
        )
    if settings.email_to:
        channels.append(EmailChannel(settings.email_to, email_sender))
    return channels
