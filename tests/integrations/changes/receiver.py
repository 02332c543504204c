"""A change-event receiver on 127.0.0.1 that verifies every POST with `standardwebhooks`.

It answers from `answer(webhook_id, now)` (default 204) so tests script outages by time
(a virtual clock) or by event, and keeps what it accepted and what it refused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import standardwebhooks


@dataclass
class ChangeReceiver:
    """ASGI app: verifies, then answers `answer(webhook_id)`; `accepted` holds the verified
    bodies it answered 2xx to, in arrival order; `statuses` every answer given."""

    secret: str
    answer: Callable[[str], int] = lambda _id: 204
    accepted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    statuses: list[tuple[str, int]] = field(default_factory=list)
    forged: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            payload = standardwebhooks.Webhook(self.secret).verify(body, headers)
        except standardwebhooks.WebhookVerificationError:
            status, payload = 401, None
            with self.lock:
                self.forged += 1
        else:
            status = self.answer(headers["webhook-id"])
        with self.lock:
            self.statuses.append((headers.get("webhook-id", ""), status))
            if payload is not None and status < 300:
                self.accepted.append((headers["webhook-id"], json.loads(body)))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})
