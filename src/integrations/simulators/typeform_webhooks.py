"""Typeform webhooks in the simulator: the PUT body, URL rules, signing and retry policy.

- Signature (BRIEF §2.1): `Typeform-Signature: sha256=<base64(HMAC-SHA256(secret, body))>`,
  sent only when the webhook has a secret.
- URL: absolute `https://` with a host. Plain `http://` is accepted for loopback hosts
  (127.0.0.1, ::1, localhost, *.localhost) so local receivers can be tested, and for any
  host when `verify_ssl` is false (a simulator convenience; real Typeform may refuse it).
  `verify_ssl` is stored and echoed but the simulator's delivery ignores it.
- Retries: 404/410 stop for good (the simulator disables the webhook); 408/423/429/503 are
  retried on `retry_delays` (real Typeform: every 2-3 min for 10 h, the default here: every
  150 s, 240 times); any other failure is retried on `backoff_delays` (not confirmed by
  Typeform; default 5, 10, 20, 60, 120 min as third-party copies say). Each schedule is
  consumed separately; an empty `retry_delays` turns every retry off.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
from typing import Any
from urllib.parse import urlsplit

import httpx2
from pydantic import BaseModel, ConfigDict

from integrations.simulators.emitter import Delivery, Signature, WebhookEmitter
from integrations.simulators.typeform_errors import validation_error

__all__ = [
    "DEFAULT_BACKOFF_DELAYS",
    "DEFAULT_RETRY_DELAYS",
    "STOP_STATUSES",
    "THROTTLE_STATUSES",
    "TypeformEmitter",
    "WebhookBody",
    "check_url",
    "sign_typeform",
]

STOP_STATUSES = frozenset({404, 410})
THROTTLE_STATUSES = frozenset({408, 423, 429, 503})
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (150.0,) * 240
DEFAULT_BACKOFF_DELAYS: tuple[float, ...] = (300.0, 600.0, 1200.0, 3600.0, 7200.0)


class WebhookBody(BaseModel):
    """The body of `PUT /forms/{form_id}/webhooks/{tag}`; unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    url: str | None = None
    enabled: bool | None = None
    secret: str | None = None
    verify_ssl: bool | None = None
    event_types: dict[str, bool] | None = None


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str | None, verify_ssl: bool) -> str:
    """The webhook URL if acceptable; 400 VALIDATION_ERROR naming `url` otherwise."""
    if not url:
        raise validation_error("url", "url is required", "body")
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"} or not host:
        raise validation_error("url", "url must be an absolute http(s) URL", "body")
    if parts.scheme == "http" and verify_ssl and not _loopback(host):
        raise validation_error("url", "url must use https", "body")
    return url.strip()


def sign_typeform(body: bytes, secret: str) -> Signature:
    """Typeform's signature header, or none without a secret."""
    if not secret:
        return Signature()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return Signature(headers={"Typeform-Signature": f"sha256={base64.b64encode(digest).decode()}"})


class TypeformEmitter(WebhookEmitter):
    """The kit emitter with Typeform's two retry schedules, chosen by the last status."""

    def __init__(
        self,
        *,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        backoff_delays: tuple[float, ...] = DEFAULT_BACKOFF_DELAYS,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            sign_typeform,
            retry_delays=retry_delays,
            stop_statuses=STOP_STATUSES,
            transport=transport,
        )
        self.backoff_delays = backoff_delays

    def schedule_for(self, status: int | None) -> tuple[float, ...]:
        """The retry schedule that follows an attempt answered with `status`."""
        return self.retry_delays if status in THROTTLE_STATUSES else self.backoff_delays

    async def _retry(self, delivery: Delivery) -> None:
        used: dict[bool, int] = {True: 0, False: 0}
        while True:
            status: Any = delivery.attempts[-1]["status"] if delivery.attempts else None
            throttled = status in THROTTLE_STATUSES
            schedule = self.schedule_for(status)
            if used[throttled] >= len(schedule):
                break
            await asyncio.sleep(schedule[used[throttled]])
            used[throttled] += 1
            if await self._attempt(delivery) or delivery.gave_up:
                return
        delivery.gave_up = not delivery.delivered
