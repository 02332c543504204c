"""PracticePanther records computed from (seed, kind, index): any volume, no stored dicts.

Record `i` of a kind is a pure function of the seed, its index, the volumes and its revision
(how often the control API modified it), so 1M records cost nothing until a page asks for
them. Ids are UUID-shaped and carry the kind and index in their last groups, so `GET /{id}`
finds a record without a lookup table; the first groups come from a hash, so ids look random.

References are consistent: contact `i` belongs to account `floor(i * A / C)` (each account
owns a contiguous block of contacts, the first one primary), matter `j` to account `j % A`,
task `k` to matter `k % M` and that matter's account (one task in 20 has no matter and
belongs to account `k % A`). Base timestamps grow with the index between 2021 and 2025, so
the default order (updated_at) of unmodified records is index order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from integrations.simulators.datagen import DataGenerator

__all__ = [
    "BASE_END",
    "KIND_CODES",
    "Volumes",
    "iso",
    "make_id",
    "parse_id",
    "record_hash",
]

KIND_CODES = {"users": 1, "accounts": 2, "contacts": 3, "matters": 4, "tasks": 5, "fields": 6}
_ANCHOR = int(dt.datetime(2021, 1, 1, tzinfo=dt.UTC).timestamp())
_SPAN = int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()) - _ANCHOR
BASE_END = _ANCHOR + _SPAN  # every base timestamp is earlier; modifications come later
_ID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4})-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-([0-9a-f]{12})$")


def record_hash(seed: int, kind: str, index: int, salt: str = "") -> int:
    """64 stable pseudo-random bits for one record (the same in every process)."""
    digest = hashlib.blake2b(f"{seed}:{kind}:{index}:{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def make_id(seed: int, kind: str, index: int) -> str:
    """The UUID-shaped id of record `index` of `kind`."""
    h = record_hash(seed, kind, index, "id")
    variant = 8 | (h >> 18) & 3
    return (
        f"{h >> 32:08x}-{KIND_CODES[kind]:04x}-4{(h >> 20) & 0xFFF:03x}-"
        f"{variant:x}{(h >> 6) & 0xFFF:03x}-{index:012x}"
    )


def parse_id(seed: int, kind: str, value: str) -> int | None:
    """The index `value` names if it is an id of `kind` under `seed`, else None."""
    match = _ID.match(value.lower())
    if match is None or int(match.group(1), 16) != KIND_CODES[kind]:
        return None
    index = int(match.group(2), 16)
    return index if make_id(seed, kind, index) == value.lower() else None


def iso(epoch: int, *, naive: bool = False) -> str:
    """Whole-second UTC time: `2024-03-01T10:00:00Z` (or without the `Z` when `naive`)."""
    text = dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return text if naive else text + "Z"


def parse_time(value: str) -> int | None:
    """Epoch seconds of an ISO-8601 time that carries an offset (`Z` or `±hh:mm`), else None."""
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        return None
    if moment.utcoffset() is None:
        return None
    return int(moment.timestamp() // 1) + (1 if moment.microsecond else 0)


@dataclass(frozen=True, slots=True)
class Volumes:
    """How many records of each kind exist; the layout of references follows from them."""

    accounts: int = 50
    contacts: int = 80
    matters: int = 60
    tasks: int = 150

    def count(self, kind: str) -> int:
        return int(getattr(self, kind))

    def created(self, kind: str, index: int) -> int:
        """Base created_at (epoch s), strictly increasing with the index up to ~126M records."""
        return _ANCHOR + index * _SPAN // max(1, self.count(kind))

    def updated(self, seed: int, kind: str, index: int) -> int:
        """Base updated_at: in [created(i), created(i + 1)), so still increasing with i."""
        start = self.created(kind, index)
        gap = max(1, self.created(kind, index + 1) - start)
        return start + record_hash(seed, kind, index, "upd") % gap

    def account_of_contact(self, index: int) -> int:
        return index * self.accounts // self.contacts

    def contacts_of_account(self, account: int) -> range:
        """The contiguous block of contacts of `account` (empty when contacts < accounts)."""
        c, a = self.contacts, self.accounts
        return range(-(-account * c // a), -(-(account + 1) * c // a))

    def account_of_matter(self, index: int) -> int:
        return index % self.accounts

    def matter_of_task(self, index: int) -> int | None:
        """The matter of task `index`, or None for one task in 20 (and when there are none)."""
        if self.matters == 0 or index % 20 == 19:
            return None
        return index % self.matters

    def account_of_task(self, index: int) -> int:
        matter = self.matter_of_task(index)
        return self.account_of_matter(matter) if matter is not None else index % self.accounts


def generator(seed: int, kind: str, index: int, revision: int = 0) -> DataGenerator:
    """The seeded value source of one record at one revision."""
    return DataGenerator(record_hash(seed, kind, index, f"rev{revision}"))


def person(seed: int, index: int) -> dict[str, Any]:
    """Contact `index`'s names (revision-independent: names never change here)."""
    gen = DataGenerator(record_hash(seed, "contacts", index, "name"))
    first, last = gen.first_name(), gen.last_name()
    middle = gen.choice(("", "", "", "A.", "J.", "M."))
    return {"first_name": first, "middle_name": middle, "last_name": last}
