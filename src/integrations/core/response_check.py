"""The layer that refuses unreadable success bodies before the breaker counts the call.

It sits between the circuit breaker and the rate limiter, so a vendor that answers 200 with
truncated or malformed JSON counts as a failing vendor (the breaker opens after enough of
them) instead of passing as a success whose body then fails in the connector.
"""

from __future__ import annotations

import json

import httpx2

from integrations.core.context import call_context
from integrations.core.payloads import PARSED_JSON, invalid_response, is_json

__all__ = ["ResponseCheckLayer"]


class ResponseCheckLayer(httpx2.AsyncBaseTransport):
    """Raises `InvalidResponseError` for a 2xx answer that says JSON but does not parse; keeps
    what it parsed on the response, so `read_json` does not parse the body again."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        if 200 <= response.status_code < 300 and is_json(response):
            body = await response.aread()
            if body:
                try:
                    response.extensions[PARSED_JSON] = json.loads(body)
                except (ValueError, UnicodeDecodeError) as exc:
                    why = f"malformed JSON ({exc})"
                    provider = call_context(request).integration
                    raise invalid_response(response, why, provider=provider) from None
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
