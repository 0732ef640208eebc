# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
"""The Airflow DAG, for real: parsed by a DagBag, run by `dag.test()`, compared to the plain runner.

Template-owned. Everything is derived from pipeline.toml and the code, so these tests keep
holding when you change the pipeline (after running the `lock` command).
"""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.dagwire.ad_hoc_utils import (
    create_temporary_module,
)
from {{ cookiecutter.package_name }}.dagwire.io.urls import (
    local_path,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.artifacts import (
    ArtifactStore,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.lock import (
    check_lock,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.pipeline import (
    Pipeline,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.runs import (
    read_manifest,
    run_pipeline,
)

PACKAGE = "{{ cookiecutter.package_name }}"
DAGS = Path(__file__).resolve().parents[2] / "dags"


def pipeline_dag(**overrides):
    from {{ cookiecutter.package_name }}.dagwire.orchestrators.airflow import (
        pipeline_dag,
    )

    return pipeline_dag(PACKAGE, **overrides)


def task_ids(plan) -> list[str]:
    """A task per group; a group run once per item also has a task counting its items."""
    from {{ cookiecutter.package_name }}.dagwire.orchestrators.airflow import (
        count_task_id,
    )

    counters = [count_task_id(g) for g in plan.groups if g.over]
    return sorted([g.name for g in plan.groups] + counters)


def reports_logged(caplog, store: ArtifactStore, run_id: str) -> list[str]:
    """The report URIs the tasks logged (a line per task that ran a group or an item); each
    names the run's report.html, which exists."""
    lines = [r.getMessage() for r in caplog.records]
    uris = [line.split(": ", 1)[1] for line in lines if line.startswith("dagwire report: ")]
    for uri in set(uris):
        path = Path(local_path(uri) or uri)
        assert path.name == "report.html" and path.is_file(), uri
        assert path.parent == Path(local_path(store.run_uri(run_id))), uri
    return uris


def test_lock_matches_the_code(pipeline: Pipeline):
    """The DAG's tasks come from pipeline.lock.json; `lock` rewrites it when the code changes."""
    check_lock(pipeline, PACKAGE)


def test_dag_folder_imports_cleanly():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    assert list(bag.dags) == [PACKAGE]


def test_parsing_the_dag_file_imports_nothing_of_the_pipeline(pipeline: Pipeline):
    """The scheduler parses DAG files every few seconds: no pandas, no pipeline modules, no data."""
    probe = (
        "import runpy, sys\n"
        f"runpy.run_path({str(DAGS / (PACKAGE + '_dag.py'))!r})\n"
        "heavy = ('pandas', 'sklearn', 'pyarrow', 'numpy', *sys.argv[1:])\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    modules = [module.__name__ for module in pipeline.modules]  # those of pipeline.toml
    result = subprocess.run(
        [sys.executable, "-c", probe, *modules], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("grouping", ["stages", "nodes", "single"])
def test_tasks_edges_docs_and_params_follow_the_plan(pipeline: Pipeline, grouping: str):
    plan = pipeline.plan(grouping=grouping)  # from the code itself, not from the lock
    dag = pipeline_dag(grouping=grouping)
    assert sorted(dag.task_ids) == task_ids(plan)
    for group in plan.groups:
        task = dag.get_task(group.name)
        if group.over:  # one task instance per item, after a task that counts them
            (counter,) = task.upstream_task_ids
            assert dag.get_task(counter).upstream_task_ids == set(group.depends_on)
        else:
            assert task.upstream_task_ids == set(group.depends_on)
        assert all(f"`{node}`" in task.doc_md for node in group.nodes)
        settings = pipeline.task_settings(group.stages)  # its stage's, under every grouping
        assert task.retries == settings.retries
        assert task.retry_delay.total_seconds() == settings.retry_delay_seconds
        timeout = task.execution_timeout
        assert (timeout and timeout.total_seconds()) == settings.timeout_seconds
        for key in ("pool", "queue", "pool_slots"):
            if key in settings.airflow:
                assert getattr(task, key) == settings.airflow[key]
        assert (group.over is not None) == type(task).__name__.endswith("MappedOperator")
    assert {key: dag.params[key] for key in dag.params} == dict(pipeline.config)


def test_schedule_comes_from_the_settings(pipeline: Pipeline):
    assert pipeline_dag().schedule == pipeline.schedule
    daily = pipeline_dag(schedule="0 6 * * *")
    assert daily.timetable.expression == "0 6 * * *" and daily.start_date is not None
    assert daily.catchup is False


def test_the_dag_file_uses_the_grouping_of_pipeline_toml(pipeline: Pipeline):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS)).dags[PACKAGE]
    assert sorted(dag.task_ids) == task_ids(pipeline.plan())


@pytest.mark.parametrize("grouping", ["stages", "nodes"])
def test_dag_run_writes_the_same_artifacts_as_the_plain_runner(
    pipeline: Pipeline,
    store: ArtifactStore,
    tmp_path: Path,
    artifact_digests,
    test_dags,
    grouping: str,
    caplog,
):
    run = test_dags[f"test_{grouping}"].test(run_conf=dict(pipeline.config))
    assert run.state == "success"

    manifest = read_manifest(store, run.run_id)
    assert manifest["status"] == "completed"
    assert manifest["config"] == json.loads(json.dumps(dict(pipeline.config)))
    plan = pipeline.plan(grouping=grouping)
    assert [g["name"] for g in manifest["plan"]["groups"]] == [g.name for g in plan.groups]
    for group in plan.groups:
        assert set(manifest["groups"][group.name]["artifacts"]) == set(group.outputs)

    plain = ArtifactStore(tmp_path / "plain")
    result = run_pipeline(
        dataclasses.replace(pipeline, grouping=grouping), run_id="plain", store=plain
    )
    assert artifact_digests(store, run.run_id) == artifact_digests(plain, "plain")
    instances = [ti.task_id for ti in run.get_task_instances()]
    for group in plan.groups:  # a mapped group ran one task instance per item
        expected = manifest["groups"][group.name]["items"] if group.over else 1
        assert instances.count(group.name) == expected
    # every task that ran a group or an item refreshed the run's report and logged where it is
    reports = reports_logged(caplog, store, run.run_id)
    assert len(reports) == sum(instances.count(g.name) for g in plan.groups)
    for name in plan.outputs:  # and the values read back are the plain runner's
        airflow_ref = manifest["groups"][plan.owner(name).name]["artifacts"][name]
        assert repr(store.load(airflow_ref)) == repr(result.load(name))


def test_failing_node_fails_the_run_and_keeps_the_finished_groups(
    pipeline: Pipeline,
    store: ArtifactStore,
    monkeypatch: pytest.MonkeyPatch,
    broken_last_group,
    failed_run_kept,
    test_dags,
    caplog,
):
    plan, last, broken = broken_last_group
    run = test_dags["test_stages"].test()
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states[last.name] == "failed"
    # every task that ran refreshed the report, the failed one too
    ran = [ti.task_id for ti in run.get_task_instances() if ti.state in ("success", "failed")]
    reports = reports_logged(caplog, store, run.run_id)
    assert len(reports) == sum(ran.count(g.name) for g in plan.groups)
    _, finished = failed_run_kept(store, run.run_id, plan, last, broken)
    assert all(states[g.name] == "success" for g in finished)

    monkeypatch.undo()
    monkeypatch.setenv("DAGWIRE_ARTIFACTS", store.root)
    resumed = run_pipeline(Pipeline.load(PACKAGE), run_id=run.run_id, store=store)
    assert set(resumed.skipped) == {g.name for g in finished}
    assert last.name in resumed.ran
    assert read_manifest(store, run.run_id)["status"] == "completed"


def test_code_that_outgrew_the_lock_fails_its_task_with_the_fix(
    pipeline: Pipeline, store: ArtifactStore, monkeypatch: pytest.MonkeyPatch, test_dags, capfd
):
    """The DAG's tasks were cut from the lock; a task must not run code with another shape."""

    def added_since_the_lock() -> int:
        return 1

    grown = dataclasses.replace(
        pipeline,
        modules=(*pipeline.modules, create_temporary_module(added_since_the_lock)),
        outputs=(*pipeline.outputs, "added_since_the_lock"),
    )
    load = Pipeline.load  # the DAG file still parses with the real settings; the tasks get `grown`
    monkeypatch.setattr(
        Pipeline,
        "load",
        lambda package, import_modules=True: (
            grown if import_modules else load(package, import_modules=False)
        ),
    )
    run = test_dags["test_nodes"].test()
    assert run.state == "failed"
    task_log = capfd.readouterr().out
    assert "is out of date" in task_log and "new node 'added_since_the_lock'" in task_log
    assert f"Run `python -m {PACKAGE} lock` and commit" in task_log
