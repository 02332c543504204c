"""The server `bench/pipeline_overhead.py` calls: aiohttp.web in a process of its own (it
shares neither the client's event loop nor its CPU time), answering `GET /items/{id}` with a
small JSON body on a free port of 127.0.0.1.

    python bench/item_server.py     # prints `PORT <n>` once listening, stops on SIGTERM
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def serve() -> None:
    """Serve on a free port of 127.0.0.1, print `PORT <n>` once listening, stop on SIGTERM."""
    from aiohttp import web

    async def item(request: web.Request) -> web.Response:
        body = json.dumps({"id": request.match_info["id"], "name": "item", "ok": True})
        return web.Response(body=body.encode(), content_type="application/json")

    app = web.Application()
    app.router.add_get("/items/{id}", item)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    ready = f"PORT {sock.getsockname()[1]}"
    web.run_app(app, sock=sock, access_log=None, print=lambda _: print(ready, flush=True))


@contextlib.contextmanager
def bench_server() -> Iterator[str]:
    """The bench server in a child process: yields its base URL, then stops it by its PID."""
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and file
        [sys.executable, str(Path(__file__).resolve())],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"bench server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


if __name__ == "__main__":
    serve()
