"""`record` plays a scenario against the simulators and writes what happened; `replay` plays
it again against the recording alone and says whether it ended in the same state.

Both build a fresh world in a temporary directory (removed afterwards), so a proof run never
touches the database or the state of anything else, and both run on a virtual clock: the
backoff before a recorded retry and any `Retry-After` cost no real time.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from integrations.proof.format import ProofRun, WebhookArrival, decode_body, digest_of
from integrations.proof.recording import RecordingTape, RecordingTransport, WebhookTap
from integrations.proof.replaying import ReplayingTransport, ReplayTape
from integrations.proof.scenarios import get_scenario
from integrations.proof.signing import sign_again
from integrations.proof.state import final_state
from integrations.proof.world import PUBLIC_URL, ProofWorld, open_world
from integrations.simulators.transport import SimulatorTransport

__all__ = ["ReplayOutcome", "record", "replay", "state_diff"]

SEED = 0  # the simulators' seed; recorded so a reader knows which seeded data was used
MAX_DIFF_LINES = 10


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """One replay: its final state and digest, and why it is not the recorded run (the first
    divergence and the first differences of state; None and empty when it is)."""

    state: dict[str, Any]
    digest: str
    divergence: str | None
    diff: list[str]

    @property
    def identical(self) -> bool:
        return self.divergence is None and not self.diff


async def record(scenario_name: str) -> ProofRun:
    """Play `scenario_name` against its simulators and return the recording.

    Raises:
        ConfigError: no such scenario.
    """
    scenario = get_scenario(scenario_name)
    with tempfile.TemporaryDirectory(prefix="proof-") as directory:
        holder: dict[str, RecordingTape] = {}

        # The factory calls this on a connector's first use, once the world and its tape exist.
        def bottom(name: str) -> httpx2.AsyncBaseTransport:
            inner = SimulatorTransport(world.factory.simulator(name))
            return RecordingTransport(inner, holder["tape"], name)

        async with open_world(Path(directory), scenario.connectors, bottom) as world:
            tape = holder["tape"] = RecordingTape(world.clock)
            world.before_processing = tape.processing
            for name in scenario.connectors:
                simulator = world.factory.simulator(name)
                simulator.emitter.routes[f"{PUBLIC_URL}/"] = WebhookTap(tape, world.receive)
                simulator.emitter.target(
                    f"{PUBLIC_URL}/api/v1/webhooks/{name}", world.webhook_secret
                )
            scenario.prepare(world.factory)
            await scenario.play(world)
            state = await final_state(world)
    return ProofRun(
        scenario=scenario.name,
        seed=SEED,
        recorded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        exchanges=sorted(tape.exchanges, key=lambda e: e.seq),
        webhooks=tape.webhooks,
        final_state=state,
        digest=digest_of(state),
    )


async def replay(run: ProofRun) -> ReplayOutcome:
    """Play `run`'s scenario against its recording alone and compare the final state.

    Raises:
        ConfigError: the recording names a scenario this version does not have.
    """
    scenario = get_scenario(run.scenario)
    with tempfile.TemporaryDirectory(prefix="proof-") as directory:
        holder: dict[str, ReplayTape] = {}

        def bottom(name: str) -> httpx2.AsyncBaseTransport:
            return ReplayingTransport(holder["tape"], name)

        async with open_world(Path(directory), scenario.connectors, bottom) as world:
            tape = holder["tape"] = ReplayTape(run, lambda hook: _deliver(world, hook))
            world.before_processing = tape.processing
            try:
                await scenario.play(world)
                await tape.finish()
            except Exception as exc:  # the replay diverged, or the scenario failed because it did
                # The tape keeps the first divergence only: a ReplayDivergedError's own one, or
                # this when the scenario failed before the tape saw anything else.
                tape.diverge(f"the scenario failed: {type(exc).__name__}: {exc}")
            state = await final_state(world)
    digest = digest_of(state)
    diff = [] if digest == run.digest else state_diff(run.final_state, state)
    return ReplayOutcome(state, digest, tape.divergence, diff)


async def _deliver(world: ProofWorld, hook: WebhookArrival) -> int:
    body = decode_body(hook.body)
    headers, query = sign_again(hook, body, world.webhook_secret)
    return await world.receive(hook.connector, body, headers, query)


def state_diff(recorded: Any, replayed: Any, where: str = "") -> list[str]:
    """The first few places two states differ, as `path: recorded -> replayed` lines."""
    lines: list[str] = []
    _diff(recorded, replayed, where or "state", lines)
    return lines[:MAX_DIFF_LINES]


def _diff(recorded: Any, replayed: Any, where: str, lines: list[str]) -> None:
    if len(lines) >= MAX_DIFF_LINES:
        return
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        for key in sorted(set(recorded) | set(replayed), key=str):
            _diff(recorded.get(key), replayed.get(key), f"{where}.{key}", lines)
    elif isinstance(recorded, list) and isinstance(replayed, list):
        if len(recorded) != len(replayed):
            lines.append(f"{where}: {len(recorded)} items recorded, {len(replayed)} replayed")
        for index, (left, right) in enumerate(zip(recorded, replayed, strict=False)):
            _diff(left, right, f"{where}[{index}]", lines)
    elif recorded != replayed:
        lines.append(f"{where}: {_short(recorded)} -> {_short(replayed)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
