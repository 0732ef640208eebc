"""Sorts a driver's adapters by the steps they take part in, once, at build time.

The executor then asks plain lists ("any node hooks?") instead of inspecting adapters per node,
which is what lets a run without adapters cost nothing extra.
"""

from __future__ import annotations

from typing import Any

from ..errors import AdapterError, note_node_failure
from .api import (
    DictResult,
    GraphConstructionHook,
    GraphExecutionHook,
    NodeExecutionHook,
    NodeExecutionMethod,
    NoEdgeAndInputTypeChecking,
    ResultBuilder,
    StaticValidator,
    TaskExecutionHook,
)


class AdapterSet:
    def __init__(self, adapters: list[Any], *, default_result: ResultBuilder | None = None) -> None:
        self.all = list(adapters)
        self.node_hooks = [a for a in adapters if isinstance(a, NodeExecutionHook)]
        self.graph_hooks = [a for a in adapters if isinstance(a, GraphExecutionHook)]
        self.construction_hooks = [a for a in adapters if isinstance(a, GraphConstructionHook)]
        self.validators = [a for a in adapters if isinstance(a, StaticValidator)]
        self.task_hooks = [a for a in adapters if isinstance(a, TaskExecutionHook)]
        #: Whether edge and input types are checked (NoEdgeAndInputTypeChecking turns both off).
        self.checks_types = not any(isinstance(a, NoEdgeAndInputTypeChecking) for a in adapters)
        self.node_method = _at_most_one(adapters, NodeExecutionMethod, "run_to_execute_node")
        #: Hamilton's method takes no run_id; methods that accept it (the cache's) receive it.
        self._method_takes_run_id = _accepts(self.node_method, "run_to_execute_node", "run_id")
        self.result_builder = (
            _at_most_one(adapters, ResultBuilder, "build_result") or default_result or DictResult()
        )
        unknown = [a for a in adapters if not _is_adapter(a)]
        if unknown:
            raise AdapterError(
                f"{unknown[0]!r} is not an adapter: subclass one of dagwire.lifecycle's classes "
                "(NodeExecutionHook, GraphExecutionHook, NodeExecutionMethod, ResultBuilder, ...)."
            )

    def replaced(self, old: Any, new: Any) -> AdapterSet:
        """A copy with adapter ``old`` swapped for ``new``, an adapter of the same kinds (a cache
        adapter bound to another graph, for a run on that graph)."""
        twin = object.__new__(type(self))
        for name, value in vars(self).items():
            setattr(twin, name, value)
            if isinstance(value, list):
                setattr(twin, name, [new if a is old else a for a in value])
            elif value is old:
                setattr(twin, name, new)
        return twin

    @property
    def observes_nodes(self) -> bool:
        return bool(self.node_hooks) or self.node_method is not None

    def run_node(
        self,
        node: Any,
        kwargs: dict[str, Any],
        *,
        run_id: str,
        task_id: str | None = None,
        is_expand: bool = False,
        is_collect: bool = False,
    ) -> Any:
        """Compute one node with every hook around it and the method (if any) in the middle.

        A ``Parallelizable`` node's items are drawn here, so a failure while iterating counts as the
        node's failure for the hooks too.
        """
        hooks = self.node_hooks
        common = node_hook_arguments(node, kwargs, task_id, run_id)
        try:
            if hooks:
                input_types = {k: d.type for k, d in node.inputs.items()}
                for hook in hooks:
                    hook.run_before_node_execution(**common, node_input_types=input_types)
            try:
                result = self.call_node(node, kwargs, task_id, is_expand, is_collect, run_id)
                if is_expand:
                    result = list(result)
            except Exception as exc:
                note_node_failure(exc, node.name)
                for hook in hooks:
                    hook.run_after_node_execution(**common, result=None, error=exc, success=False)
                raise
            for hook in hooks:
                hook.run_after_node_execution(**common, result=result, error=None, success=True)
        except Exception as exc:  # a hook failed: the error still belongs to this node
            note_node_failure(exc, node.name)
            raise
        return result

    def call_node(
        self,
        node: Any,
        kwargs: dict[str, Any],
        task_id: str | None = None,
        is_expand: bool = False,
        is_collect: bool = False,
        run_id: str | None = None,
    ) -> Any:
        """The node's function called on ``kwargs``, or the node-execution method's result."""
        if self.node_method is None:
            return node.fn(**kwargs)
        return self.node_method.run_to_execute_node(
            node_name=node.name,
            node_tags=node.tags,
            node_callable=node.fn,
            node_kwargs=kwargs,
            task_id=task_id,
            is_expand=is_expand,
            is_collect=is_collect,
            **({"run_id": run_id} if self._method_takes_run_id else {}),
        )


def node_hook_arguments(
    node: Any, kwargs: dict[str, Any], task_id: str | None, run_id: str
) -> dict[str, Any]:
    """What node hooks receive before and after a node, besides the outcome."""
    return dict(
        node_name=node.name,
        node_tags=node.tags,
        node_kwargs=kwargs,
        node_return_type=node.type,
        task_id=task_id,
        run_id=run_id,
    )


_ADAPTER_TYPES = (
    NoEdgeAndInputTypeChecking,
    NodeExecutionHook,
    NodeExecutionMethod,
    GraphExecutionHook,
    GraphConstructionHook,
    StaticValidator,
    ResultBuilder,
    TaskExecutionHook,
)


def _is_adapter(obj: Any) -> bool:
    return isinstance(obj, _ADAPTER_TYPES)


def _accepts(adapter: Any, method: str, keyword: str) -> bool:
    code = getattr(getattr(adapter, method, None), "__code__", None)
    if code is None:
        return False
    named = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    return keyword in named or bool(code.co_flags & 0x08)  # CO_VARKEYWORDS


def _at_most_one(adapters: list[Any], kind: type, method: str) -> Any:
    found = [a for a in adapters if isinstance(a, kind)]
    if len(found) > 1:
        names = ", ".join(type(a).__name__ for a in found)
        raise AdapterError(
            f"Only one adapter may implement {method}(), but {len(found)} do: {names}. "
            "Keep one of them, or combine them into a single adapter."
        )
    return found[0] if found else None
