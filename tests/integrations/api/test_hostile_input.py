"""Hostile values on the admin API: refused with 422 naming the field, never a 500.

Lone surrogates and non-finite numbers in a body are refused before anything is stored, a
value stored before that check still reads back, out-of-range ids and times are refused,
and the body cap applies with its default of 1 MiB.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select, update

from integrations.services import Services
from integrations.storage.tables import IntegrationConfigHistoryRow, IntegrationConfigRow
from integrations.storage.tables_inbound import WebhookEventRow

ADMIN = {"Authorization": "Bearer test-admin-token-0123456789"}
JSON = {"Content-Type": "application/json"}
EVENTS = "/api/v1/webhook-events"


def _refusal(response: httpx2.Response) -> tuple[str, list[str]]:
    """The error code and the fields a 422 names."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    return error["code"], [e["field"] for e in error["errors"]]


async def _stored_rows(services: Services) -> int:
    async with services.db.sessions() as session:
        configs = await session.scalar(select(func.count()).select_from(IntegrationConfigRow))
        history = await session.scalar(
            select(func.count()).select_from(IntegrationConfigHistoryRow)
        )
    return int(configs or 0) + int(history or 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(b'{"options": {"note": "a\\ud800b"}}', "options.note", id="value"),
        pytest.param(b'{"options": {"\\udfff": 1}}', "options.\\udfff", id="key"),
        pytest.param(
            b'{"credentials": {"api_key": "\\udc00"}}', "credentials.api_key", id="secret"
        ),
        pytest.param(b'{"options": {"list": [1, ["\\ud83d"]]}}', "options.list.1.0", id="nested"),
        pytest.param(b'{"options": {"raw": "\xed\xa0\x80"}}', "options.raw", id="raw-bytes"),
        pytest.param(b'{"timeout_seconds": NaN}', "body", id="nan"),
        pytest.param(b'{"options": {"x": -Infinity}}', "body", id="infinity"),
    ],
)
async def test_unstorable_text_is_refused_before_anything_is_stored(
    client: httpx2.AsyncClient, services: Services, body: bytes, field: str
) -> None:
    """A lone surrogate (escaped or raw) or a NaN/Infinity gets 422 naming where it is, nothing
    is stored, and the connector list still reads."""
    response = await client.patch("/api/v1/integrations/mock", content=body, headers=JSON)

    code, fields = _refusal(response)
    assert code == "validation_error"
    assert fields == [field]
    assert await _stored_rows(services) == 0
    assert (await client.get("/api/v1/integrations")).status_code == 200


async def test_a_paired_surrogate_is_ordinary_text(client: httpx2.AsyncClient) -> None:
    """A surrogate pair is one astral character (an emoji): stored and read back as sent."""
    body = b'{"options": {"note": "\\ud83d\\ude00"}}'
    response = await client.patch("/api/v1/integrations/mock", content=body, headers=JSON)

    assert response.status_code == 200, response.text
    listed = (await client.get("/api/v1/integrations/mock")).json()
    assert listed["config"]["options"] == {"note": "\U0001f600"}


async def test_a_stored_surrogate_does_not_break_reads(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """Text stored before the check (or sent by a vendor) reads back with U+FFFD, not a 500."""
    created = await client.patch("/api/v1/integrations/mock", json={"options": {"note": "x"}})
    assert created.status_code == 200
    async with services.db.sessions.begin() as session:
        # Both backends' JSON columns keep a lone surrogate as its `\ud800` escape.
        await session.execute(
            update(IntegrationConfigRow).values(settings={"options": {"note": "a\ud800b"}})
        )
        session.add(_event(headers={"x-note": "t\udfff"}))  # JSON columns hold it escaped

    listed = await client.get("/api/v1/integrations")
    history = await client.get("/api/v1/integrations/mock/history")
    event_id = (await client.get(EVENTS)).json()["items"][0]["id"]
    event = await client.get(f"{EVENTS}/{event_id}")

    assert listed.status_code == history.status_code == event.status_code == 200
    mock = next(i for i in listed.json()["items"] if i["name"] == "mock")
    assert mock["config"]["options"] == {"note": "a\ufffdb"}
    assert event.json()["headers"] == {"x-note": "t\ufffd"}


def _event(**fields: Any) -> WebhookEventRow:
    values: dict[str, Any] = {
        "integration": "generic",
        "event_id": "evt-1",
        "event_type": "t",
        "signature_valid": True,
        "headers": {},
        "body": b"{}",
    }
    return WebhookEventRow(**(values | fields))


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        pytest.param(EVENTS, {"before_id": 2**31}, "before_id", id="before-id-int4"),
        pytest.param(EVENTS, {"before_id": 2**63}, "before_id", id="before-id-int8"),
        pytest.param(EVENTS, {"before_id": 0}, "before_id", id="before-id-zero"),
        pytest.param(f"{EVENTS}/{2**63}", {}, "event_id", id="event-id-int8"),
        pytest.param(f"{EVENTS}/{2**31}", {}, "event_id", id="event-id-int4"),
        pytest.param(
            EVENTS, {"received_from": "0001-01-01T00:00:00"}, "received_from", id="no-zone"
        ),
        pytest.param(EVENTS, {"received_to": "0.5"}, "received_to", id="epoch-number"),
        pytest.param(EVENTS, {"received_to": "2026-01-31"}, "received_to", id="date-only"),
        pytest.param(EVENTS, {"integration": "a\x00b"}, "integration", id="nul"),
        pytest.param(
            "/api/v1/integrations/mock/history", {"limit": 1001}, "limit", id="history-limit"
        ),
    ],
)
async def test_out_of_range_values_are_refused_naming_the_parameter(
    client: httpx2.AsyncClient, path: str, params: dict[str, Any], field: str
) -> None:
    """Ids past the `integer` column, times without a zone or as numbers, and NUL get 422."""
    code, fields = _refusal(await client.get(path, params=params))

    assert code == "validation_error"
    assert fields == [field]


async def test_time_bounds_are_read_as_utc_at_any_offset(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """Offsets are honoured, and a bound past what UTC can hold selects as the edge of time."""
    async with services.db.sessions.begin() as session:
        session.add(_event())
    params = [
        ({"received_from": "0001-01-01T00:00:00+01:00"}, 1),
        ({"received_to": "9999-12-31T23:59:59-01:00"}, 1),
        ({"received_from": "2999-01-01T00:00:00Z"}, 0),
        ({"received_to": "2000-01-01T00:00:00+14:00"}, 0),
    ]
    for query, total in params:
        response = await client.get(EVENTS, params=query)
        assert response.status_code == 200, response.text
        assert response.json()["total"] == total, query


async def test_replay_takes_any_range_its_schema_allows(client: httpx2.AsyncClient) -> None:
    """An empty or reversed range matches nothing (200); a time without a zone gets 422."""
    url = f"{EVENTS}/replay"
    when = "2026-01-31T12:00:00Z"
    empty = await client.post(url, json={"received_from": when, "received_to": when})
    reversed_range = await client.post(
        url, json={"received_from": when, "received_to": "2026-01-01T00:00:00Z"}
    )
    naive = await client.post(
        url, json={"received_from": "2026-01-01T00:00:00", "received_to": when}
    )

    assert empty.json() == reversed_range.json() == {"matched": 0, "queued": 0}
    assert _refusal(naive)[1] == ["received_from"]


async def test_default_body_cap_is_one_mebibyte(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """Without configuration an admin body of 1 MiB is read and one byte more gets 413."""
    limit = 1024 * 1024
    body = b'{"enabled": true}'

    at_cap = await client.patch(
        "/api/v1/integrations/mock", content=body + b" " * (limit - len(body)), headers=JSON
    )
    over = await client.patch(
        "/api/v1/integrations/mock", content=body + b" " * (limit + 1 - len(body)), headers=JSON
    )

    assert services.settings.api.max_body_bytes == limit
    assert at_cap.status_code == 200, at_cap.text
    assert over.status_code == 413
    assert over.json()["error"]["code"] == "payload_too_large"
