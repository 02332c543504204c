"""Reach the real PostgreSQL and Redis, or skip (fail where INTEGRATIONS_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest

POSTGRES_URL = os.environ.get(
    "INTEGRATIONS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("INTEGRATIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> None:
    """Skip the test when the service is down, or fail when services are required."""
    if _reachable(url, default_port):
        return
    parts = urlsplit(url)
    reason = f"{name} is not reachable at {parts.hostname}:{parts.port}"
    if os.environ.get("INTEGRATIONS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} and INTEGRATIONS_REQUIRE_SERVICES=1")
    pytest.skip(f"{reason}; start it to run this test")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new empty PostgreSQL database for one test; dropped afterwards."""
    require_service("PostgreSQL", POSTGRES_URL, 5432)
    name = f"it_{uuid.uuid4().hex[:16]}"
    admin = _libpq(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
