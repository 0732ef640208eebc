# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
"""The Prefect flow, for real: run under a temporary Prefect server, compared with the plain runner.

Template-owned. Everything is derived from pipeline.toml and the code, so these tests keep
holding when you change the pipeline.
"""

import dataclasses
import os
import tempfile
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.dagwire.io.urls import (
    local_path,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.artifacts import (
    ArtifactStore,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.pipeline import (
    Pipeline,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.runs import (
    read_manifest,
    run_pipeline,
)

PACKAGE = "{{ cookiecutter.package_name }}"
ROOT = Path(__file__).resolve().parents[2]
PREFECT_DEFAULT_HOME = Path.home() / ".prefect"
CACHES = {".venv", ".git", ".pytest_cache", ".ruff_cache", "__pycache__"}


def tree(root: Path) -> dict[str, int]:
    """Files under ``root`` (caches left out) and their modification times."""
    found = {}
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [s for s in subfolders if s not in CACHES]
        for name in names:
            path = Path(folder, name)
            found[str(path.relative_to(root))] = path.stat().st_mtime_ns
    return found


# Taken when pytest imports this module, before any flow has run.
BEFORE = {"project": tree(ROOT), "home": tree(PREFECT_DEFAULT_HOME)}


def pipeline_flow(**overrides):
    from {{ cookiecutter.package_name }}.dagwire.orchestrators.prefect import (
        pipeline_flow,
    )

    return pipeline_flow(PACKAGE, **overrides)


def task_runs(flow_run_id) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        return client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )


def task_run_names(flow_run_id) -> list[str]:
    return sorted(run.name.rsplit("-", 1)[0] for run in task_runs(flow_run_id))


def report_artifact(pipeline: Pipeline, store: ArtifactStore, state) -> str:
    """The flow run's report artifact, read back from the Prefect server; it says where the run's
    report.html is, which exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from {{ cookiecutter.package_name }}.dagwire.orchestrators.prefect import (
        artifact_key,
    )

    flow_run_id = state.state_details.flow_run_id
    runs = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
    with get_client(sync_client=True) as client:
        found = {a.key: a.data for a in client.read_artifacts(artifact_filter=runs)}
    markdown = found[artifact_key(pipeline, "report")]
    report = Path(local_path(store.run_uri(str(flow_run_id)))) / "report.html"
    assert report.is_file() and f"[{report}]" in markdown, markdown
    assert f"Run `{flow_run_id}`" in markdown
    return markdown


def test_flow_parameters_are_the_pipeline_config(pipeline: Pipeline):
    flow = pipeline_flow()
    assert flow.name == pipeline.name
    schema = flow.parameters.model_dump()["properties"]
    assert {key: p["default"] for key, p in schema.items()} == dict(pipeline.config)


def test_served_deployment_finds_the_flow_again():
    """`serve` registers this entrypoint; each run's process imports the flow from it."""
    from prefect.flows import load_flow_from_entrypoint
    from prefect.types.entrypoint import EntrypointType

    from {{ cookiecutter.package_name }}.prefect_flow import flow

    deployment = flow.to_deployment(name="test", entrypoint_type=EntrypointType.MODULE_PATH)
    assert deployment.entrypoint == f"{PACKAGE}.prefect_flow.flow"
    assert load_flow_from_entrypoint(deployment.entrypoint).name == flow.name


@pytest.mark.parametrize("grouping", ["stages", "nodes"])
def test_flow_run_writes_the_same_artifacts_as_the_plain_runner(
    pipeline: Pipeline,
    store: ArtifactStore,
    tmp_path: Path,
    artifact_digests,
    prefect_server,
    grouping: str,
):
    from prefect.artifacts import Artifact

    state = pipeline_flow(grouping=grouping, retries=0)(return_state=True)
    assert state.is_completed(), state.message
    run_id = str(state.state_details.flow_run_id)

    plan = pipeline.plan(grouping=grouping)
    manifest = read_manifest(store, run_id)
    runs = [  # a mapped group ran one task run per item
        g.name for g in plan.groups for _ in range(manifest["groups"][g.name].get("items") or 1)
    ]
    assert task_run_names(state.state_details.flow_run_id) == sorted(runs)
    for run in task_runs(state.state_details.flow_run_id):  # each task has its stage's settings
        settings = pipeline.task_settings(plan[run.name.rsplit("-", 1)[0]].stages)
        assert set(settings.prefect.get("tags", ())) <= set(run.tags), run.name
    assert manifest["status"] == "completed"
    for group in plan.groups:
        assert set(manifest["groups"][group.name]["artifacts"]) == set(group.outputs)
    returned = state.result()  # references to the final outputs, not the data
    assert set(returned) == set(plan.outputs)

    plain = ArtifactStore(tmp_path / "plain")
    result = run_pipeline(
        dataclasses.replace(pipeline, grouping=grouping), run_id="plain", store=plain
    )
    assert artifact_digests(store, run_id) == artifact_digests(plain, "plain")
    for name, ref in returned.items():
        assert repr(store.load(ref)) == repr(result.load(name))

    key = f"{pipeline.name}-plan".lower().replace("_", "-")
    markdown = Artifact.get(key).data
    assert "```mermaid" in markdown
    assert all(f'["{group.name}"]' in markdown for group in plan.groups)

    summary = report_artifact(pipeline, store, state)  # how each task ended, and the report
    assert summary.startswith(f"# {pipeline.name}: completed\n")
    assert all(f"| {group.name} | completed |" in summary for group in plan.groups)


def test_the_flow_uses_the_grouping_of_pipeline_toml(
    pipeline: Pipeline, store: ArtifactStore, prefect_server
):
    from {{ cookiecutter.package_name }}.prefect_flow import flow

    state = flow(return_state=True)
    assert state.is_completed(), state.message
    expected = sorted(g.name for g in pipeline.plan().groups)
    assert sorted(set(task_run_names(state.state_details.flow_run_id))) == expected


def test_failing_node_fails_the_flow_and_keeps_the_finished_groups(
    pipeline: Pipeline,
    store: ArtifactStore,
    monkeypatch: pytest.MonkeyPatch,
    broken_last_group,
    failed_run_kept,
    prefect_server,
):
    plan, last, broken = broken_last_group
    state = pipeline_flow(retries=0)(return_state=True)
    assert state.is_failed()
    run_id = str(state.state_details.flow_run_id)
    record, finished = failed_run_kept(store, run_id, plan, last, broken)
    assert record["attempt"] == 1  # retries=0: no second attempt
    summary = report_artifact(pipeline, store, state)  # a failed run gets its report too
    assert summary.startswith(f"# {pipeline.name}: failed\n")
    assert f"| {last.name} | failed |" in summary
    assert f"**Failed:** node `{broken}` in task `{last.name}`: `" in summary
    assert record["error"]["message"].splitlines()[0] in summary

    monkeypatch.undo()
    resumed = run_pipeline(Pipeline.load(PACKAGE), run_id=run_id, store=store)
    assert set(resumed.skipped) == {g.name for g in finished}
    assert read_manifest(store, run_id)["status"] == "completed"


def test_retries_come_from_the_settings(
    pipeline: Pipeline, store: ArtifactStore, break_node, prefect_server
):
    last = pipeline.plan().groups[-1]
    break_node(last.nodes[0])
    state = pipeline_flow(retries=2, retry_delay_seconds=0)(return_state=True)
    assert state.is_failed()
    record = read_manifest(store, str(state.state_details.flow_run_id))["groups"][last.name]
    assert record["attempt"] == 3


def test_nothing_is_written_outside_the_temporary_folders(store: ArtifactStore, prefect_server):
    from prefect import settings

    assert pipeline_flow()(return_state=True).is_completed()
    temp = Path(tempfile.gettempdir()).resolve()
    for setting in (settings.PREFECT_HOME, settings.PREFECT_LOCAL_STORAGE_PATH):
        assert Path(setting.value()).resolve().is_relative_to(temp), setting.name
    assert str(temp) in settings.PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    assert not settings.PREFECT_SERVER_ANALYTICS_ENABLED.value()
    assert tree(PREFECT_DEFAULT_HOME) == BEFORE["home"], "Prefect wrote into ~/.prefect"
    assert tree(ROOT) == BEFORE["project"], "a run wrote into the project folder"
