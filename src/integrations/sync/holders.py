"""Who holds a sync lock, and whether that process is provably gone.

A lock owner reads `host|pid-namespace|pid|random`. Only a holder on this host, in this
PID namespace, can be checked: it is gone when no process has its PID any more (or only a
zombie waiting to be reaped). Any other holder is presumed alive; its lock then frees
itself when its expiry passes.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

__all__ = ["holder_is_dead", "process_identity"]


def process_identity() -> str:
    """`host|pid-namespace|pid` of this process (the namespace is `-` off Linux)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = "-"
    return f"{socket.gethostname()[:60]}|{namespace}|{os.getpid()}"


def holder_is_dead(owner: str) -> bool:
    """True only for an owner that is a process of this host and PID namespace which has
    exited; False when it is alive or cannot be checked from here."""
    parts = owner.split("|")
    if len(parts) != 4 or not parts[2].isdigit():
        return False
    host, namespace, _ = process_identity().split("|")
    if parts[0] != host or parts[1] != namespace:
        return False
    pid = int(parts[2])
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: alive
        return False
    return _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed process its parent has not reaped yet still has a PID, but runs nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] == "Z"
