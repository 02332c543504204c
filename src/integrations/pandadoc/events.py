"""PandaDoc webhooks as data: subscriptions (`/webhook-subscriptions`) and event payloads.

A delivery's body is a JSON array of `{event, data}` notifications; for document events
`data` mirrors the document details at event time (BRIEF §1.9). Triggers and payload
options are the spec's enums.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from integrations.pandadoc.models import DocumentRecipient, DocumentStatus

__all__ = [
    "DOCUMENT_EVENTS",
    "DocumentEventData",
    "SharedKey",
    "SubscriptionCreate",
    "SubscriptionList",
    "SubscriptionUpdate",
    "Trigger",
    "WebhookNotification",
    "WebhookSubscription",
    "parse_notifications",
]


class Trigger(enum.StrEnum):
    """Webhook trigger events (spec `WebhookSubscriptionTriggerEnum`)."""

    DOCUMENT_STATE_CHANGED = "document_state_changed"
    RECIPIENT_COMPLETED = "recipient_completed"
    DOCUMENT_UPDATED = "document_updated"
    DOCUMENT_DELETED = "document_deleted"
    DOCUMENT_CREATION_FAILED = "document_creation_failed"
    DOCUMENT_COMPLETED_PDF_READY = "document_completed_pdf_ready"
    DOCUMENT_SECTION_ADDED = "document_section_added"
    QUOTE_UPDATED = "quote_updated"
    TEMPLATE_CREATED = "template_created"
    TEMPLATE_UPDATED = "template_updated"
    TEMPLATE_DELETED = "template_deleted"
    CONTENT_LIBRARY_ITEM_CREATED = "content_library_item_created"
    CONTENT_LIBRARY_ITEM_CREATION_FAILED = "content_library_item_creation_failed"


# Events whose `data` is a document: these keep the local `documents` table current.
DOCUMENT_EVENTS = frozenset(
    {
        Trigger.DOCUMENT_STATE_CHANGED,
        Trigger.RECIPIENT_COMPLETED,
        Trigger.DOCUMENT_UPDATED,
        Trigger.DOCUMENT_DELETED,
        Trigger.DOCUMENT_CREATION_FAILED,
        Trigger.DOCUMENT_COMPLETED_PDF_READY,
        Trigger.DOCUMENT_SECTION_ADDED,
        Trigger.QUOTE_UPDATED,
    }
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WebhookSubscription(_Model):
    """A subscription; `shared_key` signs its deliveries (`?signature=`)."""

    uuid: str
    name: str | None = None
    url: str
    active: bool = True
    status: str | None = None
    triggers: list[str] = Field(default_factory=list)
    payload: list[str] = Field(default_factory=list)
    workspace_id: str | None = None
    shared_key: str | None = None


class SubscriptionList(_Model):
    items: list[WebhookSubscription] = Field(default_factory=list)


class SharedKey(_Model):
    shared_key: str


class SubscriptionCreate(BaseModel):
    """`POST /webhook-subscriptions`: HTTPS URL, at least one trigger."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    url: str
    triggers: list[Trigger] = Field(min_length=1)
    payload: list[str] = Field(default_factory=list)  # metadata, fields, products, tokens, pricing
    active: bool = True


class SubscriptionUpdate(BaseModel):
    """`PATCH /webhook-subscriptions/{id}`: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    url: str | None = None
    triggers: list[Trigger] | None = None
    payload: list[str] | None = None
    active: bool | None = None


class DocumentEventData(_Model):
    """`data` of a document event: the details snapshot at event time."""

    id: str
    name: str | None = None
    status: str | None = None
    date_created: dt.datetime | None = None
    date_modified: dt.datetime | None = None
    date_completed: dt.datetime | None = None
    expiration_date: dt.datetime | None = None
    recipients: list[DocumentRecipient] = Field(default_factory=list)
    metadata: dict[str, Any] | None = None
    action_by: dict[str, Any] | None = None
    action_date: dt.datetime | None = None

    @property
    def known_status(self) -> DocumentStatus | None:
        try:
            return DocumentStatus(self.status) if self.status else None
        except ValueError:
            return None


class WebhookNotification(_Model):
    """One `{event, data}` item of a delivery."""

    event: str
    data: dict[str, Any] = Field(default_factory=dict)

    def document(self) -> DocumentEventData | None:
        """The document snapshot, for document events with an id."""
        if self.event not in DOCUMENT_EVENTS or not self.data.get("id"):
            return None
        return DocumentEventData.model_validate(self.data)


_NOTIFICATIONS = TypeAdapter(list[WebhookNotification])


def parse_notifications(payload: Any) -> list[WebhookNotification]:
    """The notifications of a delivery body (an array; a single object is accepted too)."""
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list):
        return []
    items = [item for item in payload if isinstance(item, dict) and "event" in item]
    return _NOTIFICATIONS.validate_python(items)
