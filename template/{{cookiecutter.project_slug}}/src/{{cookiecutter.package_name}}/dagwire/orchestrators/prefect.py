"""Prefect 3: a flow that submits one task per group of the plan, each waiting for its upstream.

    flow = pipeline_flow("my_pipeline")        # parameters: pipeline.toml's [config]
    flow(test_size=0.3)                         # a run (a local temporary server if none is set)
    serve(flow)                                 # a deployment that polls for scheduled runs

Building the flow reads pipeline.toml only, so the flow's parameters are the config keys with their
types and defaults. The pipeline is imported when the flow runs; the plan is made for the run's
parameters, and each task calls ``run_group`` (as the plain runner does) under the flow-run id.
Tasks hand on references to the artifacts they wrote, never data, and Prefect persists no results:
the artifact store already holds every value that crosses a task boundary. A mapped group (the
per-item work of a Parallelizable node) is ``.map()``ped over its items, each task run calling
``run_item``. Each task takes its stage's settings from pipeline.toml (retries, delay, timeout,
tags, and a limit on how many of the stage's task runs a flow run runs at once). Completed or
failed, the run ends by writing its HTML report and a Markdown artifact (``<pipeline>-report``)
with each task's status, the failure if any, and the report's URI.
"""

from __future__ import annotations

import argparse
import inspect
import re
import threading
from collections.abc import Sequence
from typing import Any

from prefect import Flow, flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.runtime import flow_run

from ..runtime.artifacts import ArtifactStore, Ref
from ..runtime.pipeline import Pipeline, PipelineDefinitionError
from ..runtime.plan import Group, GroupPlan
from ..runtime.runs import RunGraph, run_group, run_item
from ..runtime.settings import TaskSettings
from .run_report import refresh_report, run_summary


def pipeline_flow(
    package: str,
    *,
    grouping: str | None = None,
    retries: int | None = None,
    retry_delay_seconds: float | None = None,
    entrypoint: str | None = None,
) -> Flow:
    """The flow of the pipeline defined in ``package``; keyword arguments override pipeline.toml.

    ``entrypoint`` ("module.attribute" where the flow is importable) lets a deployment find the
    flow again in the worker's process; generated projects pass their ``prefect_flow`` module.
    """
    settings = Pipeline.load(package, import_modules=False)
    overrides = {"retries": retries, "retry_delay_seconds": retry_delay_seconds}

    def run_pipeline(**config: Any) -> dict[str, Ref]:
        return _run(package, config, grouping=grouping, overrides=overrides)

    run_pipeline.__signature__ = _signature(settings)  # type: ignore[attr-defined]
    run_pipeline.__annotations__ = {
        name: p.annotation for name, p in run_pipeline.__signature__.parameters.items()
    }
    if entrypoint:
        module, _, attribute = entrypoint.rpartition(".")
        run_pipeline.__module__ = module
        run_pipeline.__name__ = run_pipeline.__qualname__ = attribute
    return flow(
        run_pipeline,
        name=settings.name,
        description=f"dagwire pipeline {settings.name}; parameters are its [config].",
        validate_parameters=True,
        persist_result=False,
    )


def _run(
    package: str, config: dict[str, Any], *, grouping: str | None, overrides: dict[str, Any]
) -> dict[str, Ref]:
    pipeline = Pipeline.load(package)
    store = pipeline.store()
    # built once, shared by the tasks (threads) of this run
    graph = RunGraph(pipeline, config, cache=pipeline.cache_path(store))
    plan = pipeline.plan(config, grouping=grouping, graph=graph.graph)
    run_id = str(flow_run.id)
    create_markdown_artifact(
        key=artifact_key(pipeline, "plan"),
        markdown=_markdown(pipeline, plan, graph.graph, store.run_uri(run_id)),
        description=f"The graph of {pipeline.name} and the tasks it was cut into",
    )

    run = {"run_id": run_id, "store": store, "config": config, "graph": graph}

    @task(cache_policy=NO_CACHE, persist_result=False)
    def run_group_task(group: str) -> dict[str, Ref]:
        """Runs one group (ordered after its upstream groups by ``wait_for``)."""
        return run_group(pipeline, plan, group, **run)

    @task(cache_policy=NO_CACHE, persist_result=False)
    def run_item_task(group: str, index: int) -> dict[str, Ref]:
        """Runs one item of a mapped group."""
        return run_item(pipeline, plan, group, index, **run)

    submit = _Submitter(pipeline, plan, overrides, run_group_task, run_item_task)
    try:
        submit.all()
        every = [f for group in plan.groups for f in submit.futures.get(group.name, [])]
        wait(every)
        refs: dict[str, Ref] = {}
        for future in every:  # in plan order: the first failure is the root cause (a group that
            refs.update(future.result())  # computes items fails before its unsubmitted ones would)
    finally:  # completed or failed, the flow run gets the report
        _publish_report(pipeline, store, run_id)
    return {name: refs[name] for name in plan.outputs}


def artifact_key(pipeline: Pipeline, what: str) -> str:
    """The key of the flow run's ``what`` artifact: Prefect keys hold lowercase letters, digits
    and dashes only, so the pipeline's name is folded into them."""
    return re.sub(r"[^a-z0-9-]+", "-", f"{pipeline.name}-{what}".lower()).strip("-")


def _publish_report(pipeline: Pipeline, store: ArtifactStore, run_id: str) -> None:
    """Write the run's HTML report, and give the flow run a Markdown artifact saying how each
    task ended, what failed, and where the report is. Neither may fail the flow run."""
    logger = get_run_logger()
    uri = refresh_report(store, run_id, logger)
    try:
        create_markdown_artifact(
            key=artifact_key(pipeline, "report"),
            markdown=run_summary(store, run_id, uri),
            description=f"How run {run_id} of {pipeline.name} went, and where its report is",
        )
    except Exception as exc:
        logger.warning(
            "dagwire: the report artifact of flow run %s could not be created (%s: %s); the run "
            "itself is unaffected.",
            run_id,
            type(exc).__name__,
            exc,
        )


class _Submitter:
    """Submits the tasks of one flow run: every group that needs no item count at once, then each
    mapped group when the group computing its items is done, and what follows it.

    A stage's ``concurrency_limit`` holds a task back before it is submitted (a slot frees when
    one of the stage's task runs ends), so waiting for a slot never counts against the task's
    timeout.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        plan: GroupPlan,
        overrides: dict[str, Any],
        group_task: Any,
        item_task: Any,
    ) -> None:
        self.pipeline, self.plan, self.overrides = pipeline, plan, overrides
        self.group_task, self.item_task = group_task, item_task
        self.futures: dict[str, list[Any]] = {}
        self.slots: dict[str, threading.BoundedSemaphore] = {}
        for stage in pipeline.stages:
            limit = pipeline.task_settings([stage]).prefect.get("concurrency_limit")
            if limit:
                self.slots[stage] = threading.BoundedSemaphore(limit)

    def all(self) -> None:
        counted = {g.name for g in self.plan.groups if not self._after_items(g)}
        for group in self.plan.groups:  # first what no item count holds back
            if group.name in counted:
                self._submit(group)
        for group in self.plan.groups:
            if group.name in counted or not self._upstream_submitted(group):
                continue
            if group.over:
                producer = self.futures[self.plan.owner(group.over).name][0]
                producer.wait()
                if not producer.state.is_completed():
                    continue  # it failed: nothing downstream of it is submitted
            self._submit(group)

    def _after_items(self, group: Group) -> bool:
        """Whether ``group`` is a mapped group or downstream of one."""
        return any(g.over for g in self.plan.needed_for(groups=[group.name]))

    def _upstream_submitted(self, group: Group) -> bool:
        return all(name in self.futures for name in group.depends_on)

    def _submit(self, group: Group) -> None:
        settings = self.pipeline.task_settings(group.stages)
        options = _task_options(settings, self.overrides, group)
        wait_for = [f for name in group.depends_on for f in self.futures[name]]
        slots = [self.slots[s] for s in group.stages if s in self.slots]
        if group.over:
            producer = self.futures[self.plan.owner(group.over).name][0]
            count = len(producer.result()[group.over]["items"])
            if not slots:
                mapped = self.item_task.with_options(**options).map(
                    unmapped(group.name), list(range(count)), wait_for=wait_for
                )
                self.futures[group.name] = list(mapped)
                return
            calls = [(self.item_task, (group.name, i)) for i in range(count)]
        else:
            calls = [(self.group_task, (group.name,))]
        submitted = []
        for fn, args in calls:
            for slot in slots:  # in stage order, the same for every task: no two wait on each other
                slot.acquire()
            future = fn.with_options(**options).submit(*args, wait_for=wait_for)
            for slot in slots:
                future.add_done_callback(lambda _, slot=slot: slot.release())
            submitted.append(future)
        self.futures[group.name] = submitted


def _task_options(
    settings: TaskSettings, overrides: dict[str, Any], group: Group
) -> dict[str, Any]:
    """Prefect task options for ``group`` with ``settings`` (non-None ``overrides`` win)."""
    retries = overrides["retries"]
    delay = overrides["retry_delay_seconds"]
    options: dict[str, Any] = {
        "name": group.name,
        "retries": settings.retries if retries is None else retries,
        "retry_delay_seconds": settings.retry_delay_seconds if delay is None else delay,
        "tags": set(settings.prefect.get("tags", ())),
    }
    if settings.timeout_seconds is not None:
        options["timeout_seconds"] = settings.timeout_seconds
    return options


def _signature(settings: Pipeline) -> inspect.Signature:
    parameters = []
    for key, value in settings.config.items():
        if not key.isidentifier():
            raise PipelineDefinitionError(
                f"{settings.source}: [config] key {key!r} cannot be a Prefect flow parameter; "
                "rename it to a Python identifier (letters, digits, '_')."
            )
        kind = inspect.Parameter.KEYWORD_ONLY
        parameters.append(inspect.Parameter(key, kind, default=value, annotation=type(value)))
    return inspect.Signature(parameters, return_annotation=dict[str, Any])


def _markdown(pipeline: Pipeline, plan: GroupPlan, graph: Any, run_uri: str) -> str:
    ids = {name: f"n{i}" for i, name in enumerate(n for g in plan.groups for n in g.nodes)}
    lines = [f"# {pipeline.name}", "", f"Artifacts: `{run_uri}`", "", "```mermaid", "flowchart LR"]
    for i, group in enumerate(plan.groups):
        lines.append(f'    subgraph g{i}["{group.name}"]')
        lines += [f'        {ids[n]}["{n}"]' for n in group.nodes]
        lines.append("    end")
    for name, node_id in ids.items():
        lines += [f"    {ids[dep]} --> {node_id}" for dep in graph.nodes[name].inputs if dep in ids]
    lines += ["```", "", "| task | computes | depends on | writes |", "|---|---|---|---|"]
    for group in plan.groups:
        lines.append(
            f"| {group.name} | {', '.join(group.nodes)} | {', '.join(group.depends_on) or '-'} "
            f"| {', '.join(group.outputs) or '-'} |"
        )
    return "\n".join(lines) + "\n"


def serve(flow: Flow, package: str, argv: Sequence[str] | None = None) -> int:
    """``python -m <package>.prefect_flow [run|serve]``: run the flow once, or serve it.

    Serving registers a deployment named after the pipeline (on pipeline.toml's schedule, if any)
    and polls for its runs until interrupted; each run executes in a subprocess that imports the
    flow from its entrypoint.
    """
    parser = argparse.ArgumentParser(description=f"Run or serve the Prefect flow {flow.name}.")
    parser.add_argument("command", nargs="?", choices=("run", "serve"), default="run")
    parser.add_argument("--cron", help="schedule of the served deployment (default: pipeline.toml)")
    args = parser.parse_args(argv)
    if args.command == "run":
        for name, ref in flow().items():
            print(f"{name}: {ref['uri']}")
        return 0
    from prefect.types.entrypoint import EntrypointType

    cron = args.cron or Pipeline.load(package, import_modules=False).schedule
    flow.serve(name=flow.name, cron=cron, entrypoint_type=EntrypointType.MODULE_PATH)
    return 0
