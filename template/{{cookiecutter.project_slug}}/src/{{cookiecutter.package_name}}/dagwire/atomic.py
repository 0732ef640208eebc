"""Moved in 0.2.0 to ``dagwire.io.atomic``.

Kept so code written for 0.1.0 keeps importing.
"""

from .io.atomic import (
    atomic_write,
    local_path,
    require_fsspec,
)

__all__ = [
    "atomic_write",
    "local_path",
    "require_fsspec",
]
