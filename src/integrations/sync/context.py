"""What a mapper sees: local-id lookups for references and a way to note problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["MapContext", "RecordNote"]


@dataclass(frozen=True, slots=True)
class RecordNote:
    """A problem with one field of one record that did not stop it being stored."""

    stream: str
    record_id: str
    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {
            "stream": self.stream,
            "id": self.record_id,
            "field": self.field,
            "reason": self.reason,
        }


@dataclass(slots=True)
class MapContext:
    """Given to `Stream.map_record` for each record of a batch.

    `resolve` reads in the batch's transaction, so references to records of streams that
    ran before (dependency order) are found; results are cached for the batch.
    """

    session: AsyncSession
    integration: str
    stream: str
    record_id: str = ""
    notes: list[RecordNote] = field(default_factory=list)
    _cache: dict[tuple[str, str, str], int | None] = field(default_factory=dict)

    async def resolve(self, table: type, key_column: str, external_id: str | None) -> int | None:
        """The local `id` of the `table` row with `key_column == external_id` for this
        integration; None when there is no such row (or no id was given)."""
        if external_id is None or external_id == "":
            return None
        key = (getattr(table, "__tablename__", table.__name__), key_column, str(external_id))
        if key in self._cache:
            return self._cache[key]
        t: Any = table
        found = await self.session.scalar(
            select(t.id).where(
                t.integration == self.integration,
                getattr(t, key_column) == str(external_id),
            )
        )
        self._cache[key] = found
        return found

    def problem(self, field: str, reason: str) -> None:
        """Note a non-fatal problem with `field` of the current record: it is stored anyway,
        and the note is logged and kept in the run's details."""
        self.notes.append(RecordNote(self.stream, self.record_id, field, reason))
