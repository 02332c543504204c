"""Timed scenario steps: each runs against the server's own factory and reports ok or why not.

A step is an async function of the `DemoContext` returning one line of numbers; whatever it
raises (our errors, a timeout, an assertion the step makes) marks that step failed with the
reason and the next step runs anyway, so one broken vendor never hides the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from integrations.actions.catalog import get_action
from integrations.actions.runner import run_action
from integrations.factory import IntegrationFactory
from integrations.services import Services

__all__ = ["DemoContext", "Step", "StepFailed", "StepResult", "poll", "run_steps"]

T = TypeVar("T")
STEP_TIMEOUT_S = 30.0  # no step of the scenario takes more than a few seconds when it works


class StepFailed(Exception):
    """A step saw something other than what it expected; the message says what."""


@dataclass(slots=True)
class DemoContext:
    """What the steps share: the server's services and factory, and the numbers they found."""

    services: Services
    factory: IntegrationFactory
    numbers: dict[str, Any] = field(default_factory=dict)

    async def act(self, name: str, action: str, arguments: Mapping[str, Any] | None = None) -> Any:
        """Run a declared operation as `POST .../actions/{action}` does, in this process."""
        return await run_action(get_action(name, action), self.factory, arguments or {})


Step = tuple[str, Callable[[DemoContext], Awaitable[str]]]


@dataclass(frozen=True, slots=True)
class StepResult:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    seconds: float


async def poll(read: Callable[[], Awaitable[T | None]], *, what: str, timeout_s: float = 10.0) -> T:
    """`read()` until it answers something other than None; StepFailed naming `what` after
    `timeout_s` (webhooks and jobs finish in the background, a little after the call)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = await read()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise StepFailed(f"{what} not seen within {timeout_s:.0f} s")
        await asyncio.sleep(0.1)


async def run_steps(
    steps: Sequence[Step],
    context: DemoContext,
    on_result: Callable[[StepResult], None],
    *,
    stopping: Callable[[], bool] = lambda: False,
) -> list[StepResult]:
    """Run `steps` in order, each under a timeout; `on_result` hears each as it ends. The
    steps left when `stopping()` turns true (Ctrl-C during the scenario) are not run."""
    results: list[StepResult] = []
    for name, step in steps:
        if stopping():
            break
        started = time.monotonic()
        try:
            detail = await asyncio.wait_for(step(context), STEP_TIMEOUT_S)
            ok = True
        except TimeoutError:
            detail, ok = f"timed out after {STEP_TIMEOUT_S:.0f} s", False
        except Exception as exc:  # a failed step is reported, never raised: the next one runs
            detail, ok = f"{type(exc).__name__}: {exc}", False
        result = StepResult(name, ok, detail, time.monotonic() - started)
        results.append(result)
        on_result(result)
    return results
