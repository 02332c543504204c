"""moto's SNS in server mode on loopback (real HTTP), and SMS clients pointed at it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from moto.server import ThreadedMotoServer

from integrations.core.clock import VirtualClock
from integrations.core.spec import RateLimitRule
from integrations.sms.client import SmsIntegration
from integrations.sms.spec import SMS_SPEC


@pytest.fixture(name="moto_url", scope="module")
def _moto_url() -> Iterator[str]:
    """One moto server for the module, on a free loopback port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(name="moto")
def _moto(moto_url: str) -> str:
    """The server, emptied before each test."""
    httpx2.post(f"{moto_url}/moto-api/reset", timeout=10)
    return moto_url


def sent_sms(url: str) -> list[dict[str, Any]]:
    """What moto accepted: `{message_id, phone_number, message}` each."""
    data = httpx2.get(f"{url}/moto-api/data.json", timeout=10).json()
    return list(data.get("sns", {}).get("SMS", []))


def sms_client(
    url: str, *, per_second: int = 1000, clock: VirtualClock | None = None
) -> SmsIntegration:
    """A client of the moto server with `per_second` as its rate limit."""
    spec = dataclasses.replace(
        SMS_SPEC,
        base_url=url,
        rate_limits=(RateLimitRule(limit=per_second, period_seconds=1),),
        retry=dataclasses.replace(SMS_SPEC.retry, base_seconds=0.01, cap_seconds=0.05),
    )
    credentials = {"access_key_id": "AKIDTEST", "secret_access_key": "test-secret-key"}
    return SmsIntegration(spec, credentials=credentials, dotenv=None, environ={}, clock=clock)
