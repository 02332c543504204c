"""One place that turns errors into JSON responses: `{"error": {"code", "message", ...}}`.

Unexpected exceptions become a JSON 500 in `api.middleware.TraceMiddleware`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from integrations.errors import IntegrationError
from integrations.logging import current_trace_id, redact

__all__ = ["install_error_handlers"]


def _body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "trace_id": current_trace_id(), **extra}}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts)


async def _integration_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IntegrationError)
    body = exc.to_dict()
    code, message = body.pop("code"), body.pop("message")
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    return JSONResponse(_body(code, message, **body), status_code=exc.http_status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field(tuple(e["loc"])), "reason": str(e["msg"]), "type": e["type"]}
        for e in exc.errors()
    ]
    names = ", ".join(e["field"] for e in errors)
    return JSONResponse(
        _body("validation_error", f"invalid request: {names}", errors=redact(errors)),
        status_code=422,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
        exc.status_code, "http_error"
    )
    return JSONResponse(
        _body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(IntegrationError, _integration_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
