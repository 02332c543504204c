"""Typeform payloads (pydantic at the boundary; unknown fields ignored)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "FORM_ID_PATTERN",
    "Answer",
    "EventTypes",
    "Form",
    "FormField",
    "FormList",
    "FormResponse",
    "FormResponseEvent",
    "ResponsesPage",
    "Webhook",
    "WebhookList",
    "WebhookUpdate",
]


# Typeform form ids are short alphanumeric strings (the part of the form's URL after /to/).
FORM_ID_PATTERN = r"^[A-Za-z0-9]{1,64}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FormField(_Model):
    id: str
    ref: str | None = None
    title: str | None = None
    type: str | None = None


class Form(_Model):
    """A form definition (`GET /forms/{id}`)."""

    id: str
    title: str
    type: str | None = None
    fields: list[FormField] = Field(default_factory=list)


class FormListItem(_Model):
    id: str
    title: str
    created_at: dt.datetime | None = None
    last_updated_at: dt.datetime | None = None


class FormList(_Model):
    total_items: int
    page_count: int
    items: list[FormListItem]


class EventTypes(_Model):
    form_response: bool = True
    form_response_partial: bool = False


class Webhook(_Model):
    """A webhook on a form, identified by its tag."""

    id: str
    form_id: str
    tag: str
    url: str
    enabled: bool
    verify_ssl: bool = True
    secret: str | None = Field(default=None, repr=False)  # Typeform echoes it on reads
    event_types: EventTypes | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class WebhookList(_Model):
    items: list[Webhook]


class WebhookUpdate(BaseModel):
    """What `PUT /forms/{id}/webhooks/{tag}` sends (a full replacement)."""

    model_config = ConfigDict(extra="forbid")

    url: str
    enabled: bool
    secret: str | None = Field(default=None, repr=False)
    verify_ssl: bool = True
    event_types: EventTypes = Field(default_factory=EventTypes)


class Answer(_Model):
    """One answer; the value sits under a key named like its type."""

    type: str
    field: FormField
    model_config = ConfigDict(extra="allow")

    @property
    def value(self) -> Any:
        extra = self.model_extra or {}
        return extra.get(self.type, next(iter(extra.values()), None))


class FormResponse(_Model):
    """One response (Responses API item or the webhook's `form_response`)."""

    token: str
    form_id: str | None = None
    response_id: str | None = None
    landed_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    hidden: dict[str, Any] = Field(default_factory=dict)
    answers: list[Answer] = Field(default_factory=list)

    def answers_by_ref(self) -> dict[str, Any]:
        """Answer values keyed by field ref (the id when a field has no ref)."""
        return {(a.field.ref or a.field.id): a.value for a in self.answers}


class ResponsesPage(_Model):
    total_items: int
    page_count: int
    items: list[FormResponse]


class FormResponseEvent(_Model):
    """A `form_response` / `form_response_partial` webhook delivery."""

    event_id: str
    event_type: str
    form_response: FormResponse
