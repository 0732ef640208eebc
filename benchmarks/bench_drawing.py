"""The pure-Python dataflow picture: layout and SVG time for large graphs.

    uv run python benchmarks/bench_drawing.py [--quick]     # about 20 s

``graph --format svg``, the engine's pictures without graphviz and the run report draw with
``dagwire.drawing``; a 1,000-node pipeline must draw well under a second. Graphs:

- ``layered-1k`` / ``layered-5k``: the engine benchmark's layered graphs (layers of 100 nodes, each
  node reading 1-3 nodes of the layer before, plus the seed input): every edge spans one layer;
- ``long-1k`` / ``long-5k``: the same sizes where each node reads 1-3 nodes of *any* earlier layer,
  so most edges cross several layers and are routed through virtual points (the harder case).

Every node gets two text lines (a type and a time), a status, and one of ten groups, as the run
report draws them. Columns: **layout** is ``layered_layout`` alone (layers, order, coordinates,
routes; fixed box sizes); **svg** is ``dataflow_svg`` end to end (text widths, layout, legend,
frames, writing). CPU time (``time.process_time``), median of the samples, one process. Each SVG is
parsed back with ``xml.etree`` and must hold every node and edge. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
import xml.etree.ElementTree as ET

import _synthetic as synthetic  # first: puts the engine on sys.path
from dagwire.drawing import dataflow_svg
from dagwire.drawing.layout import layered_layout

clock = time.process_time
STATUSES = ("completed", "completed", "completed", "reused", "cached", "failed", "skipped")


def layered(n_nodes: int) -> tuple[list[str], list[tuple[str, str]]]:
    graph = synthetic.layered(n_nodes)
    edges = [(p, n) for n, parents in graph.parents.items() for p in parents]
    return sorted({*graph.parents, synthetic.SEED_INPUT}), edges


def long_edges(n_nodes: int, width: int = 100) -> tuple[list[str], list[tuple[str, str]]]:
    rng = random.Random(1)
    names = [f"l{i // width:03d}_{i % width:03d}" for i in range(n_nodes)]
    edges = set()
    for i in range(width, n_nodes):
        for parent in rng.sample(range(i - i % width), rng.randint(1, 3)):
            edges.add((names[parent], names[i]))
    return names, sorted(edges)


def measure(label: str, nodes: list[str], edges: list[tuple[str, str]], samples: int) -> str:
    rng = random.Random(2)
    lines = {n: ["DataFrame", f"{rng.random():.2f} s"] for n in nodes}
    status = {n: rng.choice(STATUSES) for n in nodes}
    groups = {n: f"stage_{i % 10}" for i, n in enumerate(nodes)}
    sizes = {n: (140.0, 51.0) for n in nodes}
    layout = synthetic.median_seconds(
        lambda: layered_layout(nodes, edges, sizes, groups), samples, clock
    )
    svg = dataflow_svg(nodes, edges, lines=lines, status=status, groups=groups)
    root = ET.fromstring(svg)
    drawn = [e for e in root.iter() if e.get("data-node")]
    paths = [e for e in root.iter() if e.get("data-from")]
    assert len(drawn) == len(nodes) and len(paths) == len(edges), f"{label}: a node or edge is lost"
    total = synthetic.median_seconds(
        lambda: dataflow_svg(nodes, edges, lines=lines, status=status, groups=groups),
        samples,
        clock,
    )
    size = len(svg.encode()) / 1e6
    return (
        f"| {label} | {len(nodes):,} | {len(edges):,} | {layout * 1e3:,.0f} ms | "
        f"{total * 1e3:,.0f} ms | {size:.1f} MB |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    args = parser.parse_args()
    samples = (3, 1) if args.quick else (7, 3)
    print(f"Python {platform.python_version()} on {platform.machine()}, CPU time, medians")
    print("| graph | nodes | edges | layout | svg (all) | svg size |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, (nodes, edges), count in [
        ("layered-1k", layered(1_000), samples[0]),
        ("long-1k", long_edges(1_000), samples[0]),
        ("layered-5k", layered(5_000), samples[1]),
        ("long-5k", long_edges(5_000), samples[1]),
    ]:
        print(measure(label, nodes, edges, count), flush=True)


if __name__ == "__main__":
    main()
