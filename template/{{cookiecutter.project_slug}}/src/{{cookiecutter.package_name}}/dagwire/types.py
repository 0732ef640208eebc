"""Moved in 0.2.0 to ``dagwire.htypes``.

Kept so code written for 0.1.0 keeps importing.
"""

from .htypes import (
    is_compatible,
)

__all__ = [
    "is_compatible",
]
