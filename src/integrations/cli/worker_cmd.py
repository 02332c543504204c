"""`integrations worker`: run background jobs against the configured database.

Any number of workers, on any machines, may point at one PostgreSQL (and Redis): each takes
jobs as it is free. The worker does not migrate the schema (two processes migrating at once
would race); `integrations serve` or `integrations db upgrade` does, and a worker facing an
older schema says so and exits.
"""

from __future__ import annotations

import asyncio
import signal

import typer

from integrations.cli.common import console, errors_as_exit, fail, load_cli_settings, run_async
from integrations.config import Settings

__all__ = ["worker"]


def worker(
    concurrency: int | None = typer.Option(
        None,
        min=1,
        max=256,
        metavar="N",
        help="jobs run at once (default INTEGRATIONS_JOBS__CONCURRENCY)",
    ),
) -> None:
    """Run background jobs (and periodic ones) until SIGTERM or Ctrl-C."""
    settings = load_cli_settings()
    with errors_as_exit():
        run_async(_work(settings, concurrency))


async def _work(settings: Settings, concurrency: int | None) -> None:
    from integrations.factory import IntegrationFactory
    from integrations.jobs.runner import runner_kind
    from integrations.jobs.worker import JobWorker
    from integrations.services import Services
    from integrations.storage import migrate

    services = Services(settings)
    try:
        current = await migrate.current_revision(services.db.engine)
        if current != migrate.head_revision():
            fail(
                f"database schema is at {current or 'nothing'}, this version needs "
                f"{migrate.head_revision()}: run `integrations db upgrade` first"
            )
        factory = IntegrationFactory.for_process(services)
        jobs = JobWorker(services, factory, concurrency=concurrency)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        console.print(f"worker running ({runner_kind(services)} runner)")
        jobs.start()
        waiting = asyncio.ensure_future(jobs.wait())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        await jobs.stop()
        await factory.close()
        if waiting.done():
            waiting.result()  # workers that ended by themselves crashed: say why
    finally:
        await services.close()
