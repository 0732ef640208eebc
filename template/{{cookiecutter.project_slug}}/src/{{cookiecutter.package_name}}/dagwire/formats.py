"""Moved in 0.2.0 to ``dagwire.io.formats``.

Kept so code written for 0.1.0 keeps importing.
"""

from .io.formats import (
    FORMATS,
    DataFormat,
    format_for,
    format_names,
    read,
    register_format,
    write,
)

__all__ = [
    "FORMATS",
    "DataFormat",
    "format_for",
    "format_names",
    "read",
    "register_format",
    "write",
]
