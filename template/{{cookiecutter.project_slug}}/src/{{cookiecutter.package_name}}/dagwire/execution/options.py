"""The ``Builder`` methods that turn dynamic execution on and choose its executors.

Kept apart from the dynamic machinery (``dynamic.py``, ``parallel.py``), which loads only when a
driver uses it: drivers that never do pay nothing for it, at import or at run time.
"""

from __future__ import annotations

from typing import Any

from ..errors import DynamicExecutionError


class DynamicExecutionOptions:
    """The ``Builder`` methods of dynamic execution, under Apache Hamilton's names."""

    _dynamic = False
    _local_executor: Any = None
    _remote_executor: Any = None
    _grouping_strategy: Any = None

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

    def with_grouping_strategy(self, grouping_strategy: Any) -> Any:
        """Accept Hamilton's grouping strategies; results never depend on the choice (see
        ``execution.grouping`` for how the engine groups nodes into tasks)."""
        from .grouping import GroupingStrategy

        self._require_dynamic("with_grouping_strategy", self._grouping_strategy)
        if not isinstance(grouping_strategy, GroupingStrategy):
            raise DynamicExecutionError(
                "with_grouping_strategy() takes a strategy from execution.grouping, such as "
                f"GroupByRepeatableBlocks(), got {grouping_strategy!r}."
            )
        self._grouping_strategy = grouping_strategy
        return self

    def _checked_executor(self, method: str, executor: Any, current: Any) -> Any:
        from .executors import TaskExecutor

        self._require_dynamic(method, current)
        if not isinstance(executor, TaskExecutor):
            raise DynamicExecutionError(
                f"{method}() takes a task executor such as MultiThreadingExecutor(8) from the "
                f"engine's executors module, got {executor!r}."
            )
        return executor

    def _require_dynamic(self, method: str, current: Any) -> None:
        """Refuse a dynamic-execution setting before dynamic execution, or set twice."""
        if not self._dynamic:
            raise DynamicExecutionError(
                f"{method}() needs dynamic execution: call "
                ".enable_dynamic_execution(allow_experimental_mode=True) before it."
            )
        if current is not None:
            raise DynamicExecutionError(f"{method}() was called twice; keep one of the calls.")

    def _executors(self) -> tuple[Any, Any] | None:
        return (self._local_executor, self._remote_executor) if self._dynamic else None
