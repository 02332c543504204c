"""PandaDoc operations: one typed async function per endpoint.

Document reads and actions live here; creating (`creates.py`), waiting and downloading
(`waiting.py`), templates (`templates.py`) and webhook subscriptions (`subscriptions.py`)
have their own modules and are re-exported, so callers import every operation from here.

Lifecycle (BRIEF §1.6): create → `document.uploaded` → (a few seconds) → `document.draft`
(or `document.error`) → send → `document.sent` → viewed → `document.completed`. Operations
that PandaDoc refuses while a document is still processing (send, details, download, status
change) wait for it instead of failing; send works only from `document.draft`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from integrations.core.cache import CACHE_TAGS, entity_tag
from integrations.core.context import Priority
from integrations.core.payloads import read_model
from integrations.core.urls import quote_segment
from integrations.errors import NotFoundError
from integrations.pandadoc.bodies import DocumentFilter, SendOptions, StatusChange
from integrations.pandadoc.client import PandaDocIntegration
from integrations.pandadoc.creates import (
    create_document_from_pdf_url,
    create_document_from_template,
    upload_document,
)
from integrations.pandadoc.models import (
    DocumentDetails,
    DocumentList,
    DocumentListItem,
    DocumentSummary,
    SentDocument,
    SessionResponse,
    SigningLink,
)
from integrations.pandadoc.subscriptions import (
    create_webhook_subscription,
    delete_webhook_subscription,
    get_webhook_subscription,
    list_webhook_subscriptions,
    regenerate_webhook_shared_key,
    update_webhook_subscription,
)
from integrations.pandadoc.templates import get_template_details, iter_templates, list_templates
from integrations.pandadoc.waiting import (
    DEFAULT_TIMEOUT_S,
    DOCS,
    LIVE,
    download_document,
    get_document_status,
    wait_for_document_status,
    when_ready,
)

__all__ = [
    "MAX_COUNT",
    "change_document_status",
    "create_document_from_pdf_url",
    "create_document_from_template",
    "create_signing_link",
    "create_webhook_subscription",
    "delete_document",
    "delete_webhook_subscription",
    "download_document",
    "get_document_details",
    "get_document_status",
    "get_template_details",
    "get_webhook_subscription",
    "iter_documents",
    "iter_templates",
    "list_documents",
    "list_templates",
    "list_webhook_subscriptions",
    "regenerate_webhook_shared_key",
    "revert_document_to_draft",
    "send_document",
    "update_webhook_subscription",
    "upload_document",
    "wait_for_document_status",
]

MAX_COUNT = 100


def _count(count: int) -> int:
    return max(1, min(count, MAX_COUNT))


async def list_documents(
    client: PandaDocIntegration,
    filters: DocumentFilter | None = None,
    *,
    page: int = 1,
    count: int = 50,
    priority: Priority = "interactive",
) -> list[DocumentListItem]:
    """One page of documents (1-based `page`, `count` clamped to 1-100) matching `filters`.
    PandaDoc returns no total: a page shorter than `count` is the last one."""
    params: dict[str, Any] = {"page": max(1, page), "count": _count(count)}
    params |= (filters or DocumentFilter()).params()
    response = await client.request(
        "GET", DOCS, operation="list_documents", params=params, cache_ttl=LIVE, priority=priority
    )
    return read_model(response, DocumentList).results


async def iter_documents(
    client: PandaDocIntegration,
    filters: DocumentFilter | None = None,
    *,
    count: int = MAX_COUNT,
    priority: Priority = "interactive",
) -> AsyncIterator[DocumentListItem]:
    """Every document matching `filters`, page after page, until a page comes back with
    fewer than `count` items (documents changing meanwhile may shift between pages)."""
    size = _count(count)
    page = 1
    while True:
        items = await list_documents(client, filters, page=page, count=size, priority=priority)
        for item in items:
            yield item
        if len(items) < size:
            return
        page += 1


async def get_document_details(
    client: PandaDocIntegration,
    document_id: str,
    *,
    wait_timeout: float = DEFAULT_TIMEOUT_S,
    priority: Priority = "interactive",
) -> DocumentDetails:
    """Recipients (with completion), tokens, fields, pricing, metadata. Waits while the
    document is still processing (409) for up to `wait_timeout` seconds.

    Cached for the spec's `cache_ttl_seconds` (0 by default: not cached) under the tag
    `documents:<id>`, which the document's next webhook or reconciled change invalidates."""

    async def once() -> DocumentDetails:
        response = await client.request(
            "GET",
            f"{DOCS}/{quote_segment(document_id)}/details",
            operation="get_document_details",
            priority=priority,
            extensions={CACHE_TAGS: (entity_tag("documents", document_id),)},
        )
        return read_model(response, DocumentDetails)

    return await when_ready(client, document_id, once, max_wait=wait_timeout)


async def send_document(
    client: PandaDocIntegration,
    document_id: str,
    options: SendOptions | None = None,
    *,
    wait_timeout: float = DEFAULT_TIMEOUT_S,
) -> SentDocument:
    """Send a draft to its recipients (`silent` sends no emails). A document still
    processing is waited for (up to `wait_timeout` seconds) and then sent; from any status
    but draft PandaDoc refuses (DocumentStateError, 409), and a locked document answers 423
    (DocumentLockedError)."""
    body = (options or SendOptions()).payload()

    async def once() -> SentDocument:
        response = await client.request(
            "POST",
            f"{DOCS}/{quote_segment(document_id)}/send",
            operation="send_document",
            json=body,
        )
        return read_model(response, SentDocument)

    return await when_ready(client, document_id, once, max_wait=wait_timeout)


async def create_signing_link(
    client: PandaDocIntegration, document_id: str, recipient: str, *, lifetime: int = 3600
) -> SigningLink:
    """An embedded-signing link for `recipient` (an email on the document), valid for
    `lifetime` seconds. The document must be sent (`document.sent` or `viewed`);
    otherwise PandaDoc answers 400 (BadRequestError)."""
    response = await client.request(
        "POST",
        f"{DOCS}/{quote_segment(document_id)}/session",
        operation="create_signing_link",
        json={"recipient": recipient, "lifetime": lifetime},
    )
    session = read_model(response, SessionResponse)
    return SigningLink(
        document_id=document_id,
        recipient=recipient,
        session_id=session.id,
        url=f"{client.spec.app_url}/s/{session.id}",
        expires_at=session.expires_at,
    )


async def delete_document(
    client: PandaDocIntegration, document_id: str, *, missing_ok: bool = False
) -> bool:
    """Delete the document (204). False when it was already gone and `missing_ok`; a
    locked document answers 423 (DocumentLockedError)."""
    try:
        await client.request(
            "DELETE", f"{DOCS}/{quote_segment(document_id)}", operation="delete_document"
        )
    except NotFoundError:
        if not missing_ok:
            raise
        return False
    return True


async def change_document_status(
    client: PandaDocIntegration,
    document_id: str,
    change: StatusChange,
    *,
    wait_timeout: float = DEFAULT_TIMEOUT_S,
) -> None:
    """Set a status by hand: completed (2), paid (10), voided (11), declined (12), as the
    spec's transition table allows; a refused change is DocumentStateError (409)."""

    async def once() -> None:
        await client.request(
            "PATCH",
            f"{DOCS}/{quote_segment(document_id)}/status",
            operation="change_document_status",
            json=change.payload(),
        )

    await when_ready(client, document_id, once, max_wait=wait_timeout)


async def revert_document_to_draft(
    client: PandaDocIntegration, document_id: str
) -> DocumentSummary:
    """Return any non-deleted document to `document.draft` (signatures are cleared and
    recipients are not notified)."""
    response = await client.request(
        "POST", f"{DOCS}/{quote_segment(document_id)}/draft", operation="revert_document_to_draft"
    )
    return read_model(response, DocumentSummary)
