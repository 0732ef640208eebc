"""The timeline of a run: one lane per task (a group, or one item of a mapped group), its nodes as
bars at the time they ran, so what ran in parallel, and what took long, is visible at a glance.
Each lane is labelled with its task and each bar wide enough with its node, so a screenshot tells
which node ran when; every bar keeps its hover text (name, status, time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ...drawing import STATUSES
from .markup import esc, seconds
from .view import Lane

#: Lanes drawn at most: a 1,000-item fan-out shows its first lanes and says how many are left out.
MAX_LANES = 60
_LABEL_WIDTH = 230
_PLOT_WIDTH = 900
_LANE_HEIGHT = 26
#: A node bar's label: font size, and the width of one of its (monospace) characters.
_BAR_FONT = 10
_BAR_CHAR_WIDTH = 6.2
_AXIS_HEIGHT = 24


class _Clock:
    """Where a moment of the run falls on the drawing: the run's first start at the left edge of
    the plot, its last end at the right."""

    def __init__(self, lanes: Sequence[Lane]) -> None:
        self.start = min(_epoch(lane.started_at) for lane in lanes)
        end = max(_epoch(lane.started_at) + (lane.duration_s or 0) for lane in lanes)
        self.span = max(end - self.start, 1e-3)
        self.scale = _PLOT_WIDTH / self.span

    def x(self, epoch: float) -> float:
        return _LABEL_WIDTH + (epoch - self.start) * self.scale

    def width(self, seconds: float | None) -> float:
        return max((seconds or 0) * self.scale, 1.0)  # the quickest node still shows


def timeline_svg(lanes: Sequence[Lane]) -> str:
    """An inline SVG of ``lanes`` on one time axis (empty text when nothing has a time)."""
    timed = [lane for lane in lanes if _epoch(lane.started_at) is not None]
    if not timed:
        return ""
    shown = timed[:MAX_LANES]
    clock = _Clock(shown)
    height = _AXIS_HEIGHT + _LANE_HEIGHT * len(shown) + 6
    width = _LABEL_WIDTH + _PLOT_WIDTH + 40  # room for the last tick's label
    parts = [_axis(clock.span, height)]
    for row, lane in enumerate(shown):
        parts.append(_lane(lane, _AXIS_HEIGHT + row * _LANE_HEIGHT, clock))
    note = ""
    if len(timed) > len(shown):
        note = f'<p class="muted">The first {len(shown)} of {len(timed)} tasks are drawn.</p>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-size="11" '
        f'font-family="ui-monospace,monospace">{"".join(parts)}</svg>{note}'
    )


def _axis(span: float, height: int) -> str:
    ticks = []
    for i in range(6):
        x = _LABEL_WIDTH + _PLOT_WIDTH * i / 5
        ticks.append(
            f'<line x1="{x:.1f}" y1="{_AXIS_HEIGHT - 6}" x2="{x:.1f}" y2="{height}" '
            'stroke="#e0e0e0"/>'
            f'<text x="{x:.1f}" y="12" text-anchor="middle" fill="#5f6368">'
            f"{esc(seconds(span * i / 5) if i else '0')}</text>"
        )
    return "".join(ticks)


def _lane(lane: Lane, y: float, clock: _Clock) -> str:
    label = lane.name if len(lane.name) <= 30 else lane.name[:29] + "…"
    parts = [
        f'<g class="lane" data-lane="{esc(lane.name)}">',
        f'<text x="4" y="{y + 15}">{esc(label)}</text>',
        _bar("task", lane.name, lane.status, (lane.started_at, lane.duration_s), clock, y + 2),
    ]
    for node, started, took, status in lane.nodes:
        parts.append(_bar("node", node, status, (started, took), clock, y + 5))
    parts.append("</g>")
    return "".join(parts)


def _bar(
    kind: str,
    name: str,
    status: str,
    when: tuple[str | None, float | None],
    clock: _Clock,
    y: float,
) -> str:
    """A task's bar (light, full lane height) or a node's (its status colour, inside it);
    ``when`` is (started at, seconds taken)."""
    at = _epoch(when[0])
    if at is None:
        return ""
    fill, stroke = STATUSES.get(status, ("#f1f3f4", "#9aa0a6"))
    height = _LANE_HEIGHT - (4 if kind == "task" else 10)
    x, width = clock.x(at), clock.width(when[1])
    bar = (
        f'<rect class="bar {kind}" data-bar="{esc(name)}" x="{x:.1f}" y="{y}" '
        f'width="{width:.1f}" height="{height}" '
        f'fill="{fill if kind == "task" else stroke}" stroke="{stroke}">'
        f"<title>{esc(name)}: {esc(status)} {esc(seconds(when[1]))}</title></rect>"
    )
    return bar + (_bar_label(name, x, y + height - 4, width) if kind == "node" else "")


def _bar_label(name: str, x: float, baseline: float, width: float) -> str:
    """The node's name on its bar when the bar holds it (cut with "…" when only part fits);
    the text lets the pointer through, so the bar's hover text still shows."""
    fits = int((width - 6) // _BAR_CHAR_WIDTH)
    if fits < min(len(name), 4):
        return ""
    text = name if len(name) <= fits else name[: fits - 1] + "…"
    return (
        f'<text class="bar-label" x="{x + 3:.1f}" y="{baseline}" font-size="{_BAR_FONT}" '
        f'fill="#ffffff" pointer-events="none">{esc(text)}</text>'
    )


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
