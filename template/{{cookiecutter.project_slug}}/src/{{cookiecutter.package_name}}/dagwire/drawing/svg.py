"""The SVG of a dataflow: one standalone ``<svg>`` string that any browser shows offline.

Everything the picture needs is inside it (an inline ``<style>``, no font, image or script from
anywhere), so it can be written next to a run's artifacts, embedded in an HTML report, or opened
from a file. The same input gives the same bytes: nodes are drawn in name order, numbers are
rounded, and nothing depends on the clock or on hashing.

Every node is ``<g class="node STATUS" data-node="NAME">`` with a ``<rect>`` and a ``<text>``; every
edge is ``<path class="edge" data-from="A" data-to="B">``, so tests and scripts can find them.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from .layout import Box, Layout, Point, layered_layout
from .text import text_width

#: Node statuses with their colours (fill, stroke), in the order the legend lists them.
STATUSES = {
    "completed": ("#e6f4ea", "#1e8e3e"),
    "failed": ("#fce8e6", "#d93025"),
    "skipped": ("#f1f3f4", "#9aa0a6"),
    "reused": ("#e8f0fe", "#1a73e8"),
    "cached": ("#f3e8fd", "#9334e6"),
    "pending": ("#ffffff", "#80868b"),
    "running": ("#fef7e0", "#e37400"),
    "input": ("#ffffff", "#5f6368"),
}
#: Group colours, cycled in group-name order (distinct hues, readable as thin bands).
GROUP_COLOURS = (
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#76b7b2",
    "#edc948", "#9c755f", "#ff9da7", "#17becf", "#bab0ac", "#8c564b",
)  # fmt: skip
MAX_LEGEND_GROUPS = 40

NAME_SIZE = 12.0  # font sizes, pixels
DETAIL_SIZE = 11.0
LINE_HEIGHT = 1.35  # em
PAD_X = 10.0
PAD_Y = 8.0
BAND = 4.0  # the group band across a box's top
MARGIN = 16.0
FRAME_PAD = 8.0  # between a group's frame and its boxes
FONT = "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace"


def dataflow_svg(
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    *,
    lines: Mapping[str, Sequence[str]] | None = None,
    status: Mapping[str, str] | None = None,
    groups: Mapping[str, str] | None = None,
    links: Mapping[str, str] | None = None,
    title: str | None = None,
) -> str:
    """The dataflow as a layered SVG, left to right.

    ``lines`` adds text under a node's name (its type, its time); ``status`` colours a node (one of
    ``STATUSES``); ``groups`` bands each node with its group's colour (and frames a group whose
    frame would hold no other node); ``links`` makes a node a link. Raises ``ValueError`` for an
    edge to an unknown node, an unknown status, or a cycle.
    """
    names = sorted(dict.fromkeys(nodes))
    pairs = _checked_edges(edges, set(names))
    _check_statuses(status or {})
    status = {n: status[n] for n in names if n in status} if status else {}
    groups = {n: groups[n] for n in names if n in groups} if groups else {}
    texts = {name: [str(name), *_extra_lines(lines, name)] for name in names}
    sizes = {name: _box_size(texts[name]) for name in names}
    top = MARGIN + (NAME_SIZE * 2 if title else 0.0) + (FRAME_PAD + NAME_SIZE if groups else 0.0)
    layout = layered_layout(names, pairs, sizes, groups, origin=(MARGIN + FRAME_PAD, top))
    colours = _group_colours(groups)
    parts = [_frames(layout, groups, colours)]
    parts += [_edge(a, b, points) for (a, b), points in layout.routes.items()]
    parts += _nodes(texts, layout, status, groups, colours, links or {})
    legend, legend_width, legend_height = _legend(status, colours, layout)
    width = max(layout.width + FRAME_PAD + MARGIN, legend_width, _title_width(title))
    height = layout.height + FRAME_PAD + legend_height + MARGIN
    return _document(width, height, title, parts + [legend])


def _extra_lines(lines: Mapping[str, Sequence[str]] | None, name: str) -> list[str]:
    extra = (lines or {}).get(name, ())
    return [extra] if isinstance(extra, str) else [str(line) for line in extra]


# --- checks ----------------------------------------------------------------------------------
def _checked_edges(edges: Sequence[tuple[str, str]], known: set[str]) -> list[tuple[str, str]]:
    pairs = sorted(dict.fromkeys((a, b) for a, b in edges))
    for a, b in pairs:
        missing = [n for n in (a, b) if n not in known]
        if missing:
            raise ValueError(
                f"Cannot draw the edge {a!r} -> {b!r}: {', '.join(map(repr, missing))} is not "
                "among the nodes. Pass every node an edge names in `nodes`."
            )
    return pairs


def _check_statuses(status: Mapping[str, str]) -> None:
    for name, value in sorted(status.items()):
        if value not in STATUSES:
            raise ValueError(
                f"Node {name!r} has the status {value!r}, which the picture cannot colour. "
                f"Use one of: {', '.join(STATUSES)}."
            )


# --- nodes and edges -------------------------------------------------------------------------
def _box_size(text_lines: list[str]) -> tuple[float, float]:
    widths = [text_width(text_lines[0], NAME_SIZE)]
    widths += [text_width(line, DETAIL_SIZE) for line in text_lines[1:]]
    height = NAME_SIZE + DETAIL_SIZE * (len(text_lines) - 1)
    return (
        round(max(widths) + 2 * PAD_X, 1),
        round(height * LINE_HEIGHT + 2 * PAD_Y + BAND, 1),
    )


def _nodes(
    texts: dict[str, list[str]],
    layout: Layout,
    status: Mapping[str, str],
    groups: Mapping[str, str],
    colours: dict[str, str],
    links: Mapping[str, str],
) -> list[str]:
    """Each node in name order, inside a link when it has one."""
    drawn = []
    for name, text_lines in texts.items():
        group = groups.get(name)
        node = _node(name, text_lines, layout.boxes[name], status.get(name), group, colours)
        href = links.get(name)
        drawn.append(f'<a href="{_attr(href)}">{node}</a>' if href else node)
    return drawn


def _node(
    name: str,
    text_lines: list[str],
    box: Box,
    status: str | None,
    group: str | None,
    colours: dict[str, str],
) -> str:
    classes = f"node {status}" if status else "node"
    tooltip = "\n".join(text_lines + ([f"group: {group}"] if group else []))
    x, y, w, h = (_n(v) for v in (box.x, box.y, box.width, box.height))
    parts = [
        f'<g class="{classes}" data-node="{_attr(name)}"',
        f' data-group="{_attr(group)}">' if group else ">",
        f"<title>{_text(tooltip)}</title>",
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="4"/>',
    ]
    if group:
        band = f"M{x} {_n(box.y + BAND)}v-{_n(BAND)}h{w}v{_n(BAND)}Z"
        parts.append(f'<path class="band" d="{band}" fill="{colours[group]}"/>')
    parts.append(_label(text_lines, box))
    parts.append("</g>")
    return "".join(parts)


def _label(text_lines: list[str], box: Box) -> str:
    x = _n(box.x + PAD_X)
    baseline = box.y + BAND + PAD_Y + NAME_SIZE
    spans = [f'<tspan x="{x}" y="{_n(baseline)}">{_text(text_lines[0])}</tspan>']
    for line in text_lines[1:]:
        baseline += DETAIL_SIZE * LINE_HEIGHT
        spans.append(
            f'<tspan class="detail" x="{x}" y="{_n(baseline)}" '
            f'font-size="{_n(DETAIL_SIZE)}">{_text(line)}</tspan>'
        )
    return f'<text font-size="{_n(NAME_SIZE)}">{"".join(spans)}</text>'


def _edge(a: str, b: str, points: list[Point]) -> str:
    (x, y), *rest = points
    d = [f"M{_n(x)} {_n(y)}"]
    for nx, ny in rest:
        if ny == y:
            d.append(f"L{_n(nx)} {_n(ny)}")
        else:  # across the gap between two layers: a curve whose x only grows
            mid = _n((x + nx) / 2)
            d.append(f"C{mid} {_n(y)} {mid} {_n(ny)} {_n(nx)} {_n(ny)}")
        x, y = nx, ny
    return f'<path class="edge" data-from="{_attr(a)}" data-to="{_attr(b)}" d="{"".join(d)}"/>'


# --- groups ----------------------------------------------------------------------------------
def _group_colours(groups: Mapping[str, str]) -> dict[str, str]:
    shown = sorted(set(groups.values()))
    return {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(shown)}


def _frames(layout: Layout, groups: Mapping[str, str], colours: dict[str, str]) -> str:
    """A frame with the group's name around each group of two or more nodes, where the frame
    would hold no node of another group (else the bands and the legend say it alone)."""
    members: dict[str, list[Box]] = {}
    for name, box in layout.boxes.items():
        if name in groups:
            members.setdefault(groups[name], []).append(box)
    boxes_by_x = _BoxesByX(layout.boxes)
    frames = []
    for group, boxes in sorted(members.items()):
        if len(boxes) < 2:
            continue
        x0 = min(b.x for b in boxes) - FRAME_PAD
        y0 = min(b.y for b in boxes) - FRAME_PAD - NAME_SIZE
        x1 = max(b.right for b in boxes) + FRAME_PAD
        y1 = max(b.y + b.height for b in boxes) + FRAME_PAD
        inside = boxes_by_x.overlapping(x0, y0, x1, y1)
        if any(groups.get(name) != group for name in inside):
            continue
        frames.append(
            f'<g class="group" data-group="{_attr(group)}" style="--group:{colours[group]}">'
            f'<rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(x1 - x0)}" height="{_n(y1 - y0)}" '
            f'rx="6"/><text x="{_n(x0 + 6)}" y="{_n(y0 + NAME_SIZE)}" font-size="11">'
            f"{_text(group)}</text></g>"
        )
    return "".join(frames)


class _BoxesByX:
    """Boxes sorted by left edge: the ones a rectangle may touch are found by bisection, so
    checking many group frames stays fast on thousands of nodes."""

    def __init__(self, boxes: dict[str, Box]) -> None:
        self.items = sorted(boxes.items(), key=lambda item: (item[1].x, item[0]))
        self.lefts = [box.x for _, box in self.items]
        self.widest = max((box.width for box in boxes.values()), default=0.0)

    def overlapping(self, x0: float, y0: float, x1: float, y1: float) -> list[str]:
        first = bisect.bisect_left(self.lefts, x0 - self.widest)
        last = bisect.bisect_left(self.lefts, x1)
        return [
            name
            for name, box in self.items[first:last]
            if box.right > x0 and box.y < y1 and box.y + box.height > y0
        ]


# --- legend and document ---------------------------------------------------------------------
def _legend(
    status: Mapping[str, str], colours: dict[str, str], layout: Layout
) -> tuple[str, float, float]:
    """Swatches for the statuses shown and the groups, in rows under the picture."""
    items = [(f"legend-status {s}", None, s) for s in STATUSES if s in status.values()]
    groups = list(colours.items())
    items += [("legend-group", colour, group) for group, colour in groups[:MAX_LEGEND_GROUPS]]
    if len(groups) > MAX_LEGEND_GROUPS:
        items.append(("legend-more", None, f"and {len(groups) - MAX_LEGEND_GROUPS} more groups"))
    if not items:
        return "", 0.0, 0.0
    wrap = max(layout.width, 480.0)
    x, y = MARGIN, layout.height + FRAME_PAD + MARGIN
    parts, right = [], 0.0
    for cls, colour, label in items:
        width = 18 + text_width(label, DETAIL_SIZE) + 16
        if x > MARGIN and x + width > wrap:
            x, y = MARGIN, y + 20
        fill = f' style="fill:{colour};stroke:{colour}"' if colour else ""
        swatch = "" if cls == "legend-more" else f'<rect x="0" y="0" width="12" height="12"{fill}/>'
        parts.append(
            f'<g class="legend {cls}" transform="translate({_n(x)} {_n(y)})">{swatch}'
            f'<text x="18" y="10" font-size="{_n(DETAIL_SIZE)}">{_text(label)}</text></g>'
        )
        x += width
        right = max(right, x)
    return "".join(parts), right + MARGIN, y + 20 - layout.height - FRAME_PAD


def _title_width(title: str | None) -> float:
    return text_width(title, NAME_SIZE * 1.2) + 2 * MARGIN if title else 0.0


def _document(width: float, height: float, title: str | None, parts: list[str]) -> str:
    w, h = _n(width), _n(height)
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dagwire-dataflow" width="{w}" '
        f'height="{h}" viewBox="0 0 {w} {h}" role="img">',
        f"<title>{_text(title)}</title>" if title else "",
        f"<style>{_style()}</style>",
        '<defs><marker id="dagwire-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" '
        'markerHeight="8" orient="auto"><path d="M0 0L8 4L0 8Z" fill="#5f6368"/></marker></defs>',
        f'<rect class="background" width="{w}" height="{h}"/>',
    ]
    if title:
        head.append(
            f'<text class="title" x="{_n(MARGIN)}" y="{_n(MARGIN + NAME_SIZE * 1.2)}" '
            f'font-size="{_n(NAME_SIZE * 1.2)}">{_text(title)}</text>'
        )
    return "".join(head + parts) + "</svg>"


def _style() -> str:
    """The rules, each scoped to this picture's class: an HTML page may hold several pictures."""
    rules = [
        ("", f"font-family:{FONT}"),
        (" .background", "fill:#fff"),
        (" text", "fill:#202124"),
        (" .title", "font-weight:bold"),
        (" .node rect", "fill:#fff;stroke:#3c4043;stroke-width:1.2"),
        (" .node .detail", "fill:#5f6368"),
        (" .node tspan:first-child", "font-weight:bold"),
        (" .edge", "fill:none;stroke:#80868b;stroke-width:1.2;marker-end:url(#dagwire-arrow)"),
        (" .group rect", "fill:none;stroke:var(--group);stroke-dasharray:6 3"),
        (" .group text", "fill:var(--group);font-weight:bold"),
        (" a .node rect", "cursor:pointer"),
    ]
    for status, (fill, stroke) in STATUSES.items():
        rules.append((f" .node.{status} rect", f"fill:{fill};stroke:{stroke}"))
        rules.append((f" .legend-status.{status} rect", f"fill:{fill};stroke:{stroke}"))
    rules.append((" .node.failed rect", "stroke-width:2.4"))
    rules += [(f" .node.{s} rect", "stroke-dasharray:4 3") for s in ("skipped", "input")]
    return "".join(".dagwire-dataflow" + selector + "{" + body + "}" for selector, body in rules)


# --- text ------------------------------------------------------------------------------------
def _n(value: float) -> str:
    """A coordinate with one decimal at most: short, and the same on every machine."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _clean(text: str) -> str:
    """Characters XML 1.0 cannot hold, even escaped: a control character becomes its picture
    (U+0000 -> U+2400), so distinct names stay distinct; anything else, U+FFFD."""
    return "".join(
        c
        if c in "\t\n\r" or "\x20" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c > "\uffff"
        else chr(0x2400 + ord(c))
        if c < "\x20"
        else "\ufffd"
        for c in text
    )


def _text(text: str) -> str:
    """Element text; a carriage return as a reference, which XML parsers would turn into \\n."""
    escaped = _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r", "&#13;")


def _attr(text: str | None) -> str:
    """An attribute value; whitespace as references, which parsers would turn into spaces."""
    escaped = _text(text or "").replace('"', "&quot;").replace("'", "&apos;")
    return escaped.replace("\n", "&#10;").replace("\t", "&#9;")
