"""`/api/sync/*`: sync status, triggers, history, statistics, schedule, stop and restart.

Admin only. Every route takes `?integration=` (default `practicepanther`), which must be
an integration with a sync. A trigger queues a `sync_run` job (the process's job workers
run it) and answers 202 with the job id; while a run of the integration is running, or a
sync job of it is queued or running, it answers 409 `sync_already_running` (the path
`integrations.sync.trigger` shares with connectors' `trigger_sync` operations). Stop asks
running syncs to end at their next batch boundary and pauses the schedule; restart resumes
the schedule and triggers an incremental sync.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from integrations.actions.catalog import get_action
from integrations.actions.runner import run_action
from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep, get_factory
from integrations.api.schemas.errors import error_responses
from integrations.errors import IntegrationError
from integrations.jobs.runner import JobRunner, runner_for
from integrations.services import Services
from integrations.sync.catalog import find_definition, synced_integrations
from integrations.sync.definition import SyncDefinition
from integrations.sync.schedules import ScheduleUpdate, schedule_payload, update_schedule
from integrations.sync.status import list_runs, request_stop, sync_statistics, sync_status
from integrations.sync.trigger import queue_manual_sync

__all__ = ["router"]

router = APIRouter(prefix="/api/sync", tags=["sync"], route_class=AdminRoute)
Integration = Annotated[
    str,
    Query(
        max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$", description="an integration with a sync"
    ),
]
SyncTypeText = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
RUN_STATUSES = ("running", "success", "partial", "error", "stopped")


class SyncInputError(IntegrationError):
    """A request names something the sync does not have; `errors` names the field."""

    http_status = 422
    code = "validation_error"

    def __init__(self, field: str, reason: str, **kw: Any) -> None:
        super().__init__(f"invalid request: {field}: {reason}", **kw)
        self.errors = [{"field": field, "reason": reason, "type": "value_error"}]

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "errors": self.errors}


class TriggerRequest(BaseModel):
    """`syncType`: a stream name (contacts, matters, tasks, ...), `full` or `incremental`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sync_type: SyncTypeText = Field(alias="syncType")


def _definition(integration: str) -> SyncDefinition:
    found = find_definition(integration)
    if found is None:
        known = ", ".join(synced_integrations()) or "none yet"
        raise SyncInputError("integration", f"{integration!r} has no sync; with one: {known}")
    return found


def _sync_types(definition: SyncDefinition) -> set[str]:
    return {"full", "incremental", *(s.name for s in definition.streams)}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _trigger(
    request: Request, services: Services, integration: str, sync_type: str, who: str
) -> dict[str, Any]:
    jobs = getattr(request.app.state, "jobs", None)
    runner: JobRunner = (
        jobs.runner if jobs is not None else runner_for(services, get_factory(request))
    )
    try:
        job_id = await queue_manual_sync(services, runner, integration, sync_type, by=who)
    finally:
        if jobs is None:
            await runner.close()
    return {"integration": integration, "syncType": sync_type, "jobId": job_id, "status": "queued"}


@router.get("/integrations", summary="The integrations with a sync and their sync types")
async def list_synced_integrations(_: AdminPrincipal) -> dict[str, Any]:
    """`items`: every integration the other routes accept as `?integration=`; `sync_types`:
    what `POST /api/sync/trigger` accepts as `syncType` for each."""
    names = synced_integrations()
    return {
        "items": names,
        "sync_types": {name: sorted(_sync_types(_definition(name))) for name in names},
    }


@router.get("/status", summary="Running syncs, schedule, cursors and recent history")
async def get_status(
    services: ServicesDep, _: AdminPrincipal, integration: Integration = "practicepanther"
) -> dict[str, Any]:
    _definition(integration)
    return await sync_status(services, integration)


@router.post(
    "/trigger", status_code=202, summary="Queue a sync now", responses=error_responses(409, 422)
)
async def trigger(
    request: Request,
    body: TriggerRequest,
    services: ServicesDep,
    who: AdminPrincipal,
    integration: Integration = "practicepanther",
) -> dict[str, Any]:
    """409 while a sync of the integration runs or a sync job of it is queued."""
    definition = _definition(integration)
    if body.sync_type not in _sync_types(definition):
        allowed = ", ".join(sorted(_sync_types(definition)))
        raise SyncInputError("syncType", f"{body.sync_type!r} is not one of: {allowed}")
    return await _trigger(request, services, integration, body.sync_type, who)


@router.get("/logs", summary="Sync runs, newest first")
async def get_logs(
    services: ServicesDep,
    _: AdminPrincipal,
    integration: Integration = "practicepanther",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    sync_type: Annotated[
        str | None, Query(alias="syncType", max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    ] = None,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(RUN_STATUSES) + ")$")] = None,
) -> dict[str, Any]:
    _definition(integration)
    return await list_runs(
        services, integration, page=page, limit=limit, sync_type=sync_type, status=status
    )


@router.get("/statistics", summary="The last 30 days: runs, success rate, records, mean duration")
async def get_statistics(
    services: ServicesDep, _: AdminPrincipal, integration: Integration = "practicepanther"
) -> dict[str, Any]:
    _definition(integration)
    return await sync_statistics(services, integration, now=_now())


@router.put("/schedule", summary="Change the schedule", responses=error_responses(422))
async def put_schedule(
    body: ScheduleUpdate,
    services: ServicesDep,
    who: AdminPrincipal,
    integration: Integration = "practicepanther",
) -> dict[str, Any]:
    """`incrementalMinutes` 1-1440, `fullHour` 0-23, `fullMinute` 0-59, `timezone` (IANA),
    `paused`; fields left out keep their value."""
    _definition(integration)
    row = await update_schedule(services.db, integration, body, by=who, now=_now())
    return schedule_payload(row)


@router.post("/stop", summary="Stop running syncs at a batch boundary and pause the schedule")
async def stop(
    services: ServicesDep, who: AdminPrincipal, integration: Integration = "practicepanther"
) -> dict[str, Any]:
    _definition(integration)
    stopping = await request_stop(services, integration)
    await update_schedule(services.db, integration, ScheduleUpdate(paused=True), by=who, now=_now())
    return {"integration": integration, "stopRequested": stopping, "schedulePaused": True}


@router.post(
    "/restart",
    status_code=202,
    summary="Resume the schedule and sync now",
    responses=error_responses(409),
)
async def restart(
    request: Request,
    services: ServicesDep,
    who: AdminPrincipal,
    integration: Integration = "practicepanther",
) -> dict[str, Any]:
    _definition(integration)
    await update_schedule(
        services.db, integration, ScheduleUpdate(paused=False), by=who, now=_now()
    )
    return await _trigger(request, services, integration, "incremental", who)


@router.get(
    "/test-connection",
    summary="Call the connector's test_connection operation",
    # 409: the integration is disabled or not configured for calls yet.
    responses=error_responses(404, 409, 422),
)
async def check_connection(
    request: Request, _: AdminPrincipal, integration: Integration = "practicepanther"
) -> dict[str, Any]:
    _definition(integration)
    spec = get_action(integration, "test_connection")
    result = await run_action(spec, get_factory(request), {})
    return {"integration": integration, "ok": True, "sample": result}
