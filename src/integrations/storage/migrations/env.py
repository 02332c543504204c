"""Alembic environment: async engine, batch mode for SQLite, URL from our settings."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from integrations.config import load_settings
from integrations.storage.db import DEFAULT_CONNECT_TIMEOUT, create_engine, is_sqlite, sqlite_file
from integrations.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url: str | None = config.attributes.get("url")
    return url or load_settings().resolved_database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(_url()),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    # No statement timeout: a migration may rewrite a large table.
    timeout = config.attributes.get("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
    engine = create_engine(_url(), connect_timeout=timeout)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _open_sqlite_file(url: str) -> None:
    # A file that cannot be opened fails here, in this thread: through aiosqlite it fails in
    # a worker thread whose unawaited stop can outlive `asyncio.run`'s loop and print a
    # thread traceback after our one-line error.
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(path).close()


def _run_online() -> None:
    connection: Any = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    if is_sqlite(_url()):
        _open_sqlite_file(_url())
    asyncio.run(_run_async())


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
