"""The function graph: nodes, the edges their parameter names imply, and lineage queries.

Construction checks everything that can be checked without data — duplicate names, cycles (with
their path), and edge types — so that mistakes surface when the driver is built, not halfway
through a run.
"""

from __future__ import annotations

import contextlib
import gc
import graphlib
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

from .errors import DuplicateNodeError, GraphCycleError, TypeMismatchError, UnknownOutputError
from .function_modifiers.base import MODIFIERS_ATTR, nodes_from_function
from .node import Dependency, Node, node_from_function, public_functions_of, type_name
from .types import is_compatible


class FunctionGraph:
    """An immutable DAG of nodes. ``order`` is a topological order of all nodes."""

    def __init__(self, nodes: dict[str, Node], config: dict[str, Any]) -> None:
        self.nodes = nodes
        self.config = config
        downstream_of: dict[str, list[str]] = {name: [] for name in nodes}
        external: dict[str, list[str]] = {}
        in_degree: dict[str, int] = {}
        #: Edges (upstream, node) whose two ends declare different types: check_edge_types judges
        #: only these, and only these can end in a ``Collect[T]`` parameter.
        self.typed_edges: list[tuple[str, str]] = []
        for name, node in nodes.items():
            count = 0
            for dep, (accepted, _) in node.inputs.items():
                children = downstream_of.get(dep)
                if children is not None:
                    children.append(name)
                    count += 1
                    if nodes[dep].type is not accepted:
                        self.typed_edges.append((dep, name))
                else:
                    external.setdefault(dep, []).append(name)
            in_degree[name] = count
        self.downstream_of = downstream_of
        #: Inputs no node computes, mapped to the nodes that need them.
        self.external_inputs = external
        self.order = _topological_order(nodes, downstream_of, in_degree)
        self._position: dict[str, int] | None = None

    @property
    def position(self) -> dict[str, int]:
        """Each node's index in ``order``, built on first use (lineage queries list in it)."""
        if self._position is None:
            self._position = {name: i for i, name in enumerate(self.order)}
        return self._position

    @classmethod
    def from_modules(
        cls,
        modules: Iterable[ModuleType],
        config: dict[str, Any],
        *,
        allow_module_overrides: bool = False,
        check_types: bool = True,
    ) -> FunctionGraph:
        with no_cyclic_gc():
            return cls._from_modules(modules, config, allow_module_overrides, check_types)

    @classmethod
    def _from_modules(
        cls,
        modules: Iterable[ModuleType],
        config: dict[str, Any],
        allow_module_overrides: bool,
        check_types: bool,
    ) -> FunctionGraph:
        nodes: dict[str, Node] = {}
        for module in modules:
            for obj in public_functions_of(module):
                if not hasattr(obj, MODIFIERS_ATTR):  # the common case: one plain node
                    node = node_from_function(obj)
                    if node.name in nodes:
                        _check_override(nodes[node.name], node, allow_module_overrides)
                    nodes[node.name] = node
                    continue
                for node in nodes_from_function(obj, config):
                    if node.name in nodes:
                        _check_override(nodes[node.name], node, allow_module_overrides)
                    nodes[node.name] = node
        graph = cls(nodes, config)
        if check_types:
            graph.check_edge_types()
        return graph

    # --- checks --------------------------------------------------------------------------------
    def check_edge_types(self) -> None:
        nodes = self.nodes
        for dep_name, node_name in self.typed_edges:
            node, upstream = nodes[node_name], nodes[dep_name]
            accepted = node.inputs[dep_name].type
            if not is_compatible(upstream.type, accepted):
                raise TypeMismatchError(
                    f"Type mismatch on edge '{dep_name}' -> '{node.name}': "
                    f"'{dep_name}' returns {type_name(upstream.type)} "
                    f"({upstream.origin}),\nbut '{node.name}' declares parameter "
                    f"'{dep_name}: {type_name(accepted)}' ({node.origin}).\n"
                    "Make the annotations agree (or annotate the parameter with a base type)."
                )

    def unknown_names_error(self, names: Iterable[str], what: str = "output") -> UnknownOutputError:
        import difflib

        known = [*self.nodes, *self.external_inputs]
        lines = []
        for name in names:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            lines.append(f"  '{name}' is not a node of this graph.{hint}")
        return UnknownOutputError(
            f"Unknown {what}{'s' if len(lines) > 1 else ''}:\n"
            + "\n".join(lines)
            + "\nList the available names with driver.list_available_variables()."
        )

    # --- lineage -------------------------------------------------------------------------------
    def upstream(self, names: Iterable[str]) -> set[str]:
        """``names`` and everything they depend on, including external inputs."""
        seen: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            node = self.nodes.get(name)
            if node is not None:
                stack.extend(node.inputs)
        return seen

    def downstream(self, names: Iterable[str]) -> set[str]:
        """``names`` and everything that depends on them."""
        seen: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            stack.extend(self.downstream_of.get(name, ()))
            stack.extend(self.external_inputs.get(name, ()))
        return seen

    def dependency(self, node_name: str, input_name: str) -> Dependency:
        return self.nodes[node_name].inputs[input_name]

    def path_to(self, start: str, targets: Iterable[str]) -> list[str]:
        """A shortest downstream path from ``start`` to any of ``targets`` (for error messages)."""
        targets = set(targets)
        came_from: dict[str, str | None] = {start: None}
        queue = [start]
        for name in queue:
            if name in targets:
                path = []
                step: str | None = name
                while step is not None:
                    path.append(step)
                    step = came_from[step]
                return path[::-1]
            for child in self.downstream_of.get(name, ()):
                if child not in came_from:
                    came_from[child] = name
                    queue.append(child)
        return [start]


def _check_override(previous: Node, node: Node, allowed: bool) -> None:
    """A name defined twice is an error, unless a later module may replace an earlier one."""
    if not (allowed and _module_of(previous) != _module_of(node)):
        raise DuplicateNodeError(
            f"Node '{node.name}' is defined twice:\n  {previous.origin}\n  {node.origin}\n"
            "Rename one of them, or, if a later module should replace an earlier one, build with "
            "Builder().allow_module_overrides()."
        )


def _module_of(node: Node) -> str | None:
    fn = node.user_function
    return getattr(fn, "__module__", None)


def _topological_order(
    nodes: dict[str, Node], downstream_of: dict[str, list[str]], waiting: dict[str, int]
) -> list[str]:
    """Kahn's algorithm over the edges already collected: one pass, no extra structures.

    graphlib costs about seven times as much per node, which matters on every driver build; it is
    used when this pass cannot order every node, to find and report the cycle.
    """
    order = [name for name, count in waiting.items() if not count]
    for name in order:
        for child in downstream_of[name]:
            left = waiting[child] - 1
            waiting[child] = left
            if not left:
                order.append(child)
    if len(order) < len(nodes):
        _raise_cycle(nodes)
    return order


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building: nodes are many small, acyclic objects.

    Left on, it runs full collections over everything allocated so far, repeatedly, which on
    large graphs costs more than the build itself. Reference counting still frees memory.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _raise_cycle(nodes: dict[str, Node]) -> None:
    sorter = graphlib.TopologicalSorter(
        {name: [d for d in node.inputs if d in nodes] for name, node in nodes.items()}
    )
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]  # [a, b, ..., a]: each feeds the next, the direction data flows
        where = "\n".join(f"  {name}: {nodes[name].origin}" for name in dict.fromkeys(cycle))
        raise GraphCycleError(
            "The graph has a cycle: " + " -> ".join(cycle) + "\n" + where + "\n"
            "Each function's parameters name the values it needs; break the loop by renaming a "
            "parameter or by splitting one function in two."
        ) from None
    raise GraphCycleError("The graph has a cycle, but graphlib could not locate it.")
