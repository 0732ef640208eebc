"""Apache Hamilton's public view of a graph: what hooks and validators receive.

``HamiltonNode`` and ``HamiltonGraph`` expose a node's name, type, tags, documentation and
dependencies without the engine's internals, so adapters written for Hamilton read the same
attributes here. They are built on demand, never during an ordinary run.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .graph import FunctionGraph


@dataclass
class HamiltonNode:
    name: str
    type: Any
    tags: dict[str, Any]
    is_external_input: bool
    originating_functions: tuple[Callable[..., Any], ...] | None
    documentation: str | None
    required_dependencies: set[str]
    optional_dependencies: set[str]
    optional_dependencies_default_values: dict[str, Any]

    @staticmethod
    def from_graph_node(graph: FunctionGraph, name: str) -> HamiltonNode:
        """The view of node (or external input) ``name`` of ``graph``."""
        node = graph.nodes.get(name)
        if node is None:
            readers = graph.external_inputs.get(name, [])
            types = [graph.nodes[r].inputs[name].type for r in readers]
            return HamiltonNode(
                name, types[0] if types else Any, {}, True, None, None, set(), set(), {}
            )
        fn = node.user_function
        optional = {k for k, d in node.inputs.items() if d.optional}
        return HamiltonNode(
            name=name,
            type=node.type,
            tags=node.tags,
            is_external_input=False,
            originating_functions=(fn,) if fn else None,
            documentation=node.doc,
            required_dependencies={k for k in node.inputs if k not in optional},
            optional_dependencies=optional,
            optional_dependencies_default_values={
                k: v for k, v in _defaults_of(fn).items() if k in optional
            }
            if optional
            else {},
        )

    @functools.cached_property
    def version(self) -> str | None:
        """A hash of the originating function's source without docstrings and comments (a comment
        edit keeps it); an external input's version is its name, as in Apache Hamilton."""
        if not self.originating_functions:
            return self.name if self.is_external_input else None
        from .caching.code_version import code_version

        return code_version(self.originating_functions[0])

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tags": self.tags,
            "output_type": getattr(self.type, "__name__", str(self.type)),
            "required_dependencies": sorted(self.required_dependencies),
            "optional_dependencies": sorted(self.optional_dependencies),
            "documentation": self.documentation,
            "version": self.version,
        }


@dataclass
class HamiltonGraph:
    nodes: list[HamiltonNode]

    @staticmethod
    def from_graph(graph: FunctionGraph) -> HamiltonGraph:
        names = [*graph.nodes, *graph.external_inputs, *graph.config_only]
        return HamiltonGraph([HamiltonNode.from_graph_node(graph, n) for n in names])

    @functools.cached_property
    def version(self) -> str:
        """A hash of the node versions: it changes when any function's source does."""
        versions = sorted(v for v in (n.version for n in self.nodes) if v is not None)
        return hashlib.sha256(str(versions).encode()).hexdigest()

    @functools.cached_property
    def _by_name(self) -> dict[str, HamiltonNode]:
        return {n.name: n for n in self.nodes}

    def __getitem__(self, name: str) -> HamiltonNode:
        return self._by_name[name]

    def filter_nodes(self, filter: Callable[[HamiltonNode], bool]) -> list[HamiltonNode]:  # noqa: A002 - Hamilton's name
        return [n for n in self.nodes if filter(n) is True]


def _defaults_of(fn: Any) -> dict[str, Any]:
    code = getattr(fn, "__code__", None)
    if code is None:
        return {}
    positional = code.co_varnames[: code.co_argcount]
    defaults = getattr(fn, "__defaults__", None) or ()
    found = dict(zip(positional[len(positional) - len(defaults) :], defaults, strict=True))
    found.update(getattr(fn, "__kwdefaults__", None) or {})
    return found
