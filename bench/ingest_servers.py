"""The two servers `bench/webhook_ingest.py` drives, each in a child process of its own on
127.0.0.1 and stopped by its PID: the real application (`create_app` under uvicorn, as
`integrations serve` runs it, its inbox commits traced) and a bare Starlette endpoint doing one
`INSERT` and one commit per request into a table of the same shape as `webhook_events`.

    python bench/ingest_servers.py --child app|bare --port N --loop L --http H
(`BENCH_PROFILE=pyinstrument|cprofile` with `BENCH_PROFILE_OUT=FILE` profiles the server.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BARE_TABLE = "bare_webhook_events"
STARTUP_TIMEOUT_S = 60.0

# ---------------------------------------------------------------------------------------------
# The servers (child processes)
# ---------------------------------------------------------------------------------------------


def _run_uvicorn(app: Any, port: int, loop: str, http: str) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        loop=loop,
        http=http,
        access_log=False,
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises the SIGTERM it stopped on once it has shut down; ignore that one, so
    # the profile below is written and the process exits normally.
    signal.signal(signal.SIGTERM, lambda *_: None)
    profile = os.environ.get("BENCH_PROFILE", "")
    out = os.environ.get("BENCH_PROFILE_OUT", "")
    if profile == "pyinstrument":
        from pyinstrument import Profiler  # type: ignore[import-not-found, unused-ignore]

        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
        try:
            server.run()
        finally:
            profiler.stop()
            Path(out).write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    elif profile == "cprofile":
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        try:
            server.run()
        finally:
            prof.disable()
            with open(out, "w") as fh:
                stats = pstats.Stats(prof, stream=fh)
                stats.sort_stats("tottime").print_stats(45)
                stats.sort_stats("cumulative").print_stats(60)
    else:
        server.run()


def child_app(port: int, loop: str, http: str) -> None:
    """The real application, as `integrations serve` runs it (the parent upgraded the DB)."""
    from integrations.api.app import create_app
    from integrations.cli.common import load_cli_settings

    settings = load_cli_settings()
    stats = _trace_group_commits()
    try:
        _run_uvicorn(create_app(settings), port, loop, http)
    finally:
        Path(os.environ["BENCH_COMMITS_OUT"]).write_text(json.dumps(stats))


def _trace_group_commits() -> dict[str, list[float]]:
    """Record each inbox commit's size and duration (one list append each: no real cost)."""
    from integrations.webhooks.inbox import IncomingEvent, WebhookInbox

    stats: dict[str, list[float]] = {"sizes": [], "seconds": []}
    commit = WebhookInbox._commit

    async def traced(self: WebhookInbox, events: list[IncomingEvent]) -> set[tuple[str, str]]:
        started = time.perf_counter()
        try:
            return await commit(self, events)
        finally:
            stats["seconds"].append(time.perf_counter() - started)
            stats["sizes"].append(len(events))

    WebhookInbox._commit = traced  # type: ignore[method-assign]
    return stats


def child_bare(port: int, loop: str, http: str) -> None:
    """A minimal Starlette endpoint: one INSERT and one commit per request."""
    from sqlalchemy import bindparam, text
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from integrations.storage.db import create_engine
    from integrations.storage.tables import UtcDateTime, utcnow

    engine = create_engine(os.environ["BENCH_DATABASE_URL"])
    insert = text(
        f"INSERT INTO {BARE_TABLE} (integration, event_id, dedupe_key, event_type, status,"  # noqa: S608
        " signature_valid, headers, body, attempts, attempt_log, trace_id, received_at,"
        " next_attempt_at) VALUES (:integration, :event_id, :event_id, NULL, 'pending', TRUE,"
        " :headers, :body, 0, '[]', NULL, :now, :now)"
    ).bindparams(bindparam("now", type_=UtcDateTime()))

    async def ingest(request: Request) -> JSONResponse:
        body = await request.body()
        event_id = request.headers.get("webhook-id", "")
        headers = json.dumps(dict(request.headers))
        now = utcnow()
        async with engine.begin() as conn:
            await conn.execute(
                insert,
                {
                    "integration": request.path_params["integration"],
                    "event_id": event_id,
                    "headers": headers,
                    "body": body,
                    "now": now,
                },
            )
        return JSONResponse({"status": "accepted", "event_id": event_id})

    app = Starlette(routes=[Route("/api/v1/webhooks/{integration}", ingest, methods=["POST"])])
    _run_uvicorn(app, port, loop, http)


class Server:
    """One bench server (`kind` app or bare) in a child process; stopped by its PID."""

    def __init__(self, kind: str, env: dict[str, str], loop: str, http: str, log: Path) -> None:
        self.port = _free_port()
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and file
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                kind,
                "--port",
                str(self.port),
                "--loop",
                loop,
                "--http",
                http,
            ],
            env={**os.environ, **env, "PYTHONPATH": str(ROOT / "src")},
            cwd=str(log.parent),
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    async def wait_ready(self, session: Any) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()[-3000:]}")
            try:
                async with session.get(self.url + "/healthz") as response:
                    await response.read()
                    return  # any answer (the bare app 404s on /healthz) means it listens
            except OSError:
                await asyncio.sleep(0.1)
        raise RuntimeError(f"server not ready in {STARTUP_TIMEOUT_S}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._out.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


def prepare_bare_database(url: str) -> None:
    """The same table shape as `webhook_events`, under another name."""
    from sqlalchemy import MetaData, Table

    from integrations.storage.db import create_engine
    from integrations.storage.tables_inbound import WebhookEventRow

    metadata = MetaData()
    table = WebhookEventRow.__table__
    assert isinstance(table, Table)
    table.to_metadata(metadata, name=BARE_TABLE)
    for index in list(metadata.tables[BARE_TABLE].indexes):
        index.name = f"bare_{index.name}"  # type: ignore[assignment] # index names are strings

    async def create() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await engine.dispose()

    asyncio.run(create())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", choices=("app", "bare"), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--loop", default="uvloop")
    parser.add_argument("--http", default="httptools")
    args = parser.parse_args()
    child = child_app if args.child == "app" else child_bare
    child(args.port, args.loop, args.http)


if __name__ == "__main__":
    main()
