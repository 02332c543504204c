"""`integrations proof record|replay`: a connector scenario recorded to a file, and replayed
from it on a virtual clock to the same final state (docs/proof-runs.md)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.text import Text

from integrations.cli.common import (
    PlainHelpCommand,
    PlainHelpGroup,
    console,
    errors_as_exit,
    fail,
    load_cli_settings,
    run_async,
)

__all__ = ["app"]

app = typer.Typer(
    cls=PlainHelpGroup,
    no_args_is_help=True,
    help="Record a connector scenario to a proof file and replay it to the same final state.",
)
DEFAULT_DIR = Path("var") / "proof"


def _quiet_logging() -> None:
    # A log line per call and per webhook would bury the few lines these commands print.
    quiet = "INTEGRATIONS_LOGGING__LEVEL" not in os.environ
    load_cli_settings(**({"logging": {"level": "ERROR"}} if quiet else {}))


def _scenario_names() -> str:
    from integrations.proof.scenarios import SCENARIOS

    return ", ".join(sorted(SCENARIOS))


@app.command("record", cls=PlainHelpCommand)
def record(
    scenario: str = typer.Argument(metavar="SCENARIO", help=f"one of: {_scenario_names()}"),
    out: str | None = typer.Option(
        None, "--out", metavar="FILE", help="where to write it (default: var/proof/SCENARIO.json)"
    ),
) -> None:
    """Play SCENARIO against the simulators on a fresh database and write its proof file."""
    from integrations.proof import record as record_run
    from integrations.proof import save_proof
    from integrations.proof.scenarios import get_scenario

    _quiet_logging()
    with errors_as_exit():
        name = get_scenario(scenario).name  # an unknown one fails before anything runs
    path = Path(out) if out else DEFAULT_DIR / f"{name}.json"
    try:  # a destination that cannot be written fails before the recording, not after it
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    run = run_async(record_run(name))
    try:
        save_proof(run, path)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    attempts = len(run.exchanges)
    calls = len(run.final_state.get("calls", []))
    console.print(
        Text(
            f"recorded {run.scenario}: {calls} calls in {attempts} attempts, "
            f"{len(run.webhooks)} webhooks; final state {run.digest}"
        )
    )
    console.print(Text(f"wrote {path}"))
    console.print(Text(f"replay: integrations proof replay {path}"))


@app.command("replay", cls=PlainHelpCommand)
def replay(
    file: str = typer.Argument(metavar="FILE", help="a proof file written by `proof record`"),
    times: int = typer.Option(2, "--times", min=1, max=100, metavar="N", help="replays to run"),
) -> None:
    """Replay FILE N times from the recording alone: exit 0 when each reaches the recorded
    final state, 1 naming the first divergence otherwise."""
    from integrations.proof import load_proof
    from integrations.proof import replay as replay_run

    _quiet_logging()
    with errors_as_exit():
        run = load_proof(Path(file))
    for number in range(1, times + 1):
        outcome = run_async(replay_run(run))
        if not outcome.identical:
            console.print(Text(f"replay {number} of {times} differs from {file}", style="bold red"))
            if outcome.divergence:
                console.print(Text(f"  first divergence: {outcome.divergence}"))
            for line in outcome.diff:
                console.print(Text(f"  {line}"))
            console.print(Text(f"  recorded {run.digest}, replayed {outcome.digest}"))
            raise typer.Exit(1)
    console.print(Text(f"replay identical: {run.digest} ({times} of {times})", style="green"))
