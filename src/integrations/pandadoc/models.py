"""PandaDoc response payloads (pydantic at the boundary; unknown fields ignored).

Request bodies live in `bodies.py`, webhook subscriptions and event payloads in `events.py`;
this module holds the document status enum and what the document and template endpoints
answer. Shapes follow the saved OpenAPI spec (BRIEF §1.5).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ACTIVE_STATUSES",
    "TERMINAL_STATUSES",
    "CreatedDocument",
    "DocumentDetails",
    "DocumentList",
    "DocumentListItem",
    "DocumentRecipient",
    "DocumentStatus",
    "DocumentSummary",
    "GrandTotal",
    "Link",
    "SentDocument",
    "SessionResponse",
    "SigningLink",
    "TemplateDetails",
    "TemplateList",
    "TemplateListItem",
    "TemplateRole",
    "UserRef",
]


class DocumentStatus(enum.StrEnum):
    """`document.<name>` with the numeric code the list filter and PATCH status use (§1.6)."""

    DRAFT = "document.draft"
    SENT = "document.sent"
    COMPLETED = "document.completed"
    UPLOADED = "document.uploaded"
    ERROR = "document.error"
    VIEWED = "document.viewed"
    WAITING_APPROVAL = "document.waiting_approval"
    APPROVED = "document.approved"
    REJECTED = "document.rejected"
    WAITING_PAY = "document.waiting_pay"
    PAID = "document.paid"
    VOIDED = "document.voided"
    DECLINED = "document.declined"
    EXTERNAL_REVIEW = "document.external_review"
    SCHEDULED = "document.scheduled"

    @property
    def code(self) -> int:
        """The numeric code (0 draft ... 14 scheduled)."""
        return list(DocumentStatus).index(self)

    @classmethod
    def from_code(cls, code: int) -> DocumentStatus:
        """The status with numeric `code`; ValueError for codes outside 0-14."""
        if not 0 <= code < len(cls):
            raise ValueError(f"no PandaDoc document status has code {code}")
        return list(cls)[code]

    @property
    def terminal(self) -> bool:
        """No further change happens without someone acting (or it failed for good)."""
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset(
    {
        DocumentStatus.COMPLETED,
        DocumentStatus.ERROR,
        DocumentStatus.PAID,
        DocumentStatus.VOIDED,
        DocumentStatus.DECLINED,
        DocumentStatus.REJECTED,
    }
)
# Sent and waiting for people: an embedded signing session can be created.
ACTIVE_STATUSES = frozenset({DocumentStatus.SENT, DocumentStatus.VIEWED})


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Link(_Model):
    rel: str | None = None
    href: str | None = None
    type: str | None = None


class DocumentSummary(_Model):
    """`GET /documents/{id}`: the status of one document."""

    id: str
    name: str | None = None
    status: str
    date_created: dt.datetime | None = None
    date_modified: dt.datetime | None = None
    date_completed: dt.datetime | None = None
    expiration_date: dt.datetime | None = None
    version: str | None = None

    @property
    def known_status(self) -> DocumentStatus | None:
        """The status as the enum, None for a value this version does not know."""
        try:
            return DocumentStatus(self.status)
        except ValueError:
            return None


class DocumentListItem(DocumentSummary):
    """One `results[]` entry of `GET /documents`."""


class DocumentList(_Model):
    results: list[DocumentListItem] = Field(default_factory=list)


class CreatedDocument(DocumentSummary):
    """201 of a create: always `document.uploaded`; poll until `document.draft`."""

    uuid: str | None = None
    links: list[Link] = Field(default_factory=list)
    info_message: str | None = None


class UserRef(_Model):
    id: str | None = None
    membership_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class DocumentRecipient(_Model):
    """A recipient in details, send answers and webhook payloads."""

    id: str | None = None
    type: str | None = "recipient"
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    recipient_type: str | None = None
    role: str | None = None
    signing_order: int | None = None
    has_completed: bool = False
    signature_date: dt.datetime | None = None
    shared_link: str | None = None
    contact_id: str | None = None


class GrandTotal(_Model):
    amount: str | None = None
    currency: str | None = None


class DocumentDetails(DocumentSummary):
    """`GET /documents/{id}/details`: status fields plus recipients, tokens, fields, pricing."""

    folder_uuid: str | None = None
    date_sent: dt.datetime | None = None
    ref_number: str | None = None
    created_by: UserRef | None = None
    sent_by: UserRef | None = None
    template: dict[str, Any] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tokens: list[dict[str, Any]] = Field(default_factory=list)
    fields: list[dict[str, Any]] = Field(default_factory=list)
    pricing: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    recipients: list[DocumentRecipient] = Field(default_factory=list)
    grand_total: GrandTotal | None = None
    lock: dict[str, Any] | None = None


class SentDocument(DocumentSummary):
    """200 of `POST /documents/{id}/send`: `document.sent` and the recipients' links."""

    recipients: list[DocumentRecipient] = Field(default_factory=list)


class SessionResponse(_Model):
    """201 of `POST /documents/{id}/session`."""

    id: str
    expires_at: dt.datetime | None = None


class SigningLink(_Model):
    """An embedded-signing link for one recipient (built from the session id)."""

    document_id: str
    recipient: str
    session_id: str
    url: str
    expires_at: dt.datetime | None = None


class TemplateListItem(_Model):
    id: str
    name: str | None = None
    date_created: dt.datetime | None = None
    date_modified: dt.datetime | None = None
    content_date_modified: dt.datetime | None = None
    version: str | None = None


class TemplateList(_Model):
    results: list[TemplateListItem] = Field(default_factory=list)


class TemplateRole(_Model):
    """A role recipients are created for (`recipients[].role` must name one)."""

    id: str | None = None
    name: str
    signing_order: str | None = None
    preassigned_person: dict[str, Any] | None = None


class TemplateDetails(TemplateListItem):
    """`GET /templates/{id}/details`: roles, tokens (variables), fields, pricing."""

    folder_uuid: str | None = None
    created_by: UserRef | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tokens: list[dict[str, Any]] = Field(default_factory=list)
    fields: list[dict[str, Any]] = Field(default_factory=list)
    pricing: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    roles: list[TemplateRole] = Field(default_factory=list)
    content_placeholders: list[dict[str, Any]] = Field(default_factory=list)
