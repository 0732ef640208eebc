"""Moved in 0.2.0 to ``dagwire.runtime.lock``.

Kept so code written for 0.1.0 keeps importing.
"""

from .runtime.lock import (
    FORMAT,
    LOCK_FILENAME,
    LockedGraph,
    LockError,
    check_lock,
    lock_data,
    lock_path,
    locked_plan,
    read_lock,
    write_lock,
)

__all__ = [
    "FORMAT",
    "LOCK_FILENAME",
    "LockError",
    "LockedGraph",
    "check_lock",
    "lock_data",
    "lock_path",
    "locked_plan",
    "read_lock",
    "write_lock",
]
