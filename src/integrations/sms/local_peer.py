"""Mock mode's SNS endpoint: moto's server on loopback, started by the client.

moto answers `Publish` to a phone number with a message id, as SNS does, and keeps what it
was sent: `sent()` reads it back (`/moto-api/data.json`). It checks less than SNS (an
E.164-ish pattern and the 1,600-byte limit; no opt-outs, no sandbox), which is why numbers
are validated on our side before anything is sent.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx2

from integrations.errors import ConfigError

__all__ = ["LocalSnsPeer"]


class LocalSnsPeer:
    """A moto server on 127.0.0.1 at a free port; `url` is its endpoint."""

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise ConfigError(
                "SMS mock mode needs moto: pip install 'integrations[local-peers]'"
            ) from None
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    async def sent(self) -> list[dict[str, Any]]:
        """Every SMS the server accepted: `{message_id, phone_number, message}` each."""
        async with httpx2.AsyncClient(timeout=10, trust_env=False) as client:
            answer = await client.get(f"{self.url}/moto-api/data.json")
        return list(answer.json().get("sns", {}).get("SMS", []))

    def stop(self) -> None:
        self._server.stop()
