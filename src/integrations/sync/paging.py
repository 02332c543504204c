"""Reading one stream page by page through the connector's pipeline.

Every page is one `client.request(...)` with `operation="sync_<stream>"` and background
priority, so the limiter, retry, breaker and call records apply as to any call. The pager
stops at the last page or at `max_pages`; `PageReader.truncated` says which. It asks for the
next page while the caller stores the current one (one request ahead, never more).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2

from integrations.core.payloads import read_json
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

    async def __aiter__(self) -> AsyncGenerator[list[dict[str, Any]], None]:
        # The next page is requested before this one is handed over, so the vendor's answer
        # travels while the caller maps and commits: fetching and storing overlap instead of
        # adding up. At most one request runs ahead, and never past `max_pages`.
        paging = self.stream.paging
        params: dict[str, Any] = {**self.stream.extra_params, **self.params}
        url: str = self.stream.path
        skip = 0
        ahead: asyncio.Task[httpx2.Response] | None = self._fetch(url, params, paging, skip)
        try:
            while ahead is not None:
                response = await ahead
                ahead = None
                body = read_json(response)  # parsed once, by the pipeline's response check
                records = self.stream.extract(body)
                self.pages += 1
                more, url, params = self._next(paging, response, body, records, url, params)
                skip += len(records)
                if more and self.pages >= self.max_pages:
                    self.truncated = True
                elif more:
                    ahead = self._fetch(url, params, paging, skip)
                yield records
        finally:
            if ahead is not None:  # the caller stopped early (a stop request, an error)
                ahead.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await ahead

    def _fetch(
        self,
        url: str,
        params: dict[str, Any],
        paging: OffsetPaging | CursorPaging | LinkPaging,
        skip: int,
    ) -> asyncio.Task[httpx2.Response]:
        params = dict(params)
        if isinstance(paging, OffsetPaging):
            params[paging.top_param] = str(paging.page_size)
            params[paging.skip_param] = str(skip)
        elif isinstance(paging, CursorPaging):
            params[paging.size_param] = str(paging.page_size)
        return asyncio.ensure_future(self._get(url, params))

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
