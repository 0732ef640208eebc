"""Airflow 3: a DAG with one TaskFlow task per group of the plan.

    dag = pipeline_dag("my_pipeline")          # the whole of dags/my_pipeline_dag.py

The scheduler parses DAG files every few seconds, so building the DAG reads two small files and
imports nothing of the pipeline: pipeline.toml (stages, grouping, config, retries, schedule) and
pipeline.lock.json (the graph's shape, see ``lock``). A task imports the pipeline only when it
runs; it then checks that the code still has the shape the DAG was built from, runs its group with
``run_group`` (which skips a group already complete in this run, so retries are safe), and returns
references to the artifacts it wrote: XCom carries those small dicts, never data. Finished or
failed, it then refreshes the run's HTML report and logs where it is (``dagwire report: <uri>``).

A mapped group (the per-item work of a Parallelizable node) is a mapped task: a small task
``count-<group>`` reads how many items there are from the run's records, and Airflow starts one
task instance per item (dynamic task mapping), each running ``run_item``. Each task takes its
stage's settings from pipeline.toml (retries, delay, timeout, pool, queue, executor config).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, dag, get_current_context, task

from ..io.urls import is_url
from ..runtime.artifacts import Ref
from ..runtime.lock import check_lock, locked_plan
from ..runtime.pipeline import ARTIFACTS_ENV, Pipeline, PipelineDefinitionError
from ..runtime.plan import Group, GroupPlan
from ..runtime.runs import RunError, RunGraph, item_count, run_group, run_item
from ..runtime.settings import TaskSettings
from .run_report import refresh_report

log = logging.getLogger(__name__)

#: JSON-schema types of the config values TOML can hold, for the DAG's typed params.
_PARAM_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}


def pipeline_dag(
    package: str,
    *,
    dag_id: str | None = None,
    grouping: str | None = None,
    retries: int | None = None,
    retry_delay_seconds: float | None = None,
    **dag_kwargs: Any,
) -> DAG:
    """The DAG of the pipeline defined in ``package``; keyword arguments override pipeline.toml.

    ``dag_kwargs`` go to Airflow's ``@dag`` (e.g. ``schedule``, ``tags``, ``max_active_runs``).
    """
    settings = Pipeline.load(package, import_modules=False)
    plan = locked_plan(settings, package, grouping=grouping)
    overrides = {"retries": retries, "retry_delay_seconds": retry_delay_seconds}
    dag_kwargs.setdefault("schedule", settings.schedule)
    if dag_kwargs["schedule"] is not None:  # a schedule needs a start; past ones are not caught up
        dag_kwargs.setdefault("start_date", datetime(2025, 1, 1, tzinfo=UTC))
    dag_kwargs.setdefault("tags", ["dagwire"])

    @task(multiple_outputs=False)
    def run_group_task(group: str, upstream: dict[str, Any]) -> Any:
        """Runs one group; ``upstream`` (the references upstream tasks returned) makes the edges."""
        return _run(package, plan, group)

    @task(multiple_outputs=False)
    def run_item_task(group: str, index: int) -> Any:
        """Runs one item of a mapped group."""
        return _run(package, plan, group, index)

    @task(multiple_outputs=False)
    def count_items_task(group: str) -> list[int]:
        """The item numbers a mapped group expands over (Airflow maps only over a task's return
        value, so this cannot be a side output of the task computing the items)."""
        count = item_count(settings.store(), get_current_context()["run_id"], plan, group)
        return list(range(count))

    @dag(
        dag_id=dag_id or package,
        dag_display_name=settings.name,
        description=f"dagwire pipeline {settings.name} ({plan.grouping} grouping)",
        doc_md=_dag_doc(settings, plan),
        catchup=False,
        params=_params(settings),
        **dag_kwargs,
    )
    def pipeline() -> None:
        handles: dict[str, Any] = {}
        for group in plan.groups:
            options = _task_options(settings.task_settings(group.stages), overrides)
            options.update(task_id=group.name, doc_md=_group_doc(group, plan))
            mapped = [name for name in group.depends_on if plan[name].over]
            if mapped:  # a block with no items skips its mapped task; what collects still runs
                options["trigger_rule"] = "none_failed"
            if group.over:
                timing = (
                    "retries",
                    "retry_delay",
                    "execution_timeout",
                )  # the stage's, not the pool
                counter = {k: options[k] for k in timing if k in options}
                items = count_items_task.override(task_id=count_task_id(group), **counter)(
                    group=group.name
                )
                for name in group.depends_on:
                    handles[name] >> items
                handle = (
                    run_item_task.override(**options).partial(group=group.name).expand(index=items)
                )
            else:
                upstream = {n: handles[n] for n in group.depends_on if n not in mapped}
                handle = run_group_task.override(**options)(group=group.name, upstream=upstream)
                for name in mapped:  # per-item references stay out of this task's arguments
                    handles[name] >> handle
            handles[group.name] = handle

    return pipeline()


def _task_options(settings: TaskSettings, overrides: dict[str, Any]) -> dict[str, Any]:
    """Airflow operator arguments for a task with ``settings`` (non-None ``overrides`` win)."""
    retries = overrides["retries"]
    delay = overrides["retry_delay_seconds"]
    options: dict[str, Any] = {
        "retries": settings.retries if retries is None else retries,
        "retry_delay": timedelta(seconds=settings.retry_delay_seconds if delay is None else delay),
        **settings.airflow,
    }
    if "executor_config" in options:
        options["executor_config"] = _executor_config(dict(options["executor_config"]))
    if settings.timeout_seconds is not None:
        options["execution_timeout"] = timedelta(seconds=settings.timeout_seconds)
    return options


def _executor_config(config: dict[str, Any]) -> dict[str, Any]:
    """A ``pod_override`` written as a TOML table becomes the V1Pod the KubernetesExecutor needs,
    when its provider is installed; other executors ignore executor_config, so it stays a table."""
    pod = config.get("pod_override")
    if isinstance(pod, dict):
        try:
            from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator
        except ImportError:
            return config
        config["pod_override"] = PodGenerator.deserialize_model_dict(pod)
    return config


def count_task_id(group: Group) -> str:
    """The id of the task that counts the items of the mapped ``group``."""
    return f"count-{group.name}"


def _run(package: str, planned: GroupPlan, group: str, index: int | None = None) -> dict[str, Ref]:
    context = get_current_context()
    pipeline = Pipeline.load(package)
    params = context["params"]
    config = {key: params[key] for key in pipeline.config if key in params}
    root = pipeline.artifacts_location()
    store = pipeline.store(root)
    graph = RunGraph(pipeline, config, cache=pipeline.cache_path(store))  # for plan and group
    plan = pipeline.plan(config, grouping=planned.grouping, graph=graph.graph)
    if _structure(plan) != _structure(planned):
        check_lock(pipeline, package)  # the likeliest reason, with the fix
        raise RunError(
            f"With the params of this run ({config}) the graph splits into other tasks than the "
            f"DAG has.\nDAG:  {_structure(planned)}\nrun:  {_structure(plan)}\n"
            "Airflow's tasks are fixed when the DAG file is parsed (from pipeline.toml's config); "
            "change the default config in pipeline.toml and run `lock`, or use params that "
            "keep the same nodes."
        )
    if not is_url(root) and not os.path.isabs(root):
        log.warning(
            "dagwire: the artifact root %r is relative, so it means %s on this worker only. Set "
            "[artifacts] root in pipeline.toml or %s to a path or URL that every "
            "worker shares.",
            root,
            store.root,
            ARTIFACTS_ENV,
        )
    run = {"run_id": context["run_id"], "store": store, "config": config, "graph": graph}
    try:
        if index is not None:
            return run_item(pipeline, plan, group, index, **run)
        return run_group(pipeline, plan, group, **run)
    finally:  # finished or failed: the report shows this task's outcome, and its log says where
        refresh_report(store, context["run_id"])


def _structure(plan: GroupPlan) -> dict[str, Any]:
    """What a DAG's tasks depend on; node order inside a group does not matter."""
    return {
        g.name: {
            "nodes": sorted(g.nodes),
            "outputs": sorted(g.outputs),
            "depends_on": sorted(g.depends_on),
            "over": g.over,
        }
        for g in plan.groups
    }


def _params(settings: Pipeline) -> dict[str, Param]:
    params = {}
    for key, value in settings.config.items():
        kind = "object" if isinstance(value, dict) else _PARAM_TYPES.get(type(value))
        if kind is None:
            raise PipelineDefinitionError(
                f"{settings.source}: [config] {key} = {value!r} ({type(value).__name__}) cannot be "
                "an Airflow param, which must be JSON; write it as a string, number, boolean, "
                "array or table."
            )
        params[key] = Param(value, type=kind, description=f"pipeline.toml [config] {key}")
    return params


def _dag_doc(settings: Pipeline, plan: GroupPlan) -> str:
    lines = [
        f"# {settings.name}",
        "",
        "Generated by dagwire from `pipeline.toml` and `pipeline.lock.json` "
        f"(**{plan.grouping}** grouping). Params are the pipeline's `[config]`.",
        "",
        "| task | computes | depends on |",
        "|---|---|---|",
    ]
    for group in plan.groups:
        nodes = ", ".join(f"`{n}`" for n in group.nodes)
        lines.append(f"| {group.name} | {nodes} | {', '.join(group.depends_on) or '-'} |")
    return "\n".join(lines) + "\n"


def _group_doc(group: Group, plan: GroupPlan) -> str:
    lines = [f"Runs the dagwire group `{group.name}`.", "", "**Computes:**", ""]
    lines += [f"- `{n}`" for n in group.nodes]
    if group.inputs:
        lines += ["", "**Reads** (artifacts of upstream tasks):", ""]
        lines += [f"- `{n}` from `{plan.owner(n).name}`" for n in group.inputs]
    lines += ["", "**Writes:** " + (", ".join(f"`{n}`" for n in group.outputs) or "nothing")]
    return "\n".join(lines) + "\n"
