"""Progress of a long operation (a bulk send), reported to whoever is watching.

A bulk operation calls `report_progress(done, total)` after each item; the CLI sets a
listener for the duration of one call and draws a progress bar from it. Nobody listening
(REST, MCP) costs one context-variable read per item. A context variable, not an argument,
so operations keep one signature on every surface.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import TypeVar

__all__ = ["ProgressListener", "listen_progress", "map_with_progress", "report_progress"]

T = TypeVar("T")
R = TypeVar("R")

ProgressListener = Callable[[int, int], None]  # (done, total)
_LISTENER: ContextVar[ProgressListener | None] = ContextVar("integrations.progress", default=None)


def report_progress(done: int, total: int) -> None:
    """Tell the current listener, if any, that `done` of `total` items are finished."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(done, total)


@contextlib.contextmanager
def listen_progress(listener: ProgressListener) -> Iterator[None]:
    """Send the progress reported inside this block to `listener`."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


async def map_with_progress(
    items: Sequence[T], work: Callable[[T], Awaitable[R]], *, concurrency: int
) -> list[R]:
    """`work(item)` for every item, at most `concurrency` at once; the results in the items'
    order, with progress reported as each one finishes (bulk sends)."""
    gate = asyncio.Semaphore(max(1, concurrency))
    done = 0

    async def one(item: T) -> R:
        nonlocal done
        async with gate:
            result = await work(item)
        done += 1
        report_progress(done, len(items))
        return result

    return list(await asyncio.gather(*(one(item) for item in items)))
