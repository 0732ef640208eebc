"""Schedules: the steps that compute the requested outputs, in order, with what to free after each.

Making a schedule is one backward pass over the graph's topological order: it keeps the nodes the
requested outputs need (stopping at values already given) and records, for each step, which values
nothing after it reads. The driver keeps the schedules it made per request shape, so the pass
(linear in the graph's size) runs once per shape; ``loop.py`` runs them.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from itertools import filterfalse
from operator import attrgetter
from typing import Any, NamedTuple

from ..errors import DynamicExecutionError, InputTypeError, MissingInputsError
from ..graph import FunctionGraph, no_cyclic_gc
from ..htypes import (
    Parallelizable,
    accepts_input,
    is_collect_type,
    is_parallelizable_type,
)
from ..node import type_name


class Step(NamedTuple):
    name: str
    fn: Any
    params: tuple[str, ...]
    #: Values nothing after this step reads: freed as soon as it has run.
    drops: tuple[str, ...]
    #: The params are exactly the function's positional parameters, in order: call positionally.
    positional: bool


class Schedule(NamedTuple):
    final_vars: tuple[str, ...]
    steps: tuple[Step, ...]
    #: (external input, a type declared for it, the nodes declaring it) for the inputs it reads.
    input_types: tuple[tuple[str, Any, tuple[str, ...]], ...] = ()
    #: Requested outputs that are inputs nobody gave: their value is None, as in Apache Hamilton.
    unset_inputs: tuple[str, ...] = ()


def make_schedule(
    graph: FunctionGraph, final_vars: Iterable[str], given: frozenset[str] | set[str]
) -> Schedule:
    """Plan the computation of ``final_vars`` when values for ``given`` names already exist."""
    with no_cyclic_gc():
        return _make_schedule(graph, final_vars, given)


def _make_schedule(
    graph: FunctionGraph, final_vars: Iterable[str], given: frozenset[str] | set[str]
) -> Schedule:
    final_vars = tuple(dict.fromkeys(final_vars))
    nodes = graph.nodes
    unknown = [
        v
        for v in final_vars
        if v not in nodes and v not in given and v not in graph.external_inputs
    ]
    if unknown:
        raise graph.unknown_names_error(unknown)
    # One pass over the topological order, backwards: a node is needed once something needed
    # reads it. Walking backwards also finds each value's last reader first, so the values a step
    # reads that nothing after it needs are exactly those not yet in `needed`: its drops.
    needed = set(final_vars)
    is_needed = needed.__contains__
    steps: list[Step] = []
    add = steps.append
    for name in reversed(graph.order):
        if name in needed and name not in given:
            node = nodes[name]
            params = node.params
            if needed.isdisjoint(params):  # the cheap common cases first
                drops = params
            elif len(params) == 1:
                drops = ()
            else:
                drops = tuple(filterfalse(is_needed, params))
            needed.update(params)
            # tuple.__new__ skips the NamedTuple constructor's Python-level wrapper
            add(_new_tuple(Step, (name, node.fn, params, drops, node.positional)))
    steps.reverse()
    inputs = needed.intersection(graph.external_inputs)
    absent = inputs.difference(given)
    unset: tuple[str, ...] = ()
    if absent:
        steps = _without_absent_inputs(steps, absent, graph)
        unset = tuple(v for v in final_vars if v in absent)
    input_types = _declared_types(inputs - absent, needed, given, graph) if inputs else ()
    return Schedule(final_vars, tuple(steps), input_types, unset)


_new_tuple = tuple.__new__


def _without_absent_inputs(steps: list[Step], absent: set[str], graph: FunctionGraph) -> list[Step]:
    """Leave absent optional inputs to the function's default; refuse absent required ones.

    An absent input that is only requested, not read by a step, is no error: Apache Hamilton
    returns None for it (see ``Schedule.unset_inputs``).
    """
    missing: dict[str, list[str]] = {}
    kept = []
    for step in steps:
        if absent.isdisjoint(step.params):
            kept.append(step)
            continue
        inputs = graph.nodes[step.name].inputs
        for param in absent.intersection(step.params):
            if not inputs[param].optional:
                missing.setdefault(param, []).append(step.name)
        params = tuple(p for p in step.params if p not in absent)
        drops = tuple(d for d in step.drops if d not in absent)
        kept.append(step._replace(params=params, drops=drops, positional=False))
    if missing:
        raise _missing_inputs_error(missing, graph)
    return kept


def _declared_types(
    inputs: set[str], needed: set[str], given: frozenset[str] | set[str], graph: FunctionGraph
) -> tuple[tuple[str, Any, tuple[str, ...]], ...]:
    """Each type the running nodes declare for each input they read, checked once per execute."""
    declared: dict[tuple[str, int], tuple[Any, list[str]]] = {}
    for name in sorted(inputs):
        for reader in graph.external_inputs[name]:
            if reader in needed and reader not in given:
                type_ = graph.nodes[reader].inputs[name].type
                if type_ is not Any:
                    declared.setdefault((name, id(type_)), (type_, []))[1].append(reader)
    return tuple((name, type_, tuple(readers)) for (name, _), (type_, readers) in declared.items())


def check_input_types(
    schedule: Schedule, values: dict[str, Any], overridden: Any, graph: FunctionGraph
) -> None:
    """Refuse, all at once, inputs whose values are not of the types their readers declare (the
    outer type, as ``accepts_input`` judges it); ``None`` passes, as in Apache Hamilton."""
    wrong = []
    for name, type_, readers in schedule.input_types:
        value = values[name]
        if value is None or name in overridden or accepts_input(value, type_):
            continue
        from ..messages import short_repr

        where = ", ".join(f"{r} ({graph.nodes[r].origin})" for r in readers)
        wrong.append(
            f"  {name}: got {type(value).__name__} {short_repr(value)}, but "
            f"'{name}: {type_name(type_)}' is declared by {where}"
        )
    if wrong:
        raise InputTypeError(
            f"{len(wrong)} input{'s' if len(wrong) > 1 else ''} of the wrong type:\n"
            + "\n".join(wrong)
            + "\nPass values of the declared types, or change the annotations."
        )


def inputs_read(schedule: Schedule, graph: FunctionGraph) -> set[str]:
    """The external inputs a schedule reads (pictures of an execution show them)."""
    return {p for step in schedule.steps for p in step.params if p not in graph.nodes}


def _missing_inputs_error(
    missing: dict[str, list[str]], graph: FunctionGraph
) -> MissingInputsError:
    lines = []
    for name in sorted(missing):
        needers = missing[name]
        types = {type_name(graph.nodes[n].inputs[name].type) for n in needers if n in graph.nodes}
        typ = f" ({', '.join(sorted(types))})" if types else ""
        lines.append(f"  {name}{typ}: needed by {', '.join(needers)}")
    unchosen = [u.explain() for u in map(graph.unchosen, sorted(missing)) if u is not None]
    return MissingInputsError(
        f"{len(missing)} required input{'s' if len(missing) > 1 else ''} not provided:\n"
        + "\n".join(lines)
        + "\nPass them with execute(..., inputs={...}) or in the driver config, "
        "or give the parameters a default value." + "".join(f"\n{text}" for text in unchosen)
    )


# --- the plain loop refuses what needs dynamic execution -------------------------------------
ENABLE = "Builder().enable_dynamic_execution(allow_experimental_mode=True)"


def static_schedule(
    graph: FunctionGraph, final_vars: Iterable[str], given: frozenset[str]
) -> Schedule:
    """The schedule of the plain loop; refuses Parallelizable/Collect nodes (they need dynamic
    execution)."""
    schedule = make_schedule(graph, final_vars, given)
    expanders, collectors = _parallel_nodes(graph)
    if not expanders and not collectors:
        return schedule
    nodes = graph.nodes
    for step in schedule.steps:
        node = nodes[step.name]
        for name in (step.name, *step.params):  # a Parallelizable computed here or read here
            if name in expanders:
                source = nodes[name]
                raise DynamicExecutionError(
                    f"Node '{name}' returns {type_text(source.type)} ({source.origin}): what is "
                    "downstream of it runs once per item, which needs dynamic execution.\n"
                    f"Build the driver with {ENABLE}."
                )
        if step.name in collectors:
            for param in step.params:
                dep = node.inputs[param]
                if is_collect_type(dep.type) and param not in given:
                    raise DynamicExecutionError(
                        f"Node '{node.name}' collects '{param}: {type_text(dep.type)}' "
                        f"({node.origin}), which needs dynamic execution.\nBuild the driver with "
                        f"{ENABLE}."
                    )
    return schedule


_PARALLEL_NODES: weakref.WeakKeyDictionary[FunctionGraph, tuple[set[str], set[str]]] = (
    weakref.WeakKeyDictionary()
)


def _parallel_nodes(graph: FunctionGraph) -> tuple[set[str], set[str]]:
    """The graph's Parallelizable nodes and the nodes with a Collect parameter, found once.

    Cheap when there are none, as in most graphs: return types are judged once per distinct type,
    and a ``Collect[T]`` parameter can only sit at the end of an edge whose two ends declare
    different types, or read an external input.
    """
    found = _PARALLEL_NODES.get(graph)
    if found is None:
        nodes = graph.nodes
        try:
            kinds = set(map(attrgetter("type"), nodes.values()))
            unusual = any(is_parallelizable_type(t) or is_collect_type(t) for t in kinds)
        except TypeError:  # an unhashable annotation: judge every node
            unusual = True
        if unusual:
            expanders = {name for name, node in nodes.items() if is_parallelizable_type(node.type)}
            edges = [(dep, name) for name, node in nodes.items() for dep in node.inputs]
        else:
            expanders = set()
            edges = graph.typed_edges + [
                (dep, name) for dep, names in graph.external_inputs.items() for name in names
            ]
        collectors = {name for dep, name in edges if is_collect_type(nodes[name].inputs[dep].type)}
        found = _PARALLEL_NODES[graph] = (expanders, collectors)
    return found


def fans_out(graph: FunctionGraph) -> bool:
    """Whether ``graph`` has Parallelizable or Collect nodes (which need dynamic execution)."""
    return any(_parallel_nodes(graph))


def type_text(tp: Any) -> str:
    """``Parallelizable[int]`` rather than ``<package>.dagwire.htypes.Parallelizable[int]``."""
    return type_name(tp).replace(f"{Parallelizable.__module__}.", "")
