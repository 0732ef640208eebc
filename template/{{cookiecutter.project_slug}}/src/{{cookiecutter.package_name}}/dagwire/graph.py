"""The function graph: nodes, the edges their parameter names imply, and lineage queries.

Construction checks everything that can be checked without data — duplicate names, cycles (with
their path), and edge types — so that mistakes surface when the driver is built, not halfway
through a run.
"""

from __future__ import annotations

import contextlib
import gc
import graphlib
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any

from .errors import DuplicateNodeError, GraphCycleError, TypeMismatchError, UnknownOutputError
from .function_modifiers.base import MODIFIERS_ATTR, function_node_name, nodes_from_function
from .function_modifiers.config import Unchosen, config_conditions
from .htypes import is_compatible
from .node import Dependency, Node, node_from_function, public_functions_of, type_name


class FunctionGraph:
    """An immutable DAG of nodes. ``order`` is a topological order of all nodes."""

    def __init__(self, nodes: dict[str, Node], config: dict[str, Any]) -> None:
        self.nodes = nodes
        self.config = config
        external: dict[str, list[str]] = {}
        #: Edges (upstream, node) whose two ends declare different types: check_edge_types judges
        #: only these, and only these can end in a ``Collect[T]`` parameter.
        self.typed_edges: list[tuple[str, str]] = []
        placed: set[str] = set()
        in_order = True  # whether every node comes after the nodes it reads
        for name, node in nodes.items():
            for dep, (accepted, _) in node.inputs.items():
                upstream = nodes.get(dep)
                if upstream is None:
                    external.setdefault(dep, []).append(name)
                    continue
                if dep not in placed:
                    in_order = False
                if upstream.type is not accepted:
                    self.typed_edges.append((dep, name))
            placed.add(name)
        #: Inputs no node computes, mapped to the nodes that need them.
        self.external_inputs = external
        #: ``@config`` functions this config left out, by the node each would define.
        self.left_out: dict[str, list[Callable[..., Any]]] = {}
        self._downstream_of: dict[str, list[str]] | None = None
        # Functions are usually written after the ones they read; then that order is already
        # topological and sorting is skipped.
        self.order = list(nodes) if in_order else _topological_order(nodes)
        self._position: dict[str, int] | None = None

    @property
    def config_only(self) -> list[str]:
        """Config keys no node reads: Apache Hamilton still lists them as inputs of the graph."""
        return [k for k in self.config if k not in self.nodes and k not in self.external_inputs]

    def unchosen(self, name: str) -> Unchosen | None:
        """Why no node ``name`` exists, if ``@config`` variants define it but none was chosen."""
        if name in self.nodes or name not in self.left_out:
            return None
        return Unchosen(name, tuple(self.left_out[name]), self.config)

    @property
    def downstream_of(self) -> dict[str, list[str]]:
        """Each node's readers, built on first use (lineage queries need them)."""
        if self._downstream_of is None:
            readers: dict[str, list[str]] = {name: [] for name in self.nodes}
            for name, node in self.nodes.items():
                for dep in node.params:
                    if dep in readers:
                        readers[dep].append(name)
            self._downstream_of = readers
        return self._downstream_of

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
        left_out: dict[str, list[Callable[..., Any]]] = {}
        for module in modules:
            for obj in public_functions_of(module):
                if not hasattr(obj, MODIFIERS_ATTR):  # the common case: one plain node
                    node = node_from_function(obj)
                    if node.name in nodes:
                        _check_override(nodes[node.name], node, allow_module_overrides)
                    nodes[node.name] = node
                    continue
                made = nodes_from_function(obj, config)
                if not made and config_conditions(obj):  # a variant this config did not choose
                    left_out.setdefault(function_node_name(obj), []).append(obj)
                for node in made:
                    if "module" not in node.tags:
                        node.tags = {"module": module.__name__, **node.tags}
                    if node.name in nodes:
                        _check_override(nodes[node.name], node, allow_module_overrides)
                    nodes[node.name] = node
        graph = cls(nodes, config)
        graph.left_out = left_out
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
        from .messages import did_you_mean

        known = [*self.nodes, *self.external_inputs]
        lines = []
        for name in names:
            unchosen = self.unchosen(name)
            if unchosen is not None:
                lines.append("  " + unchosen.explain().replace("\n", "\n  "))
            else:
                lines.append(f"  '{name}' is not a node of this graph.{did_you_mean(name, known)}")
        return UnknownOutputError(
            f"Unknown {what}{'s' if len(lines) > 1 else ''}:\n"
            + "\n".join(lines)
            + "\nList the available names with driver.list_available_variables()."
        )

    # --- lineage -------------------------------------------------------------------------------
    def upstream(self, names: Iterable[str]) -> set[str]:
        """``names`` and everything they depend on, including external inputs. A function the
        config replaces depends on nothing: its value is the config's."""
        seen: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            node = self.nodes.get(name)
            if node is not None and name not in self.config:
                stack.extend(node.inputs)
        return seen

    def downstream(self, names: Iterable[str]) -> set[str]:
        """``names`` and everything that depends on them (not through a function the config
        replaces: its value does not depend on its parameters)."""
        seen: set[str] = set()
        stack = list(names)
        config = self.config
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            for reader in (*self.downstream_of.get(name, ()), *self.external_inputs.get(name, ())):
                if reader not in config:
                    stack.append(reader)
        return seen

    def only_config_reads(self, name: str) -> bool:
        """Whether ``name`` is an input read only by functions the config replaces: then it is
        no input of this graph (Apache Hamilton does not list it)."""
        readers = self.external_inputs.get(name)
        return bool(readers) and all(r in self.config for r in readers)

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
    return node.tags.get("module")


def _topological_order(nodes: dict[str, Node]) -> list[str]:
    """Definition order, each node preceded by any ancestors defined after it: a depth-first pass
    over the parameters, touching only nodes that are out of place.

    graphlib costs several times as much per node, which matters on every driver build; it is
    used when this pass meets a cycle, to report it with its path.
    """
    order: list[str] = []
    placed: set[str] = set()
    on_path: set[str] = set()  # the nodes on the stack: meeting one again means a cycle
    for root in nodes:
        if root in placed:
            continue
        on_path.add(root)
        stack = [(root, iter(nodes[root].params))]  # each node with where its scan stands
        while stack:
            name, reads = stack[-1]
            for dep in reads:
                if dep in nodes and dep not in placed:
                    if dep in on_path:
                        _raise_cycle(nodes)
                    on_path.add(dep)
                    stack.append((dep, iter(nodes[dep].params)))
                    break
            else:  # every node it reads is placed: place it
                stack.pop()
                on_path.discard(name)
                placed.add(name)
                order.append(name)
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
