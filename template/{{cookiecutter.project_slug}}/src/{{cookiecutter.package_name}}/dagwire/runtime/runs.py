"""Running groups of a plan: load what crosses in, compute, persist what crosses out, record it all.

``run_group`` (and ``run_item`` for a group run once per item) is the one function the plain
runner, the Airflow tasks and the Prefect tasks call, so a pipeline gives the same artifacts
whoever runs it. Each task writes only its own records, so groups of one run finishing at once
on several processes and machines lose nothing; what a run folder holds, and how a run is read
back from it, is ``records.py``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..lifecycle.api import NodeExecutionHook
from ..node import type_name
from .artifacts import ArtifactStore, Ref, safe_run_id
from .evidence import check_result, failure_details
from .pipeline import Pipeline
from .plan import Group, GroupPlan, item_scopes_of
from .records import (
    FORMAT,
    MANIFEST,
    RUN,
    RunError,
    _available,
    _header_before_run_json,
    _item_path,
    _mapped_record,
    _now,
    _record_path,
    _standing_refs,
    all_items_recorded,
    completed_refs,
    item_count,
    list_runs,
    note_reused,
    publish_manifest,
    read_group_record,
    read_manifest,
)

__all__ = [
    "RunGraph",
    "RunResult",
    "graph_snapshot",
    "new_run_id",
    "run_group",
    "run_item",
    "run_pipeline",
    # the run's records, read from this module before records.py held them (0.2.0)
    "FORMAT",
    "MANIFEST",
    "RUN",
    "RunError",
    "completed_refs",
    "item_count",
    "list_runs",
    "publish_manifest",
    "read_group_record",
    "read_manifest",
]


def new_run_id() -> str:
    """An id for one run: sortable by time and safe as a folder name (``20260101T120000-3fa2c1``).

    Run folders are named with it; a team resumes a run by it.
    """
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


# --- the graph, built once per invocation ---------------------------------------------------------
class RunGraph:
    """The pipeline's graph for one config, built once and shared by the groups of an invocation.

    Building the graph imports and inspects every module, so the plan, the completion checks and
    every group reuse this one: its driver records each node into the group computing it (groups
    have disjoint nodes, so groups running at once in threads do not mix), and each node's code
    hash is computed at most once. ``cache`` (``Pipeline.cache_path``) turns the cache on there.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        config: Mapping[str, Any] | None = None,
        *,
        cache: str | None = None,
    ) -> None:
        self.config = pipeline.effective_config(config)
        self.cache = cache
        self._recorders: dict[str, _GroupRecorder] = {}
        #: Items of one group run at once in threads: their events are told apart by run id.
        self._item_recorders: dict[str, _GroupRecorder] = {}
        dispatch = _Dispatch(self._recorders, self._item_recorders)
        self.driver = pipeline.driver(config, adapters=[dispatch], cache=cache)
        self.graph = self.driver.graph
        self._hashes: dict[str, str] = {}
        self._item_executor = pipeline.item_executor
        self._dynamic: Any = None
        self._scopes: dict[str, tuple[str, ...]] | None = None

    def compute_item(
        self, group: Group, item: Any, values: dict[str, Any], recorder: _GroupRecorder
    ) -> dict[str, Any]:
        """The outputs of ``group`` (a mapped group) for one ``item``, recorded by ``recorder``."""
        if self._dynamic is None:
            from ..execution.parallel import dynamic_execution

            self._dynamic = dynamic_execution((None, self._item_executor()), self.driver.adapters)
        key = f"{group.name}[{recorder.index}]:{id(recorder)}"
        self._item_recorders[key] = recorder
        try:
            return self._dynamic.run_item(
                self.graph,
                group.over,
                item,
                group.outputs,
                {**self.config, **values},  # the driver's config, as execute() merges it
                self.driver.adapters,
                key,
            )
        finally:
            del self._item_recorders[key]

    def repeated_nodes(self, group: Group) -> frozenset[str]:
        """The nodes of ``group`` that run once per item of a block the engine runs inside the
        group's task (``single`` grouping, or a block nested in an item of a mapped group)."""
        if self._scopes is None:
            self._scopes = item_scopes_of(self.graph, self.config)
        depth = 1 if group.over else 0  # a mapped group's own block runs once per task
        return frozenset(n for n in group.nodes if len(self._scopes.get(n, ())) > depth)

    def code_hashes(self, nodes: Iterable[str]) -> dict[str, str]:
        """``{node: sha256 of its code}``: what a group's record keeps, to notice code changes."""
        for name in nodes:
            if name not in self._hashes:
                self._hashes[name] = _code_hash(self.graph.nodes[name])
        return {name: self._hashes[name] for name in nodes}

    def from_cache(self, engine_runs: Iterable[str]) -> set[str]:
        """The nodes the cache served in the driver's executions ``engine_runs`` (none when the
        cache is off)."""
        if self.cache is None:
            return set()
        from ..caching.events import CachingEventType

        served = set()
        for engine_run in engine_runs:
            for key, events in self.driver.cache.logs(engine_run).items():
                if any(e.event_type is CachingEventType.GET_RESULT for e in events):
                    served.add(key if isinstance(key, str) else key[0])
        return served

    def snapshot(self) -> dict[str, Any]:
        return graph_snapshot(self.graph, self.code_hashes(self.graph.order))

    @contextmanager
    def recording(self, recorder: _GroupRecorder) -> Iterator[None]:
        """Route the node events of ``recorder``'s group to it while the group runs."""
        for name in recorder.group.nodes:
            self._recorders[name] = recorder
        try:
            yield
        finally:
            for name in recorder.group.nodes:
                if self._recorders.get(name) is recorder:
                    del self._recorders[name]


class _Dispatch(NodeExecutionHook):
    """The run graph's one node hook: hands each node's events to its group's recorder."""

    def __init__(
        self, recorders: Mapping[str, _GroupRecorder], by_run: Mapping[str, _GroupRecorder]
    ) -> None:
        self.recorders, self.by_run = recorders, by_run

    def _recorder(self, node_name: str, run_id: Any) -> _GroupRecorder | None:
        return self.by_run.get(run_id) or self.recorders.get(node_name)

    def run_before_node_execution(self, *, node_name: str, **future_kwargs: Any) -> None:
        recorder = self._recorder(node_name, future_kwargs.get("run_id"))
        if recorder is not None:
            recorder.run_before_node_execution(node_name=node_name, **future_kwargs)

    def run_after_node_execution(self, *, node_name: str, **future_kwargs: Any) -> None:
        recorder = self._recorder(node_name, future_kwargs.get("run_id"))
        if recorder is not None:
            recorder.run_after_node_execution(node_name=node_name, **future_kwargs)


def _run_graph(
    pipeline: Pipeline,
    config: Mapping[str, Any] | None,
    graph: RunGraph | None,
    store: ArtifactStore,
) -> RunGraph:
    if graph is None:
        return RunGraph(pipeline, config, cache=pipeline.cache_path(store))
    if graph.config != pipeline.effective_config(config):
        raise ValueError(
            f"The RunGraph was built for config {graph.config}, not for "
            f"{pipeline.effective_config(config)}; build it with the same config as the run."
        )
    return graph


# --- one group ------------------------------------------------------------------------------------
def run_group(
    pipeline: Pipeline,
    plan: GroupPlan,
    group: Group | str,
    *,
    run_id: str,
    store: ArtifactStore,
    config: Mapping[str, Any] | None = None,
    resume: bool = True,
    graph: RunGraph | None = None,
) -> dict[str, Ref]:
    """Run one group of ``plan`` in run ``run_id``; return references to the outputs it persisted.

    With ``resume`` (the default), a group already complete in this run (see ``completed_refs``)
    is not run again: its recorded references are returned, which makes orchestrator retries and
    re-runs idempotent. ``graph`` is the pipeline's graph for ``config`` if the caller has built
    it already (for the plan, say); otherwise it is built here.
    """
    group = plan[group] if isinstance(group, str) else group
    if group.over:
        raise RunError(
            f"Group '{group.name}' runs once per item of '{group.over}': run its items with "
            "run_item (item_count says how many there are)."
        )
    graph = _run_graph(pipeline, config, graph, store)
    _open_run(pipeline, plan, graph, run_id, store)
    if resume:
        done = completed_refs(store, run_id, group, graph.code_hashes(group.nodes), plan)
        if done is not None:
            note_reused(store, run_id, _record_path(group.name))
            return done
    return _execute(plan, group, graph, run_id, store)


def _execute(
    plan: GroupPlan,
    group: Group,
    graph: RunGraph,
    run_id: str,
    store: ArtifactStore,
    publish: bool = True,
) -> dict[str, Ref]:
    """Run ``group`` and record it; ``publish`` rewrites manifest.json after (a task that runs
    one group does; the plain runner publishes once, when it stops)."""
    recorder = _GroupRecorder(group, run_id, store, graph.code_hashes(group.nodes), plan, graph)
    with graph.recording(recorder):
        recorder.start()
        try:
            inputs = _load_inputs(plan, group, run_id, store, recorder)
            graph.driver.execute(list(group.outputs), overrides=inputs)
        except BaseException as exc:
            recorder.finish(exc)
            raise
        else:
            recorder.finish(None)
        finally:
            if publish:
                publish_manifest(store, run_id)
    return dict(recorder.record["artifacts"])


# --- one item of a mapped group -------------------------------------------------------------------


def run_item(
    pipeline: Pipeline,
    plan: GroupPlan,
    group: Group | str,
    index: int,
    *,
    run_id: str,
    store: ArtifactStore,
    config: Mapping[str, Any] | None = None,
    resume: bool = True,
    graph: RunGraph | None = None,
    publish: bool = True,
) -> dict[str, Ref]:
    """Run item ``index`` of the mapped ``group``: what an Airflow mapped task instance or a
    Prefect mapped task run does. Like ``run_group``, an item already complete is not run again,
    so a retry recomputes only the items that did not complete.

    ``publish`` rewrites manifest.json when this item fails or is among the last to finish (every
    item has a record): the group's record is derived from its items, and no other task may run
    after them to bring the manifest up to date (the plain runner publishes once, when it stops).
    """
    group = plan[group] if isinstance(group, str) else group
    if not group.over:
        raise RunError(f"Group '{group.name}' runs once, not per item: run it with run_group.")
    graph = _run_graph(pipeline, config, graph, store)
    _open_run(pipeline, plan, graph, run_id, store)
    code = graph.code_hashes(group.nodes)
    if resume:
        done = _standing_refs(store, run_id, plan, group, _item_path(group.name, index), code)
        if done is not None:
            note_reused(store, run_id, _item_path(group.name, index))
            return done
    recorder = _GroupRecorder(group, run_id, store, code, plan, graph, index=index)
    recorder.start()
    try:
        available = _available(plan, group, run_id, store)
        if group.over not in available:
            item_count(store, run_id, plan, group)  # says which group to run first
        refs = available[group.over]["items"]
        if not 0 <= index < len(refs):
            raise RunError(
                f"'{group.over}' has {len(refs)} items in run '{run_id}'; there is no item {index}."
            )
        inputs = _load(group, {**available, group.over: refs[index]}, run_id, store, recorder)
        item = inputs.pop(group.over)
        graph.compute_item(group, item, inputs, recorder)
    except BaseException as exc:
        recorder.finish(exc)
        if publish:
            publish_manifest(store, run_id)
        raise
    recorder.finish(None)
    if publish and all_items_recorded(store, run_id, group.name, len(refs)):
        publish_manifest(store, run_id)
    return dict(recorder.record["artifacts"])


def _load_inputs(
    plan: GroupPlan, group: Group, run_id: str, store: ArtifactStore, recorder: _GroupRecorder
) -> dict[str, Any]:
    return _load(group, _available(plan, group, run_id, store), run_id, store, recorder, plan)


def _load(
    group: Group,
    available: dict[str, Ref],
    run_id: str,
    store: ArtifactStore,
    recorder: _GroupRecorder,
    plan: GroupPlan | None = None,
) -> dict[str, Any]:
    missing = [n for n in group.inputs if n not in available or not store.exists(available[n])]
    if missing:
        producers = sorted({plan.owner(n).name for n in missing}) if plan else [group.over]
        raise RunError(
            f"Group '{group.name}' needs {', '.join(map(repr, missing))} from "
            f"{', '.join(map(repr, producers))}, which ha{'ve' if len(producers) > 1 else 's'} "
            f"not been completed in run '{run_id}' (artifacts under {store.run_uri(run_id)}).\n"
            "Run the upstream groups first: running the whole pipeline with this run id resumes it."
        )
    values = {}
    for name in group.inputs:
        values[name] = store.load(available[name])
        recorder.record["inputs"][name] = available[name].get("uri")
    return values


class _GroupRecorder(NodeExecutionHook):
    """Records each node in the group's record (timed by ``NodeTimer``) and persists each boundary
    output the moment it is computed."""

    def __init__(
        self,
        group: Group,
        run_id: str,
        store: ArtifactStore,
        code: Mapping[str, str],
        plan: GroupPlan,
        graph: RunGraph,
        index: int | None = None,
    ) -> None:
        from ..function_modifiers.validation import IS_DATA_VALIDATOR_TAG
        from ..lifecycle.default import NodeTimer  # not at import: every CLI call would pay for it

        self.group, self.run_id, self.store, self.code = group, run_id, store, dict(code)
        self.index = index
        self.path = _record_path(group.name) if index is None else _item_path(group.name, index)
        self.persist = set(group.outputs)
        #: Parallelizable outputs: their items are saved one by one, for mapped groups to read.
        self.expanders = {g.over for g in plan.groups if g.over}
        self.record: dict[str, Any] = {}
        self.timer = NodeTimer()
        self._t0 = 0.0
        #: Nodes that run once per item inside this group, maybe at once on threads: their
        #: entries count items and add up time; the start of each run, by node and task id.
        self.repeated = graph.repeated_nodes(group)
        self._item_starts: dict[tuple[str, Any], float] = {}
        self._lock = threading.Lock()  # item threads update the record as another saves it
        self._graph = graph
        #: The driver's executions this group's nodes ran in: the cache logs by them.
        self._engine_runs: set[str] = set()
        #: The inputs of each node while it runs, kept to preview them should it fail.
        self._running_inputs: dict[tuple[str, Any], Mapping[str, Any]] = {}
        self._check_tag = IS_DATA_VALIDATOR_TAG

    def __getstate__(self) -> dict[str, Any]:
        """A process-pool executor pickles the driver's adapters with each task; a lock does not
        pickle (and a worker's copy records nothing this process reads, nor asks the graph)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_graph")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._graph = None

    def start(self) -> None:
        previous = self.store.read_record(self.run_id, self.path) or {}
        self.record = {
            "group": self.group.name,
            **({} if self.index is None else {"item": self.index}),
            "status": "running",
            "attempt": previous.get("attempt", 0) + 1,
            "started_at": _now(),
            "finished_at": None,
            "duration_s": None,
            "inputs": {},
            "outputs": list(self.group.outputs),
            "artifacts": {},
            "nodes": {n: {"status": "pending"} for n in self.group.nodes},
            "code": self.code,
            "error": None,
        }
        self._t0 = time.perf_counter()
        self._save()

    def run_before_node_execution(
        self, *, node_name: str, task_id: str | None = None, **future_kwargs: Any
    ) -> None:
        self._running_inputs[(node_name, task_id)] = future_kwargs.get("node_kwargs") or {}
        if node_name in self.repeated:
            with self._lock:
                self._item_starts[(node_name, task_id)] = time.perf_counter()
                entry = self.record["nodes"][node_name]
                if entry["status"] == "pending":
                    entry.update(status="running", started_at=_now(), items=0, duration_s=0.0)
            return
        self.record["nodes"][node_name] = {"status": "running", "started_at": _now()}
        self.timer.run_before_node_execution(node_name=node_name, task_id=task_id, **future_kwargs)

    def run_after_node_execution(
        self,
        *,
        node_name: str,
        result: Any,
        error: Exception | None,
        success: bool,
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> None:
        inputs = self._running_inputs.pop((node_name, task_id), None)
        if node_name in self.repeated:  # once per item: count the items, add up their time
            with self._lock:
                took = time.perf_counter() - self._item_starts.pop((node_name, task_id))
                entry = self.record["nodes"][node_name]
                entry["items"] += 1
                entry["duration_s"] = round(entry["duration_s"] + took, 6)
                if not success:
                    if entry["status"] != "failed":  # the first item's failure tells the story
                        entry.update(self._failure(node_name, error, inputs))
                    entry.update(status="failed", error=_error(error))
                elif entry["status"] != "failed":
                    entry["status"] = "completed"
            return
        self._engine_runs.add(future_kwargs.get("run_id"))
        self.timer.run_after_node_execution(
            node_name=node_name,
            result=result,
            error=error,
            success=success,
            task_id=task_id,
            **future_kwargs,
        )
        entry = self.record["nodes"][node_name]
        entry["duration_s"] = round(self.timer.records[node_name].duration, 6)
        persist = success and node_name in self.persist
        if persist:
            try:
                self.record["artifacts"][node_name] = self._save_value(node_name, result)
            except Exception as exc:
                entry.update(status="failed", error=_error(exc))
                raise
        entry.update(status="completed" if success else "failed", error=_error(error) or None)
        if not success:
            entry.update(self._failure(node_name, error, inputs))
        elif (future_kwargs.get("node_tags") or {}).get(self._check_tag):
            entry["check"] = check_result(result, future_kwargs.get("node_tags"))
        if persist:
            self._save()  # a crash later in the group keeps this artifact on record

    def _failure(
        self, node_name: str, error: BaseException | None, inputs: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """What the record keeps of a failed node: ``{"failure": traceback, source, inputs}``."""
        if error is None:
            return {}
        node = self._graph.graph.nodes.get(node_name) if self._graph is not None else None
        fn = (node.user_function or node.fn) if node is not None else None
        return {"failure": failure_details(error, fn, inputs)}

    def finish(self, error: BaseException | None) -> None:
        self.record["status"] = "completed" if error is None else "failed"
        self.record["finished_at"] = _now()
        self.record["duration_s"] = round(time.perf_counter() - self._t0, 6)
        served = self._graph.from_cache(self._engine_runs - {None}) if self._graph else ()
        for name in served:
            if name in self.record["nodes"]:
                self.record["nodes"][name]["from_cache"] = True
        if error is None:
            for entry in self.record["nodes"].values():
                if entry["status"] == "pending":  # run per item by worker processes, unseen here
                    entry.update(status="completed", observed=False)
        else:
            nodes = self.record["nodes"]
            failed = [n for n, e in nodes.items() if e["status"] in ("failed", "running")]
            self.record["error"] = {**_error(error), "node": failed[0] if failed else None}
            for entry in self.record["nodes"].values():
                if entry["status"] == "running":  # interrupted (KeyboardInterrupt, SystemExit)
                    entry["status"] = "failed"
        self._save()

    def _save_value(self, name: str, value: Any) -> Ref:
        store, run_id = self.store, self.run_id
        if self.index is not None:
            return store.save(run_id, name, value, item=self.index)
        if name in self.expanders:
            refs = [store.save(run_id, name, v, item=i) for i, v in enumerate(value)]
            return store.item_list(run_id, name, refs)
        return store.save(run_id, name, value)

    def _save(self) -> None:
        with self._lock:
            self.store.write_record(self.run_id, self.path, self.record)


# --- the run --------------------------------------------------------------------------------------
def _open_run(
    pipeline: Pipeline,
    plan: GroupPlan,
    graph: RunGraph,
    run_id: str,
    store: ArtifactStore,
    request: Mapping[str, Any] | None = None,
) -> None:
    """Write the run's run.json, or check that this call continues the same run (same config);
    the plan and the graph snapshot are brought up to date if they changed.

    Tasks of a new run may open it at the same moment: each then writes the same run.json (only
    its time differs), so whichever lands last is right."""
    config = _jsonable(graph.config)
    written = store.read_record(run_id, RUN)
    header = written if written is not None else _header_before_run_json(store, run_id)
    snapshot = graph.snapshot()
    if header is not None:
        if header.get("config") != config or header.get("pipeline") != pipeline.name:
            raise RunError(
                f"Run '{run_id}' was started by pipeline '{header.get('pipeline')}' with "
                f"config {header.get('config')}, and is being continued by '{pipeline.name}' "
                f"with config {config}.\nThe artifacts of one run must come from one "
                "configuration: start a new run id, or repeat the same --set values."
            )
        same = header.get("plan") == plan.to_dict() and header.get("graph") == snapshot
        asked = request is None or header.get("request") == request
        if same and asked and written is not None:
            return
        header = {**header, "graph": snapshot}  # the code changed: affected groups run again
    else:
        header = {
            "format": FORMAT,
            "run_id": run_id,
            "folder": safe_run_id(run_id),
            "pipeline": pipeline.name,
            "created_at": _now(),
            "config": config,
            # for the report: who ran it, and the --set values that resume it with this config
            "package": pipeline.package,
            "engine_version": __version__,
            "overrides": _overrides(config, _jsonable(dict(pipeline.config))),
            "graph": snapshot,
        }
    if request is not None:  # the latest attempt's: the one a resume repeats
        header["request"] = dict(request)
    header["plan"] = plan.to_dict()
    store.write_record(run_id, RUN, header)
    publish_manifest(store, run_id)


def graph_snapshot(graph: Any, code: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Nodes (type, hash of their code) and edges: enough to tell whether the code changed.

    ``code`` holds hashes already computed (``RunGraph.code_hashes``).
    """
    code = code or {}
    nodes = {
        name: {
            "type": type_name(graph.nodes[name].type),
            "code_sha256": code.get(name) or _code_hash(graph.nodes[name]),
        }
        for name in graph.order
    }
    edges = [[dep, name] for name in graph.order for dep in graph.nodes[name].inputs]
    return {"nodes": nodes, "edges": edges}


def _code_hash(node: Any) -> str:
    """The node's own code version (a comment or docstring edit keeps it); the compiled code's
    hash for a function whose source is gone.

    Not its helpers': resume finishes a run, and a fix to a helper that failed one item must not
    redo the items that completed (as clearing a failed task on an orchestrator does not). The
    cache's key covers helpers, since it must never serve a value the code would not compute.
    """
    from ..caching.code_version import code_version

    fn = node.user_function or node.fn
    version = code_version(fn)
    if version is not None:
        return version
    code = getattr(fn, "__code__", None)
    text = repr((code.co_code, code.co_consts)) if code is not None else repr(fn)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class RunResult:
    """What ``run_pipeline`` did: ``targets`` are the values the caller asked for."""

    run_id: str
    store: ArtifactStore
    plan: GroupPlan
    targets: tuple[str, ...]
    ran: list[str]
    skipped: list[str]
    refs: dict[str, Ref]

    @property
    def manifest(self) -> dict[str, Any]:
        return read_manifest(self.store, self.run_id) or {}

    def load(self, name: str) -> Any:
        if name not in self.refs:
            raise RunError(
                f"'{name}' is not an artifact of run '{self.run_id}'; "
                f"the artifacts are: {', '.join(self.refs) or 'none'}."
            )
        return self.store.load(self.refs[name])


def run_pipeline(
    pipeline: Pipeline,
    *,
    run_id: str | None = None,
    store: ArtifactStore | None = None,
    config: Mapping[str, Any] | None = None,
    stage: str | None = None,
    outputs: Iterable[str] = (),
    on_group: Callable[[Group, str], None] | None = None,
    graph: RunGraph | None = None,
    plan: GroupPlan | None = None,
    cache: bool | None = None,
    request: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run the groups needed for ``stage``, for ``outputs``, or for the whole plan, in order.

    Groups already complete in ``run_id`` with the same code are skipped, so re-running a failed
    run resumes it; a group whose code changed runs again, and so does everything downstream.
    ``on_group(group, event)`` hears "skipped", "running", "completed" and "failed". ``graph``
    is the pipeline's graph for ``config``, and ``plan`` its plan for ``outputs``
    (``pipeline.plan(config, outputs=outputs, graph=graph.graph)``), if the caller has made them.
    ``cache`` turns the cache on or off for this run (default: [cache] enabled); a ``graph``
    given brings its own. ``request`` is what the command line was asked (``resume.run_request``),
    recorded in run.json so that the report's resume command repeats it.
    """
    outputs = tuple(outputs)
    run_id = run_id or new_run_id()
    store = store if store is not None else pipeline.store()
    if graph is None:
        graph = RunGraph(pipeline, config, cache=pipeline.cache_path(store, cache))
    graph = _run_graph(pipeline, config, graph, store)
    plan = plan if plan is not None else pipeline.plan(config, outputs=outputs, graph=graph.graph)
    if stage is not None and outputs:
        raise RunError("Give a stage or outputs, not both.")
    if stage is not None:
        chosen = plan.stage_groups(stage)
        selected = plan.needed_for(groups=[g.name for g in chosen])
        targets = pipeline.stages.get(stage) or tuple(o for g in chosen for o in g.outputs)
    elif outputs:
        selected = plan.needed_for(outputs=outputs)
        targets = outputs
    else:
        selected = list(plan.groups)
        targets = plan.outputs
    _open_run(pipeline, plan, graph, run_id, store, request)
    result = RunResult(run_id, store, plan, tuple(targets), [], [], {})
    notify = on_group or (lambda group, event: None)
    executed = False
    try:
        for group in selected:
            if group.over:
                notify(group, "running")
                executed = True  # items may fail half way: the manifest is rewritten at the end
                refs, any_ran = _run_items(pipeline, plan, group, graph, run_id, store, notify)
                (result.ran if any_ran else result.skipped).append(group.name)
                notify(group, "completed" if any_ran else "skipped")
                result.refs.update(refs)
                continue
            refs = None
            if not set(group.depends_on) & set(result.ran):
                refs = completed_refs(store, run_id, group, graph.code_hashes(group.nodes), plan)
            if refs is not None:
                note_reused(store, run_id, _record_path(group.name))
                result.skipped.append(group.name)
                notify(group, "skipped")
            else:
                notify(group, "running")
                executed = True
                try:
                    refs = _execute(plan, group, graph, run_id, store, publish=False)
                except Exception:
                    notify(group, "failed")
                    raise
                result.ran.append(group.name)
                notify(group, "completed")
            result.refs.update(refs)
    finally:
        if executed:
            publish_manifest(store, run_id)
    return result


def _run_items(
    pipeline: Pipeline,
    plan: GroupPlan,
    group: Group,
    graph: RunGraph,
    run_id: str,
    store: ArtifactStore,
    notify: Callable[[Group, str], None],
) -> tuple[dict[str, Ref], bool]:
    """Every item of the mapped ``group``, ``[execution]``'s way: items already complete are
    skipped, the others run at once on threads or processes (``max_tasks`` of them)."""
    count = item_count(store, run_id, plan, group)
    code = graph.code_hashes(group.nodes)
    pending = []
    for i in range(count):
        if _standing_refs(store, run_id, plan, group, _item_path(group.name, i), code) is None:
            pending.append(i)
        else:
            note_reused(store, run_id, _item_path(group.name, i))
    try:
        if pending:
            _each_item(pipeline, plan, group, graph, run_id, store, pending)
    except Exception:
        notify(group, "failed")
        raise
    record = _mapped_record(store, run_id, plan.to_dict(), group.name) or {}
    return dict(record.get("artifacts", {})), bool(pending)


def _each_item(
    pipeline: Pipeline,
    plan: GroupPlan,
    group: Group,
    graph: RunGraph,
    run_id: str,
    store: ArtifactStore,
    indexes: list[int],
) -> None:
    def one(index: int) -> None:
        _run_pending_item(pipeline, plan, group, graph, run_id, store, index)

    workers = min(pipeline.max_tasks, len(indexes))
    if pipeline.executor == "synchronous" or workers == 1:
        errors = []
        for index in indexes:  # every item runs, as on an orchestrator; the first failure is raised
            try:
                one(index)
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
        return
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    if pipeline.executor == "processes" and not pipeline.package:
        warnings.warn(
            "dagwire: [execution] executor = 'processes' needs a pipeline loaded from its package "
            "(Pipeline.load), which worker processes load again; running items on threads.",
            stacklevel=3,
        )
    elif pipeline.executor == "processes":
        args = (pipeline.package, dict(graph.config), graph.cache, plan.grouping, plan.outputs)
        args += (group.name,)
        with ProcessPoolExecutor(workers) as pool:
            futures = [pool.submit(_item_in_process, *args, i, run_id, store) for i in indexes]
            for future in futures:  # in item order: the first failure is the one reported
                future.result()
        return
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(one, i) for i in indexes]:
            future.result()


#: Per worker process: the pipeline, its graph and plan, made once for all its items.
_WORKER: dict[tuple[Any, ...], tuple[Pipeline, RunGraph, GroupPlan]] = {}


def _item_in_process(
    package: str,
    config: dict[str, Any],
    cache: str | None,
    grouping: str,
    outputs: tuple[str, ...],
    group: str,
    index: int,
    run_id: str,
    store: ArtifactStore,
) -> None:
    """One item in a worker process: the pipeline is loaded again there, by its package."""
    key = (package, json.dumps(config, sort_keys=True, default=str), cache, grouping, outputs)
    if key not in _WORKER:
        pipeline = Pipeline.load(package)
        graph = RunGraph(pipeline, config, cache=cache)
        plan = pipeline.plan(config, outputs=outputs, grouping=grouping, graph=graph.graph)
        _WORKER[key] = (pipeline, graph, plan)
    pipeline, graph, plan = _WORKER[key]
    _run_pending_item(pipeline, plan, group, graph, run_id, store, index)


def _run_pending_item(
    pipeline: Pipeline,
    plan: GroupPlan,
    group: Group | str,
    graph: RunGraph,
    run_id: str,
    store: ArtifactStore,
    index: int,
) -> None:
    """An item ``_run_items`` found not complete, under the run's config (the graph's); the
    plain runner publishes the manifest once, when it stops."""
    run_item(
        pipeline,
        plan,
        group,
        index,
        run_id=run_id,
        store=store,
        config=graph.config,
        graph=graph,
        resume=False,
        publish=False,
    )


# --- helpers --------------------------------------------------------------------------------------


def _error(error: BaseException | None) -> dict[str, Any]:
    if error is None:
        return {}
    return {"type": type(error).__name__, "message": str(error)}


def _overrides(config: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The values of ``config`` that pipeline.toml does not give: what ``--set`` changed."""
    missing = object()
    return {k: v for k, v in config.items() if defaults.get(k, missing) != v}


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=str))
