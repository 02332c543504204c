"""Jobs the distributed test's worker processes load (`INTEGRATIONS_JOBS__MODULES`).

Each run writes a row naming its key and the worker's PID, so the test can count runs per
job across processes; `hang_once` blocks on its first run, until that worker is killed.
"""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text

from integrations.jobs import JobContext, job

__all__ = ["hang_once", "mark"]


async def _insert(ctx: JobContext, table: str, key: str) -> None:
    async with ctx.services.db.sessions.begin() as session:
        await session.execute(
            text(f"INSERT INTO {table} (key, pid) VALUES (:k, :p)"),  # noqa: S608 - our names
            {"k": key, "p": os.getpid()},
        )


@job("mark")
async def mark(ctx: JobContext, key: str) -> None:
    """Record one run of `key`."""
    await _insert(ctx, "job_marks", key)


@job("hang_once")
async def hang_once(ctx: JobContext, key: str) -> None:
    """Record the start; the first run then hangs (its worker is killed), a later one ends."""
    await _insert(ctx, "job_starts", key)
    async with ctx.services.db.sessions() as session:
        starts = await session.scalar(
            text("SELECT count(*) FROM job_starts WHERE key = :k"), {"k": key}
        )
    if starts == 1:
        await asyncio.sleep(3600)
    await _insert(ctx, "job_marks", key)
