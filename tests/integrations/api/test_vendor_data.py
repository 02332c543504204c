"""Vendor data API: PandaDoc documents and Typeform responses from their tables, paged."""

from __future__ import annotations

import datetime as dt

import httpx2
import pytest

from integrations.services import Services
from integrations.storage.tables_vendor import DocumentRow, FormResponseRow

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def _seed(services: Services) -> None:
    async with services.db.sessions.begin() as session:
        for i in range(5):
            session.add(
                DocumentRow(
                    integration="pandadoc",
                    external_id=f"doc{i}",
                    name=f"Contract {i}",
                    status="document.completed" if i % 2 else "document.sent",
                    recipients=[],
                    raw={"i": i},
                    updated_at=T0 + dt.timedelta(days=i),
                )
            )
        for i in range(3):
            session.add(
                FormResponseRow(
                    integration="typeform",
                    form_id="Onb0Rd5x",
                    token=f"tok{i}",
                    response_type="completed" if i else "partial",
                    submitted_at=T0 + dt.timedelta(hours=i) if i else None,
                    answers={"email": f"p{i}@example.org"},
                )
            )


async def test_documents_are_listed_newest_first_and_paged(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """Pages of 2 walk every document once, last changed first, with the total."""
    await _seed(services)
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = (
            await client.get("/api/v1/pandadoc/documents", params={"limit": 2, "offset": offset})
        ).json()
        assert page["total"] == 5
        seen += [d["id"] for d in page["items"]]
        offset = page["next_offset"]

    assert seen == ["doc4", "doc3", "doc2", "doc1", "doc0"]


async def test_documents_filter_by_status_and_updated_since(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """`status` and `updated_since` narrow the list and the total."""
    await _seed(services)
    params = {"status": "document.completed", "updated_since": "2026-01-03T00:00:00Z"}
    page = (await client.get("/api/v1/pandadoc/documents", params=params)).json()

    assert [d["id"] for d in page["items"]] == ["doc3"]
    assert page["total"] == 1 and page["next_offset"] is None


async def test_one_document_and_404(client: httpx2.AsyncClient, services: Services) -> None:
    """A stored document comes with its raw payload; a missing one is 404 `not_found`."""
    await _seed(services)
    found = await client.get("/api/v1/pandadoc/documents/doc2")
    missing = await client.get("/api/v1/pandadoc/documents/nope")

    assert found.status_code == 200 and found.json()["raw"] == {"i": 2}
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        pytest.param(
            "/api/v1/pandadoc/documents",
            {"updated_since": "yesterday"},
            "updated_since",
            id="since",
        ),
        pytest.param("/api/v1/pandadoc/documents", {"limit": 0}, "limit", id="limit"),
        pytest.param("/api/v1/pandadoc/documents", {"offset": -1}, "offset", id="offset"),
        pytest.param(
            "/api/v1/typeform/forms/Onb0Rd5x/responses",
            {"since": "2026-01-01"},
            "since",
            id="no-zone",
        ),
        pytest.param(
            "/api/v1/typeform/forms/Onb0Rd5x/responses",
            {"response_type": "x"},
            "response_type",
            id="type",
        ),
        pytest.param("/api/v1/typeform/forms/a%20b/responses", {}, "form_id", id="form-id"),
    ],
)
async def test_bad_filter_is_422_naming_it(
    client: httpx2.AsyncClient, path: str, params: dict[str, object], field: str
) -> None:
    """A bad filter is a 422 `validation_error` whose errors name the field."""
    response = await client.get(path, params=params)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [e["field"] for e in error["errors"]] == [field]


async def test_form_responses_since_and_type(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """Responses come newest submission first (partial last); `since` and `response_type` filter."""
    await _seed(services)
    url = "/api/v1/typeform/forms/Onb0Rd5x/responses"
    every = (await client.get(url)).json()
    since = (await client.get(url, params={"since": "2026-01-01T02:00:00Z"})).json()
    partial = (await client.get(url, params={"response_type": "partial"})).json()
    other = (await client.get("/api/v1/typeform/forms/other/responses")).json()

    assert [r["token"] for r in every["items"]] == ["tok2", "tok1", "tok0"]
    assert every["items"][0]["answers"] == {"email": "p2@example.org"}
    assert [r["token"] for r in since["items"]] == ["tok2"]
    assert [r["token"] for r in partial["items"]] == ["tok0"]
    assert other == {"items": [], "total": 0, "next_offset": None}
