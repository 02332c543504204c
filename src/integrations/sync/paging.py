"""Reading one stream page by page through the connector's pipeline.

Every page is one `client.request(...)` with `operation="sync_<stream>"` and background
priority, so the limiter, retry, breaker and call records apply as to any call. The pager
stops at the last page or at `max_pages`; `PageReader.truncated` says which.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2

from integrations.sync.definition import CursorPaging, LinkPaging, OffsetPaging, Stream

__all__ = ["PageReader", "SyncClient"]


class SyncClient(Protocol):
    """The part of `BaseIntegration` the engine uses."""

    async def request(
        self, method: str, path: str, *, operation: str, priority: Any = ..., **kw: Any
    ) -> httpx2.Response: ...


@dataclass(slots=True)
class PageReader:
    """Pages of `stream` from `client`, starting with `params`, at most `max_pages`."""

    client: SyncClient
    stream: Stream
    params: Mapping[str, str]
    max_pages: int
    pages: int = 0
    truncated: bool = False  # stopped by `max_pages` while the vendor had more

    async def __aiter__(self) -> AsyncIterator[list[dict[str, Any]]]:
        paging = self.stream.paging
        params: dict[str, Any] = {**self.stream.extra_params, **self.params}
        url: str = self.stream.path
        skip = 0
        while True:
            if isinstance(paging, OffsetPaging):
                params[paging.top_param] = str(paging.page_size)
                params[paging.skip_param] = str(skip)
            elif isinstance(paging, CursorPaging):
                params[paging.size_param] = str(paging.page_size)
            response = await self._get(url, params)
            body = response.json()
            records = self.stream.extract(body)
            self.pages += 1
            yield records
            more, url, params = self._next(paging, response, body, records, url, params)
            skip += len(records)
            if not more:
                return
            if self.pages >= self.max_pages:
                self.truncated = True
                return

    async def _get(self, url: str, params: Mapping[str, Any]) -> httpx2.Response:
        return await self.client.request(
            "GET",
            url,
            params=dict(params) or None,
            operation=f"sync_{self.stream.name}",
            priority="background",
        )

    @staticmethod
    def _next(
        paging: OffsetPaging | CursorPaging | LinkPaging,
        response: httpx2.Response,
        body: Any,
        records: list[dict[str, Any]],
        url: str,
        params: dict[str, Any],
    ) -> tuple[bool, str, dict[str, Any]]:
        """Whether there is a next page, and its URL and parameters."""
        if isinstance(paging, OffsetPaging):
            return len(records) >= paging.page_size, url, params
        if isinstance(paging, CursorPaging):
            cursor = paging.next_cursor(body)
            if cursor is None or not records:
                return False, url, params
            return True, url, {**params, paging.cursor_param: cursor}
        link = paging.next_url(response)
        return link is not None, link or url, {}
