"""The executor: a flat loop over a precomputed plan.

Planning is one backward pass over the graph's topological order: it keeps the nodes the
requested outputs need (stopping at values already given) and records, for each step, which values
nothing after it reads. Executing is then a loop with no recursion — a 100,000-node chain runs like
a 3-node one — that frees intermediate values as soon as nothing downstream needs them. Plans are
cached per request shape by the driver, so the pass (linear in the graph's size) runs once.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import filterfalse
from typing import Any, NamedTuple

from ..errors import InputTypeError, MissingInputsError
from ..graph import FunctionGraph, no_cyclic_gc
from ..htypes import accepts_input
from ..lifecycle.adapters import AdapterSet
from ..node import type_name


class Step(NamedTuple):
    name: str
    fn: Any
    params: tuple[str, ...]
    #: Values nothing after this step reads: freed as soon as it has run.
    drops: tuple[str, ...]
    #: The params are exactly the function's positional parameters, in order: call positionally.
    positional: bool


class ExecutionPlan(NamedTuple):
    final_vars: tuple[str, ...]
    steps: tuple[Step, ...]
    #: (external input, a type declared for it, the nodes declaring it) for the inputs it reads.
    input_types: tuple[tuple[str, Any, tuple[str, ...]], ...] = ()


def make_plan(
    graph: FunctionGraph, final_vars: Iterable[str], given: frozenset[str] | set[str]
) -> ExecutionPlan:
    """Plan the computation of ``final_vars`` when values for ``given`` names already exist."""
    with no_cyclic_gc():
        return _make_plan(graph, final_vars, given)


def _make_plan(
    graph: FunctionGraph, final_vars: Iterable[str], given: frozenset[str] | set[str]
) -> ExecutionPlan:
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
    if absent:
        steps = _without_absent_inputs(steps, absent, final_vars, graph)
    input_types = _declared_types(inputs - absent, needed, given, graph) if inputs else ()
    return ExecutionPlan(final_vars, tuple(steps), input_types)


_new_tuple = tuple.__new__


def _without_absent_inputs(
    steps: list[Step], absent: set[str], final_vars: tuple[str, ...], graph: FunctionGraph
) -> list[Step]:
    """Leave absent optional inputs to the function's default; refuse absent required ones."""
    missing: dict[str, list[str]] = {v: ["(requested output)"] for v in final_vars if v in absent}
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
    plan: ExecutionPlan, values: dict[str, Any], overridden: Any, graph: FunctionGraph
) -> None:
    """Refuse, all at once, inputs whose values are not of the types their readers declare (the
    outer type, as ``accepts_input`` judges it); ``None`` passes, as in Apache Hamilton."""
    wrong = []
    for name, type_, readers in plan.input_types:
        value = values[name]
        if value is None or name in overridden or accepts_input(value, type_):
            continue
        where = ", ".join(f"{r} ({graph.nodes[r].origin})" for r in readers)
        wrong.append(
            f"  {name}: got {type(value).__name__} {_short_repr(value)}, but "
            f"'{name}: {type_name(type_)}' is declared by {where}"
        )
    if wrong:
        raise InputTypeError(
            f"{len(wrong)} input{'s' if len(wrong) > 1 else ''} of the wrong type:\n"
            + "\n".join(wrong)
            + "\nPass values of the declared types, or change the annotations."
        )


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def inputs_read(plan: ExecutionPlan, graph: FunctionGraph) -> set[str]:
    """The external inputs a plan reads (pictures of an execution show them)."""
    return {p for step in plan.steps for p in step.params if p not in graph.nodes}


def _missing_inputs_error(
    missing: dict[str, list[str]], graph: FunctionGraph
) -> MissingInputsError:
    lines = []
    for name in sorted(missing):
        needers = missing[name]
        types = {type_name(graph.nodes[n].inputs[name].type) for n in needers if n in graph.nodes}
        typ = f" ({', '.join(sorted(types))})" if types else ""
        lines.append(f"  {name}{typ}: needed by {', '.join(needers)}")
    return MissingInputsError(
        f"{len(missing)} required input{'s' if len(missing) > 1 else ''} not provided:\n"
        + "\n".join(lines)
        + "\nPass them with execute(..., inputs={...}) or in the driver config, "
        "or give the parameters a default value."
    )


def run_plan(
    graph: FunctionGraph,
    plan: ExecutionPlan,
    values: dict[str, Any],
    adapters: AdapterSet,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Execute ``plan`` on ``values`` (which holds the given values and receives computed ones)."""
    name = None
    try:
        if adapters.observes_nodes:
            _run_observed(graph, plan, values, adapters, run_id or new_run_id())
        else:
            get = values.__getitem__
            # map/zip run in C: no per-node comprehension frame, the loop stays near a hand loop
            for name, fn, params, drops, positional in plan.steps:
                if positional:
                    values[name] = fn(*map(get, params))
                else:
                    values[name] = fn(**dict(zip(params, map(get, params), strict=True)))
                for dropped in drops:
                    del values[dropped]
    except Exception as exc:
        name = name if name is not None else getattr(exc, "_dagwire_node", None)
        if name is not None and not getattr(exc, "_dagwire_noted", False):
            _annotate(exc, graph, plan, name, values)
        raise
    return {v: values[v] for v in plan.final_vars}


def _run_observed(
    graph: FunctionGraph,
    plan: ExecutionPlan,
    values: dict[str, Any],
    adapters: AdapterSet,
    run_id: str,
) -> None:
    """Each node through ``AdapterSet.run_node``: hooks around it, the adapter's method inside."""
    run_node = adapters.run_node
    nodes = graph.nodes
    for step in plan.steps:
        kwargs = {p: values[p] for p in step.params}
        values[step.name] = run_node(nodes[step.name], kwargs, run_id=run_id)
        for d in step.drops:
            del values[d]


def _annotate(
    exc: Exception, graph: FunctionGraph, plan: ExecutionPlan, name: str, values: dict[str, Any]
) -> None:
    """Keep the exception's type; add where it happened and how the run got there."""
    node = graph.nodes[name]
    path = graph.path_to(name, plan.final_vars)
    upstream = [d for d in node.inputs if d in values]
    received = ", ".join(f"{d}: {type(values[d]).__name__}" for d in upstream) or "nothing"
    exc.add_note(
        f"dagwire: node '{name}' failed ({node.origin}).\n"
        f"  It was computed for: {' -> '.join(path)}\n"
        f"  It received: {received}"
    )
    exc._dagwire_noted = True  # type: ignore[attr-defined]


def new_run_id() -> str:
    """The id hooks receive for one execution (uuid imported only when hooks need an id)."""
    import uuid

    return str(uuid.uuid4())
