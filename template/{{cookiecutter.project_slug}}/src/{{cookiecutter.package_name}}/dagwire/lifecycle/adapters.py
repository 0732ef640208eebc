"""Sorts a driver's adapters by the steps they take part in, once, at build time.

The executor then asks plain lists ("any node hooks?") instead of inspecting adapters per node,
which is what lets a run without adapters cost nothing extra.
"""

from __future__ import annotations

from typing import Any

from ..errors import AdapterError
from .api import (
    DictResult,
    GraphConstructionHook,
    GraphExecutionHook,
    NodeExecutionHook,
    NodeExecutionMethod,
    ResultBuilder,
    StaticValidator,
)


class AdapterSet:
    def __init__(self, adapters: list[Any], *, default_result: ResultBuilder | None = None) -> None:
        self.all = list(adapters)
        self.node_hooks = [a for a in adapters if isinstance(a, NodeExecutionHook)]
        self.graph_hooks = [a for a in adapters if isinstance(a, GraphExecutionHook)]
        self.construction_hooks = [a for a in adapters if isinstance(a, GraphConstructionHook)]
        self.validators = [a for a in adapters if isinstance(a, StaticValidator)]
        self.node_method = _at_most_one(adapters, NodeExecutionMethod, "run_to_execute_node")
        self.result_builder = (
            _at_most_one(adapters, ResultBuilder, "build_result") or default_result or DictResult()
        )
        unknown = [a for a in adapters if not _is_adapter(a)]
        if unknown:
            raise AdapterError(
                f"{unknown[0]!r} is not an adapter: subclass one of dagwire.lifecycle's classes "
                "(NodeExecutionHook, GraphExecutionHook, NodeExecutionMethod, ResultBuilder, ...)."
            )

    @property
    def observes_nodes(self) -> bool:
        return bool(self.node_hooks) or self.node_method is not None


_ADAPTER_TYPES = (
    NodeExecutionHook,
    NodeExecutionMethod,
    GraphExecutionHook,
    GraphConstructionHook,
    StaticValidator,
    ResultBuilder,
)


def _is_adapter(obj: Any) -> bool:
    return isinstance(obj, _ADAPTER_TYPES)


def _at_most_one(adapters: list[Any], kind: type, method: str) -> Any:
    found = [a for a in adapters if isinstance(a, kind)]
    if len(found) > 1:
        names = ", ".join(type(a).__name__ for a in found)
        raise AdapterError(
            f"Only one adapter may implement {method}(), but {len(found)} do: {names}. "
            "Keep one of them, or combine them into a single adapter."
        )
    return found[0] if found else None
