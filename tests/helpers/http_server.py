"""A scriptable HTTP server on 127.0.0.1: uvicorn in a background thread, no mocks.

Tests queue the answers (status, delay) it gives and read back every request it received,
each stamped with `time.monotonic()` of the server process when the app saw it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

STARTUP_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Hit:
    """One request the server received."""

    at: float
    method: str
    path: str


@dataclass(frozen=True, slots=True)
class Answer:
    """One scripted answer: a status, after `delay` seconds, with extra `headers`; `body`
    replaces the default JSON body (sent as `application/json` all the same)."""

    status: int = 200
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None


class ScriptedApp:
    """A raw ASGI app answering from a queue of `Answer`s, then with `default`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: deque[Answer] = deque()
        self._hits: list[Hit] = []
        self.default = Answer()

    def script(self, *answers: Answer | int) -> None:
        """Queue answers (a bare int is a status without delay)."""
        with self._lock:
            self._answers.extend(a if isinstance(a, Answer) else Answer(a) for a in answers)

    @property
    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._hits)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        at = time.monotonic()
        with self._lock:
            self._hits.append(Hit(at, scope["method"], scope["path"]))
            number = len(self._hits)
            answer = self._answers.popleft() if self._answers else self.default
        while (await receive()).get("more_body"):
            pass
        if answer.delay:
            await asyncio.sleep(answer.delay)
        body = answer.body
        if body is None:
            body = json.dumps({"n": number, "status": answer.status}).encode()
        headers = [(b"content-type", b"application/json")]
        headers += [(k.lower().encode(), v.encode()) for k, v in answer.headers]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True, slots=True)
class RunningServer:
    """A started server: its app (to script and inspect) and its base URL."""

    app: ScriptedApp
    url: str


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Run any ASGI app on a free port of 127.0.0.1 until the block ends; yields its URL."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"http-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on port {port} did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_S)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"the server on port {port} did not stop")


@contextmanager
def serve_scripted() -> Iterator[RunningServer]:
    """Run a `ScriptedApp` on a free port of 127.0.0.1 until the block ends."""
    app = ScriptedApp()
    with serve_app(app) as url:
        yield RunningServer(app, url)
