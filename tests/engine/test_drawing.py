"""The pure-Python dataflow picture, checked as a viewer sees it: the SVG is parsed with
``xml.etree`` and its geometry measured, never the layout's own data structures.

The guarantees: no two node boxes overlap; every edge leaves its upstream box's right side and
enters its downstream box's left side, its x never decreasing and no segment through a box; every
box is wide enough for its text; every node appears once.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest
from dagwire.drawing import STATUSES, dataflow_svg
from hypothesis import given, settings
from hypothesis import strategies as st

SVG = "{http://www.w3.org/2000/svg}"
TOLERANCE = 0.11  # coordinates are written with one decimal
MONOSPACE_EM = 0.6  # the advance of a monospace cell in common faces


@dataclass
class Picture:
    root: ET.Element
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    classes: dict[str, set[str]] = field(default_factory=dict)
    spans: dict[str, list[tuple[str, float, float, float]]] = field(default_factory=dict)
    edges: list[tuple[str, str, list[tuple[float, float]], list[list[tuple[float, float]]]]] = (
        field(default_factory=list)
    )


def parse(svg: str) -> Picture:
    root = ET.fromstring(svg)
    picture = Picture(root)
    named = root.findall(f".//{SVG}g[@data-node]")
    names = [g.get("data-node") for g in named]
    assert len(names) == len(set(names)), "a node is drawn twice"
    for g in named:
        rect = g.find(f"{SVG}rect")
        name = g.get("data-node")
        picture.boxes[name] = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
        picture.classes[name] = set(g.get("class").split())
        picture.spans[name] = [
            (span.text or "", float(span.get("x")), float(span.get("y")), font_size(g, span))
            for span in g.iter(f"{SVG}tspan")
        ]
    for path in root.iter(f"{SVG}path"):
        if "edge" in (path.get("class") or "").split():
            points, segments = path_points(path.get("d"))
            picture.edges.append((path.get("data-from"), path.get("data-to"), points, segments))
    return picture


def font_size(g: ET.Element, span: ET.Element) -> float:
    return float(span.get("font-size") or g.find(f"{SVG}text").get("font-size"))


def path_points(d: str):
    """Every point of the path (control points included) and each segment's points."""
    points, segments = [], []
    for command, numbers in re.findall(r"([MLC])([^MLC]*)", d):
        values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", numbers)]
        pairs = list(zip(values[::2], values[1::2], strict=True))
        if command != "M":
            segments.append([points[-1], *pairs])
        points += pairs
    return points, segments


def cells(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def shown(name: str) -> str:
    """How XML can hold a name: control characters as their pictures (U+0000 -> U+2400)."""
    return "".join(chr(0x2400 + ord(c)) if c < " " and c not in "\t\n\r" else c for c in name)


def check_geometry(picture: Picture, nodes, edges) -> None:
    nodes = [shown(n) for n in nodes]
    edges = [(shown(a), shown(b)) for a, b in edges]
    assert set(picture.boxes) == set(nodes)
    check_no_overlap(picture.boxes)
    check_labels_fit(picture)
    drawn = {(a, b) for a, b, _, _ in picture.edges}
    assert drawn == set(edges) and len(picture.edges) == len(drawn)
    buckets = Buckets(picture.boxes)
    for a, b, points, segments in picture.edges:
        ax, ay, aw, ah = picture.boxes[a]
        bx, by, _, bh = picture.boxes[b]
        (x0, y0), (x1, y1) = points[0], points[-1]
        assert abs(x0 - (ax + aw)) <= TOLERANCE and ay <= y0 <= ay + ah, (a, b, "start")
        assert abs(x1 - bx) <= TOLERANCE and by <= y1 <= by + bh, (a, b, "end")
        xs = [x for x, _ in points]
        assert all(p <= q + 1e-9 for p, q in zip(xs, xs[1:], strict=False)), (a, b, xs)
        for segment in segments:
            hit = buckets.inside(segment)
            assert hit is None, f"edge {a} -> {b} runs through the box of {hit}: {segment}"


def check_no_overlap(boxes) -> None:
    ordered = sorted(boxes.items(), key=lambda item: item[1][0])
    for i, (name, (x, y, w, h)) in enumerate(ordered):
        for other, (ox, oy, _, oh) in ordered[i + 1 :]:
            if ox >= x + w:
                break
            assert oy >= y + h or oy + oh <= y, f"boxes of {name!r} and {other!r} overlap"


def check_labels_fit(picture: Picture) -> None:
    for name, (x, y, w, h) in picture.boxes.items():
        assert picture.spans[name][0][0] == name
        for text, sx, sy, size in picture.spans[name]:
            needed = cells(text) * MONOSPACE_EM * size
            assert sx >= x + 4 and sx + needed <= x + w - 4, (name, text, "too narrow")
            assert y + size <= sy <= y + h, (name, text, "outside its box")


class Buckets:
    """Boxes by x bucket, to find one whose inside a segment's bounding box enters."""

    SIZE = 200.0

    def __init__(self, boxes) -> None:
        self.cells: dict[int, list] = {}
        for name, (x, y, w, h) in boxes.items():
            for key in range(int(x // self.SIZE), int((x + w) // self.SIZE) + 1):
                self.cells.setdefault(key, []).append((name, x, y, w, h))

    def inside(self, points) -> str | None:
        """A curve lies within its control points' hull, so their bounding box is enough."""
        x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
        y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
        e = TOLERANCE
        for key in range(int(x0 // self.SIZE), int(x1 // self.SIZE) + 1):
            for name, x, y, w, h in self.cells.get(key, ()):
                if x0 < x + w - e and x1 > x + e and y0 < y + h - e and y1 > y + e:
                    return name
        return None


def draw_and_check(nodes, edges, **kwargs) -> Picture:
    svg = dataflow_svg(nodes, edges, **kwargs)
    picture = parse(svg)
    check_geometry(picture, nodes, edges)
    return picture


# --- shapes ----------------------------------------------------------------------------------
EXAMPLE = {  # the generated project's example pipeline
    "features": ["raw_data"],
    "target": ["raw_data"],
    "is_test_row": ["target", "test_size", "random_state"],
    "X_train": ["features", "is_test_row"],
    "X_test": ["features", "is_test_row"],
    "y_train": ["target", "is_test_row"],
    "y_test": ["target", "is_test_row"],
    "model": ["X_train", "y_train", "model_type"],
    "predictions": ["model", "X_test"],
    "accuracy": ["predictions", "y_test"],
    "metrics": ["accuracy", "predictions", "y_test"],
}
STAGE = {"model": "train", "predictions": "evaluate", "accuracy": "evaluate", "metrics": "evaluate"}


def example():
    nodes = sorted(set(EXAMPLE) | {d for deps in EXAMPLE.values() for d in deps})
    edges = [(d, n) for n, deps in EXAMPLE.items() for d in deps]
    groups = {n: STAGE.get(n, "prepare") for n in nodes if n not in EXAMPLE["is_test_row"][1:]}
    groups.pop("model_type")
    return nodes, edges, groups


def test_the_example_pipeline_is_drawn_with_statuses_times_groups_and_a_legend():
    nodes, edges, groups = example()
    status = {n: "completed" for n in groups} | {"accuracy": "failed", "metrics": "skipped"}
    status |= {"test_size": "input", "random_state": "input", "model_type": "input"}
    lines = {n: ["DataFrame", "0.12 s"] for n in groups}
    picture = draw_and_check(nodes, edges, lines=lines, status=status, groups=groups, title="demo")
    assert picture.classes["accuracy"] == {"node", "failed"}
    assert picture.classes["model_type"] == {"node", "input"}
    assert [s[0] for s in picture.spans["model"]] == ["model", "DataFrame", "0.12 s"]
    legend = " ".join(t.text for t in picture.root.iter(f"{SVG}text") if t.text)
    for word in ("completed", "failed", "skipped", "input", "prepare", "train", "evaluate"):
        assert word in legend
    assert "pending" not in legend  # only the statuses shown
    layer_x = {name: box[0] for name, box in picture.boxes.items()}
    assert layer_x["raw_data"] < layer_x["features"] < layer_x["X_train"] < layer_x["model"]
    assert layer_x["model"] < layer_x["predictions"] < layer_x["accuracy"] < layer_x["metrics"]


def test_a_group_frame_holds_its_members_and_no_node_of_another_group():
    nodes, edges, groups = example()
    picture = draw_and_check(nodes, edges, groups=groups)
    frames = {
        g.get("data-group"): tuple(float(g.find(f"{SVG}rect").get(k)) for k in "xy")
        + tuple(float(g.find(f"{SVG}rect").get(k)) for k in ("width", "height"))
        for g in picture.root.iter(f"{SVG}g")
        if "group" in (g.get("class") or "").split()
    }
    assert "evaluate" in frames  # its nodes sit together at the right
    for group, (fx, fy, fw, fh) in frames.items():
        for name, (x, y, w, h) in picture.boxes.items():
            inside = fx <= x and x + w <= fx + fw and fy <= y and y + h <= fy + fh
            touches = x < fx + fw and x + w > fx and y < fy + fh and y + h > fy
            if groups.get(name) == group:
                assert inside, f"{name} is outside its group's frame"
            else:
                assert not touches, f"the frame of {group} holds {name}"


def test_group_members_are_banded_with_the_group_colour_named_in_the_legend():
    nodes, edges, groups = example()
    root = parse(dataflow_svg(nodes, edges, groups=groups)).root
    band = {
        g.get("data-node"): g.find(f"{SVG}path[@class='band']").get("fill")
        for g in root.iter(f"{SVG}g")
        if g.get("data-node") in groups
    }
    legend = {
        g.find(f"{SVG}text").text: g.find(f"{SVG}rect").get("style")
        for g in root.iter(f"{SVG}g")
        if "legend-group" in (g.get("class") or "").split()
    }
    assert len(set(band.values())) == 3
    for name, colour in band.items():
        assert colour in legend[groups[name]]
    assert root.find(f".//{SVG}g[@data-node='model_type']/{SVG}path") is None  # no group


def test_each_status_has_its_own_colours():
    nodes = list(STATUSES)
    style = ET.fromstring(dataflow_svg(nodes, [], status={n: n for n in nodes})).find(f"{SVG}style")
    colours = {
        status: re.search(
            rf"\.node\.{status} rect[^{{]*\{{fill:([^;]+);stroke:([^}}]+)}}", style.text
        ).groups()
        for status in STATUSES
    }
    assert len(set(colours.values())) == len(STATUSES)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_random_dags_keep_every_guarantee(data):
    names = data.draw(
        st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=30, unique=True)
    )
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    chosen = data.draw(st.lists(st.sampled_from(pairs), max_size=60, unique=True)) if pairs else []
    edges = [(names[i], names[j]) for i, j in chosen]
    group_names = data.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=len(names)))
    groups = {n: g for n, g in zip(names, group_names, strict=False) if g != "c"}
    lines = {names[0]: [data.draw(st.text(max_size=30))]}
    draw_and_check(names, edges, groups=groups, lines=lines)


def test_long_unicode_and_hostile_names_are_escaped_and_fit():
    hostile = ["<&\"'>", "</svg><script>alert(1)</script>", "a\nb\tc", "nul\x00char"]
    wide = ["数据清洗与特征工程", "データ", "emoji_🚀_node", "cafe\u0301_combining"]
    long = ["a_very_long_node_name_" * 8]
    nodes = hostile + wide + long
    edges = [(nodes[i], nodes[i + 1]) for i in range(len(nodes) - 1)]
    svg = dataflow_svg(nodes, edges, lines={nodes[0]: ["<type & 'x'>"]}, title="<t&>")
    picture = parse(svg)
    check_geometry(picture, nodes, edges)
    assert "nul\u2400char" in picture.boxes
    assert "<script" not in svg and picture.root.find(f".//{SVG}script") is None
    assert picture.spans["<&\"'>"][1][0] == "<type & 'x'>"
    assert picture.boxes["数据清洗与特征工程"][2] > picture.boxes["データ"][2] * 2


def test_the_picture_is_standalone_and_the_same_bytes_for_the_same_input():
    nodes, edges, groups = example()
    first = dataflow_svg(nodes, edges, groups=groups, links={"model": "#node-model"})
    again = dataflow_svg(list(reversed(nodes)), list(reversed(edges)), groups=dict(groups),
                         links={"model": "#node-model"})  # fmt: skip
    assert first == again
    assert "<script" not in first and "@import" not in first
    assert re.findall(r"url\((?!#)", first) == []
    hrefs = re.findall(r'href="([^"]*)"', first)
    assert hrefs == ["#node-model"]
    link = ET.fromstring(first).find(f".//{SVG}a")
    assert link.find(f"{SVG}g").get("data-node") == "model"


def test_a_single_node_and_disconnected_parts():
    picture = draw_and_check(["alone"], [])
    assert list(picture.boxes) == ["alone"]
    nodes = ["a1", "a2", "a3", "b1", "b2", "lonely", "c1", "c2"]
    edges = [("a1", "a2"), ("a2", "a3"), ("b1", "b2"), ("c1", "c2"), ("a1", "a3")]
    draw_and_check(nodes, edges)


def test_wide_fan_out_and_fan_in():
    middle = [f"part_{i:03}" for i in range(150)]
    nodes = ["source", *middle, "sink", "late"]
    edges = [("source", m) for m in middle] + [(m, "sink") for m in middle]
    edges += [("source", "late"), ("late", "sink")]
    draw_and_check(nodes, edges)


def layered_graph(count: int, width: int, seed: int = 3):
    rng = random.Random(seed)
    nodes = [f"node_{i}" for i in range(count)]
    edges = set()
    for i in range(width, count):
        layer_start = (i // width - 1) * width
        for parent in rng.sample(range(max(0, layer_start - width), i - i % width), 2):
            edges.add((nodes[parent], nodes[i]))
    return nodes, sorted(edges)


def test_a_thousand_nodes_stay_readable_and_fast():
    nodes, edges = layered_graph(1000, 50)
    started = time.perf_counter()
    svg = dataflow_svg(nodes, edges, groups={n: f"g{i % 7}" for i, n in enumerate(nodes)})
    elapsed = time.perf_counter() - started
    picture = parse(svg)
    check_geometry(picture, nodes, edges)
    assert elapsed < 5, f"drawing 1,000 nodes took {elapsed:.1f} s"


# --- refusals --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("nodes", "edges", "kwargs", "message"),
    [
        (["a"], [("a", "b")], {}, r"edge 'a' -> 'b': 'b' is not among the nodes"),
        (["a"], [], {"status": {"a": "done"}}, r"Node 'a' has the status 'done'.*completed"),
        (["a", "b"], [("a", "b"), ("b", "a")], {}, r"cycle: (a -> b -> a|b -> a -> b)"),
        (["a"], [("a", "a")], {}, r"cycle: a -> a"),
    ],
)
def test_bad_input_is_refused_with_what_to_fix(nodes, edges, kwargs, message):
    with pytest.raises(ValueError, match=message):
        dataflow_svg(nodes, edges, **kwargs)


def test_the_driver_and_visualize_do_not_load_the_drawing_until_a_picture_is_drawn():
    import subprocess
    import sys
    from pathlib import Path

    import dagwire

    code = (
        "import sys\n"
        "from dagwire import driver, visualize\n"
        "from dagwire.ad_hoc_utils import create_temporary_module\n"
        "def a() -> int: return 1\n"
        "dr = driver.Builder().with_modules(create_temporary_module(a)).build()\n"
        "dr.execute(['a']); dr.display_all_functions()\n"
        "print(sorted(m for m in sys.modules if m.startswith('dagwire.drawing')))\n"
        "visualize.to_svg(dr.graph)\n"
        "print(sorted(m for m in sys.modules if m.startswith('dagwire.drawing')))\n"
    )
    parent = str(Path(dagwire.__file__).parents[1])
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": parent},
    )  # fmt: skip
    before, after = result.stdout.splitlines()
    assert before == "[]"
    assert "dagwire.drawing.layout" in after


def test_an_empty_graph_is_an_empty_picture_and_many_groups_shorten_the_legend():
    root = ET.fromstring(dataflow_svg([], []))
    assert root.tag == f"{SVG}svg" and root.find(f".//{SVG}g") is None
    nodes = [f"task_{i:02}" for i in range(50)]
    root = ET.fromstring(dataflow_svg(nodes, [], groups={n: n for n in nodes}))
    legend = [g.find(f"{SVG}text").text for g in root.iter(f"{SVG}g") if g.get("transform")]
    assert legend[:2] == ["task_00", "task_01"] and legend[-1] == "and 10 more groups"
    assert len(legend) == 41
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "group"]  # one-node groups


def test_crossed_edges_are_untangled_and_a_layers_group_members_sit_together():
    sources = [f"a{i}" for i in range(1, 6)]
    targets = [f"b{i}" for i in range(1, 6)]
    edges = [(a, targets[-1 - i]) for i, a in enumerate(sources)]  # the name order crosses them
    picture = draw_and_check(sources + targets, edges)
    y = {name: box[1] for name, box in picture.boxes.items()}
    for a, b in edges:
        for c, d in edges:
            assert (y[a] < y[c]) == (y[b] < y[d]), f"{a} -> {b} crosses {c} -> {d}"
    lonely = [f"t{i}" for i in range(8)]
    groups = {name: "odd" if i % 2 else "even" for i, name in enumerate(lonely)}
    picture = draw_and_check(lonely, [], groups=groups)
    column = sorted(lonely, key=lambda name: picture.boxes[name][1])
    runs = [groups[n] for i, n in enumerate(column) if i == 0 or groups[column[i - 1]] != groups[n]]
    assert len(runs) == 2, f"the groups are interleaved: {column}"
