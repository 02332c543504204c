"""Wait hints as the pipeline needs them, fixed at the bottom of the transport chain.

PandaDoc documents no rate-limit headers, but has been seen to say the wait in words
("Request was throttled. Expected available in 13 seconds.", BRIEF §1.7, L): that becomes
`Retry-After`, so the retry layer, the limiter and the error all honour it. (The download's
202 "not ready" `Retry-After` needs nothing here: the limiter pauses only on budget signals.)
"""

from __future__ import annotations

import re

import httpx2

__all__ = ["VendorHints"]

_AVAILABLE_IN = re.compile(r"available in (\d+(?:\.\d+)?) second", re.IGNORECASE)


class VendorHints(httpx2.AsyncBaseTransport):
    """Rewrites the wait hints of answers (see the module docstring)."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        if response.status_code != 429 or "retry-after" in response.headers:
            return response
        content = await response.aread()
        found = _AVAILABLE_IN.search(content.decode("utf-8", "replace"))
        if found is None:
            return response
        headers = [(k, v) for k, v in response.headers.items() if k != "content-encoding"]
        headers.append(("Retry-After", str(round(float(found.group(1))))))
        return httpx2.Response(429, headers=headers, content=content, request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()
