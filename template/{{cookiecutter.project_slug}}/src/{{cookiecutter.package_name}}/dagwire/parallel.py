"""Dynamic execution: Parallelizable/Collect blocks, and independent branches run concurrently.

A dynamic plan is a tree of *levels*. The root level holds the nodes computed once. A node
returning ``Parallelizable[T]`` opens a *block*: a level holding the nodes that read its items,
directly or not, and so run once per item. The block closes at the nodes that take one of its
values through a parameter annotated ``Collect[T]``; they receive the list of that value over all
items, in item order. Blocks may nest, and any number of nodes may collect from one block.

Running a level is a loop over its units (a node, or a block run once per item). At the root, when
an executor is a pool, units instead start as soon as their inputs exist: each task reports through
its future's callback into a queue the scheduler blocks on, so nothing polls and the work is linear
in the number of tasks. Block items go to the *remote* executor in chunks of consecutive items, each
item carrying its whole level (nested blocks run inside it); nodes computed once go to the *local*
executor.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable
from typing import Any

from .dynamic import static_plan
from .errors import DynamicExecutionError
from .execution import make_plan, new_run_id
from .graph import FunctionGraph
from .htypes import is_collect_type, is_parallelizable_type
from .lifecycle.adapters import AdapterSet
from .node import Node


# --- the plan --------------------------------------------------------------------------------
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


class DynamicPlan:
    """An ``ExecutionPlan`` (same fields) plus the tree of levels."""

    __slots__ = ("final_vars", "steps", "input_types", "root")

    def __init__(self, plan: Any, root: Level) -> None:
        self.final_vars, self.steps, self.root = plan.final_vars, plan.steps, root
        self.input_types = plan.input_types


def dynamic_plan(
    graph: FunctionGraph, final_vars: Iterable[str], given: frozenset[str], plan: Any = None
) -> DynamicPlan:
    """Place every needed node in its level; refuse shapes that have no meaning."""
    if plan is None:
        plan = make_plan(graph, final_vars, given)
    nodes = graph.nodes
    scope: dict[str, tuple[str, ...]] = {}  # node -> the expanders it runs under, outermost first

    def item_scope(name: str) -> tuple[str, ...]:
        """Where the value a plain parameter receives lives (an expander's items live inside it)."""
        own = scope.get(name, ())
        node = nodes.get(name)
        if node is not None and is_parallelizable_type(node.type):
            return (*own, name)
        return own

    reads: dict[str, list[tuple[str, tuple[str, ...], bool]]] = {}
    for step in plan.steps:
        node = nodes[step.name]
        located = []
        for param in step.params:
            where = item_scope(param)
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
                inner = item_scope(param)
                if deepest[: len(inner)] == inner:
                    raise DynamicExecutionError(
                        f"Node '{node.name}' ({node.origin}) collects '{param}' over the items of "
                        f"{_blocks(inner[-1:])} while itself running once per item of it.\n"
                        "Move the collecting node out of the block: it must not depend on a "
                        "single item."
                    )
        scope[node.name] = deepest
        reads[node.name] = located
    for name in plan.final_vars:
        if scope.get(name):
            raise DynamicExecutionError(
                f"'{name}' is computed once per item of {_blocks(scope[name])} "
                f"({nodes[name].origin}), so it has no single value to return.\nRequest a node "
                f"that collects it instead, e.g.\n"
                f"    def all_{name}({name}: Collect[...]) -> list: return list({name})"
            )
    levels = {s for s in scope.values()}
    levels |= {s[:i] for s in levels for i in range(len(s))}
    exports: dict[tuple[str, ...], dict[str, None]] = {s: {} for s in levels}
    for located in reads.values():
        for param, _, collects in located:
            where = item_scope(param)
            if collects and where and param != where[-1]:
                exports[where][param] = None
    exports[()] = dict.fromkeys(plan.final_vars)
    ordered = [step.name for step in plan.steps]
    root = _build_level((), ordered, nodes, scope, reads, exports, levels)
    return DynamicPlan(plan, root)


def _blocks(scope: tuple[str, ...]) -> str:
    return " inside ".join(f"Parallelizable '{e}'" for e in reversed(scope))


def _build_level(
    here: tuple[str, ...],
    ordered: list[str],
    nodes: dict[str, Node],
    scope: dict[str, tuple[str, ...]],
    reads: dict[str, list[tuple[str, tuple[str, ...], bool]]],
    exports: dict[tuple[str, ...], dict[str, None]],
    levels: set[tuple[str, ...]],
) -> Level:
    depth = len(here)
    units: list[NodeUnit | Block] = []
    unit_reads: list[set[str]] = []
    outside: set[str] = set()  # names read from enclosing levels, anywhere inside this one
    for name in ordered:
        if scope[name] != here:
            continue
        node = nodes[name]
        located = reads[name]
        params = tuple(p for p, _, _ in located)
        collected = [p for p, _, c in located if c]
        expands = is_parallelizable_type(node.type)
        task = (
            f"expand-{name}"
            if expands
            else f"collect-{_collected_block(collected[0], nodes, scope)}"
            if collected
            else name
        )
        units.append(NodeUnit(node, params, expands, bool(collected), task))
        unit_reads.append(set(params))
        outside.update(p for p, w, _ in located if w != here)
    for child in sorted(s for s in levels if len(s) == depth + 1 and s[:depth] == here):
        level = _build_level(child, ordered, nodes, scope, reads, exports, levels)
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
    keep = exports[here]
    last_reader: dict[str, int] = {}
    for i, names in enumerate(unit_reads):
        for n in names:
            last_reader[n] = i
    drops: list[list[str]] = [[] for _ in units]
    for n, i in last_reader.items():
        if n not in keep:
            drops[i].append(n)
    own = set(produced)
    return Level(
        units=tuple(units),
        deps=tuple(deps),
        drops=tuple(tuple(d) for d in drops),
        reads=tuple(sorted(outside - own - ({here[-1]} if here else set()))),
        exports=tuple(keep),
    )


def _collected_block(param: str, nodes: dict[str, Node], scope: dict[str, tuple[str, ...]]) -> str:
    node = nodes.get(param)
    if node is not None and is_parallelizable_type(node.type):
        return param
    return scope.get(param, ("",))[-1]


# --- running ---------------------------------------------------------------------------------
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
        _note_failure(exc, node, task_id, kwargs)
        raise


def _note_failure(exc: Exception, node: Node, task_id: str | None, kwargs: dict[str, Any]) -> None:
    if getattr(exc, "_dagwire_noted", False):
        return
    exc._dagwire_node = node.name  # type: ignore[attr-defined]
    received = ", ".join(f"{k}: {type(v).__name__}" for k, v in kwargs.items()) or "nothing"
    where = f" in task {task_id}" if task_id and task_id != node.name else ""
    exc.add_note(
        f"dagwire: node '{node.name}' failed{where} ({node.origin}).\n  It received: {received}"
    )
    exc._dagwire_noted = True  # type: ignore[attr-defined]


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


def _run_root_concurrently(
    level: Level, values: dict[str, Any], ctx: _Context, local: Any, remote: Any
) -> dict[str, Any]:
    """Start each root unit when the units it waits for are done; block items fan out to ``remote``.

    Completions arrive through a queue fed by future callbacks: the loop blocks on it and handles
    each finished task once, so the cost is linear in the number of tasks.
    """
    import queue

    units = level.units
    done_queue: queue.SimpleQueue[tuple[int, int, Any]] = queue.SimpleQueue()
    waiting = [len(d) for d in level.deps]
    dependents: list[list[int]] = [[] for _ in units]
    for i, deps in enumerate(level.deps):
        for d in deps:
            dependents[d].append(i)
    readers_left: dict[str, int] = {}
    for drops in level.drops:
        for name in drops:
            readers_left[name] = 0
    unit_reads = [_reads_of(u) for u in units]
    for names in unit_reads:
        for name in names:
            if name in readers_left:
                readers_left[name] += 1
    outstanding = 0
    item_results: dict[int, list[Any]] = {}
    items_left: dict[int, int] = {}

    def report(i: int, j: int) -> Any:
        return lambda future: done_queue.put((i, j, future))

    def release_inputs(i: int) -> None:
        for name in unit_reads[i]:
            left = readers_left.get(name)
            if left is not None:
                readers_left[name] = left - 1
                if left == 1:
                    del values[name]

    def start(i: int) -> None:
        nonlocal outstanding
        unit = units[i]
        if type(unit) is NodeUnit:
            kwargs = {p: values[p] for p in unit.params}
            release_inputs(i)
            future = local.submit(_run_root_node, unit, kwargs, ctx)
            outstanding += 1
            future.add_done_callback(report(i, -1))
            return
        items = _items(values, unit)
        shared = {name: values[name] for name in unit.level.reads}
        release_inputs(i)
        item_results[i] = [None] * len(items)
        items_left[i] = len(items)
        if not items:
            finish(i, None)
            return
        size = -(-len(items) // (_CHUNKS_PER_WORKER * getattr(remote, "max_tasks", 1)))
        for first in range(0, len(items), size):
            future = remote.submit(
                _run_items, unit, shared, items[first : first + size], first, ctx
            )
            outstanding += 1
            future.add_done_callback(report(i, first))

    def finish(i: int, result: Any) -> None:
        unit = units[i]
        if type(unit) is NodeUnit:
            values[unit.node.name] = result
        else:
            results = item_results.pop(i)
            for name in unit.level.exports:
                values[name] = [r[name] for r in results]
        for d in dependents[i]:
            waiting[d] -= 1
            if waiting[d] == 0:
                start(d)

    for i in [i for i in range(len(units)) if waiting[i] == 0]:
        start(i)
    while outstanding:
        i, j, future = done_queue.get()
        outstanding -= 1
        error = future.exception()
        if error is not None:
            raise error
        if j < 0:
            finish(i, future.result())
            continue
        chunk = future.result()
        item_results[i][j : j + len(chunk)] = chunk
        items_left[i] -= len(chunk)
        if items_left[i] == 0:
            finish(i, None)
    return {name: values[name] for name in level.exports}


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
    from .execution.executors import MultiThreadingExecutor, SynchronousLocalTaskExecutor

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
    """A driver's dynamic mode: which executors run what, and the planner and runner it uses.

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

    def plan(self, graph: FunctionGraph, final_vars: Iterable[str], given: frozenset[str]) -> Any:
        base = (make_plan if self.allow_parallel else static_plan)(graph, final_vars, given)
        return dynamic_plan(graph, final_vars, given, base)

    def run(
        self,
        graph: FunctionGraph,
        plan: DynamicPlan,
        values: dict[str, Any],
        adapters: AdapterSet,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        ctx = _Context(adapters, run_id or new_run_id(), root_tasks=self.allow_parallel)
        try:
            return self._run(plan.root, values, ctx)
        except Exception as exc:
            name = getattr(exc, "_dagwire_node", None)
            if name in graph.nodes:
                path = graph.path_to(name, plan.final_vars)
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
                return _run_root_concurrently(root, values, ctx, local, remote)
            finally:
                remote.finalize()
        finally:
            local.finalize()
