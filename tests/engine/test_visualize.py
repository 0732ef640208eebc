"""Pictures of the graph: Mermaid and DOT text always, PNG/SVG through graphviz when installed."""

import os
import re
import shutil

import pytest
from dagwire import driver
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.lifecycle import NodeExecutionHook


def raw(x: int) -> int:
    return x


def doubled(raw: int) -> int:
    return raw * 2


def label(doubled: int) -> str:
    return str(doubled)


def unrelated() -> float:
    return 1.0


@pytest.fixture
def dr():
    module = create_temporary_module(raw, doubled, label, unrelated)
    return driver.Builder().with_modules(module).build()


def mermaid_edges(text):
    ids = dict(re.findall(r"^\s+(n\d+)[\[(]\"(\w+)", text, re.M))
    return {(ids[a], ids[b]) for a, b in re.findall(r"(n\d+) --> (n\d+)", text)}


def test_display_all_functions_writes_mermaid_and_dot(dr, tmp_path):
    text = dr.display_all_functions(str(tmp_path / "all.mmd"))
    assert (tmp_path / "all.mmd").read_text() == text
    assert text.startswith("flowchart LR")
    assert mermaid_edges(text) == {("x", "raw"), ("raw", "doubled"), ("doubled", "label")}
    assert "doubled: int" in text and "label: str" in text
    fenced = tmp_path / "all.md"
    dr.display_all_functions(str(fenced))
    assert fenced.read_text().startswith("```mermaid\nflowchart LR")
    dot = dr.display_all_functions(str(tmp_path / "all.dot"))
    assert '"raw" -> "doubled";' in dot and '"x" [label="x", style=dashed];' in dot
    assert (tmp_path / "all.dot").read_text() == dot


def test_visualize_execution_shows_only_what_would_run(dr, tmp_path):
    text = dr.visualize_execution(["doubled"], str(tmp_path / "run.mmd"), inputs={"x": 1})
    assert mermaid_edges(text) == {("x", "raw"), ("raw", "doubled")}
    assert "label" not in text and "unrelated" not in text


def test_pictures_show_status_and_time_after_a_run(tmp_path):
    class Timer(NodeExecutionHook):
        def __init__(self):
            self.records = {}

        def run_before_node_execution(self, **kwargs):
            pass

        def run_after_node_execution(self, *, node_name, success, **kwargs):
            duration = 0.0012 if node_name == "doubled" else 0.0000042
            self.records[node_name] = type(
                "R", (), {"status": "ok" if success else "failed", "duration": duration}
            )()

    module = create_temporary_module(raw, doubled)
    dr = driver.Builder().with_modules(module).with_adapters(Timer()).build()
    dr.execute(["doubled"], inputs={"x": 1})
    text = dr.display_all_functions(str(tmp_path / "after.mmd"))
    assert "doubled: int [ok 1.2 ms]" in text
    assert "raw: int [ok 4.2 µs]" in text  # short nodes in microseconds, not "0.0 ms"


def test_unknown_suffix_is_refused_with_the_choices(dr, tmp_path):
    with pytest.raises(ValueError, match=r"unknown suffix '\.jpeg'.*\.mmd"):
        dr.display_all_functions(str(tmp_path / "graph.jpeg"))


@pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="graphviz 'dot' program not installed: PNG/SVG rendering not testable",
)
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_png_and_svg_are_rendered_with_graphviz(dr, tmp_path, suffix):
    target = tmp_path / f"graph{suffix}"
    dr.display_all_functions(str(target))
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_dot_that_dies_midway_keeps_the_old_picture_and_leaves_no_temp_file(
    dr, tmp_path, monkeypatch
):
    """A stand-in ``dot`` that writes half a picture (wherever it is told to) and crashes."""
    import subprocess

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text(
        "#!/bin/sh\n"
        'out=/dev/stdout; while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done\n'
        'printf "half a picture" > "$out"; exit 3\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    target = pictures / "graph.png"
    target.write_bytes(b"old picture")
    with pytest.raises(subprocess.CalledProcessError):
        dr.display_all_functions(str(target))
    assert target.read_bytes() == b"old picture"
    assert [p.name for p in pictures.iterdir()] == ["graph.png"]


def test_rendering_without_graphviz_says_how_to_fix(dr, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="needs the graphviz 'dot' program.*\\.mmd"):
        dr.display_all_functions(str(tmp_path / "graph.png"))
    assert not (tmp_path / "graph.png").exists()


def test_the_format_follows_hamiltons_rule_render_kwargs_then_suffix_then_png(
    dr, tmp_path, monkeypatch
):
    """Format from render_kwargs, else the suffix, else PNG; the file gets the format's suffix."""
    rendered = []
    monkeypatch.setattr(
        "dagwire.visualize._render_with_graphviz",
        lambda text, path, fmt: rendered.append((path.name, fmt)),
    )
    dr.display_all_functions(str(tmp_path / "plain"))
    dr.display_all_functions(str(tmp_path / "my_dag.dot"), render_kwargs={"format": "svg"})
    dr.display_all_functions(str(tmp_path / "as_text.png"), render_kwargs={"format": "mmd"})
    assert rendered == [("plain.png", "png"), ("my_dag.svg", "svg")]
    assert (tmp_path / "as_text.mmd").read_text().startswith("flowchart")
    assert not (tmp_path / "my_dag.dot").exists() and not (tmp_path / "plain").exists()


def test_upstream_downstream_and_path_pictures_show_only_their_part(dr, tmp_path):
    def nodes_in(text):
        return set(re.findall(r'\["(\w+)', text)) | set(re.findall(r'\("(\w+)', text))

    up = dr.display_upstream_of("doubled", output_file_path=str(tmp_path / "up.mmd"))
    down = dr.display_downstream_of("doubled", output_file_path=str(tmp_path / "down.mmd"))
    path = dr.visualize_path_between("raw", "label", str(tmp_path / "path.mmd"))
    assert {"raw", "doubled"} <= nodes_in(up) and "label" not in nodes_in(up)
    assert {"doubled", "label"} <= nodes_in(down) and "raw" not in nodes_in(down)
    assert {"raw", "doubled", "label"} <= nodes_in(path) and "unrelated" not in nodes_in(path)
