"""Hook and method base classes users subclass to observe or change execution.

Every method is keyword-only and ends in ``**future_kwargs``: dagwire may pass new arguments in
later versions, and adapters written today keep working. *Hooks* observe (any number may run per
step); *methods* decide (exactly one adapter may implement each).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any


class NodeExecutionHook(abc.ABC):
    """Called around every node execution."""

    @abc.abstractmethod
    def run_before_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_kwargs: dict[str, Any],
        node_return_type: type,
        task_id: str | None,
        run_id: str,
        node_input_types: dict[str, Any],
        **future_kwargs: Any,
    ) -> None: ...

    @abc.abstractmethod
    def run_after_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_kwargs: dict[str, Any],
        node_return_type: type,
        result: Any,
        error: Exception | None,
        success: bool,
        task_id: str | None,
        run_id: str,
        **future_kwargs: Any,
    ) -> None: ...


class NodeExecutionMethod(abc.ABC):
    """Replaces how a node's function is called (at most one adapter may implement it)."""

    @abc.abstractmethod
    def run_to_execute_node(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_callable: Callable[..., Any],
        node_kwargs: dict[str, Any],
        task_id: str | None,
        **future_kwargs: Any,
    ) -> Any: ...


class GraphExecutionHook(abc.ABC):
    """Called around a whole ``execute`` call."""

    @abc.abstractmethod
    def run_before_graph_execution(
        self,
        *,
        graph: Any,
        final_vars: list[str],
        inputs: dict[str, Any],
        overrides: dict[str, Any],
        execution_path: list[str],
        run_id: str,
        **future_kwargs: Any,
    ) -> None: ...

    @abc.abstractmethod
    def run_after_graph_execution(
        self,
        *,
        graph: Any,
        success: bool,
        error: Exception | None,
        results: dict[str, Any] | None,
        run_id: str,
        **future_kwargs: Any,
    ) -> None: ...


class GraphConstructionHook(abc.ABC):
    """Called once the driver has built its graph."""

    @abc.abstractmethod
    def run_after_graph_construction(
        self, *, graph: Any, config: dict[str, Any], **future_kwargs: Any
    ) -> None: ...


class TaskExecutionHook(abc.ABC):
    """Called around each task of a dynamic run: a node computed once, or one item of a
    ``Parallelizable`` block with all its nodes. Runs where the task runs (thread or process)."""

    @abc.abstractmethod
    def run_before_task_execution(
        self,
        *,
        task_id: str,
        run_id: str,
        nodes: list[Any],
        inputs: dict[str, Any],
        overrides: dict[str, Any],
        spawning_task_id: str | None,
        purpose: str,
        **future_kwargs: Any,
    ) -> None: ...

    @abc.abstractmethod
    def run_after_task_execution(
        self,
        *,
        task_id: str,
        run_id: str,
        nodes: list[Any],
        results: dict[str, Any] | None,
        success: bool,
        error: Exception | None,
        spawning_task_id: str | None,
        purpose: str,
        **future_kwargs: Any,
    ) -> None: ...


class StaticValidator(abc.ABC):  # noqa: B024 - both checks are optional
    """Checks nodes and the graph at build time; a failure stops the build with its message."""

    def run_to_validate_node(self, *, node: Any, **future_kwargs: Any) -> tuple[bool, str | None]:
        return True, None

    def run_to_validate_graph(self, *, graph: Any, **future_kwargs: Any) -> tuple[bool, str | None]:
        return True, None


class ResultBuilder(abc.ABC):
    """Turns the requested outputs into what ``execute`` returns (at most one adapter)."""

    @abc.abstractmethod
    def build_result(self, **outputs: Any) -> Any: ...

    def output_type(self) -> type:
        return Any  # type: ignore[return-value]


class DictResult(ResultBuilder):
    """The default: a plain dict of the requested outputs."""

    def build_result(self, **outputs: Any) -> dict[str, Any]:
        return outputs

    def output_type(self) -> type:
        return dict


class NoEdgeAndInputTypeChecking:
    """Turns off the type checks: of edges when the driver is built, of inputs when it runs.

    For graphs whose annotations the checks cannot judge; Apache Hamilton's adapter of this name.
    """
