"""`integrations serve`: bind first, then announce only a server that really listens.

The listening socket is bound here, before uvicorn starts, so a busy port is reported with
the process that holds it (and a non-zero exit) instead of a uvicorn traceback after the
banner. "serving on" is printed once uvicorn's start-up (lifespan included) has finished.
"""

from __future__ import annotations

import errno
import socket
import sys

import psutil
import typer
import uvicorn

from integrations.cli.common import console, fail, load_cli_settings, upgrade_database

__all__ = ["bind_listener", "port_holder", "serve"]


def port_holder(port: int) -> str | None:
    """ "PID n (command line)" of the process listening on `port`, when it can be seen."""
    try:
        connections = psutil.net_connections(kind="inet")
    except psutil.Error:  # not allowed to list other users' sockets on this system
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return None
            try:
                command = " ".join(psutil.Process(conn.pid).cmdline()) or "?"
            except psutil.Error:
                command = "?"
            return f"PID {conn.pid} ({command})"
    return None


def bind_listener(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) and listening; a CLI error naming the cause otherwise."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            holder = port_holder(port)
            by = f" by {holder}" if holder else ""
            fail(f"port {port} on {host} is already in use{by}; stop it or pass --port")
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    return sock


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server that says where it serves once start-up has succeeded."""

    def __init__(self, config: uvicorn.Config, banner: str) -> None:
        super().__init__(config)
        self.banner = banner

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            console.print(self.banner)


def serve(
    host: str | None = typer.Option(
        None, metavar="HOST", help="listen address (default 127.0.0.1)"
    ),
    port: int | None = typer.Option(
        None, min=1, max=65535, metavar="PORT", help="listen port (default 8000)"
    ),
    no_worker: bool = typer.Option(
        False,
        "--no-worker",
        metavar="",
        help="serve the API only; jobs run in `integrations worker`",
    ),
) -> None:
    """Upgrade the database, then serve the API and run background jobs in one process."""
    from integrations.api.app import create_app

    settings = load_cli_settings()
    bind_host = host or settings.server.host
    bind_port = port or settings.server.port
    sock = bind_listener(bind_host, bind_port)
    upgrade_database(settings)
    # uvloop and httptools (dependencies) take about a fifth off the CPU per request of the
    # asyncio + h11 defaults: bench/webhook_ingest.py. uvloop does not exist on Windows.
    config = uvicorn.Config(
        create_app(settings, run_jobs=not no_worker),
        log_level="warning",
        loop="asyncio" if sys.platform == "win32" else "uvloop",
        http="httptools",
    )
    banner = f"serving on http://{bind_host}:{bind_port} (environment: {settings.env.value})"
    server = _AnnouncingServer(config, banner)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    if not server.started:
        fail("the server did not start; see the log lines above")
