"""Metrics across runs: the pipeline's outputs that are numbers (or dicts of numbers, such as an
evaluation's ``metrics``) over its recent runs, each as a small chart and its numbers, so a
regression shows at a glance.

Only small JSON artifacts are read (a number is never in a parquet file or a pickle), one per
output per run, so the history costs a few small reads whatever the pipeline computes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..artifacts import ArtifactStore
from .markup import esc, table

#: Runs of the same pipeline a chart covers, the current one last.
RECENT_RUNS = 20
#: JSON artifacts larger than this are not metrics (and are not read for the chart).
METRIC_BYTES = 64 * 1024
#: Metrics charted at most (a dict of a thousand numbers is not a dashboard).
MAX_METRICS = 24

Series = dict[str, list[tuple[str, float]]]


def metric_series(
    store: ArtifactStore, manifests: list[dict[str, Any]], run_id: str, current: dict[str, Any]
) -> Series:
    """``{metric: [(run id, value), ...]}`` over the recent runs of ``current``'s pipeline up to
    ``run_id`` (``manifests``: every run, oldest first; ``current``: this run's fresh manifest)."""
    same = [m for m in manifests if m.get("pipeline") == current.get("pipeline")]
    until = [m for m in same if m.get("run_id") != run_id and _before(m, current)]
    recent = [*until[-(RECENT_RUNS - 1) :], current]
    series: Series = {}
    for manifest in recent:
        for name, value in numeric_outputs(store, manifest).items():
            if name in series or len(series) < MAX_METRICS:
                series.setdefault(name, []).append((manifest["run_id"], value))
    return series


def metrics_html(series: Series, run_id: str) -> str:
    """A card per metric: its value in run ``run_id``, a small line chart over the runs and the
    last numbers it draws."""
    if not series:
        return '<p class="muted">No output of these runs is a number or a dict of numbers.</p>'
    cards = []
    for name, points in series.items():
        rows = [(run, _format(value)) for run, value in reversed(points[-5:])]
        last_run, last = points[-1]
        now = _format(last) if last_run == run_id else "not computed in this run"
        cards.append(
            f'<div class="card metric" data-metric="{esc(name)}"><h3>{esc(name)} = '
            f"{esc(now)}</h3>{_chart(points, run_id)}"
            f"{table(['run', 'value'], rows)}</div>"
        )
    return f'<div class="metrics">{"".join(cards)}</div>'


def _before(manifest: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    return (manifest.get("created_at") or "") <= (current.get("created_at") or "~")


def numeric_outputs(store: ArtifactStore, manifest: Mapping[str, Any]) -> dict[str, float]:
    """The numeric outputs of one run: ``{output: n}`` and ``{output.key: n}``."""
    outputs = manifest.get("plan", {}).get("outputs", [])
    refs = {}
    for record in manifest.get("groups", {}).values():
        refs.update(record.get("artifacts") or {})
    found: dict[str, float] = {}
    for output in outputs:
        ref = refs.get(output)
        if not ref or ref.get("serializer") != "json" or (ref.get("size") or 0) > METRIC_BYTES:
            continue
        try:
            value = store.load(ref)
        except Exception:  # noqa: BLE001 - a deleted artifact leaves a gap in the chart
            continue
        found.update(_flatten(output, value))
    return found


def _flatten(name: str, value: Any) -> dict[str, float]:
    if _is_number(value):
        return {name: float(value)}
    if isinstance(value, Mapping):
        return {f"{name}.{k}": float(v) for k, v in value.items() if _is_number(v)}
    return {}


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


#: The current run's dot, the earlier runs' dots, and a lone point (nothing to compare it with).
CURRENT, EARLIER, ALONE = "#d93025", "#1a73e8", "#5f6368"


def _chart(points: list[tuple[str, float]], run_id: str, width: int = 240, height: int = 60) -> str:
    """A line over the runs; the current run's dot stands out only when this run has a value
    (a failed run must not mark an earlier run as its own)."""
    xy = _positions([v for _, v in points], width, height)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(
        _dot(x, y, run, value, _colour(run, run_id, len(points)))
        for (x, y), (run, value) in zip(xy, points, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="chart"><polyline points="{line}" fill="none" '
        f'stroke="{EARLIER}" stroke-width="1.5"/>{dots}</svg>'
    )


def _positions(values: list[float], width: int, height: int) -> list[tuple[float, float]]:
    """Runs left to right, values bottom to top; a flat series (or a lone point) in the middle."""
    low, high = min(values), max(values)
    if len(values) == 1:
        return [(width / 2, height / 2)]
    step = (width - 12) / (len(values) - 1)
    if high == low:
        return [(6 + i * step, height / 2) for i in range(len(values))]
    return [
        (6 + i * step, height - 6 - (v - low) / (high - low) * (height - 12))
        for i, v in enumerate(values)
    ]


def _colour(run: str, run_id: str, count: int) -> str:
    if count == 1:
        return ALONE
    return CURRENT if run == run_id else EARLIER


def _dot(x: float, y: float, run: str, value: float, colour: str) -> str:
    radius = 2 if colour == EARLIER else 3.5
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}">'
        f"<title>{esc(run)}: {esc(_format(value))}</title></circle>"
    )


def _format(value: float) -> str:
    return f"{value:.6g}"
