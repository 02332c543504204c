"""The rules of change-event delivery, as pure functions (no I/O, clock and RNG injected).

- Filters: a subscription lists `"<integration>:<entity>"` filters, either part may be `*`
  (`pandadoc:documents`, `pandadoc:*`, `*:contacts`, `*:*`); a change matches when any
  filter does.
- Outcome of one attempt (`decide`): a 2xx is delivered; 408, 429, 5xx, a timeout or a
  connection error is retried after a full-jitter wait, `uniform(0, min(cap, base *
  2**(attempts-1)))` seconds, until `max_attempts` tries, then dead; any other answer
  (3xx, since redirects are not followed, and 4xx) is final at once: the receiver said
  the request itself is wrong, and the same bytes will not fare better.
- Per-entity order (`deliverable`): of one subscription's pending deliveries, only the
  oldest change of each entity may be sent; a later change of that entity waits until it
  is delivered or dead, while other entities go on. A dead delivery stops blocking (it
  waits for a replay) so one refused change does not freeze its entity for good.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

__all__ = [
    "DeliveryDecision",
    "DeliveryPolicy",
    "PendingDelivery",
    "decide",
    "deliverable",
    "entity_key",
    "event_type",
    "matches",
    "parse_filter",
]

Outcome = Literal["delivered", "pending", "dead"]
_PART = r"(\*|[a-z0-9_]{1,64})"
_FILTER = re.compile(rf"{_PART}:{_PART}")
_RETRIED = frozenset({408, 429})


def parse_filter(text: str) -> tuple[str, str]:
    """`(integration, entity)` of a filter; ValueError naming the expected shape."""
    if not _FILTER.fullmatch(text):
        raise ValueError(
            f"{text!r} is not '<integration>:<entity>' (lowercase letters, digits, _ or '*')"
        )
    integration, entity = text.split(":")
    return integration, entity


def matches(filters: Iterable[str], integration: str, entity: str) -> bool:
    """Whether a change of `integration`/`entity` is wanted by any of `filters`."""
    for text in filters:
        want_integration, want_entity = parse_filter(text)
        if want_integration in ("*", integration) and want_entity in ("*", entity):
            return True
    return False


def entity_key(integration: str, entity: str, external_id: str) -> str:
    """The ordering key of a change: one record of one integration."""
    return f"{integration}:{entity}:{external_id}"


def event_type(entity: str, kind: str) -> str:
    """The Standard Webhooks `type` of a change event: `change.<entity>.<kind>`."""
    return f"change.{entity}.{kind}"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Retry budget and full-jitter bounds (seconds)."""

    max_attempts: int = 8
    backoff_base: float = 1.0
    backoff_cap: float = 300.0


@dataclass(frozen=True, slots=True)
class DeliveryDecision:
    """What to do after an attempt: the delivery's new status, and for `pending` the
    seconds until the next try; `reason` is kept as the delivery's `last_error`."""

    outcome: Outcome
    wait: float
    reason: str


def decide(
    attempts: int,
    status: int | None,
    error: str | None,
    policy: DeliveryPolicy,
    rng: Callable[[], float],
) -> DeliveryDecision:
    """The decision after attempt number `attempts` (1-based) answered `status`, or
    failed before an answer with `error` (timeout, refused connection)."""
    if status is not None and 200 <= status < 300:
        return DeliveryDecision("delivered", 0.0, "")
    reason = error or f"HTTP {status}"
    retryable = status is None or status in _RETRIED or status >= 500
    if not retryable:
        return DeliveryDecision("dead", 0.0, f"{reason} (final: not retried)")
    if attempts >= policy.max_attempts:
        return DeliveryDecision("dead", 0.0, f"{reason} (gave up after {attempts} attempts)")
    ceiling = min(policy.backoff_cap, policy.backoff_base * 2 ** max(0, attempts - 1))
    return DeliveryDecision("pending", ceiling * rng(), reason)


class PendingDelivery(Protocol):
    """What `deliverable` reads of a delivery row."""

    @property
    def subscription_id(self) -> int: ...
    @property
    def entity_key(self) -> str: ...
    @property
    def change_id(self) -> int: ...
    @property
    def due(self) -> bool: ...


P = TypeVar("P", bound=PendingDelivery)


def deliverable(pending: Sequence[P]) -> list[P]:
    """Of `pending` (every pending delivery of the subscriptions concerned, due or not),
    the ones to send now: the oldest change of each (subscription, entity), if it is due.
    In change order, so a caller sending them one by one keeps the feed's order."""
    oldest: dict[tuple[int, str], P] = {}
    for delivery in pending:
        key = (delivery.subscription_id, delivery.entity_key)
        held = oldest.get(key)
        if held is None or delivery.change_id < held.change_id:
            oldest[key] = delivery
    return sorted((d for d in oldest.values() if d.due), key=lambda d: d.change_id)
