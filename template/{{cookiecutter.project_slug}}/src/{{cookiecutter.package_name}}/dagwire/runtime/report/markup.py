"""The HTML every report page is made of: escaping, a page with its inline style, tables.

Every text that comes from a run (node names, values, messages, paths) goes through ``esc``, so a
hostile name shows as text and never becomes markup. A page references nothing outside itself: no
CDN, no font, no script source, so it opens offline from wherever the artifact store is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ...messages import format_duration, format_size

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#202124;
background:#fafafa}
main{max-width:1500px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:6px 0;background:#fff}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f4;font-weight:600}
pre,code{font:12px/1.4 ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace}
pre{background:#fff;border:1px solid #ddd;padding:8px;overflow:auto;max-height:420px;
white-space:pre-wrap;word-break:break-word}
.status{display:inline-block;padding:0 6px;border-radius:3px;font-weight:600;font-size:12px}
.status.completed{background:#e6f4ea;color:#137333}.status.failed{background:#fce8e6;color:#c5221f}
.status.reused{background:#e8f0fe;color:#1967d2}.status.cached{background:#f3e8fd;color:#8430ce}
.status.skipped,.status.pending,.status.incomplete{background:#f1f3f4;color:#5f6368}
.status.running{background:#fef7e0;color:#b06000}
.failure{border-left:4px solid #d93025;padding:4px 12px;background:#fff;margin:12px 0}
.muted{color:#5f6368}.figure{overflow:auto;background:#fff;border:1px solid #ddd;padding:6px}
.card{background:#fff;border:1px solid #ddd;padding:8px 12px;margin:8px 0}
.metrics{display:flex;flex-wrap:wrap;gap:12px}.metrics .card{min-width:260px}
nav a{margin-right:14px}
"""


def esc(value: Any) -> str:
    """``value`` as HTML text: ``<``, ``&``, quotes escaped (also safe in attributes)."""
    return html.escape(str(value), quote=True)


def anchor(kind: str, name: str) -> str:
    """An element id for ``name`` (any text) that is valid and unique per ``kind``."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_-]", lambda m: f".{ord(m.group()):x}.", name)


def page(title: str, body: Iterable[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        # nothing may load from elsewhere, even if some text slipped through unescaped
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def table(header: Sequence[str], rows: Iterable[Sequence[str]], *, raw: bool = False) -> str:
    """A table; cells are escaped unless ``raw`` (cells already made with this module)."""
    cell = (lambda c: c) if raw else esc
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def status(value: str, label: str | None = None) -> str:
    """A status badge, coloured by ``value`` and reading ``label`` (default: the status)."""
    return f'<span class="status {esc(value)}">{esc(label or value)}</span>'


def seconds(value: Any) -> str:
    return format_duration(value) if isinstance(value, (int, float)) else ""


def size(value: Any) -> str:
    return format_size(value) if isinstance(value, int) else "?"
