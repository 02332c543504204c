"""`integrations simulate <vendor> [--port N]`: serve a vendor simulator on loopback."""

from __future__ import annotations

import logging

import typer

from integrations.cli.common import console, errors_as_exit
from integrations.simulators import SIMULATORS, create
from integrations.simulators.kit import DroppedConnectionError

__all__ = ["simulate"]


def simulate(
    vendor: str = typer.Argument(metavar="VENDOR", help=f"one of: {', '.join(sorted(SIMULATORS))}"),
    port: int = typer.Option(9100, min=1, max=65535, metavar="PORT", help="port on 127.0.0.1"),
    seed: int = typer.Option(
        0, metavar="SEED", help="seed of the generated data and random faults"
    ),
) -> None:
    """Serve VENDOR's simulator on 127.0.0.1:PORT; its control API is under /_sim/."""
    import uvicorn

    with errors_as_exit():
        simulator = create(vendor, seed=seed)
    console.print(
        f"{vendor} simulator on http://127.0.0.1:{port} (control API: /_sim/state, seed {seed})"
    )
    logging.getLogger("uvicorn.error").addFilter(_hide_simulated_drops)
    uvicorn.run(simulator.asgi, host="127.0.0.1", port=port, log_level="warning")


def _hide_simulated_drops(record: logging.LogRecord) -> bool:
    # A dropped connection is the simulator doing its job, not a server error worth a traceback.
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, DroppedConnectionError)
