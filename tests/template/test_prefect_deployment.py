"""A generated Prefect project served by a real Prefect server, artifacts on S3, as its guide says.

One server and one ``serve`` per module (all on 127.0.0.1), the artifact root on a moto S3 server
given the way the guide says (``DAGWIRE_ARTIFACTS=s3://...``, ``AWS_ENDPOINT_URL_S3`` and keys on
the process that runs the flows). The example gets a fan-out branch first, as a team adds one
(``deployments.add_fanout_branch``): ``.map()``, one task run per word. Runs: two at once
(defaults, a ``--param`` override) that must match the plain runner's metrics and collected words;
a run whose ``metrics`` node raises, which retries once and fails naming the node in the flow run's
logs, while one word's item fails and the others complete; after the fix, ``prefect flow-run
retry`` resuming that run without recomputing the groups or the items it had completed.
The team has turned the cache on (``[cache] enabled = true``): the failing run takes every
node whose code and inputs did not change from it, in every task.
"""

from __future__ import annotations

import uuid

import pytest
from dagwire.runtime.artifacts import ArtifactStore
from deployments import (
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
    broken_node,
    computed,
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
from services import Prefect, s3_env, s3_server
from template_support import Generate


def test_the_guide_gives_the_commands_these_tests_run(generate: Generate):
    project = generate(orchestrator="prefect", project_name="prefect deployed")
    guide = (project / "docs" / "dagwire.md").read_text(encoding="utf-8")
    for command in (
        "prefect server start --host 127.0.0.1 --port 4200",
        "DAGWIRE_ARTIFACTS=s3://bucket/prefix uv run python -m prefect_deployed.prefect_flow serve",
        "prefect deployment run 'prefect-deployed/prefect-deployed' --param test_size=0.3",
        "prefect flow-run logs",
        "prefect flow-run retry",
        "uv add s3fs",
        "AWS_ENDPOINT_URL_S3=",
    ):
        assert command in guide, command


@pytest.fixture(scope="module")
def deployment(generate: Generate, tmp_path_factory: pytest.TempPathFactory):
    s3fs = pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    work = tmp_path_factory.mktemp("prefect-deployment")
    with timed("prefect: generate, uv sync, uv add s3fs"):
        project = synced_project(generate, "prefect", "prefect deployed")
        project.uv("add", "--quiet", "s3fs")  # the guide: artifacts on S3 need s3fs
        add_fanout_branch(project)
        enable_cache(project)  # every run shares one cache
    with s3_server() as options:
        bucket = f"dagwire-{uuid.uuid4().hex[:12]}"
        s3fs.S3FileSystem(**options).mkdir(bucket)
        root = f"s3://{bucket}/runs"
        prefect = Prefect(project.path / ".venv" / "bin", work / "prefect-home", project.env)
        try:
            with timed("prefect: server start until healthy"):
                prefect.start()
            with timed("prefect: serve until the deployment is registered"):
                prefect.serve(
                    ["uv", "run", "python", "-m", f"{project.package}.prefect_flow", "serve"],
                    project.path,
                    f"{project.slug}/{project.slug}",
                    # what the guide says the serving process needs; a faster poll for the test
                    s3_env(options)
                    | {"DAGWIRE_ARTIFACTS": root, "PREFECT_RUNNER_POLL_FREQUENCY": "2"},
                )
            yield project, prefect, ArtifactStore(root, storage_options=options), work
        finally:
            prefect.stop()
            assert prefect.services.strays == [], "processes escaped their service's group"


def deployment_name(project) -> str:
    return f"{project.slug}/{project.slug}"


def report_summary(prefect: Prefect, project, run_id: str) -> str:
    """The newest report artifact of flow run ``run_id`` (key: the pipeline's name + -report)."""
    return prefect.artifacts(run_id)[f"{project.slug}-report"]


@pytest.fixture(scope="module")
def first_runs(deployment):
    """Two runs started together: the defaults and a ``--param`` override."""
    project, prefect, _, work = deployment
    with timed("prefect: two runs at once, triggered to done"):
        default = prefect.run_deployment(deployment_name(project))
        override = prefect.run_deployment(deployment_name(project), OVERRIDE)
        states = {run: prefect.wait_for_flow_run(run) for run in (default, override)}
    with timed("prefect: plain runner, twice"):
        plain = {default: project.plain_outputs(work / "plain", OUTPUTS)}
        # the words do not depend on test_size; and a fan-out under --set trips a runner bug
        # (tests/engine/test_fanout.py, the xfail test), so the override asks for metrics only
        plain[override] = project.plain_outputs(work / "plain", METRICS, **OVERRIDE)
    return default, override, states, plain


@pytest.mark.slow
def test_runs_succeed_with_the_plain_runners_metrics(deployment, first_runs):
    project, prefect, store, _ = deployment
    default, override, states, plain = first_runs
    assert states == {default: "COMPLETED", override: "COMPLETED"}
    listed = prefect.cli("flow-run", "ls", "--state", "COMPLETED")
    assert default in listed and override in listed, listed
    for run_id in (default, override):
        runs = prefect.task_runs(run_id)
        names = sorted(r["name"].rsplit("-", 1)[0] for r in runs)
        assert names == sorted([*GROUPS, *[MAPPED] * len(WORDS), COLLECT])  # a task run per word
        assert {r["state_type"] for r in runs} == {"COMPLETED"}
    for run_id, outputs in plain.items():
        assert output(store, run_id, "evaluate", "metrics") == outputs["metrics"]
    for run_id in (default, override):  # the report on S3, and the flow run's artifact naming it
        summary = report_summary(prefect, project, run_id)
        assert summary.startswith(f"# {project.slug}: completed\n"), summary
        assert f"[{report_uri(store, run_id)}]" in summary, summary


@pytest.mark.slow
def test_the_fan_out_runs_each_item_as_a_task_run(deployment, first_runs):
    """Each word's task run recorded its item; the collected words are the plain runner's."""
    _, _, store, _ = deployment
    default, override, _, plain = first_runs
    for run_id in (default, override):
        assert [r["item"] for r in item_records(store, run_id).values()] == list(range(len(WORDS)))
        assert fanout_state(store, run_id) == expected_fanout()
    assert plain[default]["shouts"] == expected_fanout()["shouts"]


@pytest.mark.slow
def test_a_param_override_reaches_the_run(deployment, first_runs):
    _, prefect, store, _ = deployment
    default, override, _, _ = first_runs
    assert prefect.flow_run(override)["parameters"] == OVERRIDE
    assert store.read_record(override, "run.json")["config"]["test_size"] == 0.3
    assert store.read_record(default, "run.json")["config"]["test_size"] == 0.25
    rows = {run: output(store, run, "evaluate", "metrics")["test_rows"] for run in first_runs[:2]}
    assert rows[override] > rows[default]


@pytest.fixture(scope="module")
def failed_run(deployment):
    """A run whose ``metrics`` node raises, and whose per-word work fails for one word only
    (each run imports the flow's code afresh)."""
    project, prefect, _, _ = deployment
    failing_word = f"word == {WORDS[FAILING_ITEM]!r}"
    with (
        broken_node(project.transforms / "evaluate_model.py", "metrics"),
        broken_node(project.transforms / "shout_words.py", "_shout", when=failing_word),
    ):
        with timed("prefect: a failing run (one retry), triggered to done"):
            run_id = prefect.run_deployment(deployment_name(project))
            state = prefect.wait_for_flow_run(run_id)
    return run_id, state


@pytest.mark.slow
def test_a_failing_node_retries_then_fails_naming_the_node(deployment, failed_run):
    project, prefect, store, _ = deployment
    run_id, state = failed_run
    assert state == "FAILED"
    evaluate = [r for r in prefect.task_runs(run_id) if r["name"].startswith("evaluate")]
    assert [(r["state_type"], r["run_count"]) for r in evaluate] == [("FAILED", 2)]
    logs = prefect.logs(run_id)
    assert "broken on purpose" in logs and "node 'metrics' failed" in logs, logs
    records = group_records(store, run_id, GROUPS)
    assert [records[g]["status"] for g in GROUPS] == ["completed", "completed", "failed"]
    assert records["evaluate"]["attempt"] == 2
    # the first runs filled the cache: what did not change is served from it, on every task
    assert served_from_cache(records) == FROM_CACHE
    summary = report_summary(prefect, project, run_id)  # a failed run gets its report too
    assert summary.startswith(f"# {project.slug}: failed\n"), summary
    assert "node `metrics` in task `evaluate`" in summary and "broken on purpose" in summary
    assert f"[{report_uri(store, run_id)}]" in summary, summary


@pytest.mark.slow
def test_one_failing_item_fails_alone(deployment, failed_run):
    """The item of one word fails (once: its stage says ``retries = 0``); the others complete."""
    _, prefect, store, _ = deployment
    run_id, _ = failed_run
    assert fanout_state(store, run_id) == expected_fanout(failing_item=("failed", 1))
    mapped = [r for r in prefect.task_runs(run_id) if r["name"].rsplit("-", 1)[0] == MAPPED]
    assert sorted((r["state_type"], r["run_count"]) for r in mapped) == [
        ("COMPLETED", 1),
    ] * (len(WORDS) - 1) + [("FAILED", 1)]


@pytest.mark.slow
def test_retrying_after_the_fix_resumes_without_recomputing(deployment, failed_run):
    project, prefect, store, _ = deployment
    run_id, _ = failed_run
    before = group_records(store, run_id, GROUPS)
    items_before = item_records(store, run_id)
    with timed("prefect: flow-run retry, resumed run to done"):
        prefect.retry(run_id)
        state = prefect.wait_for_flow_run(run_id)
    assert state == "COMPLETED"
    after = group_records(store, run_id, GROUPS)
    for group in ("prepare", "train"):  # completed before: read back, not run again
        assert computed(after[group]) == computed(before[group])
        assert after[group]["attempt"] == 1
    assert after["evaluate"]["status"] == "completed"
    assert after["evaluate"]["attempt"] == 3
    # the retried run ends with a new report artifact, completed
    assert report_summary(prefect, project, run_id).startswith(f"# {project.slug}: completed\n")
    assert fanout_state(store, run_id) == expected_fanout(failing_item=("completed", 2))
    items = item_records(store, run_id)
    for i in set(items) - {FAILING_ITEM}:  # the words that completed stand: records unchanged
        assert computed(items[i]) == computed(items_before[i]), i
