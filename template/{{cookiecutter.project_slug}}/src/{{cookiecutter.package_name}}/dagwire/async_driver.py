"""Apache Hamilton's async driver: ``async def`` nodes are awaited, independent ones concurrently.

    dr = await async_driver.Builder().with_modules(api_calls).build()
    result = await dr.execute(["summary"], inputs={"user_id": 7})

Every node of a run becomes an asyncio task that waits for the nodes it reads, so nodes that do
not depend on each other overlap while they await (HTTP calls, database queries). Plain functions
run as usual, in the event loop's thread, as soon as their inputs are ready: keep long CPU work
out of them or it holds up the loop. As in Hamilton, the async driver does not run
``Parallelizable``/``Collect`` nodes, materializers or a legacy ``with_adapter``.

Adapters may be the engine's hooks (called as usual) or Hamilton's async hooks
(``lifecycle.base.BasePreNodeExecuteAsync`` and friends, recognised by their method names), which
are awaited.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from . import driver
from .errors import AdapterError, DagwireError, note_node_failure
from .execution.loop import _failure, new_execution_id
from .execution.schedule import Schedule, Step
from .lifecycle.adapters import node_hook_arguments
from .lifecycle.api import DictResult, ResultBuilder

#: Hamilton's async hook methods, awaited by the async driver.
ASYNC_HOOKS = (
    "post_graph_construct",
    "pre_graph_execute",
    "pre_node_execute",
    "post_node_execute",
    "post_graph_execute",
)


class AsyncDriver(driver.Driver):
    """A driver whose ``execute`` is a coroutine. Prefer ``await Builder()...build()``, which
    also awaits the async construction hooks (``ainit``)."""

    def __init__(
        self,
        config: dict[str, Any] | None,
        *modules: ModuleType,
        result_builder: ResultBuilder | None = None,
        adapters: list[Any] | None = None,
        allow_module_overrides: bool = False,
    ) -> None:
        arguments = driver.construction_arguments(locals())
        adapters = list(adapters or [])
        self.async_adapters = [a for a in adapters if _hooks_of(a)]
        others = [a for a in adapters if not _hooks_of(a)]
        builders = [a for a in others if isinstance(a, ResultBuilder)]
        if result_builder is not None:
            builders.append(result_builder)
        if len(builders) > 1:
            raise AdapterError(
                f"The async driver takes one result builder, got {len(builders)}: "
                f"{', '.join(type(b).__name__ for b in builders)}. Keep one of them."
            )
        extra = [result_builder] if result_builder is not None else []
        super().__init__(
            config,
            *modules,
            adapters=[*others, *extra],
            allow_module_overrides=allow_module_overrides,
        )
        self._arguments = arguments  # rebuilt as an AsyncDriver when unpickled
        self.initialized = False

    async def ainit(self) -> AsyncDriver:
        """Await the adapters' async construction hooks (and their ``ainit``), once."""
        if not self.initialized:
            modules = self.modules
            await self._await_hooks(
                "post_graph_construct", graph=self.public_graph, modules=modules, config=self.config
            )
            for adapter in self.async_adapters:
                if inspect.iscoroutinefunction(getattr(adapter, "ainit", None)):
                    await adapter.ainit()
            self.initialized = True
        return self

    def materialize(self, *materializers: Any, **options: Any) -> Any:
        """Refused with the fix: materializing runs the graph synchronously, which an async graph
        cannot do (Hamilton's async driver inherits it and returns an unawaited coroutine)."""
        raise _not_supported("materialize", "Materialize with a driver.Driver (driver.Builder()).")

    async def execute(
        self,
        final_vars: Iterable[str | Callable[..., Any]],
        overrides: dict[str, Any] | None = None,
        display_graph: bool = False,
        inputs: dict[str, Any] | None = None,
    ) -> Any:
        """Compute ``final_vars`` and build the result (by default a pandas DataFrame, a dict
        from the Builder), awaiting async nodes."""
        outputs = await self.raw_execute(final_vars, overrides, display_graph, inputs=inputs)
        return self.adapters.result_builder.build_result(**outputs)

    async def raw_execute(
        self,
        final_vars: Iterable[str | Callable[..., Any]],
        overrides: dict[str, Any] | None = None,
        display_graph: bool = False,
        inputs: dict[str, Any] | None = None,
        _fn_graph: Any = None,
    ) -> dict[str, Any]:
        """The dict of requested outputs, with the graph hooks (sync and async) around the run."""
        if display_graph:
            raise DagwireError(
                "display_graph=True is not supported by the async driver (nor by Hamilton's); "
                "draw the run with dr.visualize_execution(...) instead."
            )
        names = self._names(final_vars)
        inputs = await _awaited_inputs(inputs)
        given, schedule = self._prepare(names, inputs, overrides)
        run_id = new_execution_id()
        graph = self.public_graph if self._observes_graph() else None
        for hook in self.adapters.graph_hooks:
            hook.run_before_graph_execution(
                graph=graph,
                final_vars=names,
                inputs=inputs,
                overrides=overrides,
                execution_path=[s.name for s in schedule.steps],
                run_id=run_id,
            )
        await self._await_hooks(
            "pre_graph_execute",
            run_id=run_id,
            graph=graph,
            final_vars=names,
            inputs=inputs,
            overrides=overrides,
        )
        results, error = None, None
        try:
            results = await _AsyncRun(self, schedule, given, run_id).run()
        except Exception as exc:
            error = exc
            raise
        finally:
            success = error is None
            for hook in self.adapters.graph_hooks:
                hook.run_after_graph_execution(
                    graph=graph, success=success, error=error, results=results, run_id=run_id
                )
            await self._await_hooks(
                "post_graph_execute",
                run_id=run_id,
                graph=graph,
                success=success,
                error=error,
                results=results,
            )
        return results

    def _observes_graph(self) -> bool:
        return bool(self.adapters.graph_hooks) or any(
            _hooks_of(a) & {"pre_graph_execute", "post_graph_execute"} for a in self.async_adapters
        )

    async def _await_hooks(self, hook: str, **kwargs: Any) -> None:
        for adapter in self.async_adapters:
            if hook in _hooks_of(adapter):
                await getattr(adapter, hook)(**kwargs)


class _AsyncRun:
    """One run: a task per step, each awaiting the tasks of the values it reads."""

    def __init__(self, dr: AsyncDriver, schedule: Schedule, given: dict[str, Any], run_id: str):
        self.dr, self.schedule, self.given, self.run_id = dr, schedule, given, run_id
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        self.node_hooks = [a for a in dr.async_adapters if _hooks_of(a) & _NODE_HOOKS]

    async def run(self) -> dict[str, Any]:
        tasks = self.tasks
        for step in self.schedule.steps:
            tasks[step.name] = asyncio.ensure_future(self._step(step))
        try:
            return {name: await self._value(name) for name in self.schedule.final_vars}
        finally:  # a node failed: stop the others, and collect their errors so none is logged
            pending = [t for t in tasks.values() if not t.done()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def _value(self, name: str) -> Any:
        task = self.tasks.get(name)
        return await task if task is not None else self.given[name]

    async def _step(self, step: Step) -> Any:
        kwargs = {p: await self._value(p) for p in step.params}
        node = self.dr.graph.nodes[step.name]
        try:
            return await self._compute(node, kwargs)
        except Exception as exc:
            graph, schedule = self.dr.graph, self.schedule
            note_node_failure(exc, node.name, lambda: _failure(graph, schedule, node.name, kwargs))
            raise

    async def _compute(self, node: Any, kwargs: dict[str, Any]) -> Any:
        """The node's value, awaited if its function (or the adapter running it) returns an
        awaitable; the engine's hooks and Hamilton's async hooks around it."""
        adapters = self.dr.adapters
        if not self.node_hooks and not adapters.observes_nodes:
            return await _resolved(node.fn(**kwargs))
        common = node_hook_arguments(node, kwargs, None, self.run_id)
        view = self.dr.public_graph[node.name] if self.node_hooks else None
        hamilton = dict(run_id=self.run_id, node_=view, kwargs=kwargs, task_id=None)
        input_types = {k: d.type for k, d in node.inputs.items()}
        for hook in adapters.node_hooks:
            hook.run_before_node_execution(**common, node_input_types=input_types)
        await self._await_node_hooks("pre_node_execute", **hamilton)
        result, error = None, None
        try:
            result = await _resolved(adapters.call_node(node, kwargs))
        except Exception as exc:
            error = exc
            raise
        finally:
            outcome = dict(result=result, error=error, success=error is None)
            for hook in adapters.node_hooks:
                hook.run_after_node_execution(**common, **outcome)
            await self._await_node_hooks("post_node_execute", **hamilton, **outcome)
        return result

    async def _await_node_hooks(self, hook: str, **kwargs: Any) -> None:
        for adapter in self.node_hooks:
            if hook in _hooks_of(adapter):
                await getattr(adapter, hook)(**kwargs)


_NODE_HOOKS = {"pre_node_execute", "post_node_execute"}


async def _awaited_inputs(inputs: dict[str, Any] | None) -> dict[str, Any] | None:
    """Inputs with awaitable values (tasks, coroutines) awaited, together, before anything is
    checked or run: Hamilton accepts them, and every reader then sees the same value."""
    if not inputs:
        return inputs
    pending = {k: v for k, v in inputs.items() if inspect.isawaitable(v)}
    if not pending:
        return inputs
    values = await asyncio.gather(*pending.values())
    return {**inputs, **dict(zip(pending, values, strict=True))}


async def _resolved(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _hooks_of(adapter: Any) -> set[str]:
    """The Hamilton async hooks ``adapter`` implements (``async def`` methods of those names)."""
    return {h for h in ASYNC_HOOKS if inspect.iscoroutinefunction(getattr(adapter, h, None))}


class Builder(driver.Builder):
    """Builds an ``AsyncDriver``: ``dr = await Builder().with_modules(m).build()``. Results are
    dicts unless a result builder is among the adapters. Dynamic execution, materializers,
    ``with_adapter`` and ``with_cache`` are refused, as in Hamilton."""

    def enable_dynamic_execution(self, *, allow_experimental_mode: bool = False) -> Builder:
        raise _not_supported("enable_dynamic_execution")

    def with_materializers(self, *materializers: Any) -> Builder:
        raise _not_supported("with_materializers")

    def with_adapter(self, adapter: Any) -> Builder:
        raise _not_supported("with_adapter", "Pass adapters with with_adapters(...) instead.")

    def with_cache(self, path: Any = ".hamilton_cache", **options: Any) -> Builder:
        """Refused, as Hamilton's async builder fails at build: accepted, it would build a
        driver that silently caches nothing."""
        raise _not_supported("with_cache", "Use driver.Builder() to cache results across runs.")

    def build_without_init(self) -> AsyncDriver:
        """The driver, without awaiting its async construction hooks: call ``await
        dr.ainit()`` before using it."""
        chosen = any(isinstance(a, ResultBuilder) for a in self._adapters)
        return AsyncDriver(
            self._config,
            *self._modules,
            adapters=list(self._adapters),
            result_builder=None if chosen else DictResult(),
            allow_module_overrides=self._allow_module_overrides,
        )

    async def build(self) -> AsyncDriver:  # type: ignore[override] - a coroutine, as in Hamilton
        return await self.build_without_init().ainit()


def _not_supported(method: str, hint: str = "") -> DagwireError:
    where = "materialize" if method == "materialize" else f"Builder().{method}"
    return DagwireError(
        f"{where}() is not supported by the async driver (nor by Hamilton's). "
        + (hint or "Use driver.Builder() for it.")
    )
