"""Failed OAuth refreshes become alerts, whichever connector's refresh failed.

A connector's refresher raises an error whose `code` is `token_refresh_failed` when the vendor
refuses the refresh token (the user must authorize again); the call fails with it and its record
carries the code. `TokenAlarmRecorder` sits in front of the process's call recorder: such a record
opens one `token_refresh_failed` incident per integration (deduped across processes by the alert
table), and the integration's next successful call resolves it. Connectors need no alert code of
their own, and the call path never waits for the alert: it is sent from a background task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Final

from integrations.core.records import CallRecord, CallRecorder
from integrations.logging import get_logger
from integrations.telemetry.alerts import AlertManager, AlertSignal

__all__ = ["REFRESH_FAILED", "TokenAlarmRecorder"]

REFRESH_FAILED: Final = "token_refresh_failed"
_log = get_logger()


class TokenAlarmRecorder:
    """A `CallRecorder` that passes every record on and raises or clears refresh alerts.

    Args:
        inner: where records go (the database recorder).
        alerts: the alert manager incidents are opened and resolved with.
    """

    def __init__(self, inner: CallRecorder, alerts: AlertManager) -> None:
        self._inner = inner
        self._alerts = alerts
        self._failing: set[str] = set()  # integrations with an incident this process opened
        self._tasks: set[asyncio.Task[None]] = set()

    def record(self, record: CallRecord) -> None:
        self._inner.record(record)
        name = record.integration
        if record.error_code == REFRESH_FAILED:
            self._failing.add(name)
            self._spawn(self._fire(record))
        elif record.success and name in self._failing:
            self._failing.discard(name)
            self._spawn(self._resolve(name))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fire(self, record: CallRecord) -> None:
        signal = AlertSignal(
            kind=REFRESH_FAILED,
            integration=record.integration,
            severity="critical",
            message=(
                f"{record.integration}: the vendor refused the OAuth refresh token; calls fail"
                " until the integration is authorized again"
            ),
            details={"trace_id": record.trace_id, "operation": record.operation},
        )
        try:
            await self._alerts.fire(signal, dedupe_key=_key(record.integration))
        except Exception:  # an alert must never break the call path's bookkeeping
            _log.exception("alert.token_refresh_fire_failed", integration=record.integration)

    async def _resolve(self, name: str) -> None:
        try:
            await self._alerts.resolve(_key(name), f"{name}: calls succeed again after re-auth")
        except Exception:
            _log.exception("alert.token_refresh_resolve_failed", integration=name)

    async def flush(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._inner.flush()

    async def close(self) -> None:
        await self.flush()
        await self._inner.close()


def _key(integration: str) -> str:
    return f"{REFRESH_FAILED}:{integration}"
