"""PracticePanther JSON records (swagger field sets, BRIEF §3.2) built on demand.

`Records` turns (kind, index) into the vendor's JSON using `practicepanther_data`'s layout
and the modifications made so far (`changes`: index -> (updated_at, revision)). Contacts
have no timestamps in the vendor model, so none are emitted; their effective time for
`updated_since` and ordering is their account's updated_at (`effective_time`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.simulators.practicepanther_data import (
    Volumes,
    generator,
    iso,
    make_id,
    person,
    record_hash,
)

__all__ = ["EXCHANGE_VALUE_FIELD", "Records"]

EXCHANGE_VALUE_FIELD = "Exchange Value"
USERS = (("Alex", "Morgan"), ("Jordan", "Lee"), ("Sam", "Rivera"))
ACCOUNT_TAGS = ("1031", "VIP", "Referral", "Investor", "Broker")
MATTER_TAGS = ("forward", "reverse", "improvement", "delayed")
TASK_TAGS = ("deadline", "docs", "call", "review")
MATTER_STATUSES = ("Open", "Open", "Open", "Pending", "Pending", "Closed", "Archived")
TASK_STATUSES = ("NotCompleted", "NotCompleted", "InProgress", "Completed", "Conditional")
STREETS = ("Oak St", "Maple Ave", "Harbor Blvd", "Cedar Ln", "Sunset Dr", "Pine Rd")
CITIES = (("Austin", "TX"), ("Denver", "CO"), ("Seattle", "WA"), ("Miami", "FL"))
_EMBEDDED_CONTACTS = 100  # other_contacts kept short on an account with a huge block


@dataclass(slots=True)
class Records:
    """Builds records of one simulator state (seed, volumes, modifications, time format)."""

    seed: int
    volumes: Volumes
    changes: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)
    naive_times: bool = False

    def id(self, kind: str, index: int) -> str:
        return make_id(self.seed, kind, index)

    def revision(self, kind: str, index: int) -> int:
        return self.changes.get(kind, {}).get(index, (0, 0))[1]

    def time(self, kind: str, index: int) -> int:
        """updated_at (epoch s) of an account, matter or task: the last change or the base."""
        change = self.changes.get(kind, {}).get(index)
        return change[0] if change else self.volumes.updated(self.seed, kind, index)

    def effective_time(self, kind: str, index: int) -> int:
        """The time `updated_since` and the default order use (a contact: its account's)."""
        if kind == "contacts":
            return self.time("accounts", self.volumes.account_of_contact(index))
        return self.time(kind, index)

    def _iso(self, epoch: int) -> str:
        return iso(epoch, naive=self.naive_times)

    def user(self, index: int) -> dict[str, Any]:
        first, last = USERS[index % len(USERS)]
        return {
            "id": self.id("users", index),
            "is_active": True,
            "display_name": f"{first} {last}",
            "first_name": first,
            "last_name": last,
            "middle_name": "",
            "email": f"{first.lower()}.{last.lower()}@example-law.com",
            "created_at": self._iso(self.volumes.created("accounts", 0)),
            "updated_at": self._iso(self.volumes.created("accounts", 0)),
        }

    def user_ref(self, index: int) -> dict[str, Any]:
        user = self.user(index)
        return {
            "id": user["id"],
            "display_name": user["display_name"],
            "email_address": user["email"],
        }

    def account_name(self, index: int) -> str:
        company = self._company(index)
        block = self.volumes.contacts_of_account(index)
        if company:
            return company
        if len(block):
            names = person(self.seed, block.start)
            return f"{names['first_name']} {names['last_name']}"
        return f"Account {index + 1}"

    def _company(self, index: int) -> str:
        gen = generator(self.seed, "accounts", index, 0)
        return gen.company() if gen.integer(0, 2) == 0 else ""

    def account_ref(self, index: int) -> dict[str, Any]:
        return {"id": self.id("accounts", index), "display_name": self.account_name(index)}

    def account(self, index: int) -> dict[str, Any]:
        revision = self.revision("accounts", index)
        gen = generator(self.seed, "accounts", index, 0)
        city, state = CITIES[gen.integer(0, len(CITIES) - 1)]
        block = self.volumes.contacts_of_account(index)
        notes = gen.sentence(6) + (f" [revision {revision}]" if revision else "")
        return {
            "id": self.id("accounts", index),
            "display_name": self.account_name(index),
            "number": index + 1,
            "company_name": self._company(index),
            "address_street_1": f"{gen.integer(1, 9999)} {gen.choice(STREETS)}",
            "address_street_2": gen.choice(("", "", f"Suite {gen.integer(100, 999)}")),
            "address_city": city,
            "address_state": state,
            "address_country": "United States",
            "address_zip_code": f"{gen.integer(10000, 99999)}",
            "tags": [gen.choice(ACCOUNT_TAGS)],
            "company_custom_field_values": [],
            "assigned_to_users": [self.user_ref(index % len(USERS))],
            "created_at": self._iso(self.volumes.created("accounts", index)),
            "updated_at": self._iso(self.time("accounts", index)),
            "notes": notes,
            "primary_contact": self.contact(block.start) if len(block) else None,
            "other_contacts": [self.contact(i) for i in block[1 : 1 + _EMBEDDED_CONTACTS]],
        }

    def contact(self, index: int) -> dict[str, Any]:
        account = self.volumes.account_of_contact(index)
        revision = self.revision("contacts", index)
        names = person(self.seed, index)
        gen = generator(self.seed, "contacts", index, 0)
        display = f"{names['first_name']} {names['last_name']}"
        note = gen.sentence(5) + (f" [revision {revision}]" if revision else "")
        return {
            "id": self.id("contacts", index),
            "account_ref": self.account_ref(account),
            "is_primary_contact": index == self.volumes.contacts_of_account(account).start,
            "display_name": display,
            **names,
            "phone_mobile": gen.phone(),
            "phone_home": gen.choice(("", gen.phone())),
            "phone_fax": "",
            "phone_work": gen.phone(),
            "email": gen.email(display, "example.com") if gen.integer(0, 9) else "",
            "notes": note,
            "custom_field_values": [],
            "status": "Archived" if gen.integer(0, 9) == 0 else "Active",
        }

    def contact_ref(self, index: int) -> dict[str, Any]:
        names = person(self.seed, index)
        return {
            "id": self.id("contacts", index),
            "display_name": f"{names['first_name']} {names['last_name']}",
            "account_ref": self.account_ref(self.volumes.account_of_contact(index)),
        }

    def matter_name(self, index: int) -> str:
        gen = generator(self.seed, "matters", index, 0)
        return f"{gen.last_name()} 1031 Exchange - {gen.integer(1, 9999)} {gen.choice(STREETS)}"

    def matter(self, index: int) -> dict[str, Any]:
        revision = self.revision("matters", index)
        gen = generator(self.seed, "matters", index, 0)
        changed = generator(self.seed, "matters", index, revision)
        status = changed.choice(MATTER_STATUSES)
        opened = self.volumes.created("matters", index)
        value = record_hash(self.seed, "matters", index, "value") % 5_000_000_00 / 100 + 100_000
        return {
            "id": self.id("matters", index),
            "account_ref": self.account_ref(self.volumes.account_of_matter(index)),
            "number": index + 1,
            "display_name": f"{index + 1:05d} - {self.matter_name(index)}",
            "name": self.matter_name(index),
            "notes": gen.sentence(8) + (f" [revision {revision}]" if revision else ""),
            "rate": gen.choice(("Hourly", "Flat Fee", "Contingency")),
            "open_date": self._iso(opened),
            "close_date": self._iso(opened + 180 * 86400) if status == "Closed" else None,
            "statute_of_limitation_date": None,
            "tags": [gen.choice(MATTER_TAGS)],
            "status": status,
            "assigned_to_users": [self.user_ref(index % len(USERS))],
            "custom_field_values": [
                {
                    "custom_field_ref": {
                        "id": self.id("fields", 0),
                        "label": EXCHANGE_VALUE_FIELD,
                        "value_type": "Currency",
                    },
                    "value_number": value,
                }
            ],
            "created_at": self._iso(opened),
            "updated_at": self._iso(self.time("matters", index)),
        }

    def matter_ref(self, index: int) -> dict[str, Any]:
        return {"id": self.id("matters", index), "display_name": self.matter_name(index)}

    def task(self, index: int) -> dict[str, Any]:
        revision = self.revision("tasks", index)
        gen = generator(self.seed, "tasks", index, 0)
        changed = generator(self.seed, "tasks", index, revision)
        matter = self.volumes.matter_of_task(index)
        account = self.volumes.account_of_task(index)
        block = self.volumes.contacts_of_account(account)
        created = self.volumes.created("tasks", index)
        return {
            "id": self.id("tasks", index),
            "account_ref": self.account_ref(account),
            "matter_ref": self.matter_ref(matter) if matter is not None else None,
            "subject": gen.choice(
                (
                    "Identify replacement property",
                    "Collect closing docs",
                    "Call qualified intermediary",
                    "Review purchase agreement",
                    "File 8824 form",
                    "Confirm 45-day list",
                )
            ),
            "notes": gen.sentence(6) + (f" [revision {revision}]" if revision else ""),
            "priority": changed.choice(("Low", "Medium", "High")),
            "status": changed.choice(TASK_STATUSES),
            "due_date": self._iso(created + gen.integer(1, 90) * 86400),
            "assigned_to_users": [self.user_ref(index % len(USERS))],
            "assigned_to_contacts": [self.contact_ref(block.start)] if len(block) else [],
            "tags": [gen.choice(TASK_TAGS)],
            "created_at": self._iso(created),
            "updated_at": self._iso(self.time("tasks", index)),
        }

    def build(self, kind: str, index: int) -> dict[str, Any]:
        """The JSON record `index` of `kind` (accounts, contacts, matters, tasks, users)."""
        builder = {"accounts": self.account, "contacts": self.contact, "matters": self.matter,
                   "tasks": self.task, "users": self.user}[kind]  # fmt: skip
        return builder(index)
