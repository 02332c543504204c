"""Webhook ingest: the real receiver against a bare one-INSERT-per-request endpoint, in one run.

For each database (SQLite file, and a temporary PostgreSQL database when one is reachable at
127.0.0.1:5432; skipped with a message when not) two servers run in turn, each in its own
child process on 127.0.0.1 (`bench/ingest_servers.py`), each on a fresh database:

- app: the real application (`create_app` under uvicorn with uvloop and httptools, as
  `integrations serve` runs it, after `db upgrade`) with the webhook worker disabled, so only
  ingest is measured: every request is a signed Standard Webhooks delivery to
  `POST /api/v1/webhooks/generic` that is verified, stored (group commit, dedupe) and
  acknowledged only after its commit;
- bare: a minimal Starlette app doing one `INSERT` of the same row into a table of the same
  shape, one transaction and commit per request, no verification and no batching.

The load generator (aiohttp, `--concurrency` connections, requests signed before timing)
keeps that many requests in flight. After a warm-up it reports durable events/s (200s per
wall-clock second; the stored rows are counted afterwards and must match), p50/p99 latency,
the app/bare ratio and the target. The machine has 2 cores shared by the server, the load
generator, PostgreSQL and whatever else runs, so it also reports the server's CPU time per
event (and so its events/s per CPU second, which other load changes much less) and how long
the server's event loop waited for a CPU: a high wait means the machine, not the server, set
the rate. `--rounds N` alternates N app and bare runs and shows the median of each.

    .venv/bin/python bench/webhook_ingest.py [--events 20000] [--concurrency 50]
        [--db sqlite|postgresql|both] [--rounds 1] [--loop uvloop|asyncio|auto]
        [--http httptools|h11|auto] [--profile pyinstrument|cprofile]

`--profile` profiles the app server process and prints where its time went.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `src` and `bench` importable
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))

from bench.databases import (  # noqa: E402 - after the path set-up above
    count_rows,
    postgres_database,
    postgres_reachable,
    prepare_app_database,
    sqlite_database,
)
from bench.ingest_load import Result, drive, process_cpu, run_delay, signed_requests  # noqa: E402
from bench.ingest_servers import BARE_TABLE, Server, prepare_bare_database  # noqa: E402

TARGET_EVENTS_PER_S = 1600
ADMIN_TOKEN = uuid.uuid4().hex  # a fresh bootstrap token for the servers of this run


async def measure(
    server: Server,
    path: str,
    requests: list[tuple[bytes, dict[str, str]]],
    args: Any,
    secret: str | None,
) -> Result:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=args.concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await server.wait_ready(session)
        if secret is not None:
            await enable_generic(session, server.url, secret)
        warm = min(len(requests) // 10, 1000)
        await drive(session, server.url + path, requests[:warm], args.concurrency)
        pid = server.proc.pid
        server_cpu, client_cpu, delay = process_cpu(pid), time.process_time(), run_delay(pid)
        result = await drive(session, server.url + path, requests[warm:], args.concurrency)
        result.server_cpu = process_cpu(pid) - server_cpu
        result.client_cpu = time.process_time() - client_cpu
        result.server_waited = run_delay(pid) - delay
        return result


async def enable_generic(session: Any, url: str, secret: str) -> None:
    async with session.patch(
        url + "/api/v1/integrations/generic",
        json={"enabled": True, "credentials": {"webhook_secret": secret}},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ) as response:
        if response.status != 200:
            raise RuntimeError(
                f"enabling generic failed: {response.status} {await response.text()}"
            )


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def run_once(db: str, kind: str, args: Any, folder: Path, tag: str) -> Result:
    """Start one server on a fresh database, drive it, stop it, check what was stored."""
    from cryptography.fernet import Fernet

    make = sqlite_database if db == "sqlite" else postgres_database
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    total = args.events + min(args.events // 10, 1000)  # plus the warm-up
    with make(folder, f"{db}_{kind}_{tag}") as url:
        commits = folder / f"commits_{db}_{tag}.json"
        env = {
            "INTEGRATIONS_DATABASE_URL": url,
            "INTEGRATIONS_VAR_DIR": str(folder / "var"),
            "INTEGRATIONS_SECRET_KEY": Fernet.generate_key().decode(),
            "INTEGRATIONS_ADMIN_TOKEN": ADMIN_TOKEN,
            "INTEGRATIONS_LOGGING__LEVEL": "WARNING",
            "INTEGRATIONS_WEBHOOKS__WORKER_ENABLED": "false",
            "BENCH_DATABASE_URL": url,
            "BENCH_COMMITS_OUT": str(commits),
        }
        profile_out = folder / f"profile_{db}_{kind}_{tag}.txt"
        if args.profile and kind == "app":
            env |= {"BENCH_PROFILE": args.profile, "BENCH_PROFILE_OUT": str(profile_out)}
        if kind == "app":
            prepare_app_database(url)
            table = "webhook_events"
        else:
            prepare_bare_database(url)
            table = BARE_TABLE
        requests = signed_requests(secret, total, f"{db}_{kind}_{tag}")
        server = Server(kind, env, args.loop, args.http, folder / f"{db}_{kind}_{tag}.log")
        try:
            result = asyncio.run(
                measure(
                    server,
                    "/api/v1/webhooks/generic",
                    requests,
                    args,
                    secret if kind == "app" else None,
                )
            )
        finally:
            server.stop()
        stored = count_rows(url, table)
    if stored != len(requests):
        print(f"  !! {db}/{kind}: {stored} rows stored for {len(requests)} sent")
    if result.errors:
        print(f"  !! {db}/{kind}: errors {result.errors}")
    if kind == "app" and commits.exists():
        result.commits = json.loads(commits.read_text())
    if args.profile and kind == "app" and profile_out.exists():
        print(f"--- profile of the {db} app server ({args.profile}) ---")
        print(profile_out.read_text())
    return result


def run_database(db: str, args: Any, folder: Path) -> tuple[Result, Result]:
    """`--rounds` alternating app and bare runs; the median run of each by events/s."""
    runs: dict[str, list[Result]] = {"app": [], "bare": []}
    for round_ in range(args.rounds):
        order = ("app", "bare") if round_ % 2 == 0 else ("bare", "app")
        for kind in order:
            runs[kind].append(run_once(db, kind, args, folder, f"r{round_}"))
    if args.rounds > 1:
        for kind, results in runs.items():
            rates = ", ".join(f"{r.rate:,.0f}" for r in results)
            print(f"  {db}/{kind} events/s per round: {rates}")
    app, bare = (sorted(runs[k], key=lambda r: r.rate)[len(runs[k]) // 2] for k in runs)
    return app, bare


def report(db: str, app: Result, bare: Result) -> None:
    print(f"\n{db}: {app.sent:,} events per server after the warm-up")
    for name, r in (("app (verify+group commit)", app), ("bare INSERT+commit", bare)):
        print(
            f"  {name:<27} {r.rate:>8,.0f} events/s   p50 {r.percentile(50):6.1f} ms"
            f"   p99 {r.percentile(99):6.1f} ms"
        )
        print(
            f"  {'':<27} server CPU {r.server_cpu / r.seconds:4.0%} of a core"
            f" ({r.server_cpu / max(r.ok, 1) * 1e6:,.0f} µs/event ="
            f" {r.ok / max(r.server_cpu, 1e-9):,.0f} events/s per CPU second),"
            f" waited for a CPU {r.server_waited / r.seconds:4.0%};"
            f" load generator CPU {r.client_cpu / r.seconds:4.0%}"
        )
    if app.commits and app.commits["sizes"]:
        sizes, seconds = app.commits["sizes"], sorted(app.commits["seconds"])
        print(
            f"  app group commits: {len(sizes):,} (warm-up included), mean batch"
            f" {sum(sizes) / len(sizes):.1f} events, commit p50"
            f" {seconds[len(seconds) // 2] * 1000:.1f} ms, p99"
            f" {seconds[int(len(seconds) * 0.99)] * 1000:.1f} ms"
        )
    print(f"  ratio app/bare: {app.rate / bare.rate:.2f}x")
    verdict = "MET" if app.rate >= TARGET_EVENTS_PER_S else "NOT MET"
    print(f"  target ≥ {TARGET_EVENTS_PER_S:,} events/s: {verdict} ({app.rate:,.0f})")


def _resolved(choice: str, fast: str, fallback: str) -> str:
    """What uvicorn's "auto" picks: the fast implementation when it is installed."""
    if choice != "auto":
        return choice
    return fast if importlib.util.find_spec(fast) is not None else fallback


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--loop", choices=("uvloop", "asyncio", "auto"), default="uvloop")
    parser.add_argument("--http", choices=("httptools", "h11", "auto"), default="httptools")
    parser.add_argument("--rounds", type=int, default=1, help="alternating runs; median shown")
    parser.add_argument("--profile", choices=("pyinstrument", "cprofile"), default=None)
    args = parser.parse_args()
    if args.profile == "pyinstrument" and importlib.util.find_spec("pyinstrument") is None:
        parser.error("--profile pyinstrument needs `.venv/bin/pip install pyinstrument`")
    print(
        f"webhook ingest: {args.events:,} signed Standard Webhooks events per server, "
        f"{args.concurrency} connections, uvicorn loop={_resolved(args.loop, 'uvloop', 'asyncio')}"
        f" http={_resolved(args.http, 'httptools', 'h11')}"
    )
    print(f"target ≥ {TARGET_EVENTS_PER_S:,} events/s")
    print(f"load average (1, 5, 15 min) at the start: {os.getloadavg()}")
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="webhook_ingest_") as tmp:
        for db in databases:
            if db == "postgresql" and not postgres_reachable():
                print("\npostgresql: skipped (nothing listens on 127.0.0.1:5432)")
                continue
            report(db, *run_database(db, args, Path(tmp)))
    # Other processes on the machine take CPU from the servers: say how busy it was.
    print(f"\nload average (1, 5, 15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
