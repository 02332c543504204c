"""`integrations serve` in a real process on a free loopback port, stopped by its PID.

The server runs exactly as in production: uvicorn with httptools and uvloop, the database
migrated at start-up, the webhook worker running. `raw_exchange` speaks HTTP/1.1 over a
plain socket, for requests no client library sends (40,000 headers, a body cut short).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from tests.helpers.services import fresh_postgres_database

__all__ = [
    "ADMIN_TOKEN",
    "RunningServe",
    "free_port",
    "raw_exchange",
    "running_serve",
    "served_on",
    "spawn_serve",
    "wait_until_ok",
]

ADMIN_TOKEN = "serve-admin-token-0123456789abcdef"
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True, slots=True)
class RunningServe:
    """A started server: its base URL, host, port and log file."""

    url: str
    port: int
    log: Path


def wait_until_ok(url: str, process: subprocess.Popen[bytes], log: Path) -> httpx2.Response:
    """Poll `url` until it answers 200 (that answer); fail early when `process` exits."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            response = httpx2.get(url, timeout=5)
        except httpx2.TransportError as exc:
            last = repr(exc)
        else:
            if response.status_code == 200:
                return response
            last = f"{response.status_code} {response.text}"
        time.sleep(0.2)  # a polling interval inside a deadline of STARTUP_TIMEOUT_S
    pytest.fail(f"{url} not 200 within {STARTUP_TIMEOUT_S}s (last: {last}):\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM to this PID: uvicorn shuts down gracefully
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def running_serve(
    tmp_path: Path, database_url: str, *, serve_args: Sequence[str] = (), **settings: str
) -> Iterator[RunningServe]:
    """Run `integrations serve` on `database_url` until the block ends.

    Args:
        serve_args: extra command-line arguments, e.g. `("--no-worker",)`.
        settings: extra environment, e.g. `INTEGRATIONS_API__MAX_BODY_BYTES="2048"`.
    """
    process, server = spawn_serve(tmp_path, database_url, serve_args=serve_args, **settings)
    try:
        wait_until_ok(server.url + "/healthz", process, server.log)
        yield server
    finally:
        _stop(process)


def spawn_serve(
    tmp_path: Path, database_url: str, *, serve_args: Sequence[str] = (), **settings: str
) -> tuple[subprocess.Popen[bytes], RunningServe]:
    """`integrations serve` started on a free loopback port, not waited for; the caller
    waits (`wait_until_ok`) and stops it by its PID."""
    port = free_port()
    env = {
        **os.environ,
        "INTEGRATIONS_DATABASE_URL": database_url,
        "INTEGRATIONS_VAR_DIR": str(tmp_path / "var"),
        "INTEGRATIONS_ADMIN_TOKEN": ADMIN_TOKEN,
        "INTEGRATIONS_LOGGING__LEVEL": "WARNING",
        **settings,
    }
    script = Path(sys.executable).parent / "integrations"
    log = tmp_path / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(script), "serve", "--host", "127.0.0.1", "--port", str(port), *serve_args],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return process, RunningServe(f"http://127.0.0.1:{port}", port, log)


@contextmanager
def served_on(backend: str, folder: Path, **settings: str) -> Iterator[RunningServe]:
    """`running_serve` on a new SQLite file or a new PostgreSQL database (`backend`)."""
    if backend == "sqlite":
        with running_serve(folder, f"sqlite+aiosqlite:///{folder / 'serve.db'}", **settings) as s:
            yield s
        return
    with fresh_postgres_database() as url, running_serve(folder, url, **settings) as server:
        yield server


def raw_exchange(port: int, head: bytes, body: bytes = b"", *, timeout: float = 30.0) -> bytes:
    """Send `head` (request line and headers, without the blank line) and `body`, then read
    the answer until the server closes or `timeout`; the body may be cut short on purpose."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head + b"\r\n\r\n" + body)
        chunks: list[bytes] = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                    break
        except TimeoutError:
            pass
    return b"".join(chunks)


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False
