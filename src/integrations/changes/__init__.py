"""Changes flow out: the change log, the changes feed, and (beside it) outbound events.

`record_change` appends a change in the writer's transaction; `on_change` listens for
committed changes; `read_changes` pages the feed by cursor.
"""

from integrations.changes.feed import ChangePage, read_changes
from integrations.changes.log import (
    CHANGE_KINDS,
    CHANGE_SOURCES,
    ChangeEvent,
    ChangeListener,
    hold_change_lock,
    on_change,
    record_change,
)

__all__ = [
    "CHANGE_KINDS",
    "CHANGE_SOURCES",
    "ChangeEvent",
    "ChangeListener",
    "ChangePage",
    "hold_change_lock",
    "on_change",
    "read_changes",
    "record_change",
]
