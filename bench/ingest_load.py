"""The load generator of `bench/webhook_ingest.py`: signed Standard Webhooks deliveries made
before timing, sent with `concurrency` always in flight, and what a run measured (200s,
latencies, errors), with the CPU a process used and how long it waited for one (Linux /proc).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class Result:
    """One measured run: `ok` 200s out of `sent` in `seconds`, with per-request latencies."""

    sent: int
    ok: int
    seconds: float
    latencies: list[float]
    errors: dict[str, int]
    server_cpu: float = 0.0  # CPU seconds of the server process during the run
    client_cpu: float = 0.0  # CPU seconds of this (load generator) process during the run
    commits: dict[str, list[float]] | None = None  # the app's group commits: sizes, seconds
    server_waited: float = 0.0  # seconds the server's event loop was runnable without a CPU

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def signed_requests(secret: str, count: int, prefix: str) -> list[tuple[bytes, dict[str, str]]]:
    from integrations.webhooks.schemes import sign_standard

    now = int(time.time())
    out = []
    for i in range(count):
        event_id = f"msg_{prefix}_{i:07d}"
        body = json.dumps(
            {
                "type": "invoice.paid",
                "timestamp": "2026-01-01T00:00:00Z",
                "data": {"id": f"inv_{i}", "amount": 1000 + i % 97, "currency": "KRW"},
            }
        ).encode()
        headers = {
            "content-type": "application/json",
            "webhook-id": event_id,
            "webhook-timestamp": str(now),
            "webhook-signature": sign_standard(secret, event_id, now, body),
        }
        out.append((body, headers))
    return out


async def drive(
    session: Any, url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> Result:
    """Send every request, `concurrency` in flight; latency per request."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    ok = 0
    it = iter(requests)

    async def worker() -> None:
        nonlocal ok
        for body, headers in it:
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except Exception as exc:  # count, never stop the run
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            latencies.append(time.perf_counter() - started)
            if status == 200:
                ok += 1
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(len(requests), ok, time.perf_counter() - started, latencies, errors)


def run_delay(pid: int) -> float:
    """Seconds the main thread of `pid` was runnable but waiting for a CPU (Linux schedstat)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def process_cpu(pid: int) -> float:
    """User plus system CPU seconds of process `pid` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
