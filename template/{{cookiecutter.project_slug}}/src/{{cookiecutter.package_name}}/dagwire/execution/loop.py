"""Running a schedule: a flat loop, no recursion, so a 100,000-node chain runs like a 3-node one.

Each step's value is stored as it is computed and the values nothing later reads are freed right
after it. Without hooks the loop calls the functions directly; with them every node goes through
the adapter set, which runs the hooks around it.
"""

from __future__ import annotations

from typing import Any

from ..errors import failed_node, note_node_failure
from ..graph import FunctionGraph
from ..lifecycle.adapters import AdapterSet
from .schedule import Schedule


def run_schedule(
    graph: FunctionGraph,
    schedule: Schedule,
    values: dict[str, Any],
    adapters: AdapterSet,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Run ``schedule`` on ``values`` (which holds the given values and receives computed ones)."""
    name = None
    try:
        if adapters.observes_nodes:
            _run_observed(graph, schedule, values, adapters, run_id or new_execution_id())
        else:
            get = values.__getitem__
            # map/zip run in C: no per-node comprehension frame, the loop stays near a hand loop
            for name, fn, params, drops, positional in schedule.steps:
                if positional:
                    values[name] = fn(*map(get, params))
                else:
                    values[name] = fn(**dict(zip(params, map(get, params), strict=True)))
                for dropped in drops:
                    del values[dropped]
    except Exception as exc:
        name = name if name is not None else failed_node(exc)
        if name is not None:
            note_node_failure(exc, name, lambda: _failure(graph, schedule, name, values))
        raise
    return {v: values[v] for v in schedule.final_vars}


def _run_observed(
    graph: FunctionGraph,
    schedule: Schedule,
    values: dict[str, Any],
    adapters: AdapterSet,
    run_id: str,
) -> None:
    """Each node through ``AdapterSet.run_node``: hooks around it, the adapter's method inside."""
    run_node = adapters.run_node
    nodes = graph.nodes
    for step in schedule.steps:
        kwargs = {p: values[p] for p in step.params}
        values[step.name] = run_node(nodes[step.name], kwargs, run_id=run_id)
        for d in step.drops:
            del values[d]


def _failure(graph: FunctionGraph, schedule: Schedule, name: str, values: dict[str, Any]) -> str:
    """Where the failure happened and how the run got there."""
    node = graph.nodes[name]
    path = graph.path_to(name, schedule.final_vars)
    upstream = [d for d in node.inputs if d in values]
    return (
        f"dagwire: node '{name}' failed ({node.origin}).\n"
        f"  It was computed for: {' -> '.join(path)}\n"
        f"  It received: {received_types({d: values[d] for d in upstream})}"
    )


def received_types(kwargs: dict[str, Any]) -> str:
    """``a: int, b: DataFrame``: what a failed node received, by type (values can be huge)."""
    return ", ".join(f"{k}: {type(v).__name__}" for k, v in kwargs.items()) or "nothing"


def new_execution_id() -> str:
    """A unique id for one execution, as Hamilton gives its hooks (a UUID4: adapters that track
    executions parse it, and ids made in the same instant never collide)."""
    import uuid

    return str(uuid.uuid4())
