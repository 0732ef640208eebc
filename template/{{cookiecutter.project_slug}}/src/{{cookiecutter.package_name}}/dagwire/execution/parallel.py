"""Running a dynamic schedule: Parallelizable blocks once per item, independent branches at once.

Running a level is a loop over its units (a node, or a block run once per item). At the root, when
an executor is a pool, units instead start as soon as their inputs exist: each task reports through
its future's callback into a queue the scheduler blocks on, so nothing polls and the work is linear
in the number of tasks. Block items go to the *remote* executor in chunks of consecutive items, each
item carrying its whole level (nested blocks run inside it); nodes computed once go to the *local*
executor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import DynamicExecutionError, failed_node, note_node_failure
from ..graph import FunctionGraph
from ..lifecycle.adapters import AdapterSet
from .dynamic import Block, DynamicSchedule, Level, NodeUnit, dynamic_schedule
from .loop import new_execution_id, received_types
from .schedule import make_schedule, static_schedule

#: Block items are sent to a pool in about this many chunks per worker: few enough that the per-task
#: cost (a future, and for processes a pickled copy of the block) stays small, many enough that
#: uneven items still spread over the workers.
_CHUNKS_PER_WORKER = 4


class _Context:
    """What every task needs besides its values; small and picklable for process pools."""

    __slots__ = ("adapters", "run_id", "observed", "task_hooks", "root_tasks")

    def __init__(self, adapters: AdapterSet, run_id: str, root_tasks: bool = True) -> None:
        self.adapters = adapters
        self.run_id = run_id
        self.observed = adapters.observes_nodes
        self.task_hooks = tuple(adapters.task_hooks)
        #: Whether root nodes run as tasks named after them (dynamic execution) or outside any
        #: task (FutureAdapter's concurrent branches: hooks get task_id None, as in Hamilton).
        self.root_tasks = root_tasks

    def task_of(self, unit: Any) -> str | None:
        return unit.task if self.root_tasks else None


def run_level(
    level: Level, values: dict[str, Any], ctx: _Context, task_id: str | None
) -> dict[str, Any]:
    """Run ``level`` in order, in this thread; ``task_id`` is None at the root."""
    for unit, drops in zip(level.units, level.drops, strict=True):
        if type(unit) is NodeUnit:
            if task_id is None and ctx.task_hooks:
                values[unit.node.name] = _run_task(_node_task, unit, values, ctx, unit.task, None)
            else:
                values[unit.node.name] = _compute(unit, values, ctx, task_id or ctx.task_of(unit))
        else:
            _run_block(unit, values, ctx, task_id)
        for name in drops:
            del values[name]
    return {name: values[name] for name in level.exports}


def _compute(unit: NodeUnit, values: dict[str, Any], ctx: _Context, task_id: str | None) -> Any:
    node = unit.node
    kwargs = {p: values[p] for p in unit.params}
    try:
        if ctx.observed:
            return ctx.adapters.run_node(
                node,
                kwargs,
                run_id=ctx.run_id,
                task_id=task_id,
                is_expand=unit.expands,
                is_collect=unit.collects,
            )
        result = node.fn(**kwargs)
        return list(result) if unit.expands else result
    except Exception as exc:
        where = f" in task {task_id}" if task_id and task_id != node.name else ""
        note_node_failure(
            exc,
            node.name,
            lambda: (
                f"dagwire: node '{node.name}' failed{where} ({node.origin}).\n"
                f"  It received: {received_types(kwargs)}"
            ),
        )
        raise


def _run_block(block: Block, values: dict[str, Any], ctx: _Context, task_id: str | None) -> None:
    shared = {name: values[name] for name in block.level.reads}
    results = [
        _run_item(block, shared, item, _item_task(task_id, block.expander, i), task_id, ctx)
        for i, item in enumerate(_items(values, block))
    ]
    for name in block.level.exports:
        values[name] = [r[name] for r in results]


def _items(values: dict[str, Any], block: Block) -> list[Any]:
    items = values[block.expander]
    return items if type(items) is list else list(items)


def _item_task(parent: str | None, expander: str, index: int) -> str:
    own = f"expand-{expander}.{index}.block-{expander}"
    return f"{parent}.{own}" if parent else own


def _run_item(
    block: Block,
    shared: dict[str, Any],
    item: Any,
    task_id: str,
    spawning_task_id: str | None,
    ctx: _Context,
) -> dict[str, Any]:
    """One item of a block: the block's whole level, with the item as the expander's value."""
    values = dict(shared)
    values[block.expander] = item
    if ctx.task_hooks and spawning_task_id is None:
        return _run_task(_level_task, block, values, ctx, task_id, f"expand-{block.expander}")
    return run_level(block.level, values, ctx, task_id)


def _run_items(
    block: Block, shared: dict[str, Any], items: list[Any], first: int, ctx: _Context
) -> list[dict[str, Any]]:
    """A chunk of consecutive items, as one task: pools pay their per-task cost once per chunk."""
    expander = block.expander
    return [
        _run_item(block, shared, item, _item_task(None, expander, first + k), None, ctx)
        for k, item in enumerate(items)
    ]


def _node_task(unit: NodeUnit, values: dict[str, Any], ctx: _Context, task_id: str) -> Any:
    return _compute(unit, values, ctx, task_id)


def _level_task(block: Block, values: dict[str, Any], ctx: _Context, task_id: str) -> Any:
    return run_level(block.level, values, ctx, task_id)


def _run_task(
    body: Any,
    unit: NodeUnit | Block,
    values: dict[str, Any],
    ctx: _Context,
    task_id: str,
    spawning_task_id: str | None,
) -> Any:
    """``body`` wrapped in the task hooks (only called when there are some)."""
    if isinstance(unit, NodeUnit):
        nodes = [unit.node]
        purpose = (
            "expand_unordered" if unit.expands else "gather" if unit.collects else "execute_single"
        )
        inputs = {p: values[p] for p in unit.params}
    else:
        nodes = [u.node for u in unit.level.units if isinstance(u, NodeUnit)]
        purpose = "execute_block"
        inputs = dict(values)
    common = dict(
        task_id=task_id,
        run_id=ctx.run_id,
        nodes=nodes,
        spawning_task_id=spawning_task_id,
        purpose=purpose,
    )
    for hook in ctx.task_hooks:
        hook.run_before_task_execution(**common, inputs=inputs, overrides={})
    try:
        result = body(unit, values, ctx, task_id)
    except Exception as exc:
        for hook in ctx.task_hooks:
            hook.run_after_task_execution(**common, results=None, success=False, error=exc)
        raise
    results = result if isinstance(unit, Block) else {unit.node.name: result}
    for hook in ctx.task_hooks:
        hook.run_after_task_execution(**common, results=results, success=True, error=None)
    return result


class _RootScheduler:
    """Starts each root unit when the units it waits for are done; block items fan out to
    ``remote``.

    Completions arrive through a queue fed by future callbacks: ``run`` blocks on it and handles
    each finished task once, so the cost is linear in the number of tasks. A value is freed when
    the last unit reading it has started.
    """

    def __init__(
        self, level: Level, values: dict[str, Any], ctx: _Context, local: Any, remote: Any
    ) -> None:
        import queue

        self.level, self.values, self.ctx, self.local, self.remote = (
            level,
            values,
            ctx,
            local,
            remote,
        )
        units = level.units
        self.done: queue.SimpleQueue[tuple[int, int, Any]] = queue.SimpleQueue()
        #: For each unit, how many of the units it waits for are not done yet.
        self.waiting = [len(d) for d in level.deps]
        self.dependents: list[list[int]] = [[] for _ in units]
        for i, deps in enumerate(level.deps):
            for d in deps:
                self.dependents[d].append(i)
        self.unit_reads = [_reads_of(u) for u in units]
        #: For each value this level frees, how many units that read it have not started.
        self.readers_left = dict.fromkeys((n for drops in level.drops for n in drops), 0)
        for names in self.unit_reads:
            for name in names:
                if name in self.readers_left:
                    self.readers_left[name] += 1
        self.outstanding = 0  # tasks submitted and not yet handled
        self.item_results: dict[int, list[Any]] = {}
        self.items_left: dict[int, int] = {}

    def run(self) -> dict[str, Any]:
        for i in [i for i, waiting in enumerate(self.waiting) if waiting == 0]:
            self.start(i)  # listed first: starting one may finish it and start its dependents
        while self.outstanding:
            i, first, future = self.done.get()
            self.outstanding -= 1
            error = future.exception()
            if error is not None:
                raise error
            if first < 0:
                self.finish(i, future.result())
                continue
            chunk = future.result()
            self.item_results[i][first : first + len(chunk)] = chunk
            self.items_left[i] -= len(chunk)
            if self.items_left[i] == 0:
                self.finish(i, None)
        return {name: self.values[name] for name in self.level.exports}

    def start(self, i: int) -> None:
        unit, values = self.level.units[i], self.values
        if type(unit) is NodeUnit:
            kwargs = {p: values[p] for p in unit.params}
            self.release_inputs(i)
            self.submit(self.local, i, -1, _run_root_node, unit, kwargs, self.ctx)
            return
        items = _items(values, unit)
        shared = {name: values[name] for name in unit.level.reads}
        self.release_inputs(i)
        self.item_results[i] = [None] * len(items)
        self.items_left[i] = len(items)
        if not items:
            self.finish(i, None)
            return
        size = -(-len(items) // (_CHUNKS_PER_WORKER * getattr(self.remote, "max_tasks", 1)))
        for first in range(0, len(items), size):
            chunk = items[first : first + size]
            self.submit(self.remote, i, first, _run_items, unit, shared, chunk, first, self.ctx)

    def submit(self, executor: Any, i: int, first: int, fn: Any, *args: Any) -> None:
        """Run ``fn(*args)`` for unit ``i`` (``first``: the chunk's first item, -1 for a node)."""
        future = executor.submit(fn, *args)
        self.outstanding += 1
        future.add_done_callback(lambda future: self.done.put((i, first, future)))

    def release_inputs(self, i: int) -> None:
        for name in self.unit_reads[i]:
            left = self.readers_left.get(name)
            if left is not None:
                self.readers_left[name] = left - 1
                if left == 1:
                    del self.values[name]

    def finish(self, i: int, result: Any) -> None:
        unit = self.level.units[i]
        if type(unit) is NodeUnit:
            self.values[unit.node.name] = result
        else:
            results = self.item_results.pop(i)
            for name in unit.level.exports:
                self.values[name] = [r[name] for r in results]
        for d in self.dependents[i]:
            self.waiting[d] -= 1
            if self.waiting[d] == 0:
                self.start(d)


def _reads_of(unit: NodeUnit | Block) -> tuple[str, ...]:
    if isinstance(unit, NodeUnit):
        return unit.params
    return (*unit.level.reads, unit.expander)


def _run_root_node(unit: NodeUnit, kwargs: dict[str, Any], ctx: _Context) -> Any:
    if ctx.task_hooks:
        return _run_task(_node_task, unit, kwargs, ctx, unit.task, None)
    return _compute(unit, kwargs, ctx, ctx.task_of(unit))


def dynamic_execution(
    executors: tuple[Any, Any] | None, adapters: AdapterSet
) -> DynamicExecution | None:
    """The driver's dynamic mode; None (the plain loop) without executors or a thread pool."""
    pool = getattr(adapters.result_builder, "local_executor", None)  # h_threadpool.FutureAdapter
    if executors is None and pool is None:
        return None
    from .executors import MultiThreadingExecutor, SynchronousLocalTaskExecutor

    if executors is None:
        return DynamicExecution(pool, SynchronousLocalTaskExecutor(), allow_parallel=False)
    local, remote = executors
    if pool is not None:
        if local is not None:
            raise DynamicExecutionError(
                "Both with_local_executor() and a FutureAdapter choose where nodes run; keep one."
            )
        local = pool
    return DynamicExecution(
        local or SynchronousLocalTaskExecutor(), remote or MultiThreadingExecutor(max_tasks=10)
    )


class DynamicExecution:
    """A driver's dynamic mode: which executors run what, and how it schedules and runs.

    ``allow_parallel`` is False when only concurrency of plain branches was asked for (a thread-pool
    adapter without ``enable_dynamic_execution``): Parallelizable nodes are then refused, as in
    Apache Hamilton.
    """

    def __init__(
        self, local_executor: Any, remote_executor: Any, *, allow_parallel: bool = True
    ) -> None:
        self.local_executor = local_executor
        self.remote_executor = remote_executor
        self.allow_parallel = allow_parallel

    def schedule(
        self, graph: FunctionGraph, final_vars: Iterable[str], given: frozenset[str]
    ) -> DynamicSchedule:
        base = (make_schedule if self.allow_parallel else static_schedule)(graph, final_vars, given)
        return dynamic_schedule(graph, final_vars, given, base)

    def run(
        self,
        graph: FunctionGraph,
        schedule: DynamicSchedule,
        values: dict[str, Any],
        adapters: AdapterSet,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        ctx = _Context(adapters, run_id or new_execution_id(), root_tasks=self.allow_parallel)
        try:
            return self._run(schedule.root, values, ctx)
        except Exception as exc:
            name = failed_node(exc)
            if name in graph.nodes:
                path = graph.path_to(name, schedule.final_vars)
                exc.add_note(f"  It was computed for: {' -> '.join(path)}")
            raise

    def _run(self, root: Level, values: dict[str, Any], ctx: _Context) -> dict[str, Any]:
        local, remote = self.local_executor, self.remote_executor
        if local.runs_inline and remote.runs_inline:
            return run_level(root, values, ctx, None)
        local.init()
        try:
            remote.init()
            try:
                return _RootScheduler(root, values, ctx, local, remote).run()
            finally:
                remote.finalize()
        finally:
            local.finalize()

    def run_item(
        self,
        graph: FunctionGraph,
        expander: str,
        item: Any,
        final_vars: Iterable[str],
        values: dict[str, Any],
        adapters: AdapterSet,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        """Compute ``final_vars`` of ``expander``'s block for one ``item``, the way an
        orchestrator's mapped task does: ``values`` hold what the block reads from outside it.
        Blocks nested inside run here, on this driver's executors."""
        final_vars = tuple(final_vars)
        given = frozenset(values) | {expander}
        base = make_schedule(graph, final_vars, given)
        schedule = dynamic_schedule(graph, final_vars, given, base, frozenset({expander}))
        return self.run(graph, schedule, {**values, expander: item}, adapters, run_id)
