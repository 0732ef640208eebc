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

import importlib.metadata
import importlib.resources
import json
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import DagwireError
from ..io.atomic import atomic_write
from .pipeline import Pipeline
from .plan import GroupPlan, PlanError, item_scopes_of

LOCK_FILENAME = "pipeline.lock.json"
FORMAT = "dagwire-lock/1"
#: The Airflow wrapper, which only Airflow projects ship: the one reader of the lock.
_AIRFLOW_WRAPPER = Path(__file__).resolve().parents[1] / "orchestrators" / "airflow.py"


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


def lock_needed(package: str) -> bool:
    """Whether ``package`` has a lock to keep current: it has one, or its Airflow DAG needs one.

    Only the Airflow DAG is cut from the lock (its scheduler must not import the pipeline);
    Prefect and the plain runner build the graph from the code, so their projects ship none.
    """
    return lock_path(package).exists() or _AIRFLOW_WRAPPER.exists()


class _Fix(NamedTuple):
    """How an error names the lock and the command that rewrites it."""

    path: str
    command: str
    after: str


def _fix(package: str) -> _Fix:
    """The lock and the command, as the reader can act on them.

    From a source checkout (or an editable install) that is the file itself. An installed package
    (a wheel on an Airflow worker) holds a copy built from the repository, and rewriting that copy
    fixes nothing: the error names the file and the command in the repository instead.
    """
    path = lock_path(package)
    if not {"site-packages", "dist-packages"} & set(path.parts):
        return _Fix(str(path), f"`python -m {package} lock`", "")
    return _Fix(
        f"src/{package.replace('.', '/')}/{LOCK_FILENAME}",
        f"`uv run {_command(package)} lock` in the repository",
        f"\n(This is the installed copy, {path}: deploy the package again after the fix.)",
    )


def _command(package: str) -> str:
    """The project's own command (its console script), else ``python -m <package>``."""
    for script in importlib.metadata.entry_points(group="console_scripts"):
        if script.value.partition(":")[0].split(".")[0] == package.split(".")[0]:
            return script.name
    return f"python -m {package}"


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
    fix = _fix(package)
    try:
        data = json.loads(lock_path(package).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LockError(
            f"{fix.path} does not exist. Create it with {fix.command} and commit it: "
            "orchestrators build their tasks from it without importing the pipeline." + fix.after
        ) from None
    except ValueError as exc:
        raise LockError(
            f"{fix.path} is not valid JSON ({exc}); recreate it with {fix.command}." + fix.after
        ) from None
    valid = isinstance(data, dict) and isinstance(data.get("nodes"), dict)
    if not valid or data.get("format") != FORMAT:
        raise LockError(
            f"{fix.path} is not a {FORMAT} lock; recreate it with {fix.command}." + fix.after
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
    fix = _fix(package)
    raise LockError(
        f"{fix.path} is out of date: the functions (or the config in pipeline.toml "
        "that picks them) changed since it was written:\n"
        + "\n".join(changes)
        + f"\nRun {fix.command} and commit the file, so the orchestrator's tasks "
        "match the code they run." + fix.after
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
        fix = _fix(package)
        exc.add_note(
            f"The graph was read from {fix.path}: if the functions changed since it "
            f"was written, run {fix.command}." + fix.after
        )
        raise
