"""HTTP routes of the PracticePanther simulator: OAuth endpoints and the `/api/v2` reads.

Vendor routes: `GET /OAuth/Authorize`, `POST /OAuth/Token`, `GET /api/v2/users/me`,
`GET /api/v2/{accounts|contacts|matters|tasks}` and `GET /api/v2/{kind}/{id}`. Errors use
ASP.NET Web API's shape `{"Message": …}` (plus `ModelState` naming the parameter on a 400);
OAuth errors use RFC 6749's `{"error", "error_description"}`. Writes (POST/PUT/DELETE) exist
in the vendor API but are not simulated: the connector only reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from integrations.simulators.practicepanther_data import parse_id
from integrations.simulators.practicepanther_oauth import (
    OAuthError,
    check_redirect,
    client_credentials,
    parse_form,
    redirect_with,
)
from integrations.simulators.practicepanther_query import QueryError, parse_query, run_query

if TYPE_CHECKING:
    from integrations.simulators.practicepanther import PracticePantherSimulator

__all__ = ["ApiError", "install_routes"]


class ApiError(Exception):
    """An API answer in ASP.NET's shape."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(str(body))
        self.status, self.body, self.headers = status, body, headers or {}


def _bearer(sim: PracticePantherSimulator, request: Request) -> None:
    scheme, _, token = (request.headers.get("authorization") or "").strip().partition(" ")
    verdict = "unknown"
    if scheme.lower() == "bearer" and token.strip():
        verdict = sim.tokens.check_access(token.strip(), sim.now_s())
    if verdict == "expired" and sim.oauth.expired_token_answer == "400":  # noqa: S105
        raise ApiError(400, {"error": "invalid_grant", "error_description": "token expired"})
    if verdict != "ok":
        raise ApiError(
            401,
            {"Message": "Authorization has been denied for this request."},
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


def _authorize(sim: PracticePantherSimulator, request: Request) -> Response:
    params = request.query_params
    client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
    if client_id not in sim.oauth.clients:
        raise OAuthError(400, "invalid_client", "unknown client_id")
    check_redirect(sim.oauth, redirect_uri)
    state = params.get("state", "")
    if not state:
        raise OAuthError(400, "invalid_request", "state is required")
    if params.get("response_type") != "code":
        error = {"error": "unsupported_response_type", "state": state}
        return RedirectResponse(redirect_with(redirect_uri, error), status_code=302)
    if sim.oauth.authorize_outcome == "deny":
        denied = {"error": "access_denied", "state": state}
        return RedirectResponse(redirect_with(redirect_uri, denied), status_code=302)
    expires = sim.now_s() + sim.oauth.code_lifetime_seconds
    code = sim.tokens.new_code(client_id, redirect_uri, expires)
    return RedirectResponse(redirect_with(redirect_uri, {"code": code, "state": state}), 302)


async def _token(sim: PracticePantherSimulator, request: Request) -> dict[str, object]:
    form = parse_form(await request.body(), request.headers.get("content-type"))
    client_id, secret = client_credentials(form, request.headers.get("authorization"))
    if not client_id or sim.oauth.clients.get(client_id) != secret:
        raise OAuthError(400, "invalid_client", "client_id or client_secret is wrong")
    grant, now = form.get("grant_type", ""), sim.now_s()
    if grant == "authorization_code":
        for name in ("code", "redirect_uri"):
            if not form.get(name):
                raise OAuthError(400, "invalid_request", f"{name} is required")
        sim.tokens.redeem_code(form["code"], client_id, form["redirect_uri"], now)
    elif grant == "refresh_token":
        if not form.get("refresh_token"):
            raise OAuthError(400, "invalid_request", "refresh_token is required")
        sim.tokens.rotate(form["refresh_token"], client_id, now)
    else:
        raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")
    return sim.tokens.issue(client_id, sim.oauth, now)


def _list(sim: PracticePantherSimulator, kind: str, request: Request) -> list[dict[str, Any]]:
    _bearer(sim, request)
    try:
        query = parse_query(kind, request.query_params.multi_items(), sim.seed)
    except QueryError as exc:
        raise ApiError(
            400, {"Message": "The request is invalid.", "ModelState": {exc.name: [exc.message]}}
        ) from None
    return run_query(sim.records, query, sim.max_page_size)


def _one(sim: PracticePantherSimulator, kind: str, record_id: str, request: Request) -> Any:
    _bearer(sim, request)
    index = parse_id(sim.seed, kind, record_id)
    if index is None or index >= sim.volumes.count(kind):
        raise ApiError(404, {"Message": f"{kind[:-1].capitalize()} {record_id} was not found."})
    return sim.records.build(kind, index)


def install_routes(sim: PracticePantherSimulator) -> None:
    """Register the vendor routes and error handlers on `sim.app`."""
    app = sim.app

    @app.get("/OAuth/Authorize", include_in_schema=False)
    async def authorize(request: Request) -> Response:
        return _authorize(sim, request)

    @app.post("/OAuth/Token", include_in_schema=False)
    async def token(request: Request) -> dict[str, object]:
        return await _token(sim, request)

    @app.get("/api/v2/users/me")
    async def me(request: Request) -> Response:
        _bearer(sim, request)
        return JSONResponse(sim.records.user(0))

    for kind in ("accounts", "contacts", "matters", "tasks"):
        _install_kind(sim, kind)

    async def on_api(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    async def on_oauth(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, OAuthError)
        return JSONResponse(exc.body, status_code=exc.status, headers={"Cache-Control": "no-store"})

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith("/_sim/"):
            return await http_exception_handler(request, exc)
        message = f"No HTTP resource was found that matches the request URI '{request.url}'."
        if exc.status_code == 405:
            message = "The requested resource does not support this http method."
        return JSONResponse({"Message": message}, status_code=exc.status_code)

    app.add_exception_handler(ApiError, on_api)
    app.add_exception_handler(OAuthError, on_oauth)
    app.add_exception_handler(StarletteHTTPException, on_http)


def _install_kind(sim: PracticePantherSimulator, kind: str) -> None:
    async def list_records(request: Request) -> Response:
        return JSONResponse(_list(sim, kind, request))

    async def one_record(id: str, request: Request) -> Response:
        return JSONResponse(_one(sim, kind, id, request))

    sim.app.add_api_route(f"/api/v2/{kind}", list_records, methods=["GET"], name=f"list_{kind}")
    sim.app.add_api_route(f"/api/v2/{kind}/{{id}}", one_record, methods=["GET"], name=f"get_{kind}")
