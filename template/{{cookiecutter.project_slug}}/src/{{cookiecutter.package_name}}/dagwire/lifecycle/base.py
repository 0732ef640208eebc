"""Apache Hamilton's asynchronous hook classes, for adapters of the async driver.

Subclass one and implement its ``async def`` method; pass the adapter to
``async_driver.Builder().with_adapters(...)`` and the async driver awaits it at that point of the
run. The arguments are Hamilton's: ``node_`` is the node's public view (``HamiltonNode``: name,
type, tags, originating functions) and ``graph`` the graph's (``HamiltonGraph``). The async driver
recognises these methods by name on any adapter, subclass or not.
"""

from __future__ import annotations

import abc
from types import ModuleType
from typing import Any


class BasePostGraphConstructAsync(abc.ABC):
    @abc.abstractmethod
    async def post_graph_construct(
        self, *, graph: Any, modules: list[ModuleType], config: dict[str, Any]
    ) -> None:
        """Awaited once the graph is built (by ``await Builder().build()`` or ``ainit()``)."""


class BasePreGraphExecuteAsync(abc.ABC):
    @abc.abstractmethod
    async def pre_graph_execute(
        self,
        *,
        run_id: str,
        graph: Any,
        final_vars: list[str],
        inputs: dict[str, Any],
        overrides: dict[str, Any],
    ) -> None:
        """Awaited before any node of a run."""


class BasePreNodeExecuteAsync(abc.ABC):
    @abc.abstractmethod
    async def pre_node_execute(
        self, *, run_id: str, node_: Any, kwargs: dict[str, Any], task_id: str | None = None
    ) -> None:
        """Awaited before each node, with the values it receives."""


class BasePostNodeExecuteAsync(abc.ABC):
    @abc.abstractmethod
    async def post_node_execute(
        self,
        *,
        run_id: str,
        node_: Any,
        kwargs: dict[str, Any],
        success: bool,
        error: Exception | None,
        result: Any,
        task_id: str | None = None,
    ) -> None:
        """Awaited after each node, whether it succeeded or raised."""


class BasePostGraphExecuteAsync(abc.ABC):
    @abc.abstractmethod
    async def post_graph_execute(
        self,
        *,
        run_id: str,
        graph: Any,
        success: bool,
        error: Exception | None,
        results: dict[str, Any] | None,
    ) -> None:
        """Awaited after a run, whether it succeeded or raised."""
