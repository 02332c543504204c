"""Email through an SMTP storm: a real aiosmtpd peer on 127.0.0.1 that refuses MAIL with 421,
defers RCPT with 451 or cuts the connection, for a seeded share of tries.

Every message ends `sent` (and arrived once) or `failed` with the transient code; once the
storm ends, sending the failed ones again delivers them, and every recipient got exactly one
message. Backoff waits run on a virtual clock.

SMS is not stormed here: its vendor side is moto's SNS server, which has no way to answer
5xx or throttle on request short of patching it, and these tests do not mock.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from integrations.core.clock import VirtualClock
from integrations.email import operations
from integrations.email.client import EmailIntegration
from integrations.email.models import EmailMessage
from integrations.storage.repositories.deliveries import MemoryDeliveryLog
from tests.chaos.logwatch import LogWatch
from tests.integrations.email.conftest import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

# Refusals keep their reply code; a cut connection is named by its exception.
TRANSIENT = {"421", "451", "SMTPServerDisconnected"}


@dataclass
class StormyPeer:
    """Accepts mail, except for a `rate` share of tries at each step (seeded)."""

    rate: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(17))
    received: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)

    def _fault(self) -> bool:
        return self.rng.random() < self.rate

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self._fault():
            self.faults["421"] += 1
            return "421 4.3.2 service not available, closing channel"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self._fault():
            if self.rng.random() < 0.3:
                self.faults["drop"] += 1
                server.transport.close()  # the connection is gone mid-transaction
            else:
                self.faults["451"] += 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.extend(envelope.rcpt_tos)
        return "250 2.0.0 OK queued"


@pytest.fixture(name="peer")
def _peer() -> Iterator[tuple[StormyPeer, int]]:
    peer = StormyPeer()
    port = free_port()
    controller = Controller(peer, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield peer, port
    finally:
        controller.stop()


def _message(to: str) -> EmailMessage:
    return EmailMessage.model_validate({"subject": "Hi", "body": "Hello", "to": to})


async def test_an_smtp_storm_loses_and_duplicates_no_message(
    peer: tuple[StormyPeer, int], logs: LogWatch
) -> None:
    server, port = peer
    credentials = {
        "smtp_host": "127.0.0.1",
        "smtp_port": str(port),
        "smtp_tls": "none",
        "from": "noreply@example.org",
    }
    client = EmailIntegration(
        credentials=credentials, dotenv=None, environ={}, clock=VirtualClock()
    )
    recipients = [f"user{i}@example.org" for i in range(30)]
    server.rate = 0.45
    # One at a time: the peer's seeded faults then fall on the same tries in every run.
    stormy = await operations.send_bulk_email(
        client, [_message(to) for to in recipients], deliveries=MemoryDeliveryLog(), concurrency=1
    )
    assert set(server.faults) == {"421", "451", "drop"}  # the storm really hit every step
    sent = {to for to, r in zip(recipients, stormy.results, strict=True) if r.status == "sent"}
    failed = [to for to in recipients if to not in sent]
    assert failed, "the storm should outlast some messages' retries"
    gave_up = [r for r in stormy.results if r.status == "failed"]
    assert all(r.error_code in TRANSIENT and r.attempts == 4 for r in gave_up), gave_up
    assert Counter(server.received) == Counter(sent)  # each sent one arrived once

    server.rate = 0.0
    after = await operations.send_bulk_email(
        client, [_message(to) for to in failed], deliveries=MemoryDeliveryLog()
    )
    await client.aclose()
    assert {r.status for r in after.results} == {"sent"}
    assert sorted(server.received) == sorted(recipients)  # every one once, none twice
    logs.assert_clean()
