"""Run client processes that share one Redis rate-limit budget, and watch what they did.

`run_clients` starts `rate_client.py` processes against a scripted local server and returns
what the server received (its own `time.monotonic()` per request) and when Redis admitted
each request (the scores of the limiter's sliding-window logs, Redis `TIME`).
"""

from __future__ import annotations

import bisect
import json
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import redis
from bench.databases import delete_redis_prefix as delete_prefix_at

from tests.helpers.http_server import serve_scripted
from tests.helpers.services import REDIS_URL

RATE_CLIENT = Path(__file__).with_name("rate_client.py")
EXIT_GRACE_S = 30.0


@dataclass(frozen=True, slots=True)
class SharedRun:
    """What client processes sharing one Redis budget did."""

    arrivals: list[float]  # server-side time.monotonic() of each request
    admissions: list[float]  # Redis-side admission times, sorted
    results: list[dict[str, Any]]  # each process's {"ok": n, "errors": {...}}


def delete_redis_prefix(prefix: str) -> None:
    """Delete every key under `prefix` in the test Redis."""
    delete_prefix_at(REDIS_URL, prefix)


def busiest_window(times: list[float], seconds: float) -> int:
    """The most events in any window [t, t + seconds) starting at an event."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, start + seconds) - i for i, start in enumerate(ordered)),
        default=0,
    )


def _watch_admissions(prefix: str, stop: threading.Event, seen: dict[bytes, float]) -> None:
    """Collect the limiter's window-log entries until `stop` (each lives >= one period)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        while True:
            done = stop.wait(0.2)
            for key in client.scan_iter(match=f"{prefix}rl:*", _type="zset"):
                entries = client.zrange(key, 0, -1, withscores=True)
                seen.update(cast(list[tuple[bytes, float]], entries))
            if done:
                return
    finally:
        client.close()


def run_clients(
    folder: Path, prefix: str, *, processes: int, seconds: float, workers: int, limit: int
) -> SharedRun:
    """Run `processes` clients for `seconds` each; every process is stopped before returning."""
    outputs = [folder / f"client-{i}.json" for i in range(processes)]
    logs = [folder / f"client-{i}.log" for i in range(processes)]
    seen: dict[bytes, float] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_admissions, args=(prefix, stop, seen), daemon=True)
    started: list[subprocess.Popen[bytes]] = []
    try:
        with serve_scripted() as server:
            watcher.start()
            for out, log in zip(outputs, logs, strict=True):
                args = [server.url, REDIS_URL, prefix, str(seconds), str(workers), str(limit)]
                with log.open("wb") as sink:
                    started.append(
                        subprocess.Popen(
                            [sys.executable, str(RATE_CLIENT), *args, str(out)],
                            stdout=sink,
                            stderr=subprocess.STDOUT,
                            cwd=folder,
                        )
                    )
            for process in started:
                process.wait(timeout=seconds + EXIT_GRACE_S)
            arrivals = [hit.at for hit in server.app.hits]
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
        stop.set()
        if watcher.is_alive():
            watcher.join()
    for process, log in zip(started, logs, strict=True):
        if process.returncode != 0:
            raise RuntimeError(f"rate client failed ({process.returncode}):\n{log.read_text()}")
    results = [json.loads(out.read_text()) for out in outputs]
    return SharedRun(arrivals, sorted(seen.values()), results)
