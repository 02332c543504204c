"""Streamable HTTP at `/mcp`, behind the admin bearer token.

`McpHttpApp` is a plain ASGI app: it checks `Authorization: Bearer` exactly as the admin API
does (`integrations.api.deps.require_admin`: the bootstrap token, then stored tokens) and
answers 401 in the API's error shape otherwise; an authenticated request goes to the SDK's
`StreamableHTTPSessionManager`. The manager runs inside the API's lifespan (`run`), stateless
with JSON responses, so any API process behind a load balancer can answer any request.

Bodies are capped like every admin body (`INTEGRATIONS_API__MAX_BODY_BYTES`, 413) once the
token is verified, before the SDK reads them.

`McpMount` mounts it at `/mcp` and also answers `/mcp` itself (a plain `Mount` only matches
`/mcp/...` and would redirect `/mcp`, which MCP clients should not have to follow).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi.security import HTTPAuthorizationCredentials
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.routing import Match, Mount
from starlette.types import Message, Receive, Scope, Send

from integrations.api.admin_route import payload_too_large
from integrations.api.deps import UnauthorizedError, require_admin
from integrations.errors import IntegrationError
from integrations.factory import IntegrationFactory
from integrations.logging import current_trace_id
from integrations.mcp.server import CALLER_SCOPE_KEY, build_server
from integrations.services import Services

__all__ = ["MCP_PATH", "McpHttpApp", "McpMount"]

MCP_PATH = "/mcp"


def _credentials(scope: Scope) -> HTTPAuthorizationCredentials | None:
    # The same reading as FastAPI's HTTPBearer(auto_error=False).
    header = next((v for k, v in scope.get("headers", []) if k == b"authorization"), None)
    if header is None:
        return None
    scheme, _, token = bytes(header).decode("latin-1").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())


async def _send_error(send: Send, error: IntegrationError, status: int) -> None:
    # The admin API's error shape (`integrations.api.errors`).
    body = json.dumps({"error": {**error.to_dict(), "trace_id": current_trace_id()}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_capped(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it is over `limit` bytes (declared or read).

    The SDK reads a body whole, so the admin body cap of `AdminRoute` is applied here first.
    """
    declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), b"")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: nothing more to read
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` that first hands out `body`, already read, then waits as the server does."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _NotRunningError(IntegrationError):
    http_status = 503
    code = "mcp_not_running"


class McpHttpApp:
    """The `/mcp` endpoint: admin bearer token, then the SDK's streamable HTTP transport."""

    def __init__(self) -> None:
        self._manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def run(self, services: Services, factory: IntegrationFactory) -> AsyncIterator[None]:
        """Serve MCP for the app's lifetime (enter it in the app's lifespan), with the
        process's clients (`factory`, closed by its owner)."""
        server = build_server(factory)
        manager = StreamableHTTPSessionManager(app=server, json_response=True, stateless=True)
        async with manager.run():
            self._manager = manager
            try:
                yield
            finally:
                self._manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # websockets and the like: nothing here
            return
        services: Services = scope["app"].state.services
        try:
            principal = await require_admin(services, _credentials(scope))
        except UnauthorizedError as exc:
            await _send_error(send, exc, 401)
            return
        manager = self._manager
        if manager is None:
            await _send_error(send, _NotRunningError("the MCP endpoint is not running"), 503)
            return
        limit = services.settings.api.max_body_bytes
        body = await _read_capped(scope, receive, limit)
        if body is None:
            await _send_error(send, payload_too_large(limit), 413)
            return
        # The tool call's caller (budgets, logs): see `integrations.mcp.server.caller_of`.
        scope = {**scope, "state": {**scope.get("state", {}), CALLER_SCOPE_KEY: principal}}
        await manager.handle_request(scope, _replaying(body, receive), send)


class McpMount(Mount):
    """A `Mount` at `path` that also matches `path` itself (no trailing-slash redirect)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.NONE and scope["type"] == "http" and not scope["path"].endswith("/"):
            # `/mcp` is served as `/mcp/`; the request's own path is left as it came.
            match, child = super().matches({**scope, "path": scope["path"] + "/"})
        return match, child
