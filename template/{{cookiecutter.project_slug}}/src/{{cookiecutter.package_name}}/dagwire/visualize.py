"""Pictures of a graph: Mermaid and DOT text, and an SVG drawn in pure Python (``drawing``) or by
graphviz when it is installed; PNG and PDF need graphviz."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .graph import FunctionGraph
from .io.atomic import atomic_write
from .node import type_name


def _label(graph: FunctionGraph, name: str, status: dict[str, Any] | None) -> str:
    node = graph.nodes.get(name)
    text = name if node is None else f"{name}: {type_name(node.type)}"
    extra = (status or {}).get(name)
    if extra:
        text += f" [{extra}]"
    return text


def _escape(text: str, quote: str = '"') -> str:
    return text.replace("\\", "\\\\").replace(quote, "'").replace("<", "&lt;").replace(">", "&gt;")


def _edges(graph: FunctionGraph, names: set[str]) -> list[tuple[str, str]]:
    return [
        (dep, name)
        for name in sorted(names)
        if name in graph.nodes
        for dep in graph.nodes[name].inputs
        if dep in names
    ]


def _selected(graph: FunctionGraph, names: Iterable[str] | None) -> set[str]:
    return set(graph.nodes) | set(graph.external_inputs) if names is None else set(names)


def to_mermaid(
    graph: FunctionGraph, names: Iterable[str] | None = None, status: dict[str, Any] | None = None
) -> str:
    """A ``flowchart LR`` of the given nodes (all by default); external inputs are rounded."""
    selected = _selected(graph, names)
    ids = {name: f"n{i}" for i, name in enumerate(sorted(selected))}
    lines = ["flowchart LR"]
    for name in sorted(selected):
        label = _escape(_label(graph, name, status))
        shape = f'("{label}")' if name not in graph.nodes else f'["{label}"]'
        lines.append(f"    {ids[name]}{shape}")
    for dep, name in _edges(graph, selected):
        lines.append(f"    {ids[dep]} --> {ids[name]}")
    return "\n".join(lines) + "\n"


def to_dot(
    graph: FunctionGraph, names: Iterable[str] | None = None, status: dict[str, Any] | None = None
) -> str:
    """A DOT digraph of the given nodes (all by default); external inputs are dashed."""
    selected = _selected(graph, names)
    lines = ["digraph dagwire {", "    rankdir=LR;", "    node [shape=box];"]
    for name in sorted(selected):
        style = "" if name in graph.nodes else ", style=dashed"
        label = _escape(_label(graph, name, status))
        lines.append(f'    "{_escape(name)}" [label="{label}"{style}];')
    for dep, name in _edges(graph, selected):
        lines.append(f'    "{_escape(dep)}" -> "{_escape(name)}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(
    graph: FunctionGraph,
    names: Iterable[str] | None = None,
    status: dict[str, Any] | None = None,
    *,
    groups: dict[str, str] | None = None,
    title: str | None = None,
) -> str:
    """A layered SVG of the given nodes (all by default), drawn in pure Python: each node shows
    its type and its status text; a status that names an outcome (``success``, ``failure``,
    ``from cache``, ...) colours the node, and external inputs are drawn as inputs."""
    from .drawing import dataflow_svg

    selected = _selected(graph, names)
    status = status or {}
    lines = {name: _svg_lines(graph, name, status.get(name)) for name in selected}
    colours = {}
    for name in selected:
        outcome = _outcome(status.get(name))
        if outcome is None and name not in graph.nodes:
            outcome = "input"
        if outcome:
            colours[name] = outcome
    edges = _edges(graph, selected)
    return dataflow_svg(
        sorted(selected), edges, lines=lines, status=colours, groups=groups, title=title
    )


def _svg_lines(graph: FunctionGraph, name: str, status: Any) -> list[str]:
    node = graph.nodes.get(name)
    lines = [type_name(node.type)] if node is not None else []
    return lines + [str(status)] if status else lines


#: The first words of status texts (timing adapters, the cache's run view) -> the picture's status.
_OUTCOMES = {
    "success": "completed",
    "ok": "completed",
    "completed": "completed",
    "computed": "completed",
    "failure": "failed",
    "failed": "failed",
    "skipped": "skipped",
    "from": "cached",  # "from cache"
    "cached": "cached",
    "reused": "reused",
}


def _outcome(status: Any) -> str | None:
    words = str(status or "").split()
    return _OUTCOMES.get(words[0].lower()) if words else None


def write_picture(
    graph: FunctionGraph,
    path: str | Path,
    names: Iterable[str] | None = None,
    status: dict[str, Any] | None = None,
    fmt: str | None = None,
) -> str:
    """Write a picture and return its text (Mermaid or DOT).

    The format is ``fmt`` if given (Hamilton's ``render_kwargs={"format": ...}``), else the file's
    suffix, else PNG, as in Apache Hamilton; the file gets that format's suffix. ``mmd`` is
    Mermaid, ``md`` Mermaid in a fenced block (renders on GitHub), ``dot`` DOT text; ``png``,
    ``svg`` and ``pdf`` are rendered with the graphviz ``dot`` program when it is installed, and
    ``svg`` is drawn in pure Python (``to_svg``) when it is not.
    """
    path = Path(path)
    suffix = path.suffix[1:].lower()
    fmt = (fmt or suffix or "png").lower().lstrip(".")
    if fmt != suffix:
        path = path.with_name(f"{path.stem if suffix else path.name}.{fmt}")
    if fmt in ("mmd", "md"):
        text = to_mermaid(graph, names, status)
        _write_text(path, f"```mermaid\n{text}```\n" if fmt == "md" else text)
        return text
    text = to_dot(graph, names, status)
    if fmt in ("dot", "gv"):
        _write_text(path, text)
    elif fmt == "svg" and not graphviz_available():
        _write_text(path, to_svg(graph, names, status))
    elif f".{fmt}" in RENDERED_FORMATS:
        _render_with_graphviz(text, path, fmt)
    else:
        raise ValueError(
            f"Cannot write a graph picture to '{path}': unknown suffix '.{fmt}'. "
            f"Use .mmd, .md, .dot or one of {', '.join(sorted(RENDERED_FORMATS))}."
        )
    return text


RENDERED_FORMATS = frozenset({".png", ".svg", ".pdf"})


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def _render_with_graphviz(dot_text: str, path: Path, fmt: str) -> None:
    if not graphviz_available():
        raise RuntimeError(
            f"Rendering '{path.name}' needs the graphviz 'dot' program, which is not installed. "
            "Install graphviz (e.g. apt-get install graphviz / brew install graphviz), or write "
            "a .svg file instead (drawn without graphviz), or a .mmd, .md or .dot file."
        )
    with atomic_write(path) as file:  # dot writes to the temporary file; a failure leaves none
        subprocess.run(["dot", f"-T{fmt}"], input=dot_text.encode(), stdout=file, check=True)


def _write_text(path: Path, text: str) -> None:
    with atomic_write(path) as file:
        file.write(text.encode("utf-8"))
