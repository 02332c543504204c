"""The demo's step runner alone: a failing or hanging step is reported with its reason and
the steps after it still run; a stop request skips the rest. Unit tests (no server)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from integrations.demo import steps as demo_steps
from integrations.demo.steps import DemoContext, Step, StepFailed, StepResult, poll, run_steps
from integrations.errors import IntegrationError

# The runner never touches the context; the steps here ignore it too.
CONTEXT = cast(DemoContext, object())


async def _fine(_: Any) -> str:
    return "3 records"


async def _refused(_: Any) -> str:
    raise IntegrationError("vendor said no", integration="mock")


async def _hangs(_: Any) -> str:
    await asyncio.Event().wait()  # never set: only the runner's timeout ends it
    return "unreachable"


async def test_a_failed_or_hung_step_is_reported_and_the_next_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo_steps, "STEP_TIMEOUT_S", 0.05)
    heard: list[StepResult] = []
    scenario: list[Step] = [("a", _refused), ("b", _hangs), ("c", _fine)]
    results = await run_steps(scenario, CONTEXT, heard.append)
    assert heard == results
    assert [(r.name, r.ok) for r in results] == [("a", False), ("b", False), ("c", True)]
    assert results[0].detail == "IntegrationError: vendor said no"
    assert results[1].detail.startswith("timed out after")
    assert results[2].detail == "3 records"
    assert all(r.seconds >= 0 for r in results)


async def test_a_stop_request_skips_the_steps_left() -> None:
    ran: list[str] = []

    async def recorded(_: Any) -> str:
        ran.append("step")
        return "done"

    scenario: list[Step] = [("a", recorded), ("b", recorded), ("c", recorded)]
    results = await run_steps(scenario, CONTEXT, lambda _: None, stopping=lambda: len(ran) >= 2)
    assert [r.name for r in results] == ["a", "b"] and len(ran) == 2


async def test_poll_returns_the_first_answer_or_names_what_it_waited_for() -> None:
    answers = iter([None, None, 7])

    async def read() -> int | None:
        return next(answers)

    assert await poll(read, what="seven") == 7

    async def never() -> int | None:
        return None

    with pytest.raises(StepFailed, match="the document not seen within 0 s"):
        await poll(never, what="the document", timeout_s=0.0)
