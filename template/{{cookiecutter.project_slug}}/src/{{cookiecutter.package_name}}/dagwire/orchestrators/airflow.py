"""Airflow 3: a DAG with one TaskFlow task per group of the plan.

    dag = pipeline_dag("my_pipeline")          # the whole of dags/my_pipeline_dag.py

The scheduler parses DAG files every few seconds, so building the DAG reads two small files and
imports nothing of the pipeline: pipeline.toml (stages, grouping, config, retries, schedule) and
pipeline.lock.json (the graph's shape, see ``lock``). A task imports the pipeline only when it
runs; it then checks that the code still has the shape the DAG was built from, runs its group with
``run_group`` (which skips a group already complete in this run, so retries are safe), and returns
references to the artifacts it wrote: XCom carries those small dicts, never data.
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
from ..runtime.runs import RunError, RunGraph, run_group

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
    retries = settings.retries if retries is None else retries
    delay = settings.retry_delay_seconds if retry_delay_seconds is None else retry_delay_seconds
    dag_kwargs.setdefault("schedule", settings.schedule)
    if dag_kwargs["schedule"] is not None:  # a schedule needs a start; past ones are not caught up
        dag_kwargs.setdefault("start_date", datetime(2025, 1, 1, tzinfo=UTC))
    dag_kwargs.setdefault("tags", ["dagwire"])

    @task(multiple_outputs=False)
    def run_group_task(group: str, upstream: dict[str, Any]) -> Any:
        """Runs one group; ``upstream`` (the references upstream tasks returned) makes the edges."""
        return _run(package, plan, group)

    @dag(
        dag_id=dag_id or package,
        dag_display_name=settings.name,
        description=f"dagwire pipeline {settings.name} ({plan.grouping} grouping)",
        doc_md=_dag_doc(settings, plan),
        catchup=False,
        params=_params(settings),
        default_args={"retries": retries, "retry_delay": timedelta(seconds=delay)},
        **dag_kwargs,
    )
    def pipeline() -> None:
        handles: dict[str, Any] = {}
        for group in plan.groups:
            handles[group.name] = run_group_task.override(
                task_id=group.name, doc_md=_group_doc(group, plan)
            )(group=group.name, upstream={name: handles[name] for name in group.depends_on})

    return pipeline()


def _run(package: str, planned: GroupPlan, group: str) -> dict[str, Ref]:
    context = get_current_context()
    pipeline = Pipeline.load(package)
    params = context["params"]
    config = {key: params[key] for key in pipeline.config if key in params}
    graph = RunGraph(pipeline, config)  # built once: for the plan check and for the group
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
    root = pipeline.artifacts_location()
    store = pipeline.store(root)
    if not is_url(root) and not os.path.isabs(root):
        log.warning(
            "dagwire: the artifact root %r is relative, so it means %s on this worker only. Set "
            "[artifacts] root in pipeline.toml or %s to a path or URL that every "
            "worker shares.",
            root,
            store.root,
            ARTIFACTS_ENV,
        )
    return run_group(
        pipeline, plan, group, run_id=context["run_id"], store=store, config=config, graph=graph
    )


def _structure(plan: GroupPlan) -> dict[str, Any]:
    """What a DAG's tasks depend on; node order inside a group does not matter."""
    return {
        g.name: {
            "nodes": sorted(g.nodes),
            "outputs": sorted(g.outputs),
            "depends_on": sorted(g.depends_on),
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
