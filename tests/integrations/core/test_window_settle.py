"""The memory store's settle: the units a call was admitted with move to the time its answer
came, whatever else the window holds (hypothesis against a plain reference)."""

from __future__ import annotations

from collections import deque

from hypothesis import given
from hypothesis import strategies as st

from integrations.core.state import _move_to_now


def _reference(log: list[float], admitted: float, cost: int, now: float) -> list[float]:
    """Remove the newest `cost` entries equal to `admitted`, append as many `now`."""
    kept, moved = list(log), 0
    for i in range(len(kept) - 1, -1, -1):
        if moved == cost:
            break
        if kept[i] == admitted:
            del kept[i]
            moved += 1
    return kept + [now] * moved


TIMES = st.lists(st.integers(0, 20).map(float), max_size=40).map(sorted)


@given(TIMES, st.integers(0, 21).map(float), st.integers(1, 4))
def test_settle_moves_the_newest_admitted_units_to_now(
    log: list[float], admitted: float, cost: int
) -> None:
    now = 30.0
    window = deque(log)
    _move_to_now(window, admitted, cost, now)
    assert list(window) == _reference(log, admitted, cost, now)
    assert list(window) == sorted(window)  # still in time order
