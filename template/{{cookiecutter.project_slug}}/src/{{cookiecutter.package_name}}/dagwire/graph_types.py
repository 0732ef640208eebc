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

    @staticmethod
    def from_input(graph: FunctionGraph, name: str, module_names: list[str]) -> HamiltonNode:
        """The view of ``name`` as an input of the graph, read by its nodes, as Apache Hamilton
        presents it: a value no node computes, or a function the config replaces.

        Its originating functions are the functions that read it, in Hamilton's order (modules
        in the order given, functions by name within one): the first reader, then any reader
        declaring another type. Inputs only config-replaced functions read have no readers.
        """
        readers = input_readers(graph, name, module_names)
        functions: list[Callable[..., Any]] = []
        declared: list[Any] = []
        for reader in readers:
            node = graph.nodes[reader]
            type_ = node.inputs[name].type
            if (not functions or type_ not in declared) and node.user_function is not None:
                functions.append(node.user_function)
                declared.append(type_)
        computed = graph.nodes.get(name)
        type_ = declared[0] if declared else computed.type if computed else Any
        return HamiltonNode(name, type_, {}, True, tuple(functions) or None, None, set(), set(), {})

    @functools.cached_property
    def version(self) -> str | None:
        """A hash of the originating function's source without docstrings and comments (a comment
        edit keeps it); an external input's version is its name, as in Apache Hamilton."""
        if not self.originating_functions:
            return self.name if self.is_external_input else None
        from .caching.code_version import code_version

        return code_version(self.originating_functions[0])

    def as_dict(self) -> dict[str, Any]:
        """The node as JSON-ready data, with Hamilton's keys (``Driver.export_execution``)."""
        return {
            "name": self.name,
            "tags": self.tags,
            "output_type": type_string(self.type),
            "required_dependencies": sorted(self.required_dependencies),
            "optional_dependencies": sorted(self.optional_dependencies),
            "source": _source_of(self.originating_functions),
            "documentation": self.documentation or "",
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


def input_readers(graph: FunctionGraph, name: str, module_names: list[str]) -> list[str]:
    """The nodes reading input ``name`` that run (not replaced by config), in Hamilton's order."""
    config = graph.config
    readers = graph.external_inputs.get(name) or graph.downstream_of.get(name, [])
    modules = {module: i for i, module in enumerate(module_names)}

    def hamilton_order(reader: str) -> tuple[int, str]:
        fn = graph.nodes[reader].user_function
        module = getattr(fn, "__module__", None)
        return modules.get(module, len(modules)), getattr(fn, "__name__", reader)

    return sorted((r for r in readers if r not in config), key=hamilton_order)


def type_string(type_: Any) -> str:
    """A type's short name as Hamilton writes it in exports: ``int``, ``DataFrame``, ``dict``."""
    import typing

    if typing.get_origin(type_) is typing.Annotated:
        return type_string(typing.get_args(type_)[0])
    name = getattr(type_, "__name__", None)
    if name:
        return name
    origin = typing.get_origin(type_)
    return type_string(origin) if origin is not None else repr(type_)


def _source_of(functions: tuple[Callable[..., Any], ...] | None) -> str | None:
    if not functions:
        return None
    import inspect

    try:
        return inspect.getsource(functions[0])
    except (OSError, TypeError):
        return None
