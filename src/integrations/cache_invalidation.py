"""Webhook-driven cache invalidation: a recorded change drops the cached answers about it.

A read declares the entities its answer contains as cache tags (`core.cache.entity_tag`, e.g.
`get_document_details` → `documents:<id>`). Every change the change log records — from a
webhook, a sync or a reconciliation — names the same `(integration, entity, external_id)`, so
one `on_change` listener invalidates exactly the answers about that record, in this process's
live and mock-mode stores (and, through Redis, for every process sharing it). A cached read
therefore never serves an answer fetched before the last event we recorded for it.

Listeners run synchronously after the commit; the store write needs I/O, so the listener marks
the tag in flight at once (`begin_invalidation`: this process bypasses the cache for it) and
drops the token in a task. One task serves every change committed before it runs (a sync
batch commits 500 at once), not a task per change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from integrations.changes import ChangeEvent, on_change
from integrations.core.cache import begin_invalidation, end_invalidation, entity_tag
from integrations.logging import get_logger

if TYPE_CHECKING:
    from integrations.factory import IntegrationFactory

__all__ = ["install_cache_invalidation"]

_log = get_logger()


def install_cache_invalidation(factory: IntegrationFactory) -> Callable[[], None]:
    """Invalidate `factory`'s cached answers about every recorded change; returns the
    function that uninstalls the listener (call it before closing the factory)."""
    tasks: set[asyncio.Task[None]] = set()
    queued: dict[tuple[str, str], None] = {}  # (integration, tag), in order, each once

    async def invalidate() -> None:
        batch = list(queued)
        queued.clear()
        for integration, tag in batch:
            try:
                await factory.invalidate_cache_tag(integration, tag)
            except Exception:  # the change is committed; a cache error must not surface there
                _log.warning("cache.tag_invalidation_failed", integration=integration, tag=tag)
            finally:
                end_invalidation(integration, tag)
        _log.debug("cache.tags_invalidated", count=len(batch))

    def listener(change: ChangeEvent) -> None:
        key = (change.integration, entity_tag(change.entity, change.external_id))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a synchronous writer (a script): no cache of ours to drop
            return
        if key in queued:  # already waiting for the next task: once is enough
            return
        begin_invalidation(*key)
        if not queued:
            task = loop.create_task(invalidate())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        queued[key] = None

    return on_change(listener)
