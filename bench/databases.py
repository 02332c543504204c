"""The databases and services the benchmarks run against: a SQLite file, a throwaway PostgreSQL
database next to `INTEGRATIONS_TEST_POSTGRES_URL`, and a short connect to see whether
PostgreSQL or Redis listens at all (a bench row is skipped, with this reason, when not).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

POSTGRES_ADMIN_URL = os.environ.get(
    "INTEGRATIONS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("INTEGRATIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CONNECT_TIMEOUT_S = 1.0


def _listens(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or default_port)
    try:
        with socket.create_connection(address, CONNECT_TIMEOUT_S):
            return True
    except OSError:
        return False


def postgres_reachable() -> bool:
    return _listens(POSTGRES_ADMIN_URL, 5432)


def redis_reachable() -> bool:
    return _listens(REDIS_URL, 6379)


def postgres_absent() -> str | None:
    """Why PostgreSQL rows are skipped, or None when it listens."""
    if postgres_reachable():
        return None
    return f"PostgreSQL not reachable at {urlsplit(POSTGRES_ADMIN_URL).netloc}"


def redis_absent() -> str | None:
    """Why Redis rows are skipped, or None when it listens."""
    return None if redis_reachable() else f"Redis not reachable at {urlsplit(REDIS_URL).netloc}"


@contextmanager
def sqlite_database(folder: Path, name: str) -> Iterator[str]:
    yield f"sqlite+aiosqlite:///{folder / name}.db"


@contextmanager
def postgres_database(_folder: Path, _name: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server, dropped afterwards."""
    import psycopg

    admin = POSTGRES_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    for attempt in range(10):
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.errors.ObjectInUse:  # another client is copying template1 right now
            if attempt == 9:
                raise
            time.sleep(0.5)
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_app_database(url: str) -> None:
    from integrations.storage import migrate

    migrate.upgrade(url)


def count_rows(url: str, table: str) -> int:
    from sqlalchemy import text

    from integrations.storage.db import create_engine

    async def count() -> int:
        engine = create_engine(url)
        async with engine.connect() as conn:
            value = await conn.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
        await engine.dispose()
        return int(value or 0)

    return asyncio.run(count())


def delete_redis_prefix(url: str, prefix: str) -> None:
    """Delete every key under `prefix` (what a bench left in Redis)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
