"""Small rules for how messages word things, each written once so that they cannot drift apart:
durations, values shown in a message, and the "did you mean" hint of a mistyped name.

Nothing here is imported by ``import dagwire``; each caller loads it when it has something to say.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def format_duration(seconds: float) -> str:
    """``4 µs``, ``1.2 ms``, ``3.46 s``: three significant digits in the unit that fits."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def format_size(size: int | None) -> str:
    """``512 B``, ``1.2 MB``: bytes in the decimal unit that fits, as file browsers show them."""
    if size is None:
        return "? B"
    units = ("B", "kB", "MB", "GB", "TB")
    value, i = float(size), 0
    while value >= 1000 and i < len(units) - 1:
        value, i = value / 1000, i + 1
    return f"{size} B" if i == 0 else f"{value:.1f} {units[i]}"


def short_repr(value: Any, width: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``width`` characters (values can be huge)."""
    text = repr(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 3] + "..."


def did_you_mean(name: str, known: Iterable[str], *, cutoff: float = 0.6) -> str:
    """`` Did you mean 'a', 'b'?`` for up to three known names close to ``name``; else ``""``."""
    import difflib

    close = difflib.get_close_matches(str(name), list(known), n=3, cutoff=cutoff)
    return f" Did you mean {', '.join(map(repr, close))}?" if close else ""
