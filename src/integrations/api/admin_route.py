"""`AdminRoute`: the route class of every admin router.

FastAPI reads and parses a route's body before it runs any dependency, so an admin token
checked as a dependency came too late: a 50 MB body without a token was read to the end
before its 401, and one with a token was stored whole. An `AdminRoute` instead, in order:

1. verifies the bearer token (401 before a byte of the body is read);
2. refuses a body over `INTEGRATIONS_API__MAX_BODY_BYTES` (413): at once when
   `Content-Length` says so, else as soon as the bytes read pass the limit;
3. refuses a JSON body holding a lone surrogate or a non-finite number (422 naming the
   field), which the database or the answer could not hold (`api.json_text`);

and only then hands the request to FastAPI. It answers with `PortableJSONResponse`, and adds
the statuses it can give (401, 413, 422, 503, ...) with the API's error body to the route's
OpenAPI entry. Starlette's own `RequestBodyLimitMiddleware` is not used: it answers in plain
text, and replaces an earlier answer (the 401) with its 413.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.utils import get_dependant, get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.types import Message, Receive

from integrations.api.deps import (
    ADMIN_PRINCIPAL_STATE,
    bearer_credentials,
    get_services,
    require_admin,
)
from integrations.api.json_text import PortableJSONResponse, problem_in
from integrations.api.schemas.errors import error_responses
from integrations.errors import IntegrationError

__all__ = ["AdminRoute", "PayloadTooLargeError", "payload_too_large"]


class PayloadTooLargeError(IntegrationError):
    """An admin request's body is larger than `INTEGRATIONS_API__MAX_BODY_BYTES`."""

    http_status = 413
    code = "payload_too_large"


def payload_too_large(limit: int) -> PayloadTooLargeError:
    """The 413 for a body over `limit` bytes (admin routes and `/mcp` alike)."""
    return PayloadTooLargeError(
        f"body larger than {limit} bytes (INTEGRATIONS_API__MAX_BODY_BYTES); nothing was read"
        " further or stored"
    )


def _capped(receive: Receive, limit: int) -> Receive:
    """`receive`, failing with 413 once the body read so far is over `limit` bytes."""
    received = 0

    async def receive_capped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise payload_too_large(limit)
        return message

    return receive_capped


async def _read_checked_body(request: Request, limit: int) -> Request:
    """The request over a capped `receive`, its body read and its JSON text checked."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise payload_too_large(limit)
    capped = Request(request.scope, _capped(request.receive, limit))
    body = await capped.body()  # kept by the request: FastAPI reads it from there
    problem = problem_in(body) if body else None
    if problem is not None:
        raise RequestValidationError(
            [
                {
                    "type": problem.kind,
                    "loc": ("body", *problem.location),
                    "msg": problem.reason,
                    "input": None,
                }
            ]
        )
    return capped


def _statuses(path: str, endpoint: Callable[..., Any]) -> dict[int | str, dict[str, Any]]:
    """The error answers any admin route with this signature can give."""
    dependant = get_dependant(path=path, call=endpoint)
    statuses = [401, 503]
    if dependant.body_params:
        statuses += [400, 413]
    if dependant.body_params or get_flat_params(dependant):
        statuses.append(422)
    return error_responses(*sorted(statuses))


class AdminRoute(APIRoute):
    """An admin API route: token first, then a capped and checked body (module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if isinstance(kwargs.get("response_class", DefaultPlaceholder(None)), DefaultPlaceholder):
            kwargs["response_class"] = PortableJSONResponse
        # What the route itself declares (its 404, say) wins over these general entries.
        kwargs["responses"] = {**_statuses(path, endpoint), **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        reads_body = self.body_field is not None

        async def handle_admin(request: Request) -> Response:
            services = get_services(request)
            principal = await require_admin(services, await bearer_credentials(request))
            setattr(request.state, ADMIN_PRINCIPAL_STATE, principal)
            if reads_body:
                request = await _read_checked_body(request, services.settings.api.max_body_bytes)
            return await handle(request)

        return handle_admin
