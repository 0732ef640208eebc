"""A generated Airflow project on a real Airflow, deployed as its guide says.

One deployment per module (api-server, scheduler, dag-processor, LocalExecutor with two slots,
SQLite, all on 127.0.0.1) and few runs, each asserted several ways. The example gets a fan-out
branch first, as a team adds one (``deployments.add_fanout_branch``): a mapped task, one task
instance per word. Runs: two at once (defaults, a ``--conf`` override) that must match the plain
runner's metrics and collected words; a run whose ``metrics`` node raises, which retries once and
fails naming the node in the task log, while one word's item fails and the others complete; and,
after the fix is deployed with the guide's deploy step (same version number), ``airflow tasks
clear`` resuming that run without recomputing the groups or the items it had completed.
The team has turned the cache on (``[cache] enabled = true``): the failing run takes every
node whose code and inputs did not change from it, in every task.
"""

from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor

import pytest
from dagwire.runtime.artifacts import ArtifactStore
from deployments import (
    AIRFLOW_DEPLOY,
    AIRFLOW_ENVIRONMENT,
    COLLECT,
    FAILING_ITEM,
    FROM_CACHE,
    GROUPS,
    MAPPED,
    METRICS,
    OUTPUTS,
    OVERRIDE,
    WORDS,
    add_fanout_branch,
    airflow_environment,
    broken_node,
    computed,
    deploy_to_airflow,
    enable_cache,
    expected_fanout,
    fanout_state,
    group_records,
    item_records,
    output,
    report_uri,
    served_from_cache,
    synced_project,
    timed,
)
from services import Airflow
from template_support import Generate

#: The fan-out branch's tasks: a count task, one mapped task instance per word, the collecting one.
FANOUT_TASKS = [f"count-{MAPPED}", *(f"{MAPPED}[{i}]" for i in range(len(WORDS))), COLLECT]


def test_the_guide_gives_the_commands_these_tests_run(generate: Generate):
    project = generate(orchestrator="airflow", project_name="airflow deployed")
    guide = (project / "docs" / "dagwire.md").read_text(encoding="utf-8")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    (pin,) = pyproject["dependency-groups"]["orchestrator"]
    assert AIRFLOW_ENVIRONMENT.format(env="/opt/airflow", pin=pin) in guide
    for command in AIRFLOW_DEPLOY:
        assert command.format(env="/opt/airflow", slug="airflow-deployed") in guide, command
    for command in (
        "airflow scheduler --skip-serve-logs",
        "AIRFLOW__CORE__EXECUTOR=LocalExecutor AIRFLOW__CORE__PARALLELISM=2",
        "airflow dags trigger airflow_deployed --conf",
        "airflow tasks clear airflow_deployed --only-failed --yes",  # what clear_failed runs
        "DAGWIRE_ARTIFACTS=s3://bucket/prefix",
        "AWS_ENDPOINT_URL_S3=",
    ):
        assert command in guide, command


@pytest.fixture(scope="module")
def deployment(generate: Generate, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("airflow-deployment")
    with timed("airflow: generate, uv sync, Airflow environment, deploy"):
        project = synced_project(generate, "airflow", "airflow deployed")
        add_fanout_branch(project)
        enable_cache(project)  # every run shares one cache
        bin_dir = airflow_environment(project, work / "airflow-env")
        deploy_to_airflow(project, bin_dir)
    artifacts = work / "artifacts"
    airflow = Airflow(
        bin_dir,
        work / "airflow-home",
        project.path / "dags",
        project.env,
        scheduler_env={"DAGWIRE_ARTIFACTS": str(artifacts)},  # the workers' environment
    )
    with timed("airflow: db migrate, start services until healthy"):
        airflow.start()
    try:
        with timed("airflow: DAG parsed, unpaused"):
            airflow.unpause(project.package)
        yield project, airflow, ArtifactStore(str(artifacts)), work
    finally:
        airflow.stop()
        assert airflow.services.strays == [], "processes escaped their service's process group"


@pytest.fixture(scope="module")
def first_runs(deployment):
    """Two runs triggered together: the defaults and a ``--conf`` override."""
    project, airflow, _, work = deployment
    with timed("airflow: two runs at once, triggered to done"):
        with ThreadPoolExecutor(2) as pool:  # the CLI takes seconds to start: trigger together
            triggered = pool.map(airflow.trigger, [project.package] * 2, [None, OVERRIDE])
            default, override = triggered
        states = {run: airflow.wait_for_run(project.package, run) for run in (default, override)}
    with timed("airflow: plain runner, twice"):
        plain = {default: project.plain_outputs(work / "plain", OUTPUTS)}
        # the words do not depend on test_size; and a fan-out under --set trips a runner bug
        # (tests/engine/test_fanout.py, the xfail test), so the override asks for metrics only
        plain[override] = project.plain_outputs(work / "plain", METRICS, **OVERRIDE)
    return default, override, states, plain


@pytest.mark.slow
def test_triggered_runs_succeed_with_the_plain_runners_metrics(deployment, first_runs):
    project, airflow, store, _ = deployment
    default, override, states, plain = first_runs
    assert states == {default: "success", override: "success"}
    runs = airflow.list_runs(project.package)  # the command line agrees with the API
    assert runs[default]["state"] == runs[override]["state"] == "success"
    every_task = dict.fromkeys(GROUPS + FANOUT_TASKS, "success")
    assert airflow.task_states(project.package, default) == every_task
    assert airflow.task_instances(project.package, override) == every_task
    for run_id, outputs in plain.items():
        assert output(store, run_id, "evaluate", "metrics") == outputs["metrics"]
    for run_id in (default, override):  # each task refreshed the report and said where it is
        line = f"dagwire report: {report_uri(store, run_id)}"
        assert line in airflow.task_logs(project.package, run_id, COLLECT)[1]


@pytest.mark.slow
def test_the_fan_out_runs_each_item_as_a_task_instance(deployment, first_runs):
    """One mapped task instance per word, each recording its item; the collected words are the
    plain runner's."""
    _, _, store, _ = deployment
    default, override, _, plain = first_runs
    for run_id in (default, override):
        assert [r["item"] for r in item_records(store, run_id).values()] == list(range(len(WORDS)))
        assert fanout_state(store, run_id) == expected_fanout()
    assert plain[default]["shouts"] == expected_fanout()["shouts"]


@pytest.mark.slow
def test_a_conf_override_reaches_the_run(deployment, first_runs):
    project, airflow, store, _ = deployment
    default, override, _, _ = first_runs
    assert store.read_record(override, "run.json")["config"]["test_size"] == 0.3
    assert store.read_record(default, "run.json")["config"]["test_size"] == 0.25
    rows = {run: output(store, run, "evaluate", "metrics")["test_rows"] for run in first_runs[:2]}
    assert rows[override] > rows[default]
    assert airflow.dag_run(project.package, override)["conf"] == OVERRIDE


@pytest.fixture(scope="module")
def failed_run(deployment):
    """A run whose ``metrics`` node raises, and whose per-word work fails for one word only: the
    broken code deployed, triggered, failed."""
    project, airflow, _, _ = deployment
    failing_word = f"word == {WORDS[FAILING_ITEM]!r}"
    with (
        broken_node(project.transforms / "evaluate_model.py", "metrics"),
        broken_node(project.transforms / "shout_words.py", "_shout", when=failing_word),
    ):
        deploy_to_airflow(project, airflow.bin_dir)
        with timed("airflow: a failing run (one retry), triggered to done"):
            run_id = airflow.trigger(project.package)
            state = airflow.wait_for_run(project.package, run_id)
    deploy_to_airflow(project, airflow.bin_dir)  # the fix, same version number
    return run_id, state


@pytest.mark.slow
def test_a_failing_node_retries_then_fails_naming_the_node(deployment, failed_run):
    project, airflow, store, _ = deployment
    run_id, state = failed_run
    assert state == "failed"
    states = airflow.task_instances(project.package, run_id)
    fanout = dict.fromkeys(FANOUT_TASKS, "success")
    fanout |= {f"{MAPPED}[{FAILING_ITEM}]": "failed", COLLECT: "upstream_failed"}
    assert states == {"prepare": "success", "train": "success", "evaluate": "failed"} | fanout
    logs = airflow.task_logs(project.package, run_id, "evaluate")
    assert sorted(logs) == [1, 2], "retries = 1 in pipeline.toml: two attempts"
    report = f"dagwire report: {report_uri(store, run_id)}"  # a failed task refreshes it too
    for attempt, text in logs.items():
        assert "broken on purpose" in text and "node 'metrics' failed" in text, (attempt, text)
        assert report in text, (attempt, text)
    records = group_records(store, run_id, GROUPS)
    assert [records[g]["status"] for g in GROUPS] == ["completed", "completed", "failed"]
    assert records["evaluate"]["attempt"] == 2
    # the first runs filled the cache: what did not change is served from it, on every task
    assert served_from_cache(records) == FROM_CACHE


@pytest.mark.slow
def test_one_failing_item_fails_alone(deployment, failed_run):
    """The item of one word fails (once: its stage says ``retries = 0``); the others complete."""
    project, airflow, store, _ = deployment
    run_id, _ = failed_run
    assert fanout_state(store, run_id) == expected_fanout(failing_item=("failed", 1))
    logs = airflow.task_logs(project.package, run_id, MAPPED, map_index=FAILING_ITEM)
    assert sorted(logs) == [1] and "broken on purpose" in logs[1], logs


@pytest.mark.slow
def test_clearing_after_the_fix_resumes_without_recomputing(deployment, failed_run):
    project, airflow, store, _ = deployment
    run_id, _ = failed_run
    before = group_records(store, run_id, GROUPS)
    items_before = item_records(store, run_id)
    with timed("airflow: clear the failed task, resumed run to done"):
        airflow.clear_failed(project.package)
        state = airflow.wait_for_run(project.package, run_id)
    assert state == "success"
    every_task = dict.fromkeys(GROUPS + FANOUT_TASKS, "success")
    assert airflow.task_instances(project.package, run_id) == every_task
    after = group_records(store, run_id, GROUPS)
    for group in ("prepare", "train"):  # completed before: read back, not run again
        assert computed(after[group]) == computed(before[group])
        assert after[group]["attempt"] == 1
    assert after["evaluate"]["status"] == "completed"
    assert after["evaluate"]["attempt"] == 3
    assert output(store, run_id, "evaluate", "metrics")["test_rows"] > 0
    assert fanout_state(store, run_id) == expected_fanout(failing_item=("completed", 2))
    items = item_records(store, run_id)
    for i in set(items) - {FAILING_ITEM}:  # the words that completed stand: records unchanged
        assert computed(items[i]) == computed(items_before[i]), i
