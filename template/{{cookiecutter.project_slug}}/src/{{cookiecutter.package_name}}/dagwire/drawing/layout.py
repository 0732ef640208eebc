"""A layered (Sugiyama-style) layout of a DAG, drawn left to right, in plain Python.

Each step exists for one promise of the picture:

- layers by longest path, so every edge points right (sources move next to their first reader, so
  a config value is not drawn a whole picture away from the node that reads it);
- an edge that spans several layers passes through one *virtual point* per layer it crosses; the
  point takes a slot in that layer like a small node, so the edge never runs through a box;
- a few barycenter sweeps order each layer to reduce crossings, keeping a group's members next to
  each other; the number of sweeps is fixed, so 5,000 nodes stay fast;
- each layer's slots are then placed near their neighbours' mean height without overlapping
  (a weighted isotonic fit: pool adjacent violators), in three passes.

Coordinates are pixels, y down. Only real nodes get boxes; routes are polylines from the upstream
box's right side to the downstream box's left side whose x never decreases.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Point = tuple[float, float]

LAYER_GAP = 72.0  # between the widest box of a layer and the next layer
NODE_GAP = 16.0  # between two boxes of one layer
EDGE_GAP = 6.0  # between a box or an edge and a passing edge
EDGE_SLOT = 6.0  # the height a long edge reserves in each layer it crosses
SWEEPS = 4  # down-and-up barycenter sweeps
VIRTUAL_WEIGHT = 2.0  # long edges pull harder toward straight lines than boxes do


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Box]
    routes: dict[tuple[str, str], list[Point]]  # (upstream, downstream) -> points, left to right
    width: float  # right of the rightmost box, origin included
    height: float  # bottom of the lowest box, origin included


def layered_layout(
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    sizes: Mapping[str, tuple[float, float]],
    groups: Mapping[str, str] | None = None,
    *,
    origin: Point = (0.0, 0.0),
) -> Layout:
    """Boxes of ``sizes`` (width, height) per node and a route per edge; raises on a cycle.

    ``nodes`` and ``edges`` must be free of duplicates; their order only breaks ties, so the same
    input always gives the same layout.
    """
    graph = _LayeredGraph(nodes, edges, sizes, groups or {})
    layers = _ordered_layers(graph)
    ys = _placed(graph, layers)
    left, right = _columns(graph, layers, origin[0])
    top = origin[1] - min(ys, default=0.0)
    boxes = {
        name: Box(left[graph.layer[s]], ys[s] + top, *sizes[name]) for s, name in enumerate(nodes)
    }
    routes = _routes(graph, boxes, ys, top, left, right)
    width = max((b.right for b in boxes.values()), default=origin[0])
    height = max((b.y + b.height for b in boxes.values()), default=origin[1])
    return Layout(boxes, routes, width, height)


class _LayeredGraph:
    """The DAG as integer slots: nodes first (in the given order), then virtual points."""

    def __init__(
        self,
        nodes: Sequence[str],
        edges: Sequence[tuple[str, str]],
        sizes: Mapping[str, tuple[float, float]],
        groups: Mapping[str, str],
    ) -> None:
        index = {name: i for i, name in enumerate(nodes)}
        self.edges = [(index[a], index[b]) for a, b in edges]
        self.preds: list[list[int]] = [[] for _ in nodes]
        self.succs: list[list[int]] = [[] for _ in nodes]
        for a, b in self.edges:
            self.preds[b].append(a)
            self.succs[a].append(b)
        self.layer = _longest_path_layers(nodes, self.preds, self.succs)
        self.depth = max(self.layer, default=-1) + 1
        self.width = [sizes[name][0] for name in nodes]
        self.height = [sizes[name][1] for name in nodes]
        self.weight = [1.0] * len(nodes)
        ranks = {g: i for i, g in enumerate(sorted(set(groups.values())))}
        self.group = [ranks.get(groups.get(name), -1) for name in nodes]  # type: ignore[arg-type]
        self.chains = [self._chain(a, b) for a, b in self.edges]
        self.real = len(nodes)

    def _chain(self, a: int, b: int) -> list[int]:
        """Virtual points for an edge that spans layers, linked in place of the direct edge."""
        span = self.layer[b] - self.layer[a]
        if span == 1:
            return []
        self.succs[a].remove(b)
        self.preds[b].remove(a)
        chain = []
        previous = a
        for step in range(1, span):
            point = len(self.layer)
            self.layer.append(self.layer[a] + step)
            self.preds.append([previous])
            self.succs.append([])
            self.succs[previous].append(point)
            for values, value in ((self.width, 0.0), (self.height, EDGE_SLOT)):
                values.append(value)
            self.weight.append(VIRTUAL_WEIGHT)
            self.group.append(-1)
            chain.append(point)
            previous = point
        self.succs[previous].append(b)
        self.preds[b].append(previous)
        return chain

    def gap(self, upper: int, lower: int) -> float:
        both_real = upper < self.real and lower < self.real
        return NODE_GAP if both_real else EDGE_GAP


def _longest_path_layers(
    nodes: Sequence[str], preds: list[list[int]], succs: list[list[int]]
) -> list[int]:
    sorter = graphlib.TopologicalSorter({i: preds[i] for i in range(len(nodes))})
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError as exc:
        cycle = " -> ".join(nodes[i] for i in exc.args[1])
        raise ValueError(
            f"Cannot draw a dataflow with a cycle: {cycle}. Every edge must point from an "
            "upstream node to a downstream one; remove one edge of the cycle."
        ) from None
    layer = [0] * len(nodes)
    for i in order:
        layer[i] = max((layer[p] + 1 for p in preds[i]), default=0)
    for i in range(len(nodes)):
        if not preds[i] and succs[i]:
            layer[i] = min(layer[s] for s in succs[i]) - 1
    return layer


# --- order within layers ---------------------------------------------------------------------
def _ordered_layers(graph: _LayeredGraph) -> list[list[int]]:
    layers: list[list[int]] = [[] for _ in range(graph.depth)]
    for slot, layer in enumerate(graph.layer):
        layers[layer].append(slot)
    position = [0.0] * len(graph.layer)
    unlinked: list[list[int]] = [[]] * len(graph.layer)
    for layer in layers:  # groups together from the start: a layer no sweep reaches stays so
        _number(layer, position)
        _sort_by_barycenter(layer, unlinked, position, graph.group)
    down = [(layers[i], graph.preds) for i in range(1, graph.depth)]
    up = [(layers[i], graph.succs) for i in range(graph.depth - 2, -1, -1)]
    for passes in [down + up] * SWEEPS:
        for layer, neighbours in passes:
            _sort_by_barycenter(layer, neighbours, position, graph.group)
    after_up = [list(layer) for layer in layers]
    crossings_after_up = _crossings(graph, layers)
    for layer, neighbours in down:  # sweeps alternate between two orders: keep the better one
        _sort_by_barycenter(layer, neighbours, position, graph.group)
    return after_up if crossings_after_up < _crossings(graph, layers) else layers


def _crossings(graph: _LayeredGraph, layers: list[list[int]]) -> int:
    """How many pairs of edges cross between neighbouring layers (inversions, Fenwick tree)."""
    position = [0] * len(graph.layer)
    for layer in layers:
        for i, slot in enumerate(layer):
            position[slot] = i
    total = 0
    for upper, lower in zip(layers, layers[1:], strict=False):
        ends = sorted((position[a], position[b]) for a in upper for b in graph.succs[a])
        tree = [0] * (len(lower) + 1)
        for seen, (_, end) in enumerate(ends):
            i, below = end + 1, 0  # edges seen so far that end at or before this one
            while i > 0:
                below += tree[i]
                i -= i & -i
            total += seen - below
            i = end + 1
            while i <= len(lower):
                tree[i] += 1
                i += i & -i
    return total


def _number(layer: list[int], position: list[float]) -> None:
    """Positions as fractions of the layer, so layers of different sizes compare."""
    count = len(layer)
    for i, slot in enumerate(layer):
        position[slot] = (i + 0.5) / count


def _sort_by_barycenter(
    layer: list[int], neighbours: list[list[int]], position: list[float], group: list[int]
) -> None:
    """Sort in place by the mean position of each slot's neighbours; a group sorts as one block."""
    center = {}
    for slot in layer:
        near = neighbours[slot]
        center[slot] = sum(position[n] for n in near) / len(near) if near else position[slot]
    members: dict[int, list[float]] = {}
    for slot in layer:
        if group[slot] >= 0:
            members.setdefault(group[slot], []).append(center[slot])
    block = {g: sum(values) / len(values) for g, values in members.items()}

    def key(slot: int) -> tuple[float, int, float, int]:
        g = group[slot]
        return (block[g] if g >= 0 else center[slot], g, center[slot], slot)

    layer.sort(key=key)
    _number(layer, position)


# --- coordinates -----------------------------------------------------------------------------
def _placed(graph: _LayeredGraph, layers: list[list[int]]) -> list[float]:
    """The top of every slot: near its neighbours' centers, never overlapping within a layer."""
    y = [0.0] * len(graph.layer)
    for layer in layers:
        _pack(graph, layer, [0.0] * len(layer), y)
    passes = (
        (graph.preds, layers[1:]),
        (graph.succs, layers[-2::-1]),
        (graph.preds, layers[1:]),
    )
    for neighbours, sequence in passes:
        for layer in sequence:
            desired = [_desired_top(graph, slot, neighbours[slot], y) for slot in layer]
            _pack(graph, layer, desired, y)
    return y


def _desired_top(graph: _LayeredGraph, slot: int, near: list[int], y: list[float]) -> float:
    if not near:
        return y[slot]
    centers = sum(y[n] + graph.height[n] / 2 for n in near) / len(near)
    return centers - graph.height[slot] / 2


def _pack(graph: _LayeredGraph, layer: list[int], desired: list[float], y: list[float]) -> None:
    """Tops as close to ``desired`` as the order and the gaps allow (least squares, weighted)."""
    offsets = []
    offset = 0.0
    for i, slot in enumerate(layer):
        if i:
            above = layer[i - 1]
            offset += graph.height[above] + graph.gap(above, slot)
        offsets.append(offset)
    blocks: list[list[float]] = []  # [weighted sum, weight, first index, last index]
    for i, slot in enumerate(layer):
        weight = graph.weight[slot]
        block = [(desired[i] - offsets[i]) * weight, weight, i, i]
        while blocks and blocks[-1][0] / blocks[-1][1] > block[0] / block[1]:
            before = blocks.pop()
            block = [before[0] + block[0], before[1] + block[1], before[2], block[3]]
        blocks.append(block)
    for total, weight, first, last in blocks:
        value = total / weight
        for i in range(int(first), int(last) + 1):
            y[layer[i]] = value + offsets[i]


def _columns(
    graph: _LayeredGraph, layers: list[list[int]], x0: float
) -> tuple[list[float], list[float]]:
    """Each layer's left and right x: as wide as its widest box."""
    left, right = [], []
    x = x0
    for layer in layers:
        width = max((graph.width[s] for s in layer), default=0.0)
        left.append(x)
        right.append(x + width)
        x += width + LAYER_GAP
    return left, right


# --- edges -----------------------------------------------------------------------------------
def _routes(
    graph: _LayeredGraph,
    boxes: dict[str, Box],
    ys: list[float],
    top: float,
    left: list[float],
    right: list[float],
) -> dict[tuple[str, str], list[Point]]:
    """Points per edge: out of a port on the right side, across each layer it passes, into a port
    on the left side. Horizontal runs stay inside the box's or the virtual point's own band."""
    names = list(boxes)
    middle: list[list[Point]] = []
    for chain in graph.chains:
        points = []
        for point in chain:
            center = ys[point] + top + EDGE_SLOT / 2
            points += [(left[graph.layer[point]], center), (right[graph.layer[point]], center)]
        middle.append(points)
    heights = {i: (boxes[names[i]].y + boxes[names[i]].height / 2) for i in range(graph.real)}
    out_port = _ports(graph, boxes, names, middle, heights, outgoing=True)
    in_port = _ports(graph, boxes, names, middle, heights, outgoing=False)
    routes = {}
    for k, (a, b) in enumerate(graph.edges):
        start = boxes[names[a]]
        points = [(start.right, out_port[k])]
        if start.right < right[graph.layer[a]]:
            points.append((right[graph.layer[a]], out_port[k]))
        points += middle[k]
        points.append((boxes[names[b]].x, in_port[k]))
        routes[(names[a], names[b])] = points
    return routes


def _ports(
    graph: _LayeredGraph,
    boxes: dict[str, Box],
    names: list[str],
    middle: list[list[Point]],
    heights: dict[int, float],
    *,
    outgoing: bool,
) -> list[float]:
    """Where each edge meets its box: spread along the side, in the order of where they go."""
    by_node: dict[int, list[tuple[float, int]]] = {}
    for k, (a, b) in enumerate(graph.edges):
        own, other = (a, b) if outgoing else (b, a)
        toward = middle[k][0 if outgoing else -1][1] if middle[k] else heights[other]
        by_node.setdefault(own, []).append((toward, k))
    port = [0.0] * len(graph.edges)
    for node, ends in by_node.items():
        box = boxes[names[node]]
        ends.sort()
        for i, (_, k) in enumerate(ends):
            port[k] = box.y + box.height * (i + 1) / (len(ends) + 1)
    return port
