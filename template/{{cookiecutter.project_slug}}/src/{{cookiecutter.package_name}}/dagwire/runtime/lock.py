"""The graph lock: the shape of the graph, committed next to pipeline.toml as pipeline.lock.json.

Airflow's scheduler parses DAG files every few seconds, so a DAG file must not import pandas or the
transforms just to learn which tasks exist. ``write_lock`` records what the plan needs (the nodes,
in order, and the names of their inputs; for a graph that fans out, which nodes run per item of
which Parallelizable node) for the default config; ``locked_plan`` rebuilds the group
plan from that file and pipeline.toml with the standard library only. Stages, grouping and outputs
stay in pipeline.toml, so changing them needs no new lock; changing the functions or the config
that picks them does, and ``check_lock`` (run by the tests and by every Airflow task) says so.
"""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

from ..errors import DagwireError
from ..io.atomic import atomic_write
from .pipeline import Pipeline
from .plan import GroupPlan, PlanError, item_scopes_of

LOCK_FILENAME = "pipeline.lock.json"
FORMAT = "dagwire-lock/1"


class LockError(DagwireError):
    """pipeline.lock.json is missing, unreadable, or no longer matches the code."""


def lock_data(pipeline: Pipeline) -> dict[str, Any]:
    """The lock of ``pipeline`` with its default config: node -> input names, in graph order."""
    graph = pipeline.driver().graph
    data: dict[str, Any] = {"format": FORMAT, "pipeline": pipeline.name}
    scopes = item_scopes_of(graph, pipeline.effective_config())
    if scopes:  # absent for graphs without Parallelizable nodes, as in locks before fan-out
        data["item_scopes"] = {name: list(scope) for name, scope in scopes.items()}
    data["nodes"] = {name: list(graph.nodes[name].inputs) for name in graph.order}
    return data


def lock_path(package: str) -> Path:
    """Where the lock of ``package`` lives: beside its pipeline.toml."""
    return Path(str(importlib.resources.files(package) / LOCK_FILENAME))


def write_lock(pipeline: Pipeline, package: str) -> Path:
    """Write (atomically) the lock of ``pipeline`` into ``package``; return its path."""
    path = lock_path(package)
    text = _dumps(lock_data(pipeline))
    with atomic_write(path) as file:
        file.write(text.encode("utf-8"))
    return path


def _dumps(data: dict[str, Any]) -> str:
    """JSON with one line per node, so a change to the graph is a readable diff."""
    nodes = ",\n".join(
        f"    {json.dumps(name)}: {json.dumps(inputs)}" for name, inputs in data["nodes"].items()
    )
    fields = [(k, v) for k, v in data.items() if k != "nodes"]
    head = "".join(f"  {json.dumps(k)}: {json.dumps(v)},\n" for k, v in fields)
    return "{\n" + head + '  "nodes": {\n' + nodes + "\n  }\n}\n"


def read_lock(package: str) -> dict[str, Any]:
    path = lock_path(package)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LockError(
            f"{path} does not exist. Create it with `python -m {package} lock` and commit it: "
            "orchestrators build their tasks from it without importing the pipeline."
        ) from None
    except ValueError as exc:
        raise LockError(
            f"{path} is not valid JSON ({exc}); recreate it with `python -m {package} lock`."
        ) from None
    valid = isinstance(data, dict) and isinstance(data.get("nodes"), dict)
    if not valid or data.get("format") != FORMAT:
        raise LockError(
            f"{path} is not a {FORMAT} lock; recreate it with `python -m {package} lock`."
        )
    return data


def check_lock(pipeline: Pipeline, package: str) -> None:
    """Raise ``LockError``, naming what changed, if the lock does not describe ``pipeline``.

    The order of functions and of their parameters does not matter: it changes no plan.
    """
    lock, now = read_lock(package), lock_data(pipeline)
    locked = {n: sorted(i) for n, i in lock["nodes"].items()}
    current = {n: sorted(i) for n, i in now["nodes"].items()}
    blocks_then, blocks_now = lock.get("item_scopes", {}), now.get("item_scopes", {})
    if locked == current and blocks_then == blocks_now:
        return
    changes = [f"  new node '{n}'" for n in current if n not in locked]
    changes += [f"  node '{n}' is gone" for n in locked if n not in current]
    changes += [
        f"  '{n}' now takes {', '.join(current[n]) or 'nothing'} "
        f"(locked: {', '.join(locked[n]) or 'nothing'})"
        for n in current
        if n in locked and current[n] != locked[n]
    ]
    changes += [
        f"  '{n}' now runs once per item of {', '.join(blocks_now.get(n, [])) or 'nothing'} "
        f"(locked: {', '.join(blocks_then.get(n, [])) or 'nothing'})"
        for n in sorted(set(blocks_then) | set(blocks_now))
        if n in locked and n in current and blocks_then.get(n) != blocks_now.get(n)
    ]
    raise LockError(
        f"{lock_path(package)} is out of date: the functions (or the config in pipeline.toml "
        "that picks them) changed since it was written:\n"
        + "\n".join(changes)
        + f"\nRun `python -m {package} lock` and commit the file, so the orchestrator's tasks "
        "match the code they run."
    )


class LockedGraph:
    """The part of ``FunctionGraph`` a plan is built from, read from a lock."""

    def __init__(
        self, nodes: dict[str, list[str]], item_scopes: dict[str, list[str]] | None = None
    ) -> None:
        self.item_scopes = {name: tuple(scope) for name, scope in (item_scopes or {}).items()}
        self.order = list(nodes)
        self.nodes = {name: _LockedNode(inputs) for name, inputs in nodes.items()}
        self.downstream_of: dict[str, list[str]] = {name: [] for name in nodes}
        self.external_inputs: dict[str, list[str]] = {}
        for name, inputs in nodes.items():
            for dep in inputs:
                if dep in nodes:
                    self.downstream_of[dep].append(name)
                else:
                    self.external_inputs.setdefault(dep, []).append(name)


class _LockedNode:
    def __init__(self, inputs: list[str]) -> None:
        self.inputs = {name: None for name in inputs}


def locked_plan(settings: Pipeline, package: str, *, grouping: str | None = None) -> GroupPlan:
    """The plan ``settings.plan()`` makes, built from the lock instead of the code.

    ``settings`` may be loaded with ``import_modules=False``: nothing of the pipeline is imported.
    """
    lock = read_lock(package)
    graph = LockedGraph(lock["nodes"], lock.get("item_scopes"))
    try:
        return settings.plan(grouping=grouping, graph=graph)
    except PlanError as exc:
        exc.add_note(
            f"The graph was read from {lock_path(package)}: if the functions changed since it "
            f"was written, run `python -m {package} lock`."
        )
        raise
