"""Vendor data the webhooks keep current, read-only (admin): PandaDoc documents, Typeform
responses.

`GET /api/v1/pandadoc/documents` and `/{document_id}` read the `documents` table, and
`GET /api/v1/typeform/forms/{form_id}/responses` the `form_responses` table: what the
webhook handlers stored, without a call to the vendor. Lists are newest first and paginated
by `offset` (pass the answer's `next_offset`; null on the last page); `total` counts every
match. Times are RFC 3339 with a zone (`api.schemas.params.Timestamp`); a bad filter is a 422
naming it. A later connector exposes its synced tables the same way, one router here each;
`integrations data ...` prints the same pages (`storage.repositories.vendor_data`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.schemas.errors import error_responses
from integrations.api.schemas.params import FILTER_TEXT_PATTERN, Timestamp
from integrations.errors import IntegrationError
from integrations.storage.repositories.vendor_data import MAX_OFFSET, VendorDataRepository

__all__ = ["VENDOR_ID_PATTERN", "router"]

pandadoc_router = APIRouter(prefix="/api/v1/pandadoc", tags=["vendor data"], route_class=AdminRoute)
typeform_router = APIRouter(prefix="/api/v1/typeform", tags=["vendor data"], route_class=AdminRoute)
router = APIRouter()  # what the app includes: both routers, added at the end of this module

Limit = Annotated[int, Query(ge=1, le=500, description="items per page")]
Offset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="items to skip: the previous `next_offset`")
]
# Vendor ids as the vendors make them: letters, digits, `_` and `-`.
VENDOR_ID_PATTERN = "^[A-Za-z0-9_-]+$"
DocumentId = Annotated[
    str,
    Path(min_length=1, max_length=128, pattern=VENDOR_ID_PATTERN, description="document id"),
]
FormId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=VENDOR_ID_PATTERN, description="form id")
]
Status = Annotated[
    str | None,
    Query(max_length=64, pattern=FILTER_TEXT_PATTERN, description="e.g. document.completed"),
]


class DocumentNotFoundError(IntegrationError):
    """No stored PandaDoc document has this id."""

    http_status = 404
    code = "not_found"


@pandadoc_router.get("/documents", summary="List stored PandaDoc documents, newest first")
async def list_documents(
    services: ServicesDep,
    _: AdminPrincipal,
    status: Status = None,
    updated_since: Annotated[
        Timestamp | None, Query(description="rows changed at or after this time")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Documents as the status webhooks left them, by last change (`updated_at`) newest first."""
    async with services.db.sessions() as session:
        page = await VendorDataRepository(session).list_documents(
            status=status, updated_since=updated_since, limit=limit, offset=offset
        )
    return page.to_json()


@pandadoc_router.get(
    "/documents/{document_id}",
    summary="One stored PandaDoc document",
    responses=error_responses(404),
)
async def get_document(
    document_id: DocumentId, services: ServicesDep, _: AdminPrincipal
) -> dict[str, Any]:
    """The document with its last webhook payload (`raw`); 404 when none is stored."""
    async with services.db.sessions() as session:
        found = await VendorDataRepository(session).get_document(document_id=document_id)
    if found is None:
        raise DocumentNotFoundError(f"no stored PandaDoc document {document_id!r}")
    return found


@typeform_router.get(
    "/forms/{form_id}/responses", summary="List stored responses of a Typeform form"
)
async def list_form_responses(
    form_id: FormId,
    services: ServicesDep,
    _: AdminPrincipal,
    since: Annotated[
        Timestamp | None, Query(description="responses submitted at or after this time")
    ] = None,
    response_type: Literal["completed", "partial"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Responses received by webhook, answers keyed by field ref, newest submission first (an
    unknown form is an empty list: its responses may not have arrived yet)."""
    async with services.db.sessions() as session:
        page = await VendorDataRepository(session).list_form_responses(
            form_id=form_id, since=since, response_type=response_type, limit=limit, offset=offset
        )
    return page.to_json()


router.include_router(pandadoc_router)
router.include_router(typeform_router)
