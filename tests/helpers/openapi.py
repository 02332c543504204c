"""openapi-core's Request and Response protocols over httpx objects (contract tests)."""

from __future__ import annotations

import httpx2
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

__all__ = ["SpecRequest", "SpecResponse"]


class SpecRequest:
    """openapi-core's Request protocol over an httpx request."""

    def __init__(self, request: httpx2.Request) -> None:
        self.host_url = f"{request.url.scheme}://{request.url.host}"
        self.path = request.url.path
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.content_type = request.headers.get("content-type", "")
        self.body = request.read() or None


class SpecResponse:
    """openapi-core's Response protocol over an httpx response."""

    def __init__(self, response: httpx2.Response) -> None:
        self.status_code = response.status_code
        self.headers = Headers(list(response.headers.items()))
        self.content_type = response.headers.get("content-type", "")
        self.data = response.content or None
