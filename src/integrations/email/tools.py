"""The email connector's operations, declared once (REST actions, `integrations call`, MCP).

Sends are writes: MCP refuses them until allowed, and a dry run answers the rendered
messages (recipients masked) without connecting to the server. Statuses are stored in the
database when the operation runs through a factory with one, else in the client's memory.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.actions.declaration import ActionContext, OperationSpec
from integrations.email import operations
from integrations.email.client import EmailIntegration
from integrations.email.exceptions import TemplateRenderError
from integrations.email.models import (
    BulkEmailResult,
    DeliveryStatusView,
    EmailMessage,
    EmailSendResult,
)
from integrations.email.templates import render_template
from integrations.errors import NotFoundError
from integrations.storage.repositories.deliveries import DatabaseDeliveryLog, DeliveryLog

__all__ = ["TOOLS", "BulkEmailInput", "RenderTemplateInput", "TrackStatusInput"]


class BulkEmailInput(BaseModel):
    """Arguments of `send_bulk_email`."""

    model_config = ConfigDict(extra="forbid")

    messages: list[EmailMessage] = Field(min_length=1, max_length=10_000)
    concurrency: int = Field(default=5, ge=1, le=50, description="messages sent at once")


class TrackStatusInput(BaseModel):
    """Arguments of `track_delivery_status`."""

    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(pattern=r"^[A-Za-z0-9\-]{1,64}$", description="from a send result")


class RenderTemplateInput(BaseModel):
    """Arguments of `render_template`."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=300)
    body: str | None = Field(default=None, max_length=1_000_000)
    html: str | None = Field(default=None, max_length=1_000_000)
    variables: dict[str, Any] = Field(default_factory=dict)


class RenderedView(BaseModel):
    """A rendered template."""

    subject: str
    text: str
    html: str | None


def _client(context: ActionContext) -> EmailIntegration:
    return context.client_as(EmailIntegration)


def deliveries_of(context: ActionContext) -> DeliveryLog:
    """The database's delivery log through a factory, else the client's own."""
    if context.services is not None:
        return DatabaseDeliveryLog(context.services.db)
    return _client(context).deliveries


async def _send(context: ActionContext, arguments: EmailMessage) -> EmailSendResult:
    return await operations.send_email(
        _client(context), arguments, deliveries=deliveries_of(context)
    )


async def _send_bulk(context: ActionContext, arguments: BulkEmailInput) -> BulkEmailResult:
    return await operations.send_bulk_email(
        _client(context),
        arguments.messages,
        deliveries=deliveries_of(context),
        concurrency=arguments.concurrency,
    )


async def _track(context: ActionContext, arguments: TrackStatusInput) -> DeliveryStatusView:
    record = await operations.track_delivery_status(deliveries_of(context), arguments.message_id)
    if record is None or record.channel != "email":
        raise NotFoundError(f"no email message {arguments.message_id}", provider="email")
    return DeliveryStatusView.model_validate(record, from_attributes=True)


async def _render(context: ActionContext, arguments: RenderTemplateInput) -> RenderedView:
    if arguments.body is None and arguments.html is None:
        raise TemplateRenderError("give body or html")
    rendered = render_template(
        arguments.subject, arguments.body, arguments.html, arguments.variables
    )
    return RenderedView(subject=rendered.subject, text=rendered.text, html=rendered.html)


_EXAMPLE = {
    "to": "ada@example.org",
    "subject": "Welcome, {{ name }}",
    "body": "Hello {{ name }}, your order {{ order }} is on its way.",
    "variables": {"name": "Ada", "order": "A-1001"},
}

TOOLS: list[OperationSpec] = [
    OperationSpec(
        integration="email",
        action="send_email",
        description="Send one templated email (Jinja2; every variable must be given).",
        input_model=EmailMessage,
        output_model=EmailSendResult,
        writes=True,
        run=_send,
        example=_EXAMPLE,
    ),
    OperationSpec(
        integration="email",
        action="send_bulk_email",
        description="Send many templated emails; one result per recipient.",
        input_model=BulkEmailInput,
        output_model=BulkEmailResult,
        writes=True,
        run=_send_bulk,
        example={"messages": [_EXAMPLE], "concurrency": 5},
        results="results",
    ),
    OperationSpec(
        integration="email",
        action="track_delivery_status",
        description="The stored delivery status of one sent email.",
        input_model=TrackStatusInput,
        output_model=DeliveryStatusView,
        writes=False,
        run=_track,
        example={"message_id": "0b0c6f4e-2f6f-4c38-9e55-3f1c2f0d9a11"},
    ),
    OperationSpec(
        integration="email",
        action="render_template",
        description="Render a subject and body with variables, without sending.",
        input_model=RenderTemplateInput,
        output_model=RenderedView,
        writes=False,
        run=_render,
        example={
            "subject": "Hi {{ name }}",
            "body": "Dear {{ name }}",
            "variables": {"name": "Ada"},
        },
    ),
]
