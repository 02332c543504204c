"""`/api/v1/integrations/practicepanther/oauth/...`: connect PracticePanther (OAuth2 code flow).

- `GET .../oauth/start` (admin): stores a new `state` (single use, expiring after
  `STATE_TTL_SECONDS`) with the redirect URI, and answers the authorize URL to open in a
  browser (`?redirect=true`: a 302 to it instead). The redirect URI is the configured one
  (`redirect_uri` credential or `PRACTICEPANTHER_REDIRECT_URI`), else this server's callback;
  it must be HTTPS (plain http only on loopback, outside production), as PracticePanther
  requires.
- `GET .../oauth/callback` (public: the browser arrives from PracticePanther, so it carries
  no admin token; the single-use `state` is what authenticates it): the state is taken
  (deleted), the code exchanged for tokens, and the tokens stored encrypted in `oauth_tokens`.
  A missing, unknown, used or expired state answers 400 naming `state`; a vendor `error`
  (the user denied access) 400 naming `error`. No token ever appears in an answer.
"""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep, get_factory
from integrations.api.schemas.errors import error_responses
from integrations.errors import ProviderError
from integrations.practicepanther.auth import new_state
from integrations.practicepanther.client import PracticePantherIntegration
from integrations.practicepanther.exceptions import OAuthStateError
from integrations.practicepanther.token_store import DatabaseTokenStore
from integrations.services import Services

__all__ = ["STATE_TTL_SECONDS", "callback_router", "check_redirect_uri", "router"]

STATE_TTL_SECONDS = 600.0
_PREFIX = "/api/v1/integrations/practicepanther/oauth"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})

router = APIRouter(prefix=_PREFIX, tags=["practicepanther"], route_class=AdminRoute)
callback_router = APIRouter(prefix=_PREFIX, tags=["practicepanther"])


class AuthorizeStart(BaseModel):
    authorize_url: str
    redirect_uri: str
    expires_in: int


class Connected(BaseModel):
    connected: bool
    expires_at: float | None
    scope: str | None


def check_redirect_uri(uri: str, *, production: bool) -> None:
    """HTTPS, or http on loopback outside production (BRIEF §3); no fragment.

    Raises:
        OAuthStateError: naming `redirect_uri`.
    """
    parts = urlsplit(uri)
    host = parts.hostname or ""
    loopback_http = parts.scheme == "http" and host in _LOOPBACK and not production
    if not host or parts.fragment or not (parts.scheme == "https" or loopback_http):
        raise OAuthStateError(
            "the OAuth redirect URI must be an https URL (http only on localhost in development)",
            field="redirect_uri",
            reason="must be https (http allowed on loopback outside production), no fragment",
        )


async def _client(request: Request, services: Services) -> PracticePantherIntegration:
    """The process factory's client (one is made on first use when the lifespan did not
    run, as `deps.get_webhooks` does), so tokens it refreshes are the ones calls use."""
    client = await get_factory(request).get("practicepanther")
    if not isinstance(client, PracticePantherIntegration):  # pragma: no cover - registry bug
        raise TypeError("the practicepanther client is not PracticePantherIntegration")
    return client


def _states(services: Services) -> DatabaseTokenStore:
    return DatabaseTokenStore(services.db, services.box, integration="practicepanther")


@router.get(
    "/start",
    summary="Start connecting PracticePanther: a stored state and the authorize URL",
    response_model=AuthorizeStart,
    responses=error_responses(400, 409, 422),
)
async def start(
    request: Request,
    services: ServicesDep,
    _: AdminPrincipal,
    redirect: Annotated[bool, Query(description="answer 302 to the authorize URL")] = False,
) -> Any:
    client = await _client(request, services)
    redirect_uri = client.redirect_uri or str(request.url_for("practicepanther_oauth_callback"))
    check_redirect_uri(redirect_uri, production=services.settings.is_production)
    state = new_state()
    await _states(services).put_state(state, redirect_uri, time.time() + STATE_TTL_SECONDS)
    url = client.authorize_url(state=state, redirect_uri=redirect_uri)
    if redirect:
        return RedirectResponse(url, status_code=302)
    return AuthorizeStart(
        authorize_url=url, redirect_uri=redirect_uri, expires_in=int(STATE_TTL_SECONDS)
    )


@callback_router.get(
    "/callback",
    name="practicepanther_oauth_callback",
    summary="PracticePanther's redirect back: exchange the code, store the tokens",
    response_model=Connected,
    responses=error_responses(400, 409, 422),
)
async def callback(
    request: Request,
    services: ServicesDep,
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Connected:
    if not state:
        raise OAuthStateError("the callback has no state", field="state", reason="missing")
    redirect_uri, why = await _states(services).take_state(state, time.time())
    if redirect_uri is None:
        raise OAuthStateError(f"the OAuth state is {why}", field="state", reason=why)
    if error:
        raise OAuthStateError(
            "PracticePanther did not grant access (start again)", field="error", reason="denied"
        )
    if not code:
        raise OAuthStateError("the callback has no code", field="code", reason="missing")
    client = await _client(request, services)
    try:
        tokens = await client.exchange_code(code, redirect_uri)
    except ProviderError as exc:
        raise OAuthStateError(
            "PracticePanther refused the authorization code (start again)",
            field="code",
            reason=f"refused by the vendor ({exc.status})",
        ) from None
    return Connected(connected=True, expires_at=tokens.expires_at, scope=tokens.scope)
