"""How wide a label is drawn, estimated without a font: boxes must fit their text in any viewer.

The picture asks for a monospace font, whose advance is about 0.6 em per character in every common
face (DejaVu Sans Mono, Menlo, Consolas); ``CHAR_EM`` adds a little room for the face a viewer falls
back to. Wide East Asian characters take two cells and combining marks none, as in a terminal.
"""

from __future__ import annotations

import unicodedata

#: The advance assumed for one monospace cell, in em (real faces: 0.60-0.61).
CHAR_EM = 0.62


def columns(text: str) -> int:
    """Terminal cells ``text`` takes: two per wide character, none per combining mark."""
    cells = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


def text_width(text: str, font_size: float) -> float:
    """The width in pixels that ``text`` is given at ``font_size`` pixels."""
    return columns(text) * CHAR_EM * font_size
