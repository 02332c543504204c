"""One place that turns errors into JSON responses: `{"error": {"code", "message", ...}}`.

`api.schemas.errors.ErrorBody` describes this body in the OpenAPI document. Unexpected
exceptions become a JSON 500 in `api.middleware.TraceMiddleware`, and too many request headers
a 431 in `api.middleware.HeaderLimitMiddleware`, before any route runs. Answers are
`PortableJSONResponse`s, so an error naming a value the client sent always renders.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from integrations.api.json_text import PortableJSONResponse
from integrations.errors import IntegrationError
from integrations.logging import current_trace_id, redact
from integrations.storage.availability import DatabaseUnavailableError, is_outage

__all__ = ["install_error_handlers"]


# Starlette's own refusals; 400 is FastAPI's "There was an error parsing the body".
_HTTP_CODES = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "trace_id": current_trace_id(), **extra}}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts)


async def _integration_error(request: Request, exc: Exception) -> PortableJSONResponse:
    assert isinstance(exc, IntegrationError)
    body = exc.to_dict()
    code, message = body.pop("code"), body.pop("message")
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    if isinstance(exc, DatabaseUnavailableError):
        headers = {"Retry-After": str(exc.retry_after)}
        request.app.state.services.db.availability.refuse()  # `database.recovered` counts it
    return PortableJSONResponse(
        _body(code, message, **body), status_code=exc.http_status, headers=headers
    )


async def _database_error(request: Request, exc: Exception) -> PortableJSONResponse:
    # An outage under any route is a 503 and one line in the database's availability log,
    # not a traceback per request; any other database error stays an unexpected 500.
    if not is_outage(exc):
        raise exc
    database = request.app.state.services.db
    return await _integration_error(request, database.unavailable(exc))


async def _validation_error(request: Request, exc: Exception) -> PortableJSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field(tuple(e["loc"])), "reason": str(e["msg"]), "type": e["type"]}
        for e in exc.errors()
    ]
    names = ", ".join(e["field"] for e in errors)
    return PortableJSONResponse(
        _body("validation_error", f"invalid request: {names}", errors=redact(errors)),
        status_code=422,
    )


def _allowed_methods(request: Request) -> str | None:
    """Every method the OpenAPI document gives the request's path, or None if it has none.

    Starlette's 405 names only the methods of the first route that matched, so a path with a
    GET and a PATCH route answered `Allow: GET`. A path matching several templates takes the
    most specific (fewest parameters): `/webhook-events/replay`, not `/{event_id}`.
    """
    found: list[tuple[int, set[str]]] = []
    for template, item in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(request.url.path):
            found.append((template.count("{"), {m.upper() for m in item if m in _METHODS}))
    if not found:
        return None
    fewest = min(params for params, _ in found)
    methods = set().union(*(methods for params, methods in found if params == fewest))
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> PortableJSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return PortableJSONResponse(
        _body(code, str(exc.detail)), status_code=exc.status_code, headers=headers or None
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(IntegrationError, _integration_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
