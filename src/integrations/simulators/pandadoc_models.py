"""PandaDoc simulator data: statuses, the manual-status table, templates, documents,
behaviour switches and the error type every handler raises.

Plain dataclasses rather than Pydantic models because the simulator mutates them in place as
documents move through their lifecycle; the wire shapes are produced by `pandadoc_views`.
Status strings and numeric codes are the spec's `DocumentStatusEnum` /
`DocumentStatusRequestEnum` (BRIEF §1.6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MANUAL_TRANSITIONS",
    "PAYLOAD_OPTIONS",
    "STATUS_BY_CODE",
    "STATUS_CODES",
    "TRIGGERS",
    "Document",
    "PandaDocConfig",
    "PandaDocError",
    "Recipient",
    "Role",
    "Template",
    "TemplateField",
    "iso",
    "parse_iso",
]

STATUS_BY_CODE: dict[int, str] = {
    code: f"document.{name}"
    for code, name in enumerate(
        (
            "draft", "sent", "completed", "uploaded", "error", "viewed", "waiting_approval",
            "approved", "rejected", "waiting_pay", "paid", "voided", "declined",
            "external_review", "scheduled",
        )
    )
}  # fmt: skip
STATUS_CODES: dict[str, int] = {name: code for code, name in STATUS_BY_CODE.items()}

# PATCH /documents/{id}/status: current status -> codes it may be set to (spec table;
# 2 completed, 10 paid, 11 voided ("Expired"), 12 declined). Any other status: none.
MANUAL_TRANSITIONS: dict[str, frozenset[int]] = {
    "document.draft": frozenset({2, 10, 12}),
    "document.approved": frozenset(),
    "document.sent": frozenset({2, 11, 12}),
    "document.viewed": frozenset({2, 11, 12}),
    "document.completed": frozenset({12}),
    "document.waiting_pay": frozenset({10, 12}),
    "document.paid": frozenset(),
    "document.voided": frozenset({2, 10, 12}),
    "document.declined": frozenset({2, 10}),
}

TRIGGERS = frozenset(
    {
        "recipient_completed", "document_updated", "document_deleted", "document_state_changed",
        "document_creation_failed", "document_completed_pdf_ready", "document_section_added",
        "quote_updated", "template_created", "template_updated", "template_deleted",
        "content_library_item_created", "content_library_item_creation_failed",
    }
)  # fmt: skip
PAYLOAD_OPTIONS = frozenset({"metadata", "fields", "products", "tokens", "pricing"})


def iso(moment: float | None) -> str | None:
    """PandaDoc's timestamp format: UTC, microseconds, trailing Z."""
    if moment is None:
        return None
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 date-time (naive means UTC)."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


class PandaDocError(Exception):
    """A non-success answer: status, JSON body (None: empty body), headers."""

    def __init__(
        self, status: int, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body, self.headers = status, body, headers or {}


class PandaDocConfig(BaseModel):
    """Behaviour switches; the uncertain points of BRIEF §1 are all here."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    processing_delay: float = Field(default=3.0, ge=0)
    pdf_delay: float = Field(default=0.0, ge=0)
    sandbox: bool = False
    send_retry_after: bool = False
    send_wrong_state_status: int = Field(default=409, description="400 or 409")
    payment_app_connected: bool = True
    https_webhooks_only: bool = True
    webhook_retry_delays: list[float] = Field(default_factory=list)
    # Share of webhook events never sent (seeded): what reconciliation exists to heal.
    webhook_drop_rate: float = Field(default=0.0, ge=0, le=1)
    default_order_by: str = "date_status_changed"


@dataclass(slots=True)
class Role:
    id: str
    name: str
    signing_order: str | None = None


@dataclass(slots=True)
class TemplateField:
    """A template field; `type` is one of text, checkbox, signature."""

    name: str
    type: str
    role: str
    uuid: str
    value: Any = None


@dataclass(slots=True)
class Template:
    id: str
    name: str
    created: float
    roles: list[Role]
    tokens: list[dict[str, str]]
    fields: list[TemplateField]
    tags: list[str] = field(default_factory=list)
    folder_uuid: str = ""
    deleted: bool = False


@dataclass(slots=True)
class Recipient:
    """A document recipient; no role makes it a CC (BRIEF §1.4)."""

    id: str
    contact_id: str
    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    role: str | None
    signing_order: int | None
    delivery_methods: dict[str, bool]
    has_completed: bool = False
    signature_date: float | None = None
    shared_link: str = ""

    @property
    def recipient_type(self) -> str:
        return "signer" if self.role else "CC"


@dataclass(slots=True)
class Document:
    """One document and every timestamp the list filters and orderings need."""

    id: str
    name: str
    created: float
    due: float
    fails: bool
    template: Template | None
    recipients: list[Recipient]
    tokens: list[dict[str, str]]
    fields: list[TemplateField]
    metadata: dict[str, Any]
    tags: list[str]
    folder_uuid: str | None
    ref_number: str
    grand_total: str = "0.00"
    status: str = "document.uploaded"
    modified: float = 0.0
    status_changed: float = 0.0
    version: str | None = None
    date_sent: float | None = None
    date_completed: float | None = None
    date_declined: float | None = None
    pdf_ready_at: float | None = None
    pdf_announced: bool = True
    silent: bool = False
    deleted: bool = False
    lock: dict[str, Any] | None = None
    lock_until: float = 0.0
    sessions: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.modified = self.status_changed = self.created

    def recipient(self, email: str) -> Recipient | None:
        """The recipient with this email (case-insensitive)."""
        wanted = email.strip().lower()
        return next((r for r in self.recipients if (r.email or "").lower() == wanted), None)
