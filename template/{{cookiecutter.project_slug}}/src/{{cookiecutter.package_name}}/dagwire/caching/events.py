"""What the cache did, node by node: the events ``dr.cache.logs()`` returns.

The names and fields are Apache Hamilton's, so code that reads its logs reads these. The ``info``
level keeps what a user asks first (was the node computed or retrieved?); an ``EXECUTE_NODE``
event's ``msg`` says why it was computed. ``debug`` adds the rest.
"""

from __future__ import annotations

import enum
import time
from typing import Any


class CachingEventType(enum.Enum):
    GET_DATA_VERSION = "get_data_version"
    SET_DATA_VERSION = "set_data_version"
    GET_CACHE_KEY = "get_cache_key"
    SET_CACHE_KEY = "set_cache_key"
    GET_RESULT = "get_result"
    SET_RESULT = "set_result"
    MISSING_RESULT = "missing_result"
    FAILED_RETRIEVAL = "failed_retrieval"
    EXECUTE_NODE = "execute_node"
    FAILED_EXECUTION = "failed_execution"
    RESOLVE_BEHAVIOR = "resolve_behavior"
    UNHASHABLE_DATA_VERSION = "unhashable_data_version"
    IS_OVERRIDE = "is_override"
    IS_INPUT = "is_input"
    IS_FINAL_VAR = "is_final_var"
    IS_DEFAULT_PARAMETER_VALUE = "is_default_parameter_value"


INFO_EVENTS = frozenset({CachingEventType.GET_RESULT, CachingEventType.EXECUTE_NODE})


class CachingEvent:
    """One thing the cache did for one node (``task_id``: the Parallelizable item, if any)."""

    __slots__ = (
        "run_id",
        "actor",
        "event_type",
        "node_name",
        "task_id",
        "msg",
        "value",
        "timestamp",
    )

    def __init__(
        self,
        run_id: str,
        actor: str,
        event_type: CachingEventType,
        node_name: str,
        task_id: str | None = None,
        msg: str | None = None,
        value: Any = None,
    ) -> None:
        self.run_id, self.actor, self.event_type = run_id, actor, event_type
        self.node_name, self.task_id, self.msg, self.value = node_name, task_id, msg, value
        self.timestamp = time.time()

    def __str__(self) -> str:
        parts = [self.node_name, self.task_id, self.actor, self.event_type.value, self.msg]
        return "::".join(p for p in parts if p)

    __repr__ = __str__

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "timestamp": self.timestamp,
            "node_name": self.node_name,
            "task_id": self.task_id,
            "actor": self.actor,
            "event_type": self.event_type.value,
            "msg": self.msg,
            "value": str(self.value) if self.value else self.value,
        }


def by_node(events: list[CachingEvent], level: str) -> dict[Any, list[CachingEvent]]:
    """One run's events per node (per ``(node, task)`` inside Parallelizable items)."""
    grouped: dict[Any, list[CachingEvent]] = {}
    for event in selected(events, level):
        key = (event.node_name, event.task_id) if event.task_id else event.node_name
        grouped.setdefault(key, []).append(event)
    return grouped


def selected(events: list[CachingEvent], level: str) -> list[CachingEvent]:
    if level == "debug":
        return list(events)
    if level != "info":
        raise ValueError(f"logs(level={level!r}): use 'info' or 'debug'.")
    return [e for e in events if e.event_type in INFO_EVENTS]
