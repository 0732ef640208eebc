"""The cache adapter: ``Builder().with_cache(...)`` adds it, ``dr.cache`` returns it.

For each node it makes a *cache key* from the node's name, its code version and the data versions
of the values it receives. A key seen before names the data version of the result stored then, and
the result is read back instead of computed. A computed result is versioned and stored. Any stored
entry is valid for its key: the key fixes the code and every input, so which of two processes that
computed the same key wins does not matter.

Because keys are made of data versions, an edit recomputes the edited node and only the nodes its
*changed value* reaches: a recomputed node that yields the same value gives the same data version,
and what reads it is retrieved. Values that cannot be pickled get a fresh version each run, so they
and what reads them are recomputed; ``logs()`` says why for every node computed.

Mirrors Apache Hamilton's ``hamilton.caching.adapter`` (names, attributes, events); the stores are
dagwire's (``stores.file``): results are pickled once, to version and to store them.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import threading
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from ..errors import DagwireError
from ..lifecycle.api import GraphExecutionHook, NodeExecutionMethod, TaskExecutionHook
from .behaviors import BehaviorRules, CachingBehavior
from .code_version import (
    code_version,
    is_known,
    remember_versions,
    source_digest,
    version_with_helpers,
)
from .events import CachingEvent, CachingEventType, by_node, selected
from .fingerprinting import UNHASHABLE, fingerprint
from .stores.base import MetadataStore, ResultRetrievalError, ResultStore
from .stores.file import DEFAULT_PATH, FileMetadataStore, FileResultStore
from .stores.folder import Folder, SegmentLog

SENTINEL = object()
DEFAULT, RECOMPUTE, DISABLE, IGNORE = (
    CachingBehavior.DEFAULT,
    CachingBehavior.RECOMPUTE,
    CachingBehavior.DISABLE,
    CachingBehavior.IGNORE,
)
E = CachingEventType
_ITEM = ".block-"  # in the task id of a Parallelizable item (execution/parallel.py names them)


class HamiltonCacheAdapter(NodeExecutionMethod, GraphExecutionHook, TaskExecutionHook):
    """Reuses results across runs; ``Builder().with_cache()`` takes the same arguments."""

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        metadata_store: MetadataStore | None = None,
        result_store: ResultStore | None = None,
        default: Any = None,
        recompute: Any = None,
        ignore: Any = None,
        disable: Any = None,
        default_behavior: str | None = None,
        default_loader_behavior: str | None = None,
        default_saver_behavior: str | None = None,
        log_to_file: bool = False,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        """Hamilton's arguments; ``storage_options`` (dagwire's) go to fsspec for URL paths."""
        #: What a pickled driver builds its own adapter from again (see ``unbound``).
        self._options = {k: v for k, v in locals().items() if k != "self"}
        self._path = os.fspath(path)
        options = storage_options
        # "is None", not "or": a store with no entries yet may be falsy (it has a length).
        if metadata_store is None:
            metadata_store = FileMetadataStore(self._path, storage_options=options)
        self.metadata_store = metadata_store
        self.result_store = (
            result_store
            if result_store is not None
            else FileResultStore(self._path, storage_options=options)
        )
        self.rules = BehaviorRules(
            default=default,
            recompute=recompute,
            disable=disable,
            ignore=ignore,
            default_behavior=default_behavior,
            default_loader_behavior=default_loader_behavior,
            default_saver_behavior=default_saver_behavior,
        )
        self.log_to_file = log_to_file
        self.run_ids: list[str] = []
        #: Per run id, each node's behavior; per run also the versions and keys of each node; inside
        #: Parallelizable items, a dictionary of them by task id.
        self.behaviors: dict[str, dict[str, CachingBehavior]] = {}
        self.data_versions: dict[str, dict[str, Any]] = {}
        self.code_versions: dict[str, dict[str, Any]] = {}
        self.cache_keys: dict[str, dict[str, Any]] = {}
        self._logs: dict[str, list[CachingEvent]] = {}
        self._graph: Any = None
        #: The graph each run ran on (``dr.materialize`` runs one with savers added).
        self._run_graphs: dict[str, Any] = {}
        self._node_behaviors: dict[str, CachingBehavior] = {}
        self._collected: dict[str, frozenset[str]] = {}
        self._expanders: frozenset[str] = frozenset()
        #: Code versions by source digest, shared by the processes using this cache.
        self._code_log = _code_log(self._path, options, result_store)
        #: Per run, the nodes whose values must be loaded (None: all); see ``_values_needed``.
        self._needed: dict[str, set[str] | None] = {}
        self._defer = True
        self._code_log_read = False
        #: Versions of the sources this adapter's runs used, by digest, until saved.
        self._code_used: dict[str, str] = {}
        self._owner_pid = self._loaded_pid = os.getpid()
        self._refresh_lock = threading.Lock()
        #: Held while a result and its key are stored, and while they are flushed: a flush in
        #: one thread must not write a key whose result another thread stored after the results.
        self._store_lock = threading.Lock()
        _UNFLUSHED.add(self)

    # --- what users read ---------------------------------------------------------------------
    @property
    def last_run_id(self) -> str:
        """The id of the last run started."""
        if not self.run_ids:
            raise IndexError("The cache has not run yet: call dr.execute(...) first.")
        return self.run_ids[-1]

    def logs(self, run_id: str | None = None, level: str = "info") -> dict[Any, list[CachingEvent]]:
        """Events per node for ``run_id`` (``{node or (node, task): [events]}``), or per run for
        all runs. ``info``: computed (``execute_node``, with why) or retrieved (``get_result``);
        ``debug``: everything."""
        if run_id is not None:
            return by_node(self._logs.get(run_id, []), level)
        return {r: selected(events, level) for r, events in self._logs.items()}

    def view_run(self, run_id: str | None = None, output_file_path: str | None = None) -> str:
        """The run's nodes marked ``from cache`` or ``computed``, as DOT text (also written to
        ``output_file_path``: ``.dot``, ``.mmd``, ``.svg``, or rendered by graphviz)."""
        from .. import visualize

        run_id = run_id or self.last_run_id
        graph = self._run_graphs.get(run_id, self._graph)
        status: dict[str, str] = {}
        for key, events in self.logs(run_id).items():
            name = key if isinstance(key, str) else key[0]
            kinds = {e.event_type for e in events}
            if status.get(name) != "computed":  # an item computed marks its node computed
                status[name] = "computed" if E.EXECUTE_NODE in kinds else "from cache"
        names = set(status) | {p for n in status for p in graph.nodes[n].inputs}
        if output_file_path is None:
            return visualize.to_dot(graph, names, status)
        return visualize.write_picture(graph, output_file_path, names, status)

    def get_cache_key(self, run_id: str, node_name: str, task_id: str | None = None) -> Any:
        return _per_task(self.cache_keys.get(run_id, {}).get(node_name), task_id)

    def get_data_version(
        self, run_id: str, node_name: str, cache_key: str | None = None, task_id: str | None = None
    ) -> Any:
        found = _per_task(self.data_versions.get(run_id, {}).get(node_name), task_id)
        if found is None and cache_key is not None:
            found = self.metadata_store.get(cache_key)
        return SENTINEL if found is None else found

    def version_data(self, result: Any, run_id: str | None = None) -> str:
        return fingerprint(result).version

    def version_code(self, node_name: str, run_id: str | None = None) -> str | None:
        """The node's code version, combined with those of the helpers of its own package that
        it calls and the module constants they read (``version_with_helpers``): editing a
        helper or a constant recomputes the nodes that read it."""
        node = self._graph.nodes[node_name]
        fn = node.user_function or node.fn
        unread = self._code_log is not None and not self._code_log_read
        if unread and not is_known(fn):  # another process may have parsed it
            with self._refresh_lock:
                found = self._code_log.refresh()
                remember_versions(found)
                _SAVED_CODE.setdefault(self._code_log.folder.root, set()).update(found)
                self._code_log_read = True
        return version_with_helpers(fn, self._own_version)

    def _own_version(self, fn: Any) -> str | None:
        version, digest = code_version(fn), source_digest(fn)
        if version and digest:
            self._code_used[digest] = version
        return version

    def resolve_behaviors(self, run_id: str | None = None) -> dict[str, CachingBehavior]:
        return self.behaviors[run_id or self.last_run_id]

    # --- wiring: the driver binds its graph; hooks bracket each run --------------------------
    def bind_graph(self, graph: Any, *, observed: bool = False) -> None:
        """Learn the driver's graph: each node's behavior, Parallelizable nodes, Collect inputs.
        ``observed``: other adapters see every node's result, so every retrieved one is loaded."""
        if self._graph is not None and self._graph is not graph:
            raise DagwireError(
                "This cache adapter already serves another driver, and it keeps one graph's "
                "state. Give each driver its own: Builder().with_cache(path=...) on each, or a "
                "new HamiltonCacheAdapter(path=...) per driver (they may share the path)."
            )
        self.rules.check_names([*graph.nodes, *graph.external_inputs, *graph.config])
        self._graph = graph
        self._expanders, self._collected = _fan_out_nodes(graph)
        self._node_behaviors = self.rules.behaviors(graph, self._expanders)
        self._defer = not observed and not self._expanders

    def unbound(self) -> HamiltonCacheAdapter:
        """A new adapter with this one's options, attached to no driver: a pickled driver is
        built again where it is unpickled, and binds this to its new graph."""
        return type(self)(**self._options)

    def for_graph(self, graph: Any, *, observed: bool = False) -> HamiltonCacheAdapter:
        """A twin serving ``graph``, another graph of the same driver (``materialize`` adds
        savers and loaders to it for one run): same stores, run records and logs, so
        ``dr.cache`` shows those runs too; only the graph's state is its own."""
        twin = object.__new__(type(self))
        vars(twin).update(vars(self))
        twin._graph = None
        twin.bind_graph(graph, observed=observed)
        return twin

    def run_before_graph_execution(
        self,
        *,
        final_vars: list[str] | None = None,
        inputs: dict[str, Any] | None = None,
        overrides: dict[str, Any] | None = None,
        execution_path: list[str] | None = None,
        run_id: str,
        **future_kwargs: Any,
    ) -> None:
        self._begin(run_id, final_vars or (), inputs or {}, overrides or {})
        if execution_path is not None and self._defer:
            self._needed[run_id] = self._values_needed(run_id, execution_path, final_vars or ())

    def run_after_graph_execution(self, *, run_id: str | None = None, **future_kwargs: Any) -> None:
        """Store what the run computed, whether it succeeded or not: a failed run keeps the results
        of the nodes that completed."""
        self._needed.pop(run_id, None)
        self.flush()

    def run_before_task_execution(self, **future_kwargs: Any) -> None:
        pass

    def run_after_task_execution(self, **future_kwargs: Any) -> None:
        """In a worker process, store what the task computed before the worker moves on."""
        if os.getpid() != self._owner_pid:
            self.flush()

    def flush(self) -> None:
        """Make the results and keys stored so far durable and visible to other processes."""
        with self._store_lock:
            self.result_store.flush()  # results first: a key must never name a missing result
            self.metadata_store.flush()
        self._save_code_versions()

    def _save_code_versions(self) -> None:
        """The versions of the sources this cache's runs used, by digest, for the next process
        (which then parses only what changed); each written once per cache and process."""
        if self._code_log is None:
            self._code_used = {}
            return
        saved = _SAVED_CODE.setdefault(self._code_log.folder.root, set())
        used, self._code_used = self._code_used, {}  # runs in other threads add to the new one
        new = {d: v for d, v in used.items() if d not in saved}
        if new:
            for digest, version in new.items():
                self._code_log.put(digest, version)
            self._code_log.flush()
            saved.update(new)

    # --- the node ----------------------------------------------------------------------------
    def run_to_execute_node(
        self,
        *,
        node_name: str,
        node_callable: Callable[..., Any],
        node_kwargs: dict[str, Any],
        task_id: str | None = None,
        run_id: str | None = None,
        is_expand: bool = False,
        **future_kwargs: Any,
    ) -> Any:
        if run_id is None or run_id not in self.data_versions:
            run_id = run_id or "run-without-id"
            self._begin(run_id, (), {}, {})
        elif self._loaded_pid is None:  # a copy sent to a worker process: read the stores
            self._refresh_stores()
        behavior = self._node_behaviors.get(node_name, self.rules.default)
        if behavior is DISABLE or behavior is IGNORE:
            return self._execute(run_id, node_name, node_callable, node_kwargs, task_id, behavior)
        code = self._code_version(run_id, node_name)
        dependencies = self._dependency_versions(run_id, node_name, node_kwargs, task_id)
        key = cache_key(node_name, code or "<no source>", dependencies)
        _remember(self.cache_keys[run_id], node_name, task_id, key)
        self._log(run_id, node_name, task_id, E.SET_CACHE_KEY, value=key)
        if behavior is RECOMPUTE:
            why = "recomputed: behavior RECOMPUTE"
        elif code is None:
            why = (
                "recomputed: the node's source code cannot be found, so a code edit would go unseen"
            )
        else:
            found = self._retrieve(run_id, node_name, task_id, key)
            if found is not SENTINEL:
                return found
            why = self._why_new(node_name, code, dependencies)
        result = self._execute(run_id, node_name, node_callable, node_kwargs, task_id, why)
        if is_expand:  # its items are versioned one by one where they are used
            return list(result)
        self._store(run_id, node_name, task_id, key, code, dependencies, result)
        return result

    def _execute(
        self,
        run_id: str,
        node_name: str,
        fn: Callable[..., Any],
        kwargs: dict[str, Any],
        task_id: str | None,
        why: Any,
    ) -> Any:
        if isinstance(why, CachingBehavior):
            why = f"computed: behavior {why.name}"
        if self._needed.get(run_id) is not None:
            kwargs = {
                k: self._load(run_id, v) if type(v) is Deferred else v for k, v in kwargs.items()
            }
        try:
            result = fn(**kwargs)
        except Exception as exc:
            self._log(
                run_id, node_name, task_id, E.FAILED_EXECUTION, f"{type(exc).__name__}: {exc}"
            )
            raise
        self._log(run_id, node_name, task_id, E.EXECUTE_NODE, why)
        return result

    def _retrieve(self, run_id: str, node_name: str, task_id: str | None, key: str) -> Any:
        version = self.metadata_store.get(key)
        if version is None:
            return SENTINEL
        needed = self._needed.get(run_id)
        if needed is not None and node_name not in needed and self.result_store.exists(version):
            _remember(self.data_versions[run_id], node_name, task_id, version)
            self._log(run_id, node_name, task_id, E.GET_RESULT, "hit, not loaded", version)
            return Deferred(version, node_name, key)
        try:
            value = self.result_store.get(version)
        except ResultRetrievalError as exc:
            missing = not self.result_store.exists(version)
            event = E.MISSING_RESULT if missing else E.FAILED_RETRIEVAL
            self._log(run_id, node_name, task_id, event, str(exc), version)
            self.metadata_store.delete(key)
            if not missing:  # else the recomputed result, content-addressed, is never rewritten
                self.result_store.delete(version)
            return SENTINEL
        _remember(self.data_versions[run_id], node_name, task_id, version)
        self._log(run_id, node_name, task_id, E.GET_RESULT, "hit", version, "result_store")
        return value

    def _store(
        self,
        run_id: str,
        node_name: str,
        task_id: str | None,
        key: str,
        code: str | None,
        dependencies: tuple[tuple[str, str], ...],
        result: Any,
    ) -> None:
        version, data, problem = fingerprint(result)
        if data is None:
            version = _unique(UNHASHABLE)
            self._log(
                run_id,
                node_name,
                task_id,
                E.UNHASHABLE_DATA_VERSION,
                f"its {type(result).__name__} result cannot be pickled ({problem}), so it is not "
                "stored: this node and the nodes reading it are recomputed on every run. If it is "
                "a client or a connection, give it the behavior 'ignore'.",
                version,
            )
        else:
            with self._store_lock:
                self._put(version, data, result)
                if code is not None:
                    self.metadata_store.set(
                        cache_key=key,
                        data_version=version,
                        run_id=run_id,
                        node_name=node_name,
                        code_version=code,
                        dependencies=dependencies,
                    )
            self._log(run_id, node_name, task_id, E.SET_RESULT, value=version, actor="result_store")
        _remember(self.data_versions[run_id], node_name, task_id, version)
        self._log(run_id, node_name, task_id, E.SET_DATA_VERSION, value=version)

    def _put(self, version: str, data: bytes, result: Any) -> None:
        put_bytes = getattr(self.result_store, "put_bytes", None)
        if put_bytes is not None:
            put_bytes(version, data)
        else:
            self.result_store.set(data_version=version, result=result)

    def _load(self, run_id: str, deferred: Deferred) -> Any:
        """A retrieved result left unloaded, now that a node computed in this run reads it.

        If it cannot be read any more (removed by another process, or written by another version
        of a library), its key is made to name no result, durably: the next run recomputes the
        node instead of failing here again."""
        try:
            return self.result_store.get(deferred.version)
        except ResultRetrievalError as exc:
            self.metadata_store.set(
                cache_key=deferred.key,
                data_version=_unique("<unreadable>"),
                run_id=run_id,
                node_name=deferred.node_name,
            )
            self.metadata_store.flush()
            raise ResultRetrievalError(
                f"The cached result of node '{deferred.node_name}' could not be read back: {exc} "
                "It was found when this run started and left unread until a node needed it. "
                f"Run again: '{deferred.node_name}' will be recomputed."
            ) from exc

    def _values_needed(self, run_id: str, path: list[str], final_vars: Any) -> set[str]:
        """The nodes whose values this run needs: the outputs, and what the nodes that will be
        computed read. The others are retrieved without being read from the store.

        Cache keys are made of data versions, not values, so walking the path with the versions
        the metadata names finds, before anything runs, which nodes the run will compute. A node
        predicted wrongly (a recomputed node whose value did not change) only means an unloaded
        input is loaded when it is read (``Deferred``)."""
        graph = self._graph
        known = self.data_versions[run_id]
        versions = dict(known)
        needed = set(final_vars)
        computed = set(path)
        for name in path:
            node = graph.nodes[name]
            deps = [p for p in node.params if p in versions or p in graph.config or p in computed]
            found = self._planned_version(run_id, name, deps, versions, known)
            if found is None:
                needed.update(deps)
            else:
                versions[name] = found
        return needed

    def _planned_version(
        self, run_id: str, name: str, deps: list[str], versions: dict[str, Any], known: dict
    ) -> str | None:
        """The data version node ``name`` will be retrieved with, or None if it will compute."""
        if self._node_behaviors.get(name, self.rules.default) is not DEFAULT:
            return None
        code = self._code_version(run_id, name)
        if code is None:
            return None
        pairs = []
        for dep in deps:
            behavior = self._node_behaviors.get(dep)
            if behavior is IGNORE:
                version = "<ignore>"
            elif behavior is DISABLE:
                return None
            else:
                version = versions.get(dep)
                if version is None and dep in self._graph.config:
                    value = self._graph.config[dep]
                    version = known[dep] = versions[dep] = self._version_value(
                        run_id, dep, value, None
                    )
                if version is None:
                    return None
            pairs.append((dep, version))
        # Whether the result is still stored is asked when the node runs: if it is gone, the node
        # computes then and loads the inputs it was predicted not to need.
        return self.metadata_store.get(cache_key(name, code, tuple(pairs)))

    def _code_version(self, run_id: str, node_name: str) -> str | None:
        versions = self.code_versions[run_id]
        try:
            return versions[node_name]
        except KeyError:
            version = versions[node_name] = self.version_code(node_name)
            return version

    def _dependency_versions(
        self, run_id: str, node_name: str, kwargs: dict[str, Any], task_id: str | None
    ) -> tuple[tuple[str, str], ...]:
        """Each input's data version, in parameter order."""
        versions = self.data_versions[run_id]
        behaviors = self._node_behaviors
        in_item = task_id is not None and _ITEM in task_id
        collected = self._collected.get(node_name, ())
        found = []
        for name, value in kwargs.items():
            behavior = behaviors.get(name)
            if behavior is IGNORE:
                version = "<ignore>"
            elif behavior is DISABLE:
                version = _unique("<disable>")
            elif name in collected or (in_item and name in self._expanders):
                version = self._version_value(run_id, name, value, task_id)  # per item
            else:
                version = _per_task(versions.get(name), task_id)
                if version is None:  # config, or a value computed outside the cache's sight
                    version = self._version_value(run_id, name, value, task_id)
                    if not in_item:
                        versions[name] = version
            found.append((name, version))
        return tuple(found)

    def _version_value(self, run_id: str, name: str, value: Any, task_id: str | None) -> str:
        version, _, problem = fingerprint(value)
        if version == UNHASHABLE:
            version = _unique(UNHASHABLE)
            self._log(
                run_id,
                name,
                task_id,
                E.UNHASHABLE_DATA_VERSION,
                f"its value cannot be pickled ({problem}): the nodes reading it are recomputed on "
                "every run",
                version,
            )
        return version

    def _why_new(self, node_name: str, code: str, dependencies: tuple[tuple[str, str], ...]) -> str:
        latest = getattr(self.metadata_store, "latest_for_node", None)
        entry = latest(node_name) if latest is not None else None
        if entry is None:
            return "computed: no result cached for this node yet"
        if entry.code_version != code:
            return "recomputed: its code changed"
        before = dict(entry.dependencies)
        changed = [n for n, v in dependencies if before.get(n) != v]
        if changed:
            return (
                f"recomputed: input{'s' if len(changed) > 1 else ''} changed: {', '.join(changed)}"
            )
        return "recomputed: no result cached for these inputs"

    # --- runs --------------------------------------------------------------------------------
    def _begin(
        self,
        run_id: str,
        final_vars: Any,
        inputs: dict[str, Any],
        overrides: dict[str, Any],
    ) -> None:
        if self._graph is None:
            raise RuntimeError(
                "This cache adapter is not attached to a driver: pass it to "
                "Builder().with_adapters(...) or use Builder().with_cache(...)."
            )
        self._refresh_stores()
        self.flush()  # what runs started without hooks left pending
        self.run_ids.append(run_id)
        self._run_graphs[run_id] = self._graph
        self._logs[run_id] = []
        default = self.rules.default
        self.behaviors[run_id] = {
            n: self._node_behaviors.get(n, default) for n in self._graph.nodes
        }
        self.code_versions[run_id] = {}
        self.cache_keys[run_id] = {}
        versions = self.data_versions[run_id] = {}
        self.metadata_store.initialize(run_id)
        for name in final_vars:
            self._log(run_id, name, None, E.IS_FINAL_VAR)
        known = self._graph.external_inputs.keys() | self._graph.nodes.keys()
        for given, event in ((inputs, E.IS_INPUT), (overrides, E.IS_OVERRIDE)):
            for name, value in given.items():
                if name in known:
                    versions[name] = self._version_value(run_id, name, value, None)
                    self._log(run_id, name, None, event, value=versions[name])
                    if event is E.IS_INPUT:
                        self.code_versions[run_id][name] = f"input__{name}"

    def _refresh_stores(self) -> None:
        with self._refresh_lock:
            self.result_store.refresh()
            self.metadata_store.refresh()
            self._code_log_read = False  # read when a function's version is not known here
            self._loaded_pid = os.getpid()

    def _log(
        self,
        run_id: str,
        node_name: str,
        task_id: str | None,
        event_type: CachingEventType,
        msg: str | None = None,
        value: Any = None,
        actor: str = "adapter",
    ) -> None:
        event = CachingEvent(run_id, actor, event_type, node_name, task_id, msg, value)
        self._logs[run_id].append(event)
        if self.log_to_file:
            self._append_to_log_file(event)

    def _append_to_log_file(self, event: CachingEvent) -> None:
        from ..io.urls import local_path

        folder = local_path(self._path)
        if folder is not None:  # a local cache only: appending to an object is a rewrite
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "cache_logs.jsonl"), "a") as file:
                file.write(json.dumps(event.as_dict()) + "\n")

    def __getstate__(self) -> dict[str, Any]:
        """What a worker process receives: the runs in progress, not the history or the logs."""
        state = self.__dict__.copy()
        del state["_refresh_lock"], state["_store_lock"]
        state["_logs"] = {run_id: [] for run_id in self._logs}
        state["_run_graphs"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._refresh_lock = threading.Lock()
        self._store_lock = threading.Lock()
        self._loaded_pid = None


def _code_log(
    path: str, options: dict[str, Any] | None, result_store: ResultStore | None
) -> SegmentLog | None:
    """Where the code versions go: beside the results (under ``path`` unless a result store was
    given; none for a given store that has no folder, rather than a stray one under ``path``)."""
    if result_store is not None:
        path = getattr(result_store, "path", None)
        options = getattr(result_store, "storage_options", None)
        if not isinstance(path, str):
            return None
    return SegmentLog(Folder(f"{path.rstrip('/')}/code", options))


def _fan_out_nodes(graph: Any) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The Parallelizable nodes, and per collecting node the inputs it collects (none in most
    graphs: asked of the schedule's cheap check first)."""
    from ..execution.schedule import fans_out

    if not fans_out(graph):
        return frozenset(), {}
    from ..htypes import is_collect_type, is_parallelizable_type

    nodes = graph.nodes.items()
    expanders = frozenset(n for n, node in nodes if is_parallelizable_type(node.type))
    collected = {
        n: frozenset(p for p, d in node.inputs.items() if is_collect_type(d.type))
        for n, node in nodes
    }
    return expanders, {n: c for n, c in collected.items() if c}


class Deferred:
    """A retrieved result not read from the store: no node computed in this run reads it."""

    __slots__ = ("version", "node_name", "key")

    def __init__(self, version: str, node_name: str, key: str) -> None:
        self.version, self.node_name, self.key = version, node_name, key

    def __repr__(self) -> str:
        return f"<cached result {self.version}, not loaded>"


def cache_key(node_name: str, code: str, dependencies: tuple[tuple[str, str], ...]) -> str:
    """``<node>-<hash of its code version and its inputs' data versions>``."""
    text = "\0".join((node_name, code, *(f"{n}={v}" for n, v in dependencies)))
    return f"{node_name}-{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"


def _unique(marker: str) -> str:
    """A version equal to no other: what reads the value never finds its key again."""
    return f"{marker}_{uuid.uuid4().hex}"


def _remember(per_run: dict[str, Any], name: str, task_id: str | None, value: Any) -> None:
    """Values of nodes inside Parallelizable items are kept per item task, as in Hamilton."""
    if task_id is not None and _ITEM in task_id:
        per_task = per_run.get(name)
        if type(per_task) is not dict:
            per_task = per_run[name] = {}
        per_task[task_id] = value
    else:
        per_run[name] = value


def _per_task(found: Any, task_id: str | None) -> Any:
    """A value kept per item: this item's, or that of the item enclosing it (nested blocks)."""
    if type(found) is not dict:
        return found
    while task_id:
        if task_id in found:
            return found[task_id]
        cut = task_id.rfind(".expand-")
        task_id = task_id[:cut] if cut > 0 else None
    return None


#: Per code-version folder, the source digests known to be saved there (by this process or read).
_SAVED_CODE: dict[str, set[str]] = {}

#: Adapters with results not yet flushed when the interpreter exits (runs started without hooks).
_UNFLUSHED: weakref.WeakSet[HamiltonCacheAdapter] = weakref.WeakSet()


def _flush_all() -> None:
    for adapter in list(_UNFLUSHED):
        try:
            adapter.flush()
        except Exception:  # noqa: BLE001, S110 - at exit, a store gone away must not raise
            pass


atexit.register(_flush_all)
