"""PracticePanther operations, declared once (`TOOLS`): REST actions, `integrations call`, MCP.

Everything at PracticePanther is read here (contacts, matters, tasks, the token's user);
`trigger_sync` is the one write: it starts a sync of our local tables (one at a time per
integration: a second trigger while one runs is refused with 409).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from integrations.actions.declaration import ActionContext, OperationSpec
from integrations.core.context import DRY_RUN
from integrations.core.dry_run import DryRunCaptured
from integrations.practicepanther import operations as ops
from integrations.practicepanther.client import PracticePantherIntegration
from integrations.practicepanther.models import Contact, Matter, Task, User

__all__ = [
    "PP_ID_PATTERN",
    "TOOLS",
    "ConnectionSample",
    "ListContactsInput",
    "ListMattersInput",
    "ListTasksInput",
    "RecordInput",
    "SyncStarted",
    "TriggerSyncInput",
]

# PracticePanther ids are UUIDs (swagger: format uuid).
PP_ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_EXAMPLE_ID = "00000000-0000-0000-0000-000000000000"
_SAMPLE = 3


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoInput(_Input):
    pass


class _Page(_Input):
    top: int = Field(default=25, ge=1, le=ops.MAX_PAGE, description="records per page ($top)")
    skip: int = Field(default=0, ge=0, le=10_000_000, description="records to skip ($skip)")
    updated_since: dt.datetime | None = Field(default=None, description="changed at or after")


class ListContactsInput(_Page):
    account_id: str | None = Field(default=None, pattern=PP_ID_PATTERN)
    search_text: str | None = Field(default=None, max_length=200)


class ListMattersInput(_Page):
    account_id: str | None = Field(default=None, pattern=PP_ID_PATTERN)
    status: Literal["Pending", "Open", "Closed", "Archived"] | None = None


class ListTasksInput(_Page):
    matter_id: str | None = Field(default=None, pattern=PP_ID_PATTERN)
    status: Literal["NotCompleted", "InProgress", "Completed", "Conditional"] | None = None


class RecordInput(_Input):
    id: str = Field(pattern=PP_ID_PATTERN, description="the record's PracticePanther id")


class TriggerSyncInput(_Input):
    sync_type: Literal["incremental", "full", "contacts", "matters", "tasks"] = "incremental"


class ConnectionSample(BaseModel):
    """What `test_connection` saw: the token's user and a few contacts."""

    connected: bool
    user: User
    sample_contacts: list[Contact]


class SyncStarted(BaseModel):
    sync_type: str
    status: str
    run_id: int | None = None
    job_id: str | None = None


def _client(context: ActionContext) -> PracticePantherIntegration:
    return context.client_as(PracticePantherIntegration)


async def _test_connection(context: ActionContext, _: NoInput) -> ConnectionSample:
    client = _client(context)
    user = await ops.get_current_user(client)
    contacts = await ops.list_contacts(client, top=_SAMPLE)
    return ConnectionSample(connected=True, user=user, sample_contacts=contacts)


async def _list_contacts(context: ActionContext, args: ListContactsInput) -> list[Contact]:
    return await ops.list_contacts(
        _client(context), top=args.top, skip=args.skip, updated_since=args.updated_since,
        account_id=args.account_id, search_text=args.search_text,
    )  # fmt: skip


async def _list_matters(context: ActionContext, args: ListMattersInput) -> list[Matter]:
    return await ops.list_matters(
        _client(context), top=args.top, skip=args.skip, updated_since=args.updated_since,
        account_id=args.account_id, status=args.status,
    )  # fmt: skip


async def _list_tasks(context: ActionContext, args: ListTasksInput) -> list[Task]:
    return await ops.list_tasks(
        _client(context), top=args.top, skip=args.skip, updated_since=args.updated_since,
        matter_id=args.matter_id, status=args.status,
    )  # fmt: skip


async def _get_contact(context: ActionContext, args: RecordInput) -> Contact:
    return await ops.get_contact(_client(context), args.id)


async def _get_matter(context: ActionContext, args: RecordInput) -> Matter:
    return await ops.get_matter(_client(context), args.id)


async def _get_task(context: ActionContext, args: RecordInput) -> Task:
    return await ops.get_task(_client(context), args.id)


async def _trigger_sync(context: ActionContext, args: TriggerSyncInput) -> SyncStarted:
    if DRY_RUN.get():  # nothing goes to the vendor: show what would be started instead
        body = {"syncType": args.sync_type}
        raise DryRunCaptured(
            {"method": "POST", "url": "/api/sync/trigger", "headers": {}, "json": body}
        )
    from integrations.practicepanther.sync_trigger import trigger_sync

    return await trigger_sync(context.require_services(), args.sync_type, by="action")


def _op(
    action: str, description: str, model: type[BaseModel], output: Any, run: Any, **kw: Any
) -> OperationSpec:
    return OperationSpec("practicepanther", action, description, model, output,
                         kw.pop("writes", False), run, **kw)  # fmt: skip


_ONE = {"id": _EXAMPLE_ID}

TOOLS: list[OperationSpec] = [
    _op("test_connection", "Check the connection: the token's user (/users/me) and 3 contacts.",
        NoInput, ConnectionSample, _test_connection),
    _op("list_contacts", "One page of contacts ($top/$skip), optionally changed since a time.",
        ListContactsInput, list[Contact], _list_contacts, example={"top": 5}),
    _op("get_contact", "One contact by its PracticePanther id.", RecordInput, Contact,
        _get_contact, example=_ONE),
    _op("list_matters", "One page of matters (1031 exchanges), filterable by status.",
        ListMattersInput, list[Matter], _list_matters, example={"top": 5}),
    _op("get_matter", "One matter by its PracticePanther id.", RecordInput, Matter,
        _get_matter, example=_ONE),
    _op("list_tasks", "One page of tasks, filterable by matter and status.",
        ListTasksInput, list[Task], _list_tasks, example={"top": 5}),
    _op("get_task", "One task by its PracticePanther id.", RecordInput, Task,
        _get_task, example=_ONE),
    _op("trigger_sync", "Start a sync into the local tables (409 while one is running).",
        TriggerSyncInput, SyncStarted, _trigger_sync, writes=True,
        example={"sync_type": "incremental"}),
]  # fmt: skip
