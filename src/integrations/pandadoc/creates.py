"""Creating PandaDoc documents: from a template, from a public PDF URL, from a PDF file.

Every create answers `document.uploaded`: PandaDoc processes the document asynchronously
(typically 3-5 s) before it is `document.draft`. Creates from PDFs and from templates have
separate rate limits on the same path, so each request names its source for the limiter.
"""

from __future__ import annotations

from typing import Any

from integrations.core.payloads import read_model
from integrations.pandadoc.bodies import CreateFromPdfUrl, CreateFromTemplate, UploadRequest
from integrations.pandadoc.client import PandaDocIntegration
from integrations.pandadoc.models import CreatedDocument
from integrations.pandadoc.spec import CREATE_SOURCE
from integrations.pandadoc.waiting import DOCS

__all__ = ["create_document_from_pdf_url", "create_document_from_template", "upload_document"]


async def _create(
    client: PandaDocIntegration, source: str, operation: str, **kw: Any
) -> CreatedDocument:
    response = await client.request(
        "POST", DOCS, operation=operation, extensions={CREATE_SOURCE: source}, **kw
    )
    return read_model(response, CreatedDocument)


async def create_document_from_template(
    client: PandaDocIntegration, body: CreateFromTemplate
) -> CreatedDocument:
    """Create a document from a template. The answer is `document.uploaded`: PandaDoc
    processes it asynchronously; `wait_for_document_status` waits for `document.draft`
    (send and details also wait on their own). BadRequestError names invalid fields,
    e.g. a role the template does not have."""
    return await _create(client, "template", "create_document_from_template", json=body.payload())


async def create_document_from_pdf_url(
    client: PandaDocIntegration, body: CreateFromPdfUrl
) -> CreatedDocument:
    """Create a document from a public HTTPS PDF URL (PandaDoc fetches it); like every
    create it starts `document.uploaded`, and a PDF it cannot read ends in `document.error`."""
    return await _create(client, "pdf", "create_document_from_pdf_url", json=body.payload())


async def upload_document(
    client: PandaDocIntegration,
    content: bytes,
    body: UploadRequest,
    *,
    filename: str = "document.pdf",
    content_type: str = "application/pdf",
) -> CreatedDocument:
    """Create a document from a PDF file (multipart `file` + `data` JSON; 50 MB at most);
    starts `document.uploaded` like every create."""
    # `data` as its own application/json part: the spec's multipart default for an object.
    data = body.model_dump_json(exclude_none=True, exclude_unset=True)
    files = {"file": (filename, content, content_type), "data": (None, data, "application/json")}
    response = await client.request(
        "POST",
        DOCS + "?upload",
        operation="upload_document",
        extensions={CREATE_SOURCE: "pdf"},
        files=files,
    )
    return read_model(response, CreatedDocument)
