"""Change events delivered per second to a local receiver, against a bare POST loop.

    .venv/bin/python bench/change_events.py [--events 2000] [--entities 500]
        [--db sqlite|postgresql]

A receiver answering 204 runs in its own process (uvicorn on 127.0.0.1), so its CPU is not
the sender's. The baseline POSTs the same number of JSON bodies with one `httpx2.AsyncClient`
at the dispatcher's parallelism (16) and nothing else: the wire's cost. The measured side is
`ChangeDispatcher.run_once()` over `--events` recorded changes spread over `--entities`
records: fan-out into `change_deliveries`, per-entity ordering (a record's next change waits
for its previous one), Standard Webhooks signing, and one stored result per attempt. Both
run in this process, one after the other; the ratio is what durability and order cost.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx2

from bench.databases import (
    postgres_database,
    postgres_reachable,
    prepare_app_database,
    sqlite_database,
)

PARALLEL = 16


async def _receiver(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _serve(port: int) -> None:
    import uvicorn

    uvicorn.run(_receiver, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the receiver did not start")


async def bare_loop(url: str, events: int) -> float:
    """Seconds to POST `events` bodies, `PARALLEL` at a time."""
    gate = asyncio.Semaphore(PARALLEL)
    body = b'{"type":"change.documents.updated","data":{"cursor":1}}'
    async with httpx2.AsyncClient(timeout=10) as client:

        async def post(_: int) -> None:
            async with gate:
                (await client.post(url, content=body)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(post(i) for i in range(events)))
        return time.perf_counter() - started


async def change_events(database_url: str, url: str, events: int, entities: int) -> float:
    """Seconds for the dispatcher to deliver `events` recorded changes."""
    from integrations.changes import record_change
    from integrations.changes.delivery import ChangeDispatcher
    from integrations.changes.subscriptions import SubscriptionRepository, new_secret
    from integrations.config import load_settings
    from integrations.services import Services

    settings = load_settings(
        database_url=database_url,
        var_dir=Path(tempfile.mkdtemp()),
        change_events={"allowed_private_hosts": ["127.0.0.1"], "batch_size": 1000},
    )
    services = Services(settings)
    try:
        async with services.db.sessions.begin() as session:
            await SubscriptionRepository(session, services.box).create(
                name="bench", url=url, entities=["*:*"], secret=new_secret(), created_by="bench"
            )
        for start in range(0, events, 500):
            async with services.db.sessions.begin() as session:
                for i in range(start, min(events, start + 500)):
                    await record_change(
                        session,
                        integration="pandadoc",
                        entity="documents",
                        external_id=f"doc-{i % entities}",
                        kind="updated",
                        changed_fields=["status"],
                        source="sync",
                        data={"id": f"doc-{i % entities}", "status": "document.completed"},
                    )
        dispatcher = ChangeDispatcher(services)
        started, delivered = time.perf_counter(), 0
        while delivered < events:
            report = await dispatcher.run_once()
            if not report.delivered:
                raise SystemExit(f"stalled after {delivered} of {events} deliveries")
            delivered += report.delivered
        return time.perf_counter() - started
    finally:
        await services.close()


def measure(db: str, events: int, entities: int) -> tuple[float, float]:
    """POSTs/s of the bare loop and events/s of the dispatcher on `db`, one after the other,
    to one receiver in its own process (stopped by its PID afterwards)."""
    port = _free_port()
    receiver = multiprocessing.get_context("spawn").Process(target=_serve, args=(port,))
    receiver.start()
    try:
        _wait_listening(port)
        url = f"http://127.0.0.1:{port}/changes"
        baseline = asyncio.run(bare_loop(url, events))
        make = sqlite_database if db == "sqlite" else postgres_database
        with tempfile.TemporaryDirectory() as folder, make(Path(folder), "changes") as db_url:
            prepare_app_database(db_url)
            measured = asyncio.run(change_events(db_url, url, events, entities))
    finally:
        receiver.terminate()
        receiver.join(10)
    return events / baseline, events / measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--entities", type=int, default=500)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if args.db == "postgresql" and not postgres_reachable():
        raise SystemExit("PostgreSQL is not reachable (INTEGRATIONS_TEST_POSTGRES_URL)")
    bare, durable = measure(args.db, args.events, args.entities)
    print(f"{args.events} events over {args.entities} records, {args.db}, {PARALLEL} parallel")
    print(f"  bare POST loop      {bare:9.0f} POSTs/s")
    print(f"  change events       {durable:9.0f} events/s (signed, ordered, stored)")
    print(f"  ratio               {durable / bare:9.2f}")


if __name__ == "__main__":
    main()
