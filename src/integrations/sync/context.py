"""What a mapper sees: local-id lookups for references and a way to note problems."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
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
    ran before (dependency order) are found; results are cached for the batch, and the
    engine `preload`s a stream's declared `references` for the whole batch first.
    """

    session: AsyncSession
    integration: str
    stream: str
    record_id: str = ""
    notes: list[RecordNote] = field(default_factory=list)
    _cache: dict[tuple[str, str, str], int | None] = field(default_factory=dict)

    async def resolve(self, table: type, key_column: str, external_id: str | None) -> int | None:
        """The local `id` of the `table` row with `key_column == external_id` for this
        integration (the lowest, when the column is not unique: the first stored); None
        when there is no such row (or no id was given)."""
        if external_id is None or external_id == "":
            return None
        key = (_name(table), key_column, str(external_id))
        if key not in self._cache:
            await self.preload(table, key_column, [external_id])
        return self._cache[key]

    async def preload(
        self, table: type, key_column: str, external_ids: Iterable[str | None]
    ) -> None:
        """Resolve many ids with one query per `_CHUNK` (what `resolve` then answers)."""
        name = _name(table)
        given = {str(i) for i in external_ids if i}
        wanted = sorted(i for i in given if (name, key_column, i) not in self._cache)
        t: Any = table
        column = getattr(t, key_column)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            found = await self.session.execute(
                select(column, func.min(t.id))
                .where(t.integration == self.integration, column.in_(chunk))
                .group_by(column)
            )
            ids = {str(ext): int(pk) for ext, pk in found.all()}
            for external_id in chunk:
                self._cache[(name, key_column, external_id)] = ids.get(external_id)

    def problem(self, field: str, reason: str) -> None:
        """Note a non-fatal problem with `field` of the current record: it is stored anyway,
        and the note is logged and kept in the run's details."""
        self.notes.append(RecordNote(self.stream, self.record_id, field, reason))


_CHUNK = 500  # ids per IN (...): far under every backend's bound-parameter limit


def _name(table: type) -> str:
    return str(getattr(table, "__tablename__", table.__name__))
