"""Apache Hamilton's grouping strategies, accepted by ``Builder().with_grouping_strategy()``.

In Hamilton a grouping strategy decides which nodes share a task of the dynamic executor. The
engine's dynamic executor always groups as ``GroupByRepeatableBlocks`` does: each node computed
once is its own task on the local executor, and each item of a ``Parallelizable`` block is one
task (the whole block, for that item) on the remote executor. The other strategies change only
how Hamilton cuts the same work into tasks, never a result, so the engine accepts them and runs
the same way; only task-level hooks (``TaskExecutionHook``) could tell the difference, through the
task ids they see. Custom strategies (subclasses of ``GroupingStrategy``) are accepted on the same
terms: their ``group_nodes`` is not called.
"""

from __future__ import annotations

import abc
import enum
from typing import Any


class NodeGroupPurpose(enum.Enum):
    """What a group of nodes is for, under Hamilton's names."""

    EXPAND_UNORDERED = "expand_unordered"
    GATHER = "gather"
    EXECUTE_BLOCK = "execute_block"
    EXECUTE_SINGLE = "execute_single"

    def is_expander(self) -> bool:
        return self is NodeGroupPurpose.EXPAND_UNORDERED

    def is_gatherer(self) -> bool:
        return self is NodeGroupPurpose.GATHER


class GroupingStrategy(abc.ABC):
    """Base of the strategies; a subclass names how Hamilton would cut the graph into tasks."""

    @abc.abstractmethod
    def group_nodes(self, nodes: list[Any]) -> list[Any]:
        """Hamilton's hook for custom strategies; the engine accepts them but never calls it."""


class GroupByRepeatableBlocks(GroupingStrategy):
    """Each Parallelizable block one task per item, every other node its own task: the
    engine's grouping, and Hamilton's default."""

    def group_nodes(self, nodes: list[Any]) -> list[Any]:
        return _not_called(self)


class GroupNodesIndividually(GroupingStrategy):
    """One task per node in Hamilton; the same results here, grouped by repeatable blocks."""

    def group_nodes(self, nodes: list[Any]) -> list[Any]:
        return _not_called(self)


class GroupNodesAllAsOne(GroupingStrategy):
    """One task for the whole graph in Hamilton; the same results here, grouped by repeatable
    blocks."""

    def group_nodes(self, nodes: list[Any]) -> list[Any]:
        return _not_called(self)


class GroupNodesByLevel(GroupingStrategy):
    """One task per topological level in Hamilton; the same results here, grouped by repeatable
    blocks."""

    def group_nodes(self, nodes: list[Any]) -> list[Any]:
        return _not_called(self)


def _not_called(strategy: GroupingStrategy) -> list[Any]:
    raise NotImplementedError(
        f"{type(strategy).__name__}.group_nodes() is Apache Hamilton's internal API: the engine's "
        "executor groups nodes by repeatable blocks itself (see dagwire.execution.grouping)."
    )
