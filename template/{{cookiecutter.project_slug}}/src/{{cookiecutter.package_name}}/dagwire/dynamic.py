"""What the ordinary path needs to know about dynamic execution, kept apart from its machinery.

The Builder's options that turn dynamic execution on, and the guard that refuses Parallelizable
and Collect nodes without it. The planner and runner (``parallel.py``) load only when a driver uses
them, so drivers that never do pay nothing for them, at import or at run time.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from .errors import DynamicExecutionError
from .execution import make_plan
from .graph import FunctionGraph
from .htypes import Parallelizable, is_collect_type, is_parallelizable_type
from .node import type_name

ENABLE = "Builder().enable_dynamic_execution(allow_experimental_mode=True)"


def static_plan(graph: FunctionGraph, final_vars: Iterable[str], given: frozenset[str]) -> Any:
    """The ordinary plan, refusing Parallelizable/Collect nodes (they need dynamic execution)."""
    plan = make_plan(graph, final_vars, given)
    expanders, collectors = _parallel_nodes(graph)
    if not expanders and not collectors:
        return plan
    nodes = graph.nodes
    for step in plan.steps:
        node = nodes[step.name]
        for name in (step.name, *step.params):  # a Parallelizable computed here or read here
            if name in expanders:
                source = nodes[name]
                raise DynamicExecutionError(
                    f"Node '{name}' returns {type_text(source.type)} ({source.origin}): what is "
                    "downstream of it runs once per item, which needs dynamic execution.\n"
                    f"Build the driver with {ENABLE}."
                )
        if step.name in collectors:
            for param in step.params:
                dep = node.inputs[param]
                if is_collect_type(dep.type) and param not in given:
                    raise DynamicExecutionError(
                        f"Node '{node.name}' collects '{param}: {type_text(dep.type)}' "
                        f"({node.origin}), which needs dynamic execution.\nBuild the driver with "
                        f"{ENABLE}."
                    )
    return plan


_PARALLEL_NODES: weakref.WeakKeyDictionary[FunctionGraph, tuple[set[str], set[str]]] = (
    weakref.WeakKeyDictionary()
)


def _parallel_nodes(graph: FunctionGraph) -> tuple[set[str], set[str]]:
    """The graph's Parallelizable nodes and the nodes with a Collect parameter, found once.

    Cheap when there are none, as in most graphs: return types are judged once per distinct type,
    and a ``Collect[T]`` parameter can only sit at the end of an edge whose two ends declare
    different types, or read an external input.
    """
    found = _PARALLEL_NODES.get(graph)
    if found is None:
        nodes = graph.nodes
        try:
            kinds = set(map(attrgetter("type"), nodes.values()))
            unusual = any(is_parallelizable_type(t) or is_collect_type(t) for t in kinds)
        except TypeError:  # an unhashable annotation: judge every node
            unusual = True
        if unusual:
            expanders = {name for name, node in nodes.items() if is_parallelizable_type(node.type)}
            edges = [(dep, name) for name, node in nodes.items() for dep in node.inputs]
        else:
            expanders = set()
            edges = graph.typed_edges + [
                (dep, name) for dep, names in graph.external_inputs.items() for name in names
            ]
        collectors = {name for dep, name in edges if is_collect_type(nodes[name].inputs[dep].type)}
        found = _PARALLEL_NODES[graph] = (expanders, collectors)
    return found


class DynamicExecutionOptions:
    """The ``Builder`` methods of dynamic execution, under Apache Hamilton's names."""

    _dynamic = False
    _local_executor: Any = None
    _remote_executor: Any = None

    def enable_dynamic_execution(self, *, allow_experimental_mode: bool = False) -> Any:
        """Allow ``Parallelizable``/``Collect`` and choose executors with the methods below."""
        if not allow_experimental_mode:
            raise DynamicExecutionError(
                "Dynamic execution is marked experimental in Apache Hamilton's API; call "
                "enable_dynamic_execution(allow_experimental_mode=True) to turn it on."
            )
        self._dynamic = True
        return self

    def with_local_executor(self, local_executor: Any) -> Any:
        """Where nodes computed once run (default: the calling thread)."""
        self._local_executor = self._checked_executor(
            "with_local_executor", local_executor, self._local_executor
        )
        return self

    def with_remote_executor(self, remote_executor: Any) -> Any:
        """Where Parallelizable items run (default: ``MultiThreadingExecutor(10)``)."""
        self._remote_executor = self._checked_executor(
            "with_remote_executor", remote_executor, self._remote_executor
        )
        return self

    def with_execution_manager(self, execution_manager: Any) -> Any:
        """Both executors at once, from an ``ExecutionManager``."""
        self.with_local_executor(execution_manager.local_executor)
        return self.with_remote_executor(execution_manager.remote_executor)

    def _checked_executor(self, method: str, executor: Any, current: Any) -> Any:
        from .execution.executors import TaskExecutor

        if not self._dynamic:
            raise DynamicExecutionError(
                f"{method}() needs dynamic execution: call "
                ".enable_dynamic_execution(allow_experimental_mode=True) before it."
            )
        if current is not None:
            raise DynamicExecutionError(f"{method}() was called twice; keep one of the calls.")
        if not isinstance(executor, TaskExecutor):
            raise DynamicExecutionError(
                f"{method}() takes a task executor such as MultiThreadingExecutor(8) from the "
                f"engine's executors module, got {executor!r}."
            )
        return executor

    def _executors(self) -> tuple[Any, Any] | None:
        return (self._local_executor, self._remote_executor) if self._dynamic else None


def type_text(tp: Any) -> str:
    """``Parallelizable[int]`` rather than ``<package>.dagwire.htypes.Parallelizable[int]``."""
    return type_name(tp).replace(f"{Parallelizable.__module__}.", "")
