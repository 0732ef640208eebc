"""The executor: a flat loop over a precomputed plan.

Planning walks up from the requested outputs (stopping at values already given), orders the
needed nodes topologically and records, for each step, which values are no longer needed after
it. Executing is then a loop with no recursion — a 100,000-node chain runs like a 3-node one —
that frees intermediate values as soon as nothing downstream needs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from .errors import MissingInputsError
from .graph import FunctionGraph, no_cyclic_gc
from .lifecycle.adapters import AdapterSet
from .node import Node, type_name


class Step(NamedTuple):
    name: str
    fn: Any
    params: tuple[str, ...]
    drops: tuple[str, ...]
    #: The params are exactly the function's positional parameters, in order: call positionally.
    positional: bool = False


class ExecutionPlan(NamedTuple):
    final_vars: tuple[str, ...]
    steps: tuple[Step, ...]
    #: External inputs the plan reads, mapped to the nodes that read them.
    inputs_used: dict[str, list[str]]


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
    params_of: dict[str, tuple[str, ...]] = {}  # needed node -> the values it will receive
    missing: dict[str, list[str]] = {}
    inputs_used: dict[str, list[str]] = {}
    seen: set[str] = set()
    stack = list(final_vars)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in given:
            continue
        node = nodes.get(name)
        if node is None:  # a requested external input that was not given
            missing.setdefault(name, []).append("(requested output)")
            continue
        params = []
        for dep, (_, optional) in node.inputs.items():
            if dep in nodes:
                stack.append(dep)
                params.append(dep)
            elif dep in given:
                inputs_used.setdefault(dep, []).append(name)
                params.append(dep)
            elif not optional:
                missing.setdefault(dep, []).append(name)
        params_of[name] = tuple(params)
    if missing:
        raise _missing_inputs_error(missing, graph)
    if 2 * len(params_of) > len(graph.order):
        ordered = [name for name in graph.order if name in params_of]
    else:
        ordered = sorted(params_of, key=graph.position.__getitem__)
    last_use: dict[str, int] = {}
    for i, name in enumerate(ordered):
        for p in params_of[name]:
            last_use[p] = i
    keep = set(final_vars)
    drops: dict[int, list[str]] = {}
    for value, i in last_use.items():
        if value not in keep:
            drops.setdefault(i, []).append(value)
    no_drops: tuple[str, ...] = ()
    steps = []
    for i, name in enumerate(ordered):
        node = nodes[name]
        params = params_of[name]
        dropped = drops.get(i)
        # tuple.__new__ skips the NamedTuple constructor's Python-level wrapper
        steps.append(
            _new_tuple(
                Step,
                (
                    name,
                    node.fn,
                    params,
                    tuple(dropped) if dropped else no_drops,
                    _takes_positionally(node, params),
                ),
            )
        )
    return ExecutionPlan(final_vars, tuple(steps), inputs_used)


_new_tuple = tuple.__new__


def _takes_positionally(node: Node, params: tuple[str, ...]) -> bool:
    """Positional calls skip building a kwargs dict per node: worth it in the hot loop."""
    fn = node.fn
    if fn is not node.user_function:
        return False
    code = getattr(fn, "__code__", None)
    return (
        code is not None
        and not code.co_kwonlyargcount
        and code.co_argcount == len(params)
        and code.co_varnames[: code.co_argcount] == params
    )


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


def __getattr__(name: str) -> Any:
    """``from <package>.dagwire.execution import executors`` works as in Apache Hamilton, without
    loading the executors for runs that never use them."""
    if name == "executors":
        from . import executors

        return executors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
