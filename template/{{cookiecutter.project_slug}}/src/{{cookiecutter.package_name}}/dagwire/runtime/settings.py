"""Task settings: what an orchestrator is told about each task, from pipeline.toml.

Stages differ in what they need (Hamilton's own Prefect example splits data preparation, which
wants CPUs, from training, which wants a GPU), so each ``[stages.<name>]`` table can carry the
settings below, over the defaults of ``[orchestrator]``:

    retries, retry_delay_seconds, timeout_seconds      every orchestrator
    airflow = {pool, pool_slots, queue, executor_config}
    prefect = {tags, concurrency_limit}

A task gets the settings of the stage its nodes belong to, under every grouping: with ``nodes``
each node's task takes its stage's; a task holding nodes of several stages (``single``, or a
Parallelizable block spanning stages) takes the most demanding of them (see ``merge``). The plain
runner ignores them, except that nothing it does contradicts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

TASK_SETTINGS = ("retries", "retry_delay_seconds", "timeout_seconds", "airflow", "prefect")
#: Each orchestrator's own settings and the kinds of value they take.
ORCHESTRATOR_SETTINGS: dict[str, dict[str, str]] = {
    "airflow": {
        "pool": "name",
        "pool_slots": "count",
        "queue": "name",
        "executor_config": "table",
    },
    "prefect": {"tags": "names", "concurrency_limit": "count"},
}


@dataclass(frozen=True)
class TaskSettings:
    retries: int = 1
    retry_delay_seconds: float = 0
    #: None: no limit.
    timeout_seconds: float | None = None
    airflow: Mapping[str, Any] = field(default_factory=dict)
    prefect: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> TaskSettings:
        """Settings from checked ``options`` (``check_task_settings``)."""
        return cls(
            retries=options.get("retries", 1),
            retry_delay_seconds=options.get("retry_delay_seconds", 0),
            timeout_seconds=options.get("timeout_seconds"),
            airflow=MappingProxyType(dict(options.get("airflow", {}))),
            prefect=MappingProxyType(dict(options.get("prefect", {}))),
        )

    @classmethod
    def merge(cls, each: Iterable[TaskSettings], airflow: Mapping[str, Any]) -> TaskSettings:
        """One task for the work of several stages gets what the most demanding one asks:
        the most retries, the longest delay, time for all of them (no limit if one has none),
        every tag and the smallest concurrency limit. ``airflow`` is decided by the caller, who
        knows which stage set what itself: the pool, queue and executor config of the last stage
        that sets them (the later stages, training say, need the special workers)."""
        each = list(each)
        timeouts = [s.timeout_seconds for s in each]
        tags = list(dict.fromkeys(t for s in each for t in s.prefect.get("tags", ())))
        limits = [s.prefect["concurrency_limit"] for s in each if "concurrency_limit" in s.prefect]
        prefect: dict[str, Any] = {"tags": tags} if tags else {}
        if limits:
            prefect["concurrency_limit"] = min(limits)
        return cls(
            retries=max(s.retries for s in each),
            retry_delay_seconds=max(s.retry_delay_seconds for s in each),
            timeout_seconds=None if None in timeouts else sum(timeouts),  # type: ignore[arg-type]
            airflow=MappingProxyType(dict(airflow)),
            prefect=MappingProxyType(prefect),
        )


def check_task_settings(options: Any, where: str, error: type[Exception]) -> None:
    """Refuse unknown keys and values of the wrong kind, naming the table and the fix."""
    if not isinstance(options, Mapping):
        raise error(f"{where} must be a table of task settings.")
    for key, value in options.items():
        if key not in TASK_SETTINGS:
            raise error(
                f"{where}: unknown setting {key!r}; the task settings are "
                + ", ".join(map(repr, TASK_SETTINGS))
                + "."
            )
        if key == "retries" and (type(value) is not int or value < 0):
            raise error(f"{where}: retries must be a whole number >= 0, got {value!r}.")
        if key in ("retry_delay_seconds", "timeout_seconds") and (
            type(value) not in (int, float) or not 0 <= value < float("inf")
        ):
            raise error(f"{where}: {key} must be a number of seconds >= 0, got {value!r}.")
        if key == "timeout_seconds" and value == 0:
            raise error(f"{where}: timeout_seconds = 0 would stop every task; leave it out.")
        if key in ORCHESTRATOR_SETTINGS:
            _check_orchestrator(key, value, f"{where}.{key}", error)


def _check_orchestrator(orchestrator: str, table: Any, where: str, error: type[Exception]) -> None:
    known = ORCHESTRATOR_SETTINGS[orchestrator]
    if not isinstance(table, Mapping):
        raise error(f"{where} must be a table of {orchestrator} settings, e.g. " + "{ ... }.")
    for key, value in table.items():
        kind = known.get(key)
        if kind is None:
            raise error(
                f"{where}: unknown setting {key!r}; {orchestrator} takes "
                + ", ".join(map(repr, known))
                + "."
            )
        ok = {
            "name": isinstance(value, str) and bool(value.strip()),
            "count": type(value) is int and value >= 1,
            "table": isinstance(value, Mapping),
            "names": isinstance(value, list)
            and all(isinstance(v, str) and v.strip() for v in value),
        }[kind]
        if not ok:
            example = {
                "name": '"gpu"',
                "count": "2",
                "table": "{ ... }",
                "names": '["gpu"]',
            }[kind]
            raise error(f"{where}: {key} = {value!r} is not valid; write e.g. {key} = {example}.")
