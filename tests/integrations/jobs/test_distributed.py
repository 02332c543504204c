"""Scale-out on real PostgreSQL: `integrations serve --no-worker` and two
`integrations worker` processes share one database. 500 jobs run exactly once between
the workers (never in the API process); a worker SIGKILLed mid-job leaves its job to the
other, which completes it once the dead worker's lease (heartbeat) runs out."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from integrations.config import load_settings
from integrations.jobs.runner import runner_for
from integrations.services import Services
from tests.helpers.serve_process import running_serve
from tests.helpers.services import fresh_postgres_database
from tests.helpers.worker_process import workers as worker_processes

pytestmark = pytest.mark.integration

TIMEOUT_S = 90.0


def _env(tmp_path: Path, url: str, runner: str) -> dict[str, str]:
    return {
        "INTEGRATIONS_DATABASE_URL": url,
        "INTEGRATIONS_VAR_DIR": str(tmp_path / "var"),
        "INTEGRATIONS_JOBS__RUNNER": runner,
        "INTEGRATIONS_JOBS__MODULES": '["tests.integrations.jobs.distributed_jobs"]',
        "INTEGRATIONS_JOBS__LEASE_SECONDS": "6",  # a worker starved for 3 s keeps its jobs
        "INTEGRATIONS_JOBS__POLL_SECONDS": "0.2",
        "INTEGRATIONS_LOGGING__LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
    }


def _rows(url: str, table: str) -> list[tuple[str, int]]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        return [(k, p) for k, p in conn.execute(f"SELECT key, pid FROM {table}")]  # noqa: S608


def _wait_for(
    url: str, table: str, count: int, workers: list[subprocess.Popen[bytes]], tmp_path: Path
) -> list[tuple[str, int]]:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        rows = _rows(url, table)
        if len(rows) >= count:
            return rows
        for process in workers:
            if process.poll() not in (None, -signal.SIGKILL):
                logs = "\n".join(p.read_text() for p in tmp_path.glob("worker-*.log"))
                pytest.fail(f"a worker exited with {process.returncode}:\n{logs}")
        time.sleep(0.2)  # polling inside a deadline of TIMEOUT_S
    logs = "\n".join(p.read_text() for p in tmp_path.glob("worker-*.log"))
    pytest.fail(f"{table}: {len(_rows(url, table))} of {count} rows in {TIMEOUT_S}s\n{logs}")


async def _defer(tmp_path: Path, url: str, runner: str, name: str, keys: list[str]) -> None:
    import tests.integrations.jobs.distributed_jobs  # noqa: F401 - registers the jobs

    settings = load_settings(database_url=url, var_dir=tmp_path / "var", jobs={"runner": runner})
    services = Services(settings)
    jobs = runner_for(services)
    try:
        for key in keys:
            assert await jobs.defer(name, args={"key": key})
    finally:
        await jobs.close()
        await services.close()


@pytest.mark.parametrize("runner", ["procrastinate", "embedded"])
def test_api_and_two_workers_share_the_jobs(tmp_path: Path, runner: str) -> None:
    """500 jobs run once each, by the two workers only; a SIGKILLed worker's job is
    completed by the other."""
    with fresh_postgres_database() as url:
        env = _env(tmp_path, url, runner)
        with running_serve(tmp_path, url, serve_args=("--no-worker",), **env):
            with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
                for table in ("job_marks", "job_starts"):
                    conn.execute(f"CREATE TABLE {table} (key text, pid int)")
            with worker_processes(tmp_path, env, 2, concurrency=4) as workers:
                keys = [f"job-{n}" for n in range(500)]
                asyncio.run(_defer(tmp_path, url, runner, "mark", keys))
                rows = _wait_for(url, "job_marks", 500, workers, tmp_path)
                time.sleep(1.0)  # a duplicate run would land now
                rows = _rows(url, "job_marks")
                assert sorted(k for k, _ in rows) == sorted(keys)  # 500 distinct, none twice
                assert {p for _, p in rows} <= {w.pid for w in workers}

                asyncio.run(_defer(tmp_path, url, runner, "hang_once", ["stuck"]))
                ((_, victim),) = _wait_for(url, "job_starts", 1, workers, tmp_path)
                os.kill(victim, signal.SIGKILL)
                rows = _wait_for(url, "job_marks", 501, workers, tmp_path)
                finished = [p for k, p in rows if k == "stuck"]
                survivor = ({w.pid for w in workers} - {victim}).pop()
                assert finished == [survivor]
