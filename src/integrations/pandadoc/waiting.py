"""Waiting for PandaDoc: document processing and PDF rendering are asynchronous.

A new document is `document.uploaded` for a few seconds (typically 3-5) before it becomes
`document.draft` (or `document.error`); send, details and download answer 409 meanwhile. A
PDF that is not rendered yet answers 202 with `Retry-After`. Rather than failing, the
operations here poll with backoff on the client's clock (so tests with a virtual clock wait
for nothing), always bounded by a timeout.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from integrations.core.payloads import read_model
from integrations.core.urls import quote_segment
from integrations.logging import get_logger
from integrations.pandadoc.client import PandaDocIntegration
from integrations.pandadoc.exceptions import (
    DocumentNotReadyError,
    DocumentProcessingError,
    DocumentWaitTimeoutError,
)
from integrations.pandadoc.models import DocumentStatus, DocumentSummary

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "DOCS",
    "LIVE",
    "download_document",
    "get_document_status",
    "wait_for_document_status",
    "when_ready",
]

T = TypeVar("T")
DOCS = "/public/v1/documents"
LIVE = 0.0  # document state is never served from the cache
DEFAULT_TIMEOUT_S = 60.0
_NOT_READY_ATTEMPTS = 3
_PDF_WAIT_S = 2.0  # when a 202 names no Retry-After
_log = get_logger()


async def get_document_status(client: PandaDocIntegration, document_id: str) -> DocumentSummary:
    """The document's current status (never cached); NotFoundError for an unknown or
    deleted document."""
    response = await client.request(
        "GET",
        f"{DOCS}/{quote_segment(document_id)}",
        operation="get_document_status",
        cache_ttl=LIVE,
    )
    return read_model(response, DocumentSummary)


async def wait_for_document_status(
    client: PandaDocIntegration,
    document_id: str,
    *,
    until: Iterable[DocumentStatus | str] = (DocumentStatus.DRAFT,),
    max_wait: float = DEFAULT_TIMEOUT_S,
    first_delay: float | None = None,
    max_delay: float = 8.0,
) -> DocumentSummary:
    """Poll the status until it is one of `until` or terminal (completed, error, paid,
    voided, declined, rejected), doubling the pause from `first_delay` (0.5 s; 2 s for a
    sandbox key, whose 10 requests/min every poll spends) up to `max_delay`.

    Waiting for `document.draft` (the default) also ends at any status past processing:
    a document never returns to draft by itself. The result may therefore be a status not
    in `until`; callers check it.

    Args:
        max_wait: seconds on the client's clock before giving up.

    Raises:
        DocumentWaitTimeoutError: still not there after `max_wait` seconds.
    """
    wanted = {str(s) for s in until}
    past_processing = DocumentStatus.DRAFT in wanted and DocumentStatus.UPLOADED not in wanted
    started = client.clock.now()
    delay = first_delay or (2.0 if client.sandbox else 0.5)
    while True:
        summary = await get_document_status(client, document_id)
        known = summary.known_status
        done = summary.status in wanted or (known is not None and known.terminal)
        if done or (past_processing and known is not DocumentStatus.UPLOADED):
            return summary
        waited = client.clock.now() - started
        if waited >= max_wait:
            raise DocumentWaitTimeoutError(
                f"pandadoc: document {document_id} is still {summary.status} after "
                f"{waited:.0f}s (waited for {', '.join(sorted(wanted))})",
                document_id=document_id,
                last_status=summary.status,
                waited_seconds=waited,
            )
        await client.clock.sleep(min(delay, max_wait - waited))
        delay = min(delay * 2, max_delay)


async def when_ready(
    client: PandaDocIntegration,
    document_id: str,
    call: Callable[[], Awaitable[T]],
    *,
    max_wait: float = DEFAULT_TIMEOUT_S,
) -> T:
    """Run `call`; while PandaDoc answers 409 "still processing", wait for the document to
    leave `document.uploaded` and run it again (at most three attempts).

    Raises:
        DocumentProcessingError: the document ended in `document.error`.
        DocumentWaitTimeoutError: it did not finish processing within `max_wait` seconds.
    """
    attempt = 1
    while True:
        try:
            return await call()
        except DocumentNotReadyError:
            if attempt >= _NOT_READY_ATTEMPTS:
                raise
        _log.info("pandadoc.document_not_ready", document_id=document_id, attempt=attempt)
        summary = await wait_for_document_status(client, document_id, max_wait=max_wait)
        if summary.status == DocumentStatus.ERROR:
            raise DocumentProcessingError(
                f"pandadoc: document {document_id} failed processing (document.error)",
                document_id=document_id,
            )
        attempt += 1


def _ready_after(value: str | None) -> float:
    try:
        return max(0.5, float(value)) if value else _PDF_WAIT_S
    except ValueError:  # an HTTP date: rare for this answer; the default pause will do
        return _PDF_WAIT_S


async def download_document(
    client: PandaDocIntegration,
    document_id: str,
    *,
    protected: bool = False,
    max_wait: float = 120.0,
    watermark: dict[str, Any] | None = None,
) -> bytes:
    """The document's PDF. `protected` downloads the signed, tamper-evident PDF of a
    completed document (production keys only; a sandbox key gets 401). Waits through 409
    (still processing) and 202 (PDF not rendered yet, honouring `Retry-After`).

    Args:
        max_wait: seconds on the client's clock before giving up.
        watermark: `watermark_text`, `watermark_color`, `watermark_font_size`,
            `watermark_opacity` query options (unprotected download only).

    Raises:
        DocumentWaitTimeoutError: the PDF was not ready within `max_wait`.
        DocumentStateError: e.g. a protected download of a document not completed.
    """
    path = (
        f"{DOCS}/{quote_segment(document_id)}/{'download-protected' if protected else 'download'}"
    )
    operation = "download_protected_document" if protected else "download_document"
    params = None if protected else watermark
    started = client.clock.now()

    async def once() -> Any:
        return await client.request("GET", path, operation=operation, params=params, cache_ttl=LIVE)

    while True:
        response = await when_ready(client, document_id, once, max_wait=max_wait)
        if response.status_code != 202:
            content: bytes = response.content
            return content
        waited = client.clock.now() - started
        if waited >= max_wait:
            raise DocumentWaitTimeoutError(
                f"pandadoc: the PDF of {document_id} was not ready after {waited:.0f}s",
                document_id=document_id,
                last_status=None,
                waited_seconds=waited,
            )
        pause = _ready_after(response.headers.get("retry-after"))
        await client.clock.sleep(min(pause, max_wait - waited))
