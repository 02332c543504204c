"""Typeform's error shape for the simulator: `{code, description, details?}` on every failure.

Typeform answers errors with a JSON body `{code, description}` plus, for validation errors,
`details: [{code, description, field, in}]` (BRIEF §2.4). Authentication problems are 403
`AUTHENTICATION_ERROR`. This module holds the exception the routes raise, the bodies the kit
uses for injected faults and 429s, and the handlers that turn FastAPI's own errors (bad query
types, unknown routes) into the same shape. Control routes under `/_sim` keep FastAPI's shape.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from integrations.simulators.limits import SimRateLimit

__all__ = [
    "STATUS_CODES",
    "TypeformError",
    "install_error_handlers",
    "typeform_error_body",
    "typeform_too_many",
    "validation_error",
]

STATUS_CODES: dict[int, str] = {
    400: "VALIDATION_ERROR",
    401: "AUTHENTICATION_ERROR",
    403: "AUTHENTICATION_ERROR",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    423: "LOCKED",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


class TypeformError(Exception):
    """An error answer: HTTP status plus Typeform's `code`, `description` and `details`."""

    def __init__(
        self,
        status: int,
        code: str,
        description: str,
        details: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON body Typeform would send."""
        body: dict[str, Any] = {"code": self.code, "description": self.description}
        if self.details:
            body["details"] = self.details
        return body


def validation_error(field: str, description: str, where: str = "query") -> TypeformError:
    """A 400 VALIDATION_ERROR whose single detail names `field` (in "query" or "body")."""
    detail = {"code": "INVALID", "description": description, "field": field, "in": where}
    return TypeformError(400, "VALIDATION_ERROR", description, [detail])


def typeform_error_body(status: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The kit's injected-fault body in Typeform's shape."""
    code = STATUS_CODES.get(status, "SERVER_ERROR" if status >= 500 else "ERROR")
    return {"code": code, "description": f"simulated error {status}"}, {}


def typeform_too_many(
    wait: float, window: SimRateLimit, remaining: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """429 TOO_MANY_REQUESTS with `Retry-After` in whole seconds (at least 1)."""
    body = {
        "code": "TOO_MANY_REQUESTS",
        "description": f"Too many requests: at most {window.limit} per "
        f"{window.period_seconds:g} s per account",
    }
    return body, {"Retry-After": str(max(1, math.ceil(wait)))}


def install_error_handlers(app: FastAPI) -> None:
    """Typeform-shaped answers for route errors, query validation and unknown routes."""

    async def on_typeform(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, TypeformError)
        return JSONResponse(exc.body(), status_code=exc.status)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if request.url.path.startswith("/_sim/") and not request.url.path.startswith(
            "/_sim/typeform/"
        ):
            return await request_validation_exception_handler(request, exc)
        details = [
            {
                "code": "INVALID",
                "description": str(error.get("msg", "invalid value")),
                "field": ".".join(str(part) for part in error.get("loc", ())[1:]) or "body",
                "in": str(error.get("loc", ("body",))[0]),
            }
            for error in exc.errors()
        ]
        error = TypeformError(400, "VALIDATION_ERROR", "The request is not valid", details)
        return JSONResponse(error.body(), status_code=400)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith("/_sim/"):
            return await http_exception_handler(request, exc)
        code = STATUS_CODES.get(exc.status_code, "ERROR")
        return JSONResponse(
            {"code": code, "description": str(exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    app.add_exception_handler(TypeformError, on_typeform)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
