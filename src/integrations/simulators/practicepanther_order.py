"""The default order of a PracticePanther list, computed without holding the records.

Order: effective updated_at, then a stable tie-break. Unmodified records have base times
that grow with the index and every modification is later than every base time, so the list
is "unmodified records in index order" followed by "modified records sorted by (time, id)"
(contacts: by their account's time, then index). Position -> index is a binary search over
the excluded (modified) index ranges; memory grows with the number of modified records only.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator

from integrations.simulators.practicepanther_records import Records

__all__ = ["UpdatedOrder"]


class UpdatedOrder:
    """Records of `kind` with effective time >= `since`, ascending by (time, tie-break)."""

    def __init__(self, records: Records, kind: str, since: int | None) -> None:
        self._records = records
        volumes = records.volumes
        self.count_all = volumes.count(kind)
        ranges: list[tuple[int, int]] = []
        modified: list[tuple[int, str, int]] = []
        if kind == "contacts":
            for account, (moment, _) in records.changes.get("accounts", {}).items():
                block = volumes.contacts_of_account(account)
                if len(block):
                    ranges.append((block.start, block.stop))
                    modified.extend((moment, f"{account:012d}", i) for i in block)
        else:
            for index, (moment, _) in records.changes.get(kind, {}).items():
                ranges.append((index, index + 1))
                modified.append((moment, records.id(kind, index), index))
        ranges.sort()
        self._starts = [start for start, _ in ranges]
        self._ends = [end for _, end in ranges]
        self._cum = [0]
        for start, end in ranges:
            self._cum.append(self._cum[-1] + end - start)
        modified.sort()
        if since is not None:
            modified = modified[bisect.bisect_left(modified, (since, "", -1)) :]
        self._modified = [index for _, _, index in modified]
        self._first = 0
        if since is not None:
            base = self._base_time(kind)
            self._first = bisect.bisect_left(range(self.count_all), since, key=base)
        self._kept_first = self._kept_before(self._first)
        self.base_count = self._kept_before(self.count_all) - self._kept_first
        self.total = self.base_count + len(self._modified)

    def _base_time(self, kind: str) -> Callable[[int], int]:
        seed, volumes = self._records.seed, self._records.volumes
        if kind == "contacts":
            return lambda i: volumes.updated(seed, "accounts", volumes.account_of_contact(i))
        return lambda i: volumes.updated(seed, kind, i)

    def _excluded_before(self, x: int) -> int:
        j = bisect.bisect_left(self._starts, x)
        if j == 0:
            return 0
        return self._cum[j] - max(0, self._ends[j - 1] - x)

    def _kept_before(self, x: int) -> int:
        return x - self._excluded_before(x)

    def _next_kept(self, x: int) -> int:
        """`x` itself if kept, else the first kept index after it."""
        while True:
            j = bisect.bisect_right(self._starts, x) - 1
            if j >= 0 and x < self._ends[j]:
                x = self._ends[j]
            else:
                return x

    def index_at(self, position: int) -> int:
        """The record index at `position` (0-based, ascending order)."""
        if position >= self.base_count:
            return self._modified[position - self.base_count]
        target = self._kept_first + position + 1
        return bisect.bisect_left(
            range(self.count_all), target, key=lambda x: self._kept_before(x + 1)
        )

    def indices(self, start: int, stop: int, *, descending: bool = False) -> Iterator[int]:
        """Record indices at positions [start, stop) of the ascending or descending order."""
        stop = min(stop, self.total)
        if start >= stop:
            return
        if descending:
            for position in range(start, stop):
                yield self.index_at(self.total - 1 - position)
            return
        position = start
        if position < self.base_count:
            x = self.index_at(position)
            while position < min(stop, self.base_count):
                yield x
                position += 1
                x = self._next_kept(x + 1)
        for modified in range(max(position, self.base_count), stop):
            yield self._modified[modified - self.base_count]
