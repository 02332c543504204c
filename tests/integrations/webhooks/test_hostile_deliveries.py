"""Signed but hostile deliveries: oversized fields, replayed bodies, non-integer timestamps.

Each runs against the API app on SQLite and PostgreSQL: what the columns cannot hold is
settled before the insert, a row the database still refuses fails alone, a body signed once
is stored once whatever unsigned id comes with it, and only integer timestamps verify.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.webhooks.dispatch import InboxEvent
from integrations.webhooks.schemes import sign_standard
from tests.integrations.webhooks.test_inbound import SECRET, URL, enable, signed

HEX_SECRET = "hex-hmac-shared-key-0123456789"


async def _rows(services: Services) -> list[WebhookEventRow]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(WebhookEventRow).order_by(WebhookEventRow.id)))


async def _count(services: Services) -> int:
    async with services.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(WebhookEventRow)) or 0)


async def _enable_hex(services: Services, name: str) -> None:
    update = IntegrationSettingsUpdate.model_validate(
        {"enabled": True, "credentials": {"webhook_secret": HEX_SECRET}}
    )
    await services.update_config(name, update, changed_by="test")


def _hex(body: bytes) -> str:
    return hmac.new(HEX_SECRET.encode(), body, hashlib.sha256).hexdigest()


async def test_oversized_fields_cost_only_their_own_delivery(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """Forty valid deliveries sent together with a 129-character type and a 300-character id:
    the forty are stored, the type is refused with 400, the id is stored as its digest."""
    await enable(services)
    valid = [signed(f"ok-{i}", {"type": "order.paid"}) for i in range(40)]
    long_type = signed("long-type", {"type": "t" * 129})
    long_id = signed("i" * 300, {"type": "order.paid"})
    answers = await asyncio.gather(*(client.post(URL, **d) for d in [*valid, long_type, long_id]))
    assert [a.status_code for a in answers[:40]] == [200] * 40
    refused = answers[40]
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "invalid_event_type"
    assert "128" in refused.json()["error"]["message"]
    digest = "id-sha256:" + hashlib.sha256(b"i" * 300).hexdigest()
    assert answers[41].json() == {"status": "accepted", "event_id": digest}
    again = await client.post(URL, **signed("i" * 300, {"type": "order.paid"}))
    assert again.json() == {"status": "duplicate", "event_id": digest}
    stored = {row.event_id for row in await _rows(services)}
    assert stored == {f"ok-{i}" for i in range(40)} | {digest}


@pytest.mark.parametrize(
    "event_type",
    [pytest.param("a\u0000b", id="nul"), pytest.param("\ud800", id="lone-surrogate")],
)
async def test_an_event_type_text_columns_cannot_hold_is_refused(
    client: httpx2.AsyncClient, services: Services, event_type: str
) -> None:
    """A type with a NUL or an unpaired surrogate (both spellable in JSON) is refused with
    400 before the insert, where PostgreSQL would fail the whole batch."""
    await enable(services)
    answer = await client.post(URL, **signed("odd-type", {"type": event_type}))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_event_type"
    assert await _count(services) == 0


async def _refuse_poison(services: Services) -> None:
    # A rule of the database the receiver cannot know about: rows for this id are refused.
    async with services.db.engine.begin() as conn:
        if services.db.is_sqlite:
            await conn.execute(
                text(
                    "CREATE TRIGGER no_poison BEFORE INSERT ON webhook_events "
                    "WHEN NEW.event_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poison'); END"
                )
            )
        else:
            await conn.execute(
                text(
                    "ALTER TABLE webhook_events "
                    "ADD CONSTRAINT no_poison CHECK (event_id <> 'poison')"
                )
            )


async def test_a_row_the_database_refuses_fails_alone_in_its_group_commit(
    app: Any, client: httpx2.AsyncClient, services: Services
) -> None:
    """One row refused by the database inside a forty-row group commit: the batch is split
    until that row fails by itself (500), and the other thirty-nine are stored (200)."""
    await enable(services)
    await _refuse_poison(services)
    inbox = app.state.webhooks.receiver.inbox
    commit, sizes, gate, holding = inbox._commit, [], asyncio.Event(), asyncio.Event()

    async def first_commit_waits(events: list[Any]) -> set[tuple[str, str]]:
        sizes.append(len(events))
        if len(sizes) == 1:
            holding.set()
            await gate.wait()  # the other deliveries queue up behind this commit
        return await commit(events)

    inbox._commit = first_commit_waits
    services.db.statement_timeout = 60.0  # the deliveries wait at the gate, not on a clock
    first = asyncio.create_task(client.post(URL, **signed("lead", {"type": "t"})))
    deliveries = [signed(f"ok-{i}", {"type": "t"}) for i in range(39)]
    deliveries.insert(17, signed("poison", {"type": "t"}))
    async with asyncio.timeout(30):
        await holding.wait()
        rest = [asyncio.create_task(client.post(URL, **d)) for d in deliveries]
        while len(inbox._queue) < 40:  # noqa: ASYNC110 - the queue has no event to wait on
            await asyncio.sleep(0.01)
    gate.set()
    answers = await asyncio.gather(first, *rest)
    statuses = {a.json().get("event_id", "poison"): a.status_code for a in answers}
    assert statuses.pop("poison") == 500
    assert set(statuses.values()) == {200} and len(statuses) == 40
    poisoned = answers[1 + 17].json()["error"]
    assert poisoned["code"] == "event_not_stored" and "no_poison" not in poisoned["message"]
    assert sizes[:2] == [1, 40] and len(sizes) > 3  # the forty failed together, then split
    assert {row.event_id for row in await _rows(services)} == {"lead"} | {
        f"ok-{i}" for i in range(39)
    }


@pytest.mark.parametrize("name", ["pandadoc", "mock"])
async def test_a_replayed_signed_body_is_stored_and_processed_once(
    app: Any, client: httpx2.AsyncClient, services: Services, name: str
) -> None:
    """One captured signed body re-sent with new, unsigned event ids is a duplicate each
    time: one row, one handler run; another body is still a new event."""
    await _enable_hex(services, name)
    runs: list[str] = []

    async def count(event: InboxEvent, session: AsyncSession) -> None:
        runs.append(event.event_id)

    app.state.webhooks.handlers.register(name, "*", count)
    body = json.dumps([{"event": "document_state_changed", "data": {"id": "doc-1"}}]).encode()
    if name == "mock":
        body = json.dumps({"type": "thing.changed", "data": {"id": "doc-1"}}).encode()

    async def send(content: bytes, event_id: str) -> httpx2.Response:
        if name == "pandadoc":
            return await client.post(
                f"/api/v1/webhooks/pandadoc?signature={_hex(content)}",
                content=content,
                headers={"X-PandaDoc-Webhook-Event-Id": event_id},
            )
        return await client.post(
            "/api/v1/webhooks/mock",
            content=content,
            headers={"X-Signature": "sha256=" + _hex(content), "X-Event-Id": event_id},
        )

    answers = [await send(body, f"evt-{i}") for i in range(5)]
    assert [a.json()["status"] for a in answers] == ["accepted"] + ["duplicate"] * 4
    other = body.replace(b"doc-1", b"doc-2")
    assert (await send(other, "evt-0")).json()["status"] == "accepted"
    await app.state.webhooks.worker.run_once()
    assert runs == ["evt-0", "evt-0"]  # the first body once, the other body once
    rows = await _rows(services)
    assert [r.dedupe_key for r in rows] == [
        "sha256:" + hashlib.sha256(b).hexdigest() for b in (body, other)
    ]


@pytest.mark.parametrize(
    "timestamp", ["nan", "NaN", "inf", "-inf", "1e9", "1700000000.0", "+1700000000", " 17", "0x1"]
)
async def test_only_integer_timestamps_verify(
    client: httpx2.AsyncClient, services: Services, timestamp: str
) -> None:
    """A correctly signed Standard Webhooks delivery whose timestamp is not integer seconds
    (`nan` used to pass the tolerance check) is refused with 401 and not stored."""
    await enable(services)
    body = b'{"type": "a.b"}'
    message = f"msg_ts.{timestamp}.".encode() + body
    signature = "v1," + _standard_hmac(message)
    answer = await client.post(
        URL,
        content=body,
        headers={
            "webhook-id": "msg_ts",
            "webhook-timestamp": timestamp,
            "webhook-signature": signature,
        },
    )
    assert answer.status_code == 401
    assert "timestamp" in answer.json()["error"]["message"]
    assert await _count(services) == 0


def _standard_hmac(message: bytes) -> str:
    key = base64.b64decode(SECRET.removeprefix("whsec_") + "==")
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def test_the_signer_matches_the_verifier() -> None:
    """The timestamp test's own signing agrees with the shipped one, so its 401s come from
    the timestamp and not from a signature it got wrong."""
    assert "v1," + _standard_hmac(b"m.17.x") == sign_standard(SECRET, "m", 17, b"x")
