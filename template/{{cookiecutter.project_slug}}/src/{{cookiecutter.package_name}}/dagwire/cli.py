"""Moved in 0.2.0 to ``dagwire.runtime.cli``.

Kept so code written for 0.1.0 keeps importing.
"""

from .runtime.cli import (
    main,
)

__all__ = [
    "main",
]
