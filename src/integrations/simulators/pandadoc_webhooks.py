"""PandaDoc webhook subscriptions and signed delivery.

PandaDoc signs a delivery by appending `?signature=<lowercase hex HMAC-SHA256(shared_key,
raw body)>` to the subscription URL and sends `X-PandaDoc-Webhook-Event-Id`, stable across
retries, as the receiver's dedupe key (BRIEF §1.9). The body is a JSON array of
`{event, data}` objects. Whether PandaDoc retries automatically is uncertain, so the retry
schedule is the emitter's `retry_delays` (default: none, one attempt).

A hub can be told to lose events (`drop`): a dropped event reaches no subscription at all,
as when the vendor never sends it, and is listed in `dropped` so tests can tell which
changes only a reconciliation will find.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.simulators.emitter import Delivery, Signature, WebhookEmitter

__all__ = ["EVENT_ID_HEADER", "Subscription", "WebhookHub", "pandadoc_signer"]

EVENT_ID_HEADER = "X-PandaDoc-Webhook-Event-Id"


def pandadoc_signer(body: bytes, secret: str) -> Signature:
    """The `signature` query parameter PandaDoc appends to the target URL."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return Signature(params={"signature": digest})


@dataclass(slots=True)
class Subscription:
    """One webhook subscription (WebhookSubscriptionItemResponse)."""

    uuid: str
    name: str
    url: str
    triggers: list[str]
    payload: list[str]
    shared_key: str
    workspace_id: str
    active: bool = True
    deliveries: list[Delivery] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "name": self.name,
            "url": self.url,
            "active": self.active,
            "status": "ACTIVE" if self.active else "INACTIVE",
            "triggers": list(self.triggers),
            "payload": list(self.payload),
            "workspace_id": self.workspace_id,
            "shared_key": self.shared_key,
        }


class WebhookHub:
    """Subscriptions and fan-out of events to every active subscription with the trigger.

    Args:
        emitter: the kit's emitter (signing, attempts, retries, transport).
        new_id: a UUID source (seeded, so runs replay).
        new_key: a shared-key source.
    """

    MAX_SUBSCRIPTIONS = 300

    def __init__(
        self, emitter: WebhookEmitter, new_id: Callable[[], str], new_key: Callable[[], str]
    ) -> None:
        self.emitter = emitter
        self.new_id = new_id
        self.new_key = new_key
        self.workspace_id = ""
        self.subscriptions: dict[str, Subscription] = {}
        self.drop: Callable[[], bool] = lambda: False
        self.dropped: list[dict[str, Any]] = []

    def create(self, body: dict[str, Any]) -> Subscription:
        sub = Subscription(
            uuid=self.new_id(),
            name=body["name"],
            url=body["url"],
            triggers=list(body["triggers"] or []),
            payload=list(body.get("payload") or []),
            shared_key=self.new_key(),
            workspace_id=self.workspace_id,
            active=bool(body.get("active", True)),
        )
        self.subscriptions[sub.uuid] = sub
        return sub

    def update(self, sub: Subscription, body: dict[str, Any]) -> None:
        for key in ("name", "url", "active"):
            if key in body:
                setattr(sub, key, body[key])
        for key in ("triggers", "payload"):
            if key in body:
                setattr(sub, key, list(body[key] or []))

    def rotate(self, sub: Subscription) -> str:
        sub.shared_key = self.new_key()
        return sub.shared_key

    async def publish(self, event: str, data_for: Callable[[list[str]], dict[str, Any]]) -> int:
        """Deliver `event` to each matching subscription (and to the kit's own target if
        one is set, with the full payload); `data_for(payload)` builds the `data` object.
        Returns how many deliveries were made (none for an event `drop` chose to lose)."""
        if self.drop():
            data = data_for([])
            self.dropped.append({"event": event, "document_id": data.get("id"), **_dates(data)})
            return 0
        count = 0
        for sub in list(self.subscriptions.values()):
            if not sub.active or event not in sub.triggers:
                continue
            body = [{"event": event, "data": data_for(sub.payload)}]
            event_id = self.new_id()
            delivery = await self.emitter.emit(
                event_id,
                body,
                url=sub.url,
                secret=sub.shared_key,
                headers={EVENT_ID_HEADER: event_id},
            )
            if delivery is not None:
                sub.deliveries.append(delivery)
                count += 1
        if self.emitter.url is not None:
            body = [{"event": event, "data": data_for(["metadata", "fields", "tokens"])}]
            event_id = self.new_id()
            await self.emitter.emit(event_id, body, headers={EVENT_ID_HEADER: event_id})
            count += 1
        return count

    def clear(self) -> None:
        self.subscriptions.clear()
        self.dropped.clear()


def _dates(data: dict[str, Any]) -> dict[str, Any]:
    return {"status": data.get("status"), "date_modified": data.get("date_modified")}
