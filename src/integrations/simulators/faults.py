"""Fault plans: what a simulator does wrong, per simulator or per route, on purpose.

A plan adds latency (fixed, uniform or exponential), fails a share of requests with chosen
statuses, or plays a script ("503, 503, 200") in order; it can also time out (never answer),
drop the connection mid-response, send malformed JSON, or truncate a page. Randomness comes
from the simulator's seeded generator, so a run can be replayed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["FAULT_WORDS", "FaultDecision", "FaultPlan", "FaultPlanner"]

FAULT_WORDS = frozenset({"timeout", "drop", "malformed", "truncate", "ok"})
Step = int | Literal["timeout", "drop", "malformed", "truncate", "ok"]


class FaultPlan(BaseModel):
    """Faults for one route (or `*`). Rates are probabilities in [0, 1]; times in ms."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(default=0.0, ge=0, le=600_000)
    latency_spread_ms: float = Field(default=0.0, ge=0, le=600_000)
    latency_distribution: Literal["fixed", "uniform", "exponential"] = "fixed"
    error_rate: float = Field(default=0.0, ge=0, le=1)
    error_statuses: list[int] = Field(default_factory=lambda: [500])
    script: list[Step] = Field(default_factory=list)
    timeout_rate: float = Field(default=0.0, ge=0, le=1)
    drop_rate: float = Field(default=0.0, ge=0, le=1)
    malformed_rate: float = Field(default=0.0, ge=0, le=1)
    truncate_rate: float = Field(default=0.0, ge=0, le=1)

    @field_validator("error_statuses")
    @classmethod
    def _statuses(cls, value: list[int]) -> list[int]:
        if not value or any(not 100 <= s <= 599 for s in value):
            raise ValueError("must be a non-empty list of HTTP statuses (100-599)")
        return value

    @field_validator("script", mode="before")
    @classmethod
    def _script(cls, value: object) -> object:
        # Accept "503, 503, 200" as well as [503, 503, 200].
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return [int(p) if p.isdigit() else p for p in parts]
        return value


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What to do with one request: wait, then answer normally or with a fault."""

    delay_s: float = 0.0
    status: int | None = None
    fault: str | None = None


class FaultPlanner:
    """Holds plans per route and decides, request by request, which fault applies.

    Args:
        rng: the simulator's seeded random generator.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.plans: dict[str, FaultPlan] = {}
        self._scripts: dict[str, list[Step]] = {}

    def set(self, route: str, plan: FaultPlan) -> None:
        """Replace the plan of `route` ("*" for every route, or "METHOD /path")."""
        self.plans[route] = plan
        self._scripts[route] = list(plan.script)

    def clear(self) -> None:
        self.plans.clear()
        self._scripts.clear()

    def _route_for(self, method: str, path: str) -> str | None:
        exact = f"{method.upper()} {path}"
        if exact in self.plans:
            return exact
        for route in self.plans:
            if route != "*" and " " in route:
                verb, prefix = route.split(" ", 1)
                if (
                    verb in {method.upper(), "*"}
                    and prefix.endswith("*")
                    and path.startswith(prefix[:-1])
                ):
                    return route
        return "*" if "*" in self.plans else None

    def decide(self, method: str, path: str) -> FaultDecision:
        """The fault for the next request to `method path`."""
        route = self._route_for(method, path)
        if route is None:
            return FaultDecision()
        plan = self.plans[route]
        delay = self._delay(plan)
        script = self._scripts.get(route)
        if script:
            step = script.pop(0)
            if isinstance(step, int):
                return FaultDecision(delay, status=None if 200 <= step < 300 else step)
            return FaultDecision(delay, fault=None if step == "ok" else step)
        roll = self._rng.random()
        for fault, rate in (
            ("timeout", plan.timeout_rate),
            ("drop", plan.drop_rate),
            ("malformed", plan.malformed_rate),
            ("truncate", plan.truncate_rate),
        ):
            if roll < rate:
                return FaultDecision(delay, fault=fault)
            roll -= rate
        if roll < plan.error_rate:
            return FaultDecision(delay, status=self._rng.choice(plan.error_statuses))
        return FaultDecision(delay)

    def _delay(self, plan: FaultPlan) -> float:
        base, spread = plan.latency_ms, plan.latency_spread_ms
        if plan.latency_distribution == "uniform":
            base += self._rng.uniform(0, spread)
        elif plan.latency_distribution == "exponential" and spread > 0:
            base += self._rng.expovariate(1 / spread)
        return base / 1000
