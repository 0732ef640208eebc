"""The dynamic schedule: a graph with Parallelizable/Collect nodes, placed in levels.

The root level holds the nodes computed once. A node returning ``Parallelizable[T]`` opens a
*block*: a level holding the nodes that read its items, directly or not, and so run once per item.
The block closes at the nodes that take one of its values through a parameter annotated
``Collect[T]``; they receive the list of that value over all items, in item order. Blocks may nest,
and any number of nodes may collect from one block. ``parallel.py`` runs the levels.

An orchestrator runs a block's items as separate tasks: ``item_scopes`` tells which nodes run per
item, and a schedule made with ``items={expander}`` computes one item's nodes, the expander's
value being that one item.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable
from typing import Any

from ..errors import DynamicExecutionError
from ..graph import FunctionGraph
from ..htypes import is_collect_type, is_parallelizable_type
from ..node import Node
from .schedule import make_schedule


# Plain classes rather than NamedTuples: creating a NamedTuple class costs ~150 µs at import.
class NodeUnit:
    """A node of a level. ``task`` is its task id at the root (Hamilton's naming); inside a block
    the item's task id is used."""

    __slots__ = ("node", "params", "expands", "collects", "task")

    def __init__(
        self, node: Node, params: tuple[str, ...], expands: bool, collects: bool, task: str
    ) -> None:
        self.node, self.params, self.expands, self.collects, self.task = (
            node,
            params,
            expands,
            collects,
            task,
        )


class Block:
    """A Parallelizable node's block, placed in the level that computes the node."""

    __slots__ = ("expander", "level")

    def __init__(self, expander: str, level: Level) -> None:
        self.expander, self.level = expander, level


class Level:
    """Units in a runnable order, with what each waits for and what it is the last to read."""

    __slots__ = ("units", "deps", "drops", "reads", "exports")

    def __init__(
        self,
        units: tuple[NodeUnit | Block, ...],
        deps: tuple[tuple[int, ...], ...],
        drops: tuple[tuple[str, ...], ...],
        reads: tuple[str, ...],
        exports: tuple[str, ...],
    ) -> None:
        self.units = units
        #: For each unit, the indices of the units of this level it waits for.
        self.deps = deps
        #: For each unit, the names whose last reader (in this level) it is; dropped after it.
        self.drops = drops
        #: Names read from the levels around it (an item's task carries their values).
        self.reads = reads
        #: Names the enclosing level collects from this one (at the root: the requested outputs).
        self.exports = exports


class DynamicSchedule:
    """A ``Schedule`` (same fields) plus the tree of levels."""

    __slots__ = ("final_vars", "steps", "input_types", "unset_inputs", "root")

    def __init__(self, schedule: Any, root: Level) -> None:
        self.final_vars, self.steps, self.root = schedule.final_vars, schedule.steps, root
        self.input_types, self.unset_inputs = schedule.input_types, schedule.unset_inputs


def dynamic_schedule(
    graph: FunctionGraph,
    final_vars: Iterable[str],
    given: frozenset[str],
    schedule: Any = None,
    items: frozenset[str] = frozenset(),
) -> DynamicSchedule:
    """Place every needed node in its level; refuse shapes that have no meaning.

    ``items`` are given Parallelizable nodes whose value is one of their items, not the list: the
    nodes of their blocks then run once, at the root (an orchestrator's task for one item).
    """
    if schedule is None:
        schedule = make_schedule(graph, final_vars, given)
    placement = _Placement(graph.nodes, items)
    for step in schedule.steps:
        placement.place(graph.nodes[step.name], step.params, given)
    return DynamicSchedule(schedule, placement.root_level(schedule.final_vars))


def item_scopes(graph: Any, given: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """``{node: the Parallelizable nodes it runs once per item of, outermost first}`` for every
    node computed per item (nodes computed once are left out); ``given`` names are not computed.

    Group plans cut the graph with it, and the lock records it, so a plan made without importing
    the pipeline cuts the same blocks.
    """
    given = frozenset(given)
    placement = _Placement(graph.nodes)
    for name in graph.order:
        if name not in given:
            node = graph.nodes[name]
            placement.place(node, tuple(node.inputs), given)
    return {name: scope for name, scope in placement.scope.items() if scope}


#: How a node reads one parameter: (name, the scope its value lives in, whether it collects it).
Located = tuple[str, tuple[str, ...], bool]


class _Placement:
    """The scope of every placed node (the expanders it runs under, outermost first) and how it
    reads each parameter; then the tree of levels built from them."""

    def __init__(self, nodes: dict[str, Node], items: frozenset[str] = frozenset()) -> None:
        self.nodes = nodes
        self.items = items
        self.scope: dict[str, tuple[str, ...]] = {}
        #: node -> how it reads each parameter, in schedule order
        self.reads: dict[str, list[Located]] = {}

    def item_scope(self, name: str) -> tuple[str, ...]:
        """Where the value a plain parameter receives lives (an expander's items live inside it)."""
        own = self.scope.get(name, ())
        node = self.nodes.get(name)
        if node is not None and is_parallelizable_type(node.type) and name not in self.items:
            return (*own, name)
        return own

    def place(self, node: Node, params: tuple[str, ...], given: frozenset[str]) -> None:
        located = []
        for param in params:
            where = self.item_scope(param)
            # an overridden value arrives whole, unless it is a Parallelizable's list of items
            collects = is_collect_type(node.inputs[param].type) and (
                param not in given or bool(where)
            )
            if collects:
                if not where:
                    raise DynamicExecutionError(
                        f"Node '{node.name}' collects '{param}' ({node.origin}), but '{param}' is "
                        "not computed per item of any Parallelizable node.\nCollect[...] gathers "
                        "the per-item values of a Parallelizable block; annotate the parameter "
                        "with the plain type instead."
                    )
                where = where[:-1]  # the list of all items' values lives one level up
            located.append((param, where, collects))
        deepest = max((w for _, w, _ in located), key=len, default=())
        for param, where, collects in located:
            if deepest[: len(where)] != where:
                other = next(p for p, w, _ in located if w == deepest)
                raise DynamicExecutionError(
                    f"Node '{node.name}' ({node.origin}) combines '{other}', computed per item of "
                    f"{_blocks(deepest)}, with '{param}', computed per item of {_blocks(where)}.\n"
                    "Items of different Parallelizable nodes cannot be paired; collect one of the "
                    "two before combining them."
                )
            if collects:
                inner = self.item_scope(param)
                if deepest[: len(inner)] == inner:
                    raise DynamicExecutionError(
                        f"Node '{node.name}' ({node.origin}) collects '{param}' over the items of "
                        f"{_blocks(inner[-1:])} while itself running once per item of it.\n"
                        "Move the collecting node out of the block: it must not depend on a "
                        "single item."
                    )
        self.scope[node.name] = deepest
        self.reads[node.name] = located

    def root_level(self, final_vars: tuple[str, ...]) -> Level:
        scope = self.scope
        for name in final_vars:
            if scope.get(name):
                raise DynamicExecutionError(
                    f"'{name}' is computed once per item of {_blocks(scope[name])} "
                    f"({self.nodes[name].origin}), so it has no single value to return.\nRequest a "
                    f"node that collects it instead, e.g.\n"
                    f"    def all_{name}({name}: Collect[...]) -> list: return list({name})"
                )
        levels = set(scope.values())
        self.levels = levels | {s[:i] for s in levels for i in range(len(s))}
        #: level -> the names the enclosing level collects from it
        self.exports: dict[tuple[str, ...], dict[str, None]] = {s: {} for s in self.levels}
        for located in self.reads.values():
            for param, _, collects in located:
                where = self.item_scope(param)
                if collects and where and param != where[-1]:
                    self.exports[where][param] = None
        self.exports[()] = dict.fromkeys(final_vars)
        return self.level(())

    def level(self, here: tuple[str, ...]) -> Level:
        depth = len(here)
        units: list[NodeUnit | Block] = []
        unit_reads: list[set[str]] = []
        outside: set[str] = set()  # names read from enclosing levels, anywhere inside this one
        for name, located in self.reads.items():  # in schedule order
            if self.scope[name] != here:
                continue
            node = self.nodes[name]
            params = tuple(p for p, _, _ in located)
            collected = [p for p, _, c in located if c]
            expands = is_parallelizable_type(node.type)
            task = (
                f"expand-{name}"
                if expands
                else f"collect-{self.collected_block(collected[0])}"
                if collected
                else name
            )
            units.append(NodeUnit(node, params, expands, bool(collected), task))
            unit_reads.append(set(params))
            outside.update(p for p, w, _ in located if w != here)
        for child in sorted(s for s in self.levels if len(s) == depth + 1 and s[:depth] == here):
            level = self.level(child)
            units.append(Block(child[-1], level))
            needs = {*level.reads, child[-1]}
            unit_reads.append(needs)
            outside.update(needs)
        produced = {}
        for i, unit in enumerate(units):
            for name in (unit.node.name,) if isinstance(unit, NodeUnit) else unit.level.exports:
                produced[name] = i
        deps = [tuple(sorted({produced[n] for n in r if n in produced})) for r in unit_reads]
        order = list(graphlib.TopologicalSorter(dict(enumerate(deps))).static_order())
        position = {old: new for new, old in enumerate(order)}
        units = [units[i] for i in order]
        unit_reads = [unit_reads[i] for i in order]
        deps = [tuple(sorted(position[d] for d in deps[i])) for i in order]
        keep = self.exports[here]
        last_reader: dict[str, int] = {}
        for i, names in enumerate(unit_reads):
            for n in names:
                last_reader[n] = i
        drops: list[list[str]] = [[] for _ in units]
        for n, i in last_reader.items():
            if n not in keep:
                drops[i].append(n)
        return Level(
            units=tuple(units),
            deps=tuple(deps),
            drops=tuple(tuple(d) for d in drops),
            reads=tuple(sorted(outside - set(produced) - ({here[-1]} if here else set()))),
            exports=tuple(keep),
        )

    def collected_block(self, param: str) -> str:
        node = self.nodes.get(param)
        if node is not None and is_parallelizable_type(node.type):
            return param
        return self.scope.get(param, ("",))[-1]


def _blocks(scope: tuple[str, ...]) -> str:
    return " inside ".join(f"Parallelizable '{e}'" for e in reversed(scope))
