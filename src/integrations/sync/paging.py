"""Reading one stream page by page through the connector's pipeline.

Every page is one `client.request(...)` with `operation="sync_<stream>"` and background
priority, so the limiter, retry, breaker and call records apply as to any call. The pager
stops at the last page or at `max_pages`; `PageReader.truncated` says which. Pages are read
ahead of the caller (one request at a time, a few pages at most), so storing a batch does
not wait for the vendor.
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
    """Pages of `stream` from `client`, starting with `params`, at most `max_pages`.

    A task reads the pages one request after another, up to `read_ahead` pages ahead of
    the caller, so the vendor's answers travel while the caller maps and commits: fetching
    and storing overlap instead of adding up. Closing the iterator (a stop request, an
    error) cancels the reading; pages read ahead and not taken are dropped, never stored.
    """

    client: SyncClient
    stream: Stream
    params: Mapping[str, str]
    max_pages: int
    read_ahead: int = 8
    pages: int = 0  # pages handed to the caller
    truncated: bool = False  # stopped by `max_pages` while the vendor had more
    # Offset paging: a short page ends the stream unless this is set; then only an empty one
    # does. A page the vendor cut short is still valid JSON, and the next offset starts
    # right after what arrived, so nothing is lost for one more request per stream (full
    # syncs set it: a record they miss would stay missing until the next full sync).
    confirm_short_pages: bool = False

    async def __aiter__(self) -> AsyncGenerator[list[dict[str, Any]], None]:
        queue: asyncio.Queue[_Item] = asyncio.Queue(max(1, self.read_ahead))
        reading = asyncio.create_task(self._read(queue))
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                self.pages += 1
                yield item
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading

    async def _read(self, queue: asyncio.Queue[_Item]) -> None:
        """Every page into `queue`, then None (or the exception that ended the reading)."""
        paging = self.stream.paging
        params: dict[str, Any] = {**self.stream.extra_params, **self.params}
        url: str = self.stream.path
        skip = read = 0
        try:
            while True:
                response = await self._get(url, _page_params(paging, params, skip))
                body = read_json(response)  # parsed once, by the pipeline's response check
                records = self.stream.extract(body)
                read += 1
                more, url, params = self._next(
                    paging, response, body, records, url, params, self.confirm_short_pages
                )
                skip += len(records)
                self.truncated = more and read >= self.max_pages
                await queue.put(records)
                if not more or self.truncated:
                    break
        except Exception as exc:  # handed to the caller, raised where it takes the page
            await queue.put(exc)
            return
        await queue.put(None)

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
        confirm_short: bool = False,
    ) -> tuple[bool, str, dict[str, Any]]:
        """Whether there is a next page, and its URL and parameters."""
        if isinstance(paging, OffsetPaging):
            if confirm_short:  # only an empty page ends it (see `confirm_short_pages`)
                return bool(records), url, params
            return len(records) >= paging.page_size, url, params
        if isinstance(paging, CursorPaging):
            cursor = paging.next_cursor(body)
            if cursor is None or not records:
                return False, url, params
            return True, url, {**params, paging.cursor_param: cursor}
        link = paging.next_url(response)
        return link is not None, link or url, {}


_Item = list[dict[str, Any]] | Exception | None


def _page_params(
    paging: OffsetPaging | CursorPaging | LinkPaging, params: dict[str, Any], skip: int
) -> dict[str, Any]:
    """`params` with the page size (and offset) the paging asks for."""
    params = dict(params)
    if isinstance(paging, OffsetPaging):
        params[paging.top_param] = str(paging.page_size)
        params[paging.skip_param] = str(skip)
    elif isinstance(paging, CursorPaging):
        params[paging.size_param] = str(paging.page_size)
    return params
