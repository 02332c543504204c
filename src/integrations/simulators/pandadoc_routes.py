"""PandaDoc document endpoints under `/public/v1`, plus the error handlers of the app.

Every `/public` route depends on `PandaDocSimulator.guard` (credentials, then the clock
catch-up), reads JSON bodies by hand so body errors come out in PandaDoc's
`{type, detail: {field: [msg]}}` shape, and answers failures by raising `PandaDocError`.
The multipart upload (`POST /documents?upload`) is parsed with the standard library's
MIME parser, so the simulator needs no multipart package.
"""

from __future__ import annotations

import math
import re
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from integrations.simulators import pandadoc_lifecycle as lifecycle
from integrations.simulators.pandadoc_models import Document, PandaDocError, iso
from integrations.simulators.pandadoc_pdf import render_pdf
from integrations.simulators.pandadoc_query import page_of, select_documents
from integrations.simulators.pandadoc_validate import REQUIRED, check_create, parse_json_object
from integrations.simulators.pandadoc_views import (
    conflict_body,
    create_body,
    details_body,
    list_item,
    revert_body,
    send_body,
    status_body,
)

if TYPE_CHECKING:
    from integrations.simulators.pandadoc import PandaDocSimulator

__all__ = ["parse_upload", "register_routes"]


def _invalid(detail: dict[str, list[str]]) -> PandaDocError:
    return PandaDocError(400, {"type": "validation_error", "detail": detail})


async def _json(request: Request) -> dict[str, Any]:
    body, errors = parse_json_object(await request.body())
    if errors:
        raise _invalid(errors)
    return body


def parse_upload(content_type: str, raw: bytes) -> tuple[dict[str, Any], str]:
    """The `data` JSON and the file name of a multipart create-from-file request."""
    parts: dict[str, tuple[str, bytes]] = {}
    if content_type.lower().startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
        message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                parts[name] = (part.get_filename() or "", payload)
    errors: dict[str, list[str]] = {}
    if not parts.get("file", ("", b""))[1]:
        errors["file"] = ["No file was submitted."]
    data, data_errors = parse_json_object(parts.get("data", ("", b""))[1])
    if "data" not in parts:
        errors["data"] = [REQUIRED]
    elif data_errors:
        errors["data"] = data_errors["non_field_errors"]
    if errors:
        raise _invalid(errors)
    return data, parts["file"][0]


def _pdf(doc: Document, request: Request, sandbox: bool) -> bytes:
    lines = [f"Status: {doc.status}", f"Document id: {doc.id}"]
    for r in doc.recipients:
        signed = f"signed {iso(r.signature_date)}" if r.has_completed else "not signed"
        lines.append(f"{r.first_name} {r.last_name} <{r.email or r.phone}> ({r.role}): {signed}")
    if text := request.query_params.get("watermark_text"):
        lines.append(text)
    if sandbox:
        lines.append("SANDBOX - not legally binding")
    return render_pdf(doc.name, lines)


def register_routes(sim: PandaDocSimulator) -> None:
    """Error handlers, document routes, then the template/webhook and control routes."""
    from integrations.simulators.pandadoc_control import register_control_routes
    from integrations.simulators.pandadoc_routes_extra import register_extra_routes

    _register_handlers(sim)
    state = sim.state
    router = APIRouter(prefix="/public/v1", dependencies=[Depends(sim.guard)])

    @router.get("/documents")
    async def list_documents(request: Request) -> JSONResponse:
        query = request.query_params
        docs = select_documents(list(state.documents.values()), query, sim.config.default_order_by)
        return JSONResponse({"results": [list_item(d) for d in page_of(docs, query)]})

    @router.post("/documents")
    async def create_document(request: Request) -> JSONResponse:
        upload = "upload" in request.query_params
        if upload:
            raw = await request.body()
            body, source = parse_upload(request.headers.get("content-type", ""), raw)
        else:
            body = await _json(request)
            source = str(body.get("url") or "")
        sim.check_create_limit("pdf" if upload or "url" in body else "template")
        template, errors = check_create(body, state.templates, upload=upload)
        if errors:
            raise _invalid(errors)
        doc = state.create(body, template, source=source)
        base = str(request.base_url).rstrip("/")
        return JSONResponse(create_body(doc, base), status_code=201)

    @router.get("/documents/{doc_id}")
    async def document_status(doc_id: str) -> JSONResponse:
        return JSONResponse(status_body(state.get(doc_id)))

    @router.get("/documents/{doc_id}/details")
    async def document_details(doc_id: str) -> JSONResponse:
        doc = state.get(doc_id)
        if doc.status == "document.uploaded":
            raise PandaDocError(409, conflict_body(doc))
        return JSONResponse(details_body(doc, state.user))

    @router.post("/documents/{doc_id}/send")
    async def send_document(doc_id: str, request: Request) -> JSONResponse:
        doc = state.get(doc_id, writable=True)
        lifecycle.send(state, doc, await _json(request))
        await state.flush()
        return JSONResponse(send_body(doc))

    @router.post("/documents/{doc_id}/session")
    async def create_session(doc_id: str, request: Request) -> JSONResponse:
        doc = state.get(doc_id)
        answer = lifecycle.session(state, doc, await _json(request))
        return JSONResponse(answer, status_code=201)

    async def download(doc_id: str, request: Request, *, protected: bool) -> Response:
        doc = state.get(doc_id)
        if protected and sim.config.sandbox:
            detail = "Download Protected Document needs a production API key."
            raise PandaDocError(401, {"type": "authentication_error", "detail": detail})
        if doc.status in ("document.uploaded", "document.error"):
            raise PandaDocError(409, conflict_body(doc))
        if protected and doc.status != "document.completed":
            message = "Only a document.completed document can be downloaded protected."
            raise PandaDocError(409, conflict_body(doc, message))
        if doc.pdf_ready_at is None or state.now() < doc.pdf_ready_at:
            # The spec requires Retry-After (integer seconds >= 1) on this 202.
            wait = math.ceil((doc.pdf_ready_at or state.now()) - state.now())
            return Response(status_code=202, headers={"Retry-After": str(max(1, wait))})
        filename = re.sub(r"[^A-Za-z0-9 ._-]+", "_", doc.name).strip() or doc.id
        return Response(
            _pdf(doc, request, sim.config.sandbox),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}.pdf"'},
        )

    @router.get("/documents/{doc_id}/download")
    async def download_document(doc_id: str, request: Request) -> Response:
        return await download(doc_id, request, protected=False)

    @router.get("/documents/{doc_id}/download-protected")
    async def download_protected(doc_id: str, request: Request) -> Response:
        return await download(doc_id, request, protected=True)

    @router.delete("/documents/{doc_id}")
    async def delete_document(doc_id: str) -> Response:
        lifecycle.delete(state, state.get(doc_id, writable=True))
        await state.flush()
        return Response(status_code=204)

    @router.patch("/documents/{doc_id}/status")
    async def change_status(doc_id: str, request: Request) -> Response:
        doc = state.get(doc_id, writable=True)
        lifecycle.set_status(state, doc, await _json(request))
        await state.flush()
        return Response(status_code=204)

    @router.post("/documents/{doc_id}/draft")
    async def revert_to_draft(doc_id: str) -> JSONResponse:
        doc = state.get(doc_id, writable=True)
        lifecycle.revert(state, doc)
        await state.flush()
        return JSONResponse(revert_body(doc))

    register_extra_routes(sim, router)
    sim.app.include_router(router)
    register_control_routes(sim)


def _register_handlers(sim: PandaDocSimulator) -> None:
    """PandaDoc's error shapes for vendor paths; FastAPI's own for `/_sim` control paths."""

    async def vendor_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PandaDocError)
        if exc.body is None:
            return Response(status_code=exc.status, headers=exc.headers)
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if request.url.path.startswith("/_sim"):
            return await request_validation_exception_handler(request, exc)
        detail: dict[str, list[str]] = {}
        for error in exc.errors():
            detail.setdefault(str(error["loc"][-1]), []).append(str(error["msg"]))
        return JSONResponse({"type": "validation_error", "detail": detail}, status_code=400)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith("/_sim") or exc.status_code not in (404, 405):
            return await http_exception_handler(request, exc)
        detail = "Not found" if exc.status_code == 404 else "Method not allowed."
        body = {"type": "request_error", "detail": detail}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    sim.app.add_exception_handler(PandaDocError, vendor_error)
    sim.app.add_exception_handler(RequestValidationError, invalid_request)
    sim.app.add_exception_handler(StarletteHTTPException, http_error)
