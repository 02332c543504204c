"""`integrations demo`: the API, jobs and dashboard with every connector in mock mode, a
scripted scenario against the running server, and a report; then it keeps serving.

It always runs on the embedded default (SQLite under `--var-dir`, state in memory), whatever
`INTEGRATIONS_DATABASE_URL` or `INTEGRATIONS_REDIS_URL` say, so it never enables mock mode
in a database that serves anything real.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import typer
import uvicorn
from rich.text import Text

from integrations.cli.common import console, fail, load_cli_settings, upgrade_database
from integrations.cli.serve_cmd import bind_listener
from integrations.config import Settings

__all__ = ["demo"]

START_TIMEOUT_S = 60.0  # the lifespan of a cold process (imports, first connections)
DEMO_PROOF = "pandadoc-signing"  # the proof run the demo records (docs/proof-runs.md)


def demo(
    host: str = typer.Option("127.0.0.1", metavar="HOST", help="listen address"),
    port: int = typer.Option(8000, min=1, max=65535, metavar="PORT", help="listen port"),
    var_dir: str | None = typer.Option(
        None,
        "--var-dir",
        metavar="DIR",
        help="where the demo's SQLite database lives (default: var)",
    ),
    no_serve: bool = typer.Option(
        False,
        "--no-serve",
        metavar="",
        help="exit after the report: 0 when every step succeeded, 1 otherwise",
    ),
) -> None:
    """Run every connector in mock mode, play a scenario through each, print a report, and
    keep serving the API and the dashboard until Ctrl-C."""
    base_url = f"http://{host}:{port}"
    overrides: dict[str, object] = {} if var_dir is None else {"var_dir": Path(var_dir)}
    if "INTEGRATIONS_LOGGING__LEVEL" not in os.environ:
        # A log line per call (and the storm's expected warnings) would bury the progress lines.
        overrides["logging"] = {"level": "ERROR"}
    settings = load_cli_settings(
        **overrides,
        database_url=None,
        redis_url=None,
        public_url=base_url,  # the simulators' webhooks come back to this server
        alerts={"cooldown_seconds": 0.0},  # a second demo run fires its alert again
    )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    sock = bind_listener(host, port)
    upgrade_database(settings)
    console.print(Text(f"database ready: {settings.resolved_database_url}"))
    # uvicorn catches SIGINT and SIGTERM while it serves, shuts down, then raises the signal
    # again with our handlers back: SIGTERM too becomes a KeyboardInterrupt here, and the
    # demo ends with "stopped" instead of being killed by the default SIGTERM action.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        all_ok = asyncio.run(_run(settings, sock, base_url, serve=not no_serve))
    except KeyboardInterrupt:
        console.print(Text("stopped"))
        all_ok = False
    finally:
        sock.close()
    if no_serve:
        raise typer.Exit(0 if all_ok else 1)


async def _run(settings: Settings, sock: socket.socket, base_url: str, *, serve: bool) -> bool:
    from integrations.api.app import create_app
    from integrations.demo import DemoContext, run_steps
    from integrations.demo.ops_steps import OPS_STEPS
    from integrations.demo.report import print_report, print_step
    from integrations.demo.setup import mock_connectors, prepare
    from integrations.factory import IntegrationFactory
    from integrations.services import Services

    services = Services(settings)
    try:
        token = await prepare(services)
        console.print(Text(f"mock mode enabled: {', '.join(mock_connectors())}"))
        app = create_app(settings, services, run_jobs=True)
        # The server runs as a task on this event loop (asyncio's: uvicorn picks a loop only in
        # `run()`), so the scenario can use the app's own factory once start-up is done.
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", http="httptools"))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        if not await _started(server, serving):
            fail("the server did not start; see the log lines above")
        console.print(Text(f"serving on {base_url} (API, dashboard, jobs); running the scenario"))
        from integrations.demo.vendor_steps import VENDOR_STEPS

        factory: IntegrationFactory = app.state.factory  # the server's: its simulators
        context = DemoContext(services, factory)
        results = await run_steps(
            [*VENDOR_STEPS, *OPS_STEPS],
            context,
            lambda result: print_step(console, result),
            stopping=lambda: server.should_exit,  # uvicorn saw SIGINT or SIGTERM
        )
        print_report(console, results, base_url=base_url, token=token)
        proof_ok = await _record_proof(settings)
        if serve and not server.should_exit:
            console.print(Text("serving until Ctrl-C", style="bold"))
        else:
            server.should_exit = True
        await serving
        return proof_ok and all(result.ok for result in results)
    finally:
        await services.close()


async def _record_proof(settings: Settings) -> bool:
    """Record the PandaDoc proof run next to the demo's database and say how to replay it."""
    from integrations.proof import record, save_proof

    path = settings.var_dir / "proof" / f"demo-{DEMO_PROOF}.json"
    try:
        run = await record(DEMO_PROOF)
        save_proof(run, path)
    except Exception as exc:  # reported like a failed step: the server still serves
        console.print(Text(f"proof run:   failed: {type(exc).__name__}: {exc}", style="bold red"))
        return False
    console.print(
        Text(f"proof run:   {path} ({len(run.exchanges)} exchanges, final state {run.digest})")
    )
    console.print(Text(f"replay:      integrations proof replay {path}"))
    return True


async def _started(server: uvicorn.Server, serving: asyncio.Task[None]) -> bool:
    """True once uvicorn has run the app's start-up; False when it gave up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT_S
    while not server.started:
        if serving.done() or loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
