"""The cases of `bench/sync_throughput.py`, each run in a process of its own (so its CPU
time and peak RSS are its own): it prints one JSON line with the records read or synced,
wall and CPU seconds, and the peak RSS.

    python bench/sync_cases.py fetch|sync BASE_URL DATABASE_URL TOTAL PAGE_SIZE [--profile]

`fetch` reads every page (PAGE_SIZE records) of contacts, matters and tasks through one
`httpx2.AsyncClient`, JSON decoded, nothing mapped or stored. `sync` runs
`SyncEngine.run("full")` into the migrated database at DATABASE_URL through the client a
server process builds (`IntegrationFactory.for_process`); only the run is timed, not the
set-up. `--profile` prints a pyinstrument profile of the timed part to stderr.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx2

STREAMS = ("contacts", "matters", "tasks")
SIM_APP = {"client_id": "pp-sim-client", "client_secret": "pp-sim-secret"}


def _tokens(base: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx2.post(f"{base}/_sim/practicepanther/tokens", json={}).json()
    return answer


@dataclasses.dataclass(slots=True)
class Measure:
    """Wall and CPU seconds of the timed part of a case, and its profile when asked."""

    profile: bool = False
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @contextmanager
    def timed(self) -> Iterator[None]:
        profiler = _profiler() if self.profile else None
        cpu, wall = _cpu(), time.perf_counter()
        try:
            yield
        finally:
            self.seconds, self.cpu_seconds = time.perf_counter() - wall, _cpu() - cpu
            if profiler is not None:
                profiler.stop()
                print(profiler.output_text(show_all=False), file=sys.stderr)


async def fetch_only(base: str, page_size: int, measure: Measure) -> tuple[int, str]:
    """Read every page of every stream as the sync does, without mapping or storing."""
    headers = {"Authorization": f"Bearer {_tokens(base)['access_token']}"}
    records = 0
    async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        with measure.timed():
            for stream in STREAMS:
                skip = 0
                while True:
                    params = {"$top": str(page_size), "$skip": str(skip)}
                    page = (await client.get(f"/api/v2/{stream}", params=params)).json()
                    records += len(page)
                    skip += len(page)
                    if len(page) < page_size:
                        break
    return records, "success"


async def full_sync(base: str, url: str, total: int, measure: Measure) -> tuple[int, str]:
    """A full sync through the engine into the (migrated) database at `url`; only the run
    itself is timed."""
    from cryptography.fernet import Fernet

    from integrations.config import load_settings
    from integrations.factory import IntegrationFactory
    from integrations.practicepanther.streams import PAGE_SIZE, PRACTICEPANTHER_SYNC
    from integrations.practicepanther.token_store import DatabaseTokenStore, StoredTokens
    from integrations.runtime_config import IntegrationSettingsUpdate
    from integrations.services import Services
    from integrations.sync.engine import SyncEngine

    folder = Path(tempfile.mkdtemp())
    key = Fernet.generate_key().decode()
    services = Services(load_settings(database_url=url, secret_key=key, var_dir=folder))
    update = IntegrationSettingsUpdate.model_validate({
        "enabled": True, "mode": "live", "base_url": base, "credentials": SIM_APP,
        # The simulator has no limit here; PracticePanther's default would pace the bench.
        "rate_limits": [{"limit": 1_000_000, "period_seconds": 1}],
    })  # fmt: skip
    await services.update_config("practicepanther", update, changed_by="bench")
    tokens = _tokens(base)
    expires = time.time() + float(tokens["expires_in"])
    store = DatabaseTokenStore(services.db, services.box, integration="practicepanther")
    await store.save(StoredTokens(tokens["access_token"], tokens["refresh_token"], expires))
    # The shipped page safety limit (2,000 pages) would end a 200,000-task run `partial`.
    pages = total // PAGE_SIZE + 2
    definition = dataclasses.replace(PRACTICEPANTHER_SYNC, max_pages=pages)
    factory = IntegrationFactory.for_process(services)
    try:
        await factory.get("practicepanther")
        with measure.timed():
            summary = await SyncEngine(services, factory, definition).run("full")
    finally:
        await factory.close()
        await services.close()
    return summary.processed, summary.status


def run_case(
    kind: str, base: str, url: str, total: int, page_size: int, *, profile: bool
) -> dict[str, Any]:
    """Run one case here and measure it."""
    measure = Measure(profile)
    if kind == "fetch":
        records, status = asyncio.run(fetch_only(base, page_size, measure))
    else:
        records, status = asyncio.run(full_sync(base, url, total, measure))
    return {"records": records, "status": status, "seconds": measure.seconds,
            "cpu_seconds": measure.cpu_seconds, "peak_rss_mb": _peak_rss_mib()}  # fmt: skip


def _peak_rss_mib() -> float:
    """This process's peak resident set (`VmHWM`). Not `ru_maxrss`: Linux carries that over
    from the parent through fork and exec, so every case would start at the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB or B


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _profiler() -> Any:
    try:
        from pyinstrument import Profiler  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise SystemExit("--profile needs pyinstrument (pip install pyinstrument)") from None
    profiler = Profiler(async_mode="enabled")
    profiler.start()
    return profiler


if __name__ == "__main__":
    from integrations.logging import configure_logging

    configure_logging(level="WARNING")
    kind, base, url, total, page_size = sys.argv[1:6]
    result = run_case(kind, base, url, int(total), int(page_size), profile="--profile" in sys.argv)
    print(json.dumps(result))
