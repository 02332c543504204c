"""A process of the cross-process refresh test: waits for the start file, then makes
`CALLS` concurrent calls with the shared (about to expire) token; prints its refresh count.

Usage: python -m tests.integrations.practicepanther.refresh_worker DB_URL KEY REDIS BASE START
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from pathlib import Path

from integrations.config import load_settings
from integrations.practicepanther import operations as ops
from integrations.practicepanther.client import PracticePantherIntegration
from integrations.practicepanther.spec import PRACTICEPANTHER_SPEC
from integrations.services import Services

CALLS = 5
SIM_APP = {"client_id": "pp-sim-client", "client_secret": "pp-sim-secret"}


def wait_for(start: Path) -> None:
    """Say "ready", then wait (blocking, before the event loop) for the test's go."""
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not start.exists() and time.monotonic() < deadline:
        time.sleep(0.005)


async def main(database_url: str, key: str, redis_url: str, base: str, start: Path) -> None:
    settings = load_settings(database_url=database_url, secret_key=key, redis_url=redis_url)
    services = Services(settings)
    spec = dataclasses.replace(PRACTICEPANTHER_SPEC, base_url=base)
    client = PracticePantherIntegration(
        spec, credentials=SIM_APP, services=services, environ={}, dotenv=None
    )
    await asyncio.to_thread(wait_for, start)
    users = await asyncio.gather(*(ops.get_current_user(client) for _ in range(CALLS)))
    assert len(users) == CALLS
    print(client.tokens.refresh_count, flush=True)
    await client.aclose()
    await services.close()


if __name__ == "__main__":
    url, secret, redis, host, start_file = sys.argv[1:6]
    asyncio.run(main(url, secret, redis, host, Path(start_file)))
