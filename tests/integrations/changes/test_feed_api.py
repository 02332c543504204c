"""`GET /api/v1/changes`: ordered pages, filters, resumable; a feed-scoped token opens only it."""

from __future__ import annotations

import httpx2

from integrations.changes import record_change
from integrations.services import Services
from integrations.storage.repositories.admin_tokens import AdminTokenRepository
from tests.integrations.changes.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def _seed(services: Services, count: int) -> list[int]:
    cursors = []
    async with services.db.sessions.begin() as session:
        for n in range(count):
            cursors.append(
                await record_change(
                    session,
                    integration="typeform" if n % 3 == 0 else "pandadoc",
                    entity="form_responses" if n % 3 == 0 else "documents",
                    external_id=f"id-{n}",
                    kind="created",
                    changed_fields=["status"],
                    source="webhook",
                    data={"status": "sent", "n": n},
                )
            )
    return cursors


async def _token(services: Services, scope: str | None) -> dict[str, str]:
    async with services.db.sessions.begin() as session:
        created = await AdminTokenRepository(session).create(name="consumer", scope=scope)
    return {"Authorization": f"Bearer {created.token}"}


async def test_pages_resume_from_next_cursor_without_loss(
    anonymous: httpx2.AsyncClient, services: Services
) -> None:
    """Paging with limit=2 from 0 reads every change once, in cursor order."""
    cursors = await _seed(services, 5)
    seen: list[int] = []
    after = 0
    while True:
        answer = await anonymous.get(
            "/api/v1/changes", params={"after": after, "limit": 2}, headers=ADMIN
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        seen += [c["cursor"] for c in body["changes"]]
        after = body["next_cursor"]
        if not body["has_more"]:
            break
    assert seen == cursors
    last = (await anonymous.get("/api/v1/changes", params={"after": after}, headers=ADMIN)).json()
    assert last == {"changes": [], "next_cursor": cursors[-1], "has_more": False}


async def test_filters_and_payload(anonymous: httpx2.AsyncClient, services: Services) -> None:
    """Filters by integration and entity; a change carries its fields and data."""
    await _seed(services, 6)
    answer = await anonymous.get(
        "/api/v1/changes", params={"integration": "typeform"}, headers=ADMIN
    )
    changes = answer.json()["changes"]
    assert [c["external_id"] for c in changes] == ["id-0", "id-3"]
    assert changes[0]["entity"] == "form_responses"
    assert changes[0]["kind"] == "created"
    assert changes[0]["changed_fields"] == ["status"]
    assert changes[0]["data"] == {"status": "sent", "n": 0}
    docs = await anonymous.get("/api/v1/changes", params={"entity": "documents"}, headers=ADMIN)
    assert {c["integration"] for c in docs.json()["changes"]} == {"pandadoc"}


async def test_a_feed_token_reads_the_feed_and_nothing_else(
    anonymous: httpx2.AsyncClient, services: Services
) -> None:
    """A `changes:read` token reads the feed, and every admin route answers it 401."""
    await _seed(services, 1)
    consumer = await _token(services, "changes:read")
    assert (await anonymous.get("/api/v1/changes", headers=consumer)).status_code == 200
    for path in ("/api/v1/integrations", "/api/v1/alerts", "/api/v1/webhook-events"):
        refused = await anonymous.get(path, headers=consumer)
        assert refused.status_code == 401, path
    full = await _token(services, None)
    assert (await anonymous.get("/api/v1/alerts", headers=full)).status_code == 200
    assert (await anonymous.get("/api/v1/changes", headers=full)).status_code == 200


async def test_bad_input_is_a_4xx_naming_the_field(
    anonymous: httpx2.AsyncClient, services: Services
) -> None:
    """No token: 401; a negative cursor or a limit too large: 422 naming the parameter."""
    assert (await anonymous.get("/api/v1/changes")).status_code == 401
    for params, field in (({"after": -1}, "after"), ({"limit": 5000}, "limit")):
        answer = await anonymous.get("/api/v1/changes", params=params, headers=ADMIN)
        assert answer.status_code == 422
        assert field in answer.text
    huge = await anonymous.get("/api/v1/changes", params={"after": 2**70}, headers=ADMIN)
    assert huge.status_code == 422
