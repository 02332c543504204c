"""What the client sends PandaDoc: create, send, session and status bodies, list filters.

Request models forbid unknown fields, so a misspelt option fails here instead of being
silently dropped by the vendor. `payload()` dumps a body the way the spec wants it: JSON
names, no nulls (most spec fields are not nullable), no fields left at their defaults.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from integrations.pandadoc.models import DocumentStatus

__all__ = [
    "CreateFromPdfUrl",
    "CreateFromTemplate",
    "DeliveryMethods",
    "DocumentFilter",
    "FieldValue",
    "Owner",
    "PricingTable",
    "Recipient",
    "RecipientRedirect",
    "SendOptions",
    "StatusChange",
    "Token",
    "UploadRequest",
]

OrderBy = Literal[
    "name",
    "date_created",
    "date_status_changed",
    "date_of_last_action",
    "date_modified",
    "date_sent",
    "date_completed",
    "date_expiration",
    "date_declined",
    "status",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def payload(self) -> dict[str, Any]:
        """The JSON body: set fields only, without nulls."""
        return self.model_dump(mode="json", exclude_none=True, exclude_unset=True)


class DeliveryMethods(_Body):
    email: bool | None = None
    sms: bool | None = None


class RecipientRedirect(_Body):
    is_enabled: bool
    url: str


class Recipient(_Body):
    """A recipient; email or phone is required, no `role` makes it a CC (BRIEF §1.4).

    `type` is always sent: the spec's recipient schema discriminates on it (recipient vs.
    recipient group), so a validator rejects a recipient without it.
    """

    type: Literal["recipient"] = "recipient"
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    role: str | None = None
    signing_order: int | None = Field(default=None, ge=1)
    delivery_methods: DeliveryMethods | None = None
    redirect: RecipientRedirect | None = None

    @model_validator(mode="after")
    def _reachable(self) -> Recipient:
        if not self.email and not self.phone:
            raise ValueError("a recipient needs an email or a phone")
        self.__pydantic_fields_set__.add("type")  # dumped even when left at its default
        return self


class Token(_Body):
    """A variable (`[Client.Company]`) and its value."""

    name: str
    value: str


class FieldValue(_Body):
    """A merge-field value; signature fields cannot be prefilled."""

    value: bool | int | float | str
    role: str | None = None


class Owner(_Body):
    email: str | None = None
    membership_id: str | None = None


class PricingTable(_Body):
    """A pricing table to fill (`sections[].rows[]` are passed through as given)."""

    name: str
    data_merge: bool | None = None
    options: dict[str, Any] | None = None
    sections: list[dict[str, Any]] = Field(default_factory=list)


class _Common(_Body):
    name: str | None = None
    recipients: list[Recipient] = Field(default_factory=list)
    tokens: list[Token] | None = None
    fields: dict[str, FieldValue] | None = None
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    folder_uuid: str | None = None
    owner: Owner | None = None

    def payload(self) -> dict[str, Any]:
        body = super().payload()
        body.setdefault("recipients", [])  # required for templates, harmless for PDFs
        return body


class CreateFromTemplate(_Common):
    """`POST /documents` from a template (`template_uuid` and `recipients` required)."""

    template_uuid: str = Field(min_length=1)
    pricing_tables: list[PricingTable] | None = None
    detect_title_variables: bool | None = None


class UploadRequest(_Common):
    """The `data` part of a PDF upload (the file travels as its own part)."""

    name: str = Field(min_length=1)
    parse_form_fields: bool | None = None


class CreateFromPdfUrl(UploadRequest):
    """`POST /documents` from a public HTTPS PDF URL."""

    url: str

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.lower().startswith("https://"):
            raise ValueError("PandaDoc fetches PDFs from public HTTPS URLs only")
        return value


class SendOptions(_Body):
    """`POST /documents/{id}/send`; `silent` sends no emails (status changes only)."""

    subject: str | None = None
    message: str | None = None
    silent: bool | None = None
    sender: Owner | None = None
    reply_to: str | None = None


class StatusChange(_Body):
    """`PATCH /documents/{id}/status`: completed (2), paid (10), voided (11), declined (12)."""

    status: Literal[2, 10, 11, 12]
    note: str | None = None
    notify_recipients: bool | None = None


_TEXT_FILTERS = (
    "q",
    "tag",
    "template_id",
    "form_id",
    "folder_uuid",
    "contact_id",
    "membership_id",
    "id",
)


def _stamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with a `Z` (no `+` to escape in a query)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class DocumentFilter(BaseModel):
    """Every filter of `GET /documents` (BRIEF §1.3); `_from` bounds are inclusive, `_to`
    bounds exclusive; `metadata` values match exactly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: DocumentStatus | None = None
    status_ne: DocumentStatus | None = None
    q: str | None = None
    tag: str | None = None
    template_id: str | None = None
    form_id: str | None = None
    folder_uuid: str | None = None
    contact_id: str | None = None
    membership_id: str | None = None
    id: str | None = None
    order_by: OrderBy | None = None
    descending: bool = False
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    modified_from: dt.datetime | None = None
    modified_to: dt.datetime | None = None
    completed_from: dt.datetime | None = None
    completed_to: dt.datetime | None = None
    deleted: bool | None = None
    metadata: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _exclusive(self) -> DocumentFilter:
        if self.template_id and self.form_id:
            raise ValueError("template_id and form_id cannot be combined")
        return self

    def params(self) -> dict[str, str | list[str]]:
        """The query parameters; metadata as repeated `metadata=metadata_<key>=<value>`
        (the spec's form)."""
        out: dict[str, str | list[str]] = {}
        if self.status is not None:
            out["status"] = str(self.status.code)
        if self.status_ne is not None:
            out["status__ne"] = str(self.status_ne.code)
        for name in _TEXT_FILTERS:
            if value := getattr(self, name):
                out[name] = value
        if self.order_by is not None:
            out["order_by"] = f"-{self.order_by}" if self.descending else self.order_by
        for kind in ("created", "modified", "completed"):
            for end in ("from", "to"):
                moment = getattr(self, f"{kind}_{end}")
                if moment is not None:
                    out[f"{kind}_{end}"] = _stamp(moment)
        if self.deleted is not None:
            out["deleted"] = "true" if self.deleted else "false"
        if self.metadata:
            out["metadata"] = [f"metadata_{k}={v}" for k, v in sorted(self.metadata.items())]
        return out
