"""PracticePanther payloads (swagger definitions, BRIEF §3.2), read leniently.

Only the fields this connector shows or maps are declared; anything else the API adds is
ignored (`extra="ignore"`), so a new vendor field never breaks a read. Lists are plain JSON
arrays (the swagger wrongly declares single objects, BRIEF §3.1).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AccountReference",
    "Contact",
    "Matter",
    "MatterReference",
    "Task",
    "User",
    "UserReference",
]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AccountReference(_Payload):
    id: str
    display_name: str | None = None


class MatterReference(_Payload):
    id: str
    display_name: str | None = None


class UserReference(_Payload):
    id: str
    display_name: str | None = None
    email_address: str | None = None


class User(_Payload):
    """`GET /api/v2/users/me`: who the token belongs to."""

    id: str
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    is_active: bool | None = None


class Contact(_Payload):
    """A contact (no timestamps in the vendor model; read-only through the API)."""

    id: str
    account_ref: AccountReference | None = None
    is_primary_contact: bool | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_mobile: str | None = None
    phone_work: str | None = None
    status: str | None = Field(default=None, description="Active or Archived")


class Matter(_Payload):
    """A matter (a 1031 exchange in the product)."""

    id: str
    account_ref: AccountReference | None = None
    number: int | None = None
    name: str | None = None
    status: str | None = Field(default=None, description="Pending, Open, Closed or Archived")
    open_date: str | None = None
    close_date: str | None = None
    notes: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class Task(_Payload):
    """A task, usually on a matter."""

    id: str
    account_ref: AccountReference | None = None
    matter_ref: MatterReference | None = None
    subject: str | None = None
    notes: str | None = None
    priority: str | None = Field(default=None, description="Low, Medium or High")
    status: str | None = Field(
        default=None, description="NotCompleted, InProgress, Completed or Conditional"
    )
    due_date: str | None = None
    assigned_to_users: list[UserReference] = Field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None
