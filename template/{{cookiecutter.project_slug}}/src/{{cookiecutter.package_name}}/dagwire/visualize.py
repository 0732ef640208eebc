"""Text pictures of a graph (Mermaid and Graphviz DOT) that need no graphviz install to make."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .graph import FunctionGraph
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


def to_mermaid(
    graph: FunctionGraph, names: Iterable[str] | None = None, status: dict[str, Any] | None = None
) -> str:
    """A ``flowchart LR`` of the given nodes (all by default); external inputs are rounded."""
    selected = set(graph.nodes) | set(graph.external_inputs) if names is None else set(names)
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
    selected = set(graph.nodes) | set(graph.external_inputs) if names is None else set(names)
    lines = ["digraph dagwire {", "    rankdir=LR;", "    node [shape=box];"]
    for name in sorted(selected):
        style = "" if name in graph.nodes else ", style=dashed"
        label = _escape(_label(graph, name, status))
        lines.append(f'    "{_escape(name)}" [label="{label}"{style}];')
    for dep, name in _edges(graph, selected):
        lines.append(f'    "{_escape(dep)}" -> "{_escape(name)}";')
    lines.append("}")
    return "\n".join(lines) + "\n"
