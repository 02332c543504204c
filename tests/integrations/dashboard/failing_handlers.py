"""A webhook handler module for the dashboard's browser tests (`webhooks.handler_modules`).

A "generic" event whose payload says `{"fail_attempts": N}` fails its first N attempts, like a
handler whose downstream is briefly down; with `INTEGRATIONS_WEBHOOKS__MAX_ATTEMPTS=1` such an
event is dead after its first attempt, and a manual retry (attempt 2) processes it. Any other
event is processed at once.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent

__all__ = ["DownstreamUnavailableError", "fail_first_attempts", "register"]


class DownstreamUnavailableError(RuntimeError):
    """What the handler raises while its event asks it to fail."""


async def fail_first_attempts(event: InboxEvent, session: AsyncSession) -> None:
    """Fail while `event.attempt` is within the payload's `fail_attempts`."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    failing = payload.get("fail_attempts", 0)
    if isinstance(failing, int) and event.attempt <= failing:
        raise DownstreamUnavailableError(
            f"downstream unavailable (attempt {event.attempt} of the first {failing} that fail)"
        )


def register(handlers: HandlerRegistry) -> None:
    handlers.register("generic", "*", fail_first_attempts)
