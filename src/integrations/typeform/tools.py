"""Typeform operations, declared once (`TOOLS`): REST actions, `integrations call`, MCP tools.

Forms and responses are reads at Typeform. Webhook set-up, URL change, enable, disable,
delete and repair go through `WebhookManager`, so each keeps the database and Typeform in
step and writes its audit row; they are writes. Status checks compare both sides (and note
when they looked); the audit trail is read from our database. Webhook secrets never appear in
an answer: they are stored encrypted and shown nowhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from integrations.actions.declaration import ActionContext, OperationSpec
from integrations.storage.tables_inbound import WebhookOperationRow
from integrations.typeform import operations as ops
from integrations.typeform.client import TypeformIntegration
from integrations.typeform.manager import WebhookManager
from integrations.typeform.manager_status import SyncReport, WebhookStatus
from integrations.typeform.models import FORM_ID_PATTERN, Form, FormList, ResponsesPage, Webhook
from integrations.typeform.simulated import SIMULATED_TOOLS

__all__ = [
    "FORM_ID_PATTERN",
    "TOOLS",
    "AuditEntry",
    "AuditInput",
    "BulkStatusInput",
    "FormInput",
    "ListFormsInput",
    "ListResponsesInput",
    "SetupWebhookInput",
    "UpdateWebhookUrlInput",
    "WebhookPublic",
    "WebhookStatusPublic",
]

_CURSOR_PATTERN = r"^[A-Za-z0-9_\-]{1,128}$"
_FORM = "Onb0Rd5x"  # the simulator's seeded onboarding form


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListFormsInput(_Input):
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=10, ge=1, le=200)
    search: str | None = Field(default=None, max_length=200, description="text in form titles")


class FormInput(_Input):
    form_id: str = Field(pattern=FORM_ID_PATTERN, description="the form's id (from its URL)")


class ListResponsesInput(FormInput):
    page_size: int = Field(default=25, ge=1, le=1000)
    since: dt.datetime | None = Field(default=None, description="submitted at or after")
    until: dt.datetime | None = Field(default=None, description="submitted at or before")
    before: str | None = Field(default=None, pattern=_CURSOR_PATTERN, description="a token")
    after: str | None = Field(default=None, pattern=_CURSOR_PATTERN, description="a token")
    response_type: str | None = Field(
        default=None,
        pattern=r"^(completed|partial|started)(,(completed|partial|started))*$",
        description="e.g. completed,partial (Typeform's default: completed)",
    )


class SetupWebhookInput(FormInput):
    url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        max_length=2000,
        description="where Typeform delivers (default: our /api/v1/webhooks/typeform)",
    )


class UpdateWebhookUrlInput(FormInput):
    url: str = Field(pattern=r"^https?://\S+$", max_length=2000)


class BulkStatusInput(_Input):
    form_ids: list[Annotated[str, Field(pattern=FORM_ID_PATTERN)]] = Field(
        min_length=1, max_length=50
    )


class AuditInput(_Input):
    form_id: str | None = Field(default=None, pattern=FORM_ID_PATTERN)
    limit: int = Field(default=50, ge=1, le=1000)


class WebhookPublic(BaseModel):
    """A form's webhook as Typeform has it (its secret left out)."""

    id: str
    form_id: str
    tag: str
    url: str
    enabled: bool
    verify_ssl: bool
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class WebhookStatusPublic(BaseModel):
    """Typeform's view and ours of one form's webhook, and every issue between them."""

    form_id: str
    webhook_exists: bool
    remote_url: str | None
    database_status: str
    database_url: str | None
    enabled: bool | None
    secret_set: bool
    synchronized: bool
    issues: list[str]
    last_checked: dt.datetime


class SyncReportPublic(BaseModel):
    form_id: str
    changes: list[str]
    status: WebhookStatusPublic | None


class Deleted(BaseModel):
    form_id: str
    deleted: bool


class AuditEntry(BaseModel):
    operation: str
    form_id: str | None
    url: str | None
    webhook_id: str | None
    success: bool
    error: str | None
    created_at: dt.datetime


def _manager(context: ActionContext) -> WebhookManager:
    return WebhookManager(context.client_as(TypeformIntegration), context.require_services())


def _hook(hook: Webhook) -> WebhookPublic:
    return WebhookPublic.model_validate(hook.model_dump(exclude={"secret", "event_types"}))


def _status(status: WebhookStatus) -> WebhookStatusPublic:
    return WebhookStatusPublic.model_validate(status.as_dict())


def _report(report: SyncReport) -> SyncReportPublic:
    status = _status(report.status) if report.status is not None else None
    return SyncReportPublic(form_id=report.form_id, changes=list(report.changes), status=status)


async def _list_forms(context: ActionContext, args: ListFormsInput) -> FormList:
    client = context.client_as(TypeformIntegration)
    return await ops.list_forms(
        client, page=args.page, page_size=args.page_size, search=args.search
    )


async def _get_form(context: ActionContext, args: FormInput) -> Form:
    return await ops.get_form(context.client_as(TypeformIntegration), args.form_id)


async def _list_responses(context: ActionContext, args: ListResponsesInput) -> ResponsesPage:
    filters = {"response_type": args.response_type} if args.response_type else {}
    return await ops.list_responses(
        context.client_as(TypeformIntegration),
        args.form_id,
        page_size=args.page_size,
        since=args.since.isoformat() if args.since else None,
        until=args.until.isoformat() if args.until else None,
        before=args.before,
        after=args.after,
        **filters,
    )


async def _setup(context: ActionContext, args: SetupWebhookInput) -> WebhookPublic:
    return _hook(await _manager(context).setup_onboarding_form_webhook(args.form_id, url=args.url))


async def _update_url(context: ActionContext, args: UpdateWebhookUrlInput) -> WebhookPublic:
    return _hook(await _manager(context).update_webhook_url(args.form_id, args.url))


async def _enable(context: ActionContext, args: FormInput) -> WebhookPublic:
    return _hook(await _manager(context).enable_webhook(args.form_id))


async def _disable(context: ActionContext, args: FormInput) -> WebhookPublic:
    return _hook(await _manager(context).disable_webhook(args.form_id))


async def _delete(context: ActionContext, args: FormInput) -> Deleted:
    deleted = await _manager(context).delete_webhook_configuration(args.form_id)
    return Deleted(form_id=args.form_id, deleted=deleted)


async def _get_status(context: ActionContext, args: FormInput) -> WebhookStatusPublic:
    return _status(await _manager(context).get_comprehensive_webhook_status(args.form_id))


async def _bulk_status(
    context: ActionContext, args: BulkStatusInput
) -> dict[str, WebhookStatusPublic]:
    found = await _manager(context).bulk_webhook_status_check(args.form_ids)
    return {form_id: _status(status) for form_id, status in found.items()}


async def _repair(context: ActionContext, args: FormInput) -> SyncReportPublic:
    return _report(await _manager(context).synchronize_webhook_status(args.form_id))


async def _audit(context: ActionContext, args: AuditInput) -> list[AuditEntry]:
    query = select(WebhookOperationRow).where(WebhookOperationRow.integration == "typeform")
    if args.form_id is not None:
        query = query.where(WebhookOperationRow.resource_id == args.form_id)
    query = query.order_by(WebhookOperationRow.id.desc()).limit(args.limit)
    async with context.require_services().db.sessions() as session:
        rows = (await session.scalars(query)).all()
    return [
        AuditEntry(
            operation=r.operation,
            form_id=r.resource_id,
            url=r.url,
            webhook_id=r.webhook_id,
            success=r.success,
            error=r.error,
            created_at=r.created_at,
        )
        for r in rows
    ]


def _op(
    action: str,
    description: str,
    model: type[BaseModel],
    output: Any,
    run: Any,
    *,
    writes: bool = False,
    example: dict[str, Any] | None = None,
) -> OperationSpec:
    return OperationSpec(
        "typeform", action, description, model, output, writes, run, example=example or {}
    )


_ONE = {"form_id": _FORM}

TOOLS: list[OperationSpec] = [
    _op("list_forms", "List the account's forms (paged, searchable).", ListFormsInput,
        FormList, _list_forms, example={"page_size": 5}),
    _op("get_form", "A form's definition: title and fields with their refs.", FormInput,
        Form, _get_form, example=_ONE),
    _op("list_responses", "One page of a form's responses, newest first.", ListResponsesInput,
        ResponsesPage, _list_responses, example={**_ONE, "page_size": 5}),
    _op("setup_webhook", "Create or replace our webhook on a form, with a new secret.",
        SetupWebhookInput, WebhookPublic, _setup, writes=True, example=_ONE),
    _op("update_webhook_url", "Point a form's webhook at another URL (secret kept).",
        UpdateWebhookUrlInput, WebhookPublic, _update_url, writes=True,
        example={**_ONE, "url": "https://hooks.example.com/api/v1/webhooks/typeform"}),
    _op("enable_webhook", "Resume deliveries of a form's webhook.", FormInput,
        WebhookPublic, _enable, writes=True, example=_ONE),
    _op("disable_webhook", "Stop deliveries of a form's webhook, keeping its configuration.",
        FormInput, WebhookPublic, _disable, writes=True, example=_ONE),
    _op("delete_webhook", "Delete a form's webhook at Typeform and its subscription here.",
        FormInput, Deleted, _delete, writes=True, example=_ONE),
    _op("get_webhook_status", "Compare a form's webhook at Typeform with ours; list issues.",
        FormInput, WebhookStatusPublic, _get_status, example=_ONE),
    _op("bulk_webhook_status", "Webhook status of several forms, one after another.",
        BulkStatusInput, dict[str, WebhookStatusPublic], _bulk_status,
        example={"form_ids": [_FORM, "FdBk7Qm2"]}),
    _op("repair_webhook", "Repair drift between Typeform and our database (ours wins).",
        FormInput, SyncReportPublic, _repair, writes=True, example=_ONE),
    _op("list_webhook_operations", "The audit trail of webhook operations, newest first.",
        AuditInput, list[AuditEntry], _audit, example=_ONE),
    *SIMULATED_TOOLS,
]  # fmt: skip
