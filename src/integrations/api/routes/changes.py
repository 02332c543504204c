"""`GET /api/v1/changes`: the changes feed, oldest first, resumable by cursor.

Open to admin tokens and to tokens scoped `changes:read` (`integrations admin create-token
--scope changes:read`), which open nothing else. A consumer stores `next_cursor` and passes it
as `after` on its next read; because change writers are serialised, resuming from there
yields every later change exactly once, in cursor order (see docs/changes.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.security import HTTPAuthorizationCredentials

from integrations.api.deps import ServicesDep, bearer_credentials, require_admin
from integrations.api.schemas.errors import error_responses
from integrations.api.schemas.params import FILTER_TEXT_PATTERN
from integrations.changes import read_changes
from integrations.changes.feed import MAX_PAGE, change_payload

__all__ = ["FEED_SCOPE", "router"]

FEED_SCOPE = "changes:read"
CURSOR_MAX = 2**63 - 1  # the largest BIGINT: larger values would overflow the query

router = APIRouter(prefix="/api/v1/changes", tags=["changes"])


async def feed_reader(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_credentials)],
) -> str:
    """An admin, or a consumer whose token is scoped to the feed."""
    return await require_admin(services, credentials, scope=FEED_SCOPE)


Name = Annotated[str | None, Query(pattern=FILTER_TEXT_PATTERN, max_length=64)]


@router.get("", summary="Changes after a cursor, oldest first", responses=error_responses(401, 422))
async def list_changes(
    services: ServicesDep,
    _: Annotated[str, Depends(feed_reader)],
    after: Annotated[int, Query(ge=0, le=CURSOR_MAX, description="the last cursor read")] = 0,
    integration: Name = None,
    entity: Name = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> dict[str, Any]:
    """`changes` after `after`; resume from `next_cursor` (equal to `after` when empty)."""
    async with services.db.sessions() as session:
        page = await read_changes(
            session, after=after, integration=integration, entity=entity, limit=limit
        )
    return {
        "changes": [change_payload(c) for c in page.changes],
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
    }
