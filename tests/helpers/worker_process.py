"""`integrations worker` processes for tests: started in a folder of the test's own, each
logging to `worker-<n>.log`, and stopped by PID at the end (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["workers"]


@contextmanager
def workers(
    tmp_path: Path, env: dict[str, str], count: int, *, concurrency: int = 2
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` `integrations worker` processes with `env` on top of this one's."""
    script = Path(sys.executable).parent / "integrations"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for n in range(count):
            with (tmp_path / f"worker-{n}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [str(script), "worker", "--concurrency", str(concurrency)],
                        env={**os.environ, **env},
                        cwd=tmp_path,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()  # SIGTERM to this PID: the worker stops gracefully
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
