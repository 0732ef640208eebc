"""run_group / run_pipeline: boundary artifacts, the run manifest, failures and resume."""

import json
import re
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.runtime.artifacts import ArtifactError, ArtifactStore, safe_run_id
from dagwire.runtime.pipeline import Pipeline
from dagwire.runtime.runs import (
    RunError,
    RunGraph,
    graph_snapshot,
    list_runs,
    new_run_id,
    read_manifest,
    run_group,
    run_pipeline,
)
from engine_support import WIDE_GROUPS, WIDE_MODULE, WIDE_TOML, finish_together, write_package

CALLS: list[str] = []
FAIL: dict[str, BaseException] = {}


@pytest.fixture(autouse=True)
def fresh_calls():
    CALLS.clear()
    FAIL.clear()
    yield
    CALLS.clear()
    FAIL.clear()


def ran(name):
    CALLS.append(name)
    if name in FAIL:
        raise FAIL[name]


def raw(n: int) -> list:
    ran("raw")
    return list(range(n))


def X_train(raw: list) -> list:
    ran("X_train")
    return raw[: len(raw) // 2]


def X_test(raw: list) -> list:
    ran("X_test")
    return raw[len(raw) // 2 :]


def model(X_train: list, scale: float) -> float:
    ran("model")
    return sum(X_train) * scale


def predictions(model: float, X_test: list) -> list:
    ran("predictions")
    return [model + x for x in X_test]


def metrics(predictions: list) -> dict:
    ran("metrics")
    return {"total": sum(predictions), "n": len(predictions)}


STAGES = {"prepare": ["X_train", "X_test"], "train": ["model"], "evaluate": ["metrics"]}
ALL = ["raw", "X_train", "X_test", "model", "predictions", "metrics"]


def make_pipeline(grouping="stages", **changes):
    fields = dict(
        name="demo",
        modules=[create_temporary_module(raw, X_train, X_test, model, predictions, metrics)],
        outputs=["metrics"],
        stages=STAGES,
        config={"n": 10, "scale": 2.0},
        grouping=grouping,
    )
    return Pipeline(**{**fields, **changes})


@pytest.fixture
def store(tmp_path):
    return ArtifactStore(tmp_path / "artifacts")


def expected_metrics(n=10, scale=2.0):
    return make_pipeline().driver({"n": n, "scale": scale}).execute(["metrics"])["metrics"]


def test_a_run_persists_boundary_values_and_describes_itself_in_a_manifest(store):
    result = run_pipeline(make_pipeline(), run_id="r1", store=store)
    assert result.ran == ["prepare", "train", "evaluate"] and result.skipped == []
    assert result.targets == ("metrics",)
    assert result.load("metrics") == expected_metrics() == {"total": 135.0, "n": 5}
    folder = Path(store.root) / "r1"
    assert sorted(p.name for p in folder.iterdir()) == [
        "X_test.json",
        "X_train.json",
        "groups",
        "manifest.json",
        "metrics.json",
        "model.json",
        "run.json",
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["run_id"] == "r1" and manifest["pipeline"] == "demo"
    assert manifest["status"] == "completed"
    assert manifest["config"] == {"n": 10, "scale": 2.0}
    assert manifest["plan"]["grouping"] == "stages"
    assert list(manifest["graph"]["nodes"]) == ALL
    for node in manifest["graph"]["nodes"].values():
        assert re.fullmatch("[0-9a-f]{64}", node["code_sha256"])
    assert ["model", "predictions"] in manifest["graph"]["edges"]
    assert manifest["graph"]["nodes"]["model"]["type"] == "float"
    assert set(manifest["groups"]) == {"prepare", "train", "evaluate"}
    evaluate = manifest["groups"]["evaluate"]
    assert evaluate["status"] == "completed" and evaluate["attempt"] == 1
    assert set(evaluate["inputs"]) == {"model", "X_test"}
    assert list(evaluate["nodes"]) == ["predictions", "metrics"]
    for node in evaluate["nodes"].values():
        assert node["status"] == "completed" and node["duration_s"] >= 0 and node["started_at"]
    ref = evaluate["artifacts"]["metrics"]
    assert ref["size"] == (folder / "metrics.json").stat().st_size
    assert ref["serializer"] == "json" and ref["uri"] == str(folder / "metrics.json")
    assert manifest["created_at"] <= manifest["updated_at"]


def test_each_group_computes_only_its_nodes_and_loads_its_inputs(store):
    pipeline = make_pipeline()
    plan = pipeline.plan()
    run_group(pipeline, plan, "prepare", run_id="r", store=store)
    assert CALLS == ["raw", "X_train", "X_test"]
    CALLS.clear()
    refs = run_group(pipeline, plan, "train", run_id="r", store=store)
    assert CALLS == ["model"]
    assert set(refs) == {"model"} and store.load(refs["model"]) == 20.0
    CALLS.clear()
    run_group(pipeline, plan, plan["evaluate"], run_id="r", store=store)
    assert CALLS == ["predictions", "metrics"]


def test_a_group_whose_inputs_were_never_produced_is_refused(store):
    pipeline = make_pipeline()
    with pytest.raises(
        RunError,
        match=r"Group 'evaluate' needs 'model', 'X_test' from 'prepare', "
        r"'train', which have not been completed in run 'r'",
    ):
        run_group(pipeline, pipeline.plan(), "evaluate", run_id="r", store=store)
    assert CALLS == []
    record = read_manifest(store, "r")["groups"]["evaluate"]
    assert record["status"] == "failed" and record["error"]["type"] == "RunError"


def test_a_failed_node_is_recorded_and_a_rerun_resumes_where_it_stopped(store):
    pipeline = make_pipeline()
    FAIL["predictions"] = ValueError("model diverged")
    with pytest.raises(ValueError, match="model diverged") as info:
        run_pipeline(pipeline, run_id="r", store=store)
    assert any("node 'predictions' failed" in note for note in info.value.__notes__)
    manifest = read_manifest(store, "r")
    assert manifest["status"] == "failed"
    groups = manifest["groups"]
    assert (groups["prepare"]["status"], groups["train"]["status"]) == ("completed", "completed")
    evaluate = groups["evaluate"]
    assert evaluate["status"] == "failed"
    assert evaluate["error"] == {
        "type": "ValueError",
        "message": "model diverged",
        "node": "predictions",
    }
    assert evaluate["nodes"]["predictions"]["status"] == "failed"
    assert evaluate["nodes"]["predictions"]["error"]["type"] == "ValueError"
    assert evaluate["nodes"]["metrics"] == {"status": "pending"}
    assert not (Path(store.root) / "r" / "metrics.json").exists()

    FAIL.clear()
    CALLS.clear()
    result = run_pipeline(pipeline, run_id="r", store=store)
    assert (result.skipped, result.ran) == (["prepare", "train"], ["evaluate"])
    assert CALLS == ["predictions", "metrics"]
    assert result.load("metrics") == expected_metrics()
    manifest = read_manifest(store, "r")
    assert manifest["status"] == "completed"
    assert manifest["groups"]["evaluate"]["attempt"] == 2
    CALLS.clear()
    assert run_pipeline(pipeline, run_id="r", store=store).ran == []  # nothing left to do
    assert CALLS == []


def test_outputs_computed_before_a_failure_in_the_same_group_are_kept(store):
    FAIL["metrics"] = RuntimeError("boom")
    with pytest.raises(RuntimeError):
        run_pipeline(make_pipeline("single"), run_id="r", store=store)
    record = read_manifest(store, "r")["groups"]["pipeline"]
    assert set(record["artifacts"]) == {"X_train", "X_test", "model"}
    for ref in record["artifacts"].values():
        assert store.exists(ref)
    assert store.load(record["artifacts"]["model"]) == 20.0
    assert record["nodes"]["predictions"]["status"] == "completed"
    assert record["nodes"]["metrics"]["status"] == "failed"


def test_a_value_that_cannot_be_saved_fails_its_node_and_group(store):
    def gen(n: int) -> object:
        return (i for i in range(n))  # generators cannot be pickled

    pipeline = Pipeline("p", [create_temporary_module(gen)], outputs=["gen"], config={"n": 2})
    with pytest.raises(ArtifactError, match="Could not write 'gen'"):
        run_pipeline(pipeline, run_id="r", store=store)
    record = read_manifest(store, "r")["groups"]["pipeline"]
    assert record["nodes"]["gen"]["status"] == "failed"
    assert record["error"]["node"] == "gen" and record["error"]["type"] == "ArtifactError"


def test_an_interrupt_is_recorded_before_it_propagates(store):
    FAIL["model"] = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(make_pipeline(), run_id="r", store=store)
    train = read_manifest(store, "r")["groups"]["train"]
    assert train["status"] == "failed" and train["error"]["type"] == "KeyboardInterrupt"
    assert train["nodes"]["model"]["status"] == "failed"


def test_resuming_with_another_config_is_refused(store):
    pipeline = make_pipeline()
    FAIL["metrics"] = ValueError("x")
    with pytest.raises(ValueError):
        run_pipeline(pipeline, run_id="r", store=store, config={"scale": 3.0})
    FAIL.clear()
    expected = (
        r"(?s)Run 'r' was started .* config \{'n': 10, 'scale': 3.0\}.*"
        r"start a new run id, or repeat the same --set values"
    )
    with pytest.raises(RunError, match=expected):
        run_pipeline(pipeline, run_id="r", store=store)
    result = run_pipeline(pipeline, run_id="r", store=store, config={"scale": 3.0})
    assert result.load("metrics") == expected_metrics(scale=3.0)


def test_run_group_is_idempotent_unless_asked_to_recompute(store):
    pipeline = make_pipeline()
    plan = pipeline.plan()
    first = run_group(pipeline, plan, "prepare", run_id="r", store=store)
    CALLS.clear()
    assert run_group(pipeline, plan, "prepare", run_id="r", store=store) == first
    assert CALLS == []
    again = run_group(pipeline, plan, "prepare", run_id="r", store=store, resume=False)
    assert CALLS == ["raw", "X_train", "X_test"] and set(again) == set(first)
    assert read_manifest(store, "r")["groups"]["prepare"]["attempt"] == 2


def test_a_deleted_artifact_makes_its_group_run_again(store):
    pipeline = make_pipeline()
    run_pipeline(pipeline, run_id="r", store=store)
    (Path(store.root) / "r" / "model.json").unlink()
    CALLS.clear()
    result = run_pipeline(pipeline, run_id="r", store=store)
    # the recomputed model may differ, so what was computed from the old one is redone too
    assert result.ran == ["train", "evaluate"] and result.skipped == ["prepare"]
    assert CALLS == ["model", "predictions", "metrics"]


def test_a_stage_runs_with_what_it_needs_and_outputs_with_their_groups(store):
    pipeline = make_pipeline()
    result = run_pipeline(pipeline, run_id="a", store=store, stage="train")
    assert result.ran == ["prepare", "train"] and result.targets == ("model",)
    assert read_manifest(store, "a")["status"] == "incomplete"
    result = run_pipeline(pipeline, run_id="b", store=store, outputs=["X_test"])
    assert result.ran == ["prepare"] and result.load("X_test") == [5, 6, 7, 8, 9]
    # an intermediate value asked for by name becomes an artifact of its group
    result = run_pipeline(pipeline, run_id="c", store=store, outputs=["predictions"])
    assert result.ran == ["prepare", "train", "evaluate"]
    assert result.load("predictions") == [25.0, 26.0, 27.0, 28.0, 29.0]
    with pytest.raises(RunError, match="not both"):
        run_pipeline(pipeline, store=store, stage="train", outputs=["model"])


@pytest.mark.parametrize("grouping", ["stages", "nodes", "single"])
def test_every_grouping_gives_the_same_final_values(store, grouping):
    result = run_pipeline(make_pipeline(grouping), run_id=grouping, store=store)
    assert CALLS == ALL  # each node ran exactly once
    assert result.load("metrics") == expected_metrics()
    for name in ("X_train", "X_test", "model", "metrics"):
        assert name in result.refs


def test_airflow_run_ids_work_end_to_end(store):
    run_id = "manual__2026-01-01T00:00:00+00:00"
    run_pipeline(make_pipeline(), run_id=run_id, store=store)
    (folder,) = Path(store.root).iterdir()
    assert folder.name == safe_run_id(run_id)
    (listed,) = list_runs(store)
    assert listed["run_id"] == run_id and listed["status"] == "completed"


def test_generated_run_ids_sort_by_time_and_are_safe(store):
    ids = [new_run_id() for _ in range(3)]
    assert all(re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{6}", i) and safe_run_id(i) == i for i in ids)
    assert len(set(ids)) == 3
    result = run_pipeline(make_pipeline(), store=store)
    assert re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{6}", result.run_id)
    run_pipeline(make_pipeline(), run_id="later", store=store)
    assert [m["run_id"] for m in list_runs(store)] == [result.run_id, "later"]


def test_groups_run_in_parallel_threads_all_reach_the_manifest(store):
    pipeline = make_pipeline("nodes")
    plan = pipeline.plan()
    run_group(pipeline, plan, "raw", run_id="r", store=store)
    barrier = threading.Barrier(2)

    def run(name):
        barrier.wait()
        return run_group(pipeline, plan, name, run_id="r", store=store)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, ["X_train", "X_test"]))
    on_disk = json.loads((Path(store.root) / "r" / "manifest.json").read_text())
    assert {"raw", "X_train", "X_test"} <= set(on_disk["groups"])


def test_the_manifest_is_rebuilt_from_group_records_after_a_lost_update(store):
    pipeline = make_pipeline()
    run_pipeline(pipeline, run_id="r", store=store)
    path = Path(store.root) / "r" / "manifest.json"
    stale = json.loads(path.read_text())
    del stale["groups"]["evaluate"]  # as if two processes raced and one update was lost
    stale["status"] = "running"
    path.write_text(json.dumps(stale))
    manifest = read_manifest(store, "r")
    assert manifest["groups"]["evaluate"]["status"] == "completed"
    assert manifest["status"] == "completed"


def test_the_code_hash_changes_with_the_code():
    def model(X_train: list, scale: float) -> float:  # noqa: F811 - same name, other code
        return 0.0

    before = graph_snapshot(make_pipeline().driver().graph)
    changed = make_pipeline(
        modules=[create_temporary_module(raw, X_train, X_test, model, predictions, metrics)]
    )
    after = graph_snapshot(changed.driver().graph)
    assert before["nodes"]["model"]["code_sha256"] != after["nodes"]["model"]["code_sha256"]
    assert before["nodes"]["raw"]["code_sha256"] == after["nodes"]["raw"]["code_sha256"]


def test_a_run_on_an_object_store():
    pytest.importorskip("fsspec")
    store = ArtifactStore(f"memory://dagwire-runs-{uuid.uuid4().hex}")
    result = run_pipeline(make_pipeline(), run_id="manual__x:y", store=store)
    assert result.load("metrics") == expected_metrics()
    assert result.refs["model"]["uri"].startswith(store.root + "/")
    assert read_manifest(store, "manual__x:y")["status"] == "completed"
    assert [m["run_id"] for m in list_runs(store)] == ["manual__x:y"]


# --- resuming after a code change ---------------------------------------------------------------
def two_step(a_offset=0):
    """``a -> b`` in groups s1, s2; ``a_offset`` changes a's code (not just a value)."""
    if a_offset:

        def a(x: float) -> float:
            ran("a")
            return x + 100

    else:

        def a(x: float) -> float:
            ran("a")
            return x

    def b(a: float) -> float:
        ran("b")
        return a * 2

    return Pipeline(
        name="two-step",
        modules=[create_temporary_module(a, b)],
        outputs=["b"],
        stages={"s1": ["a"], "s2": ["b"]},
        config={"x": 2.0},
    )


def test_a_code_change_reruns_its_group_and_everything_downstream(store):
    first = run_pipeline(two_step(), run_id="r", store=store)
    assert first.load("b") == 4.0
    code_before = read_manifest(store, "r")["graph"]["nodes"]["a"]["code_sha256"]
    CALLS.clear()
    fixed = run_pipeline(two_step(a_offset=100), run_id="r", store=store)
    assert (fixed.ran, fixed.skipped) == (["s1", "s2"], [])
    assert fixed.load("b") == 204.0 and CALLS == ["a", "b"]
    manifest = read_manifest(store, "r")
    assert manifest["graph"]["nodes"]["a"]["code_sha256"] != code_before  # snapshot refreshed
    assert manifest["groups"]["s1"]["code"] == {"a": manifest["graph"]["nodes"]["a"]["code_sha256"]}
    CALLS.clear()
    again = run_pipeline(two_step(a_offset=100), run_id="r", store=store)
    assert (again.ran, again.skipped, CALLS) == ([], ["s1", "s2"], [])
    assert again.load("b") == 204.0


def test_a_code_change_downstream_reruns_only_that_group(store):
    run_pipeline(make_pipeline(), run_id="r", store=store)

    def metrics(predictions: list) -> dict:  # noqa: F811 - same name, other code
        ran("metrics")
        return {"n": len(predictions)}

    changed = make_pipeline(
        modules=[create_temporary_module(raw, X_train, X_test, model, predictions, metrics)]
    )
    CALLS.clear()
    result = run_pipeline(changed, run_id="r", store=store)
    assert (result.ran, result.skipped) == (["evaluate"], ["prepare", "train"])
    assert CALLS == ["predictions", "metrics"] and result.load("metrics") == {"n": 5}


def test_orchestrator_tasks_retry_idempotently_but_rerun_after_a_code_fix(store):
    """As Airflow/Prefect call it: one run_group per task, resume semantics."""
    for name in ("s1", "s2"):
        run_group(two_step(), two_step().plan(), name, run_id="r", store=store)
    CALLS.clear()
    for name in ("s1", "s2"):  # a retry with the same code: nothing runs
        run_group(two_step(), two_step().plan(), name, run_id="r", store=store)
    assert CALLS == []
    fixed = two_step(a_offset=100)
    run_group(fixed, fixed.plan(), "s1", run_id="r", store=store)
    assert CALLS == ["a"]
    # s2's code did not change, but its input did: the cleared downstream task runs again
    refs = run_group(fixed, fixed.plan(), "s2", run_id="r", store=store)
    assert CALLS == ["a", "b"] and store.load(refs["b"]) == 204.0


def test_a_complete_run_still_refuses_another_config(store):
    run_pipeline(make_pipeline(), run_id="r", store=store)
    with pytest.raises(RunError, match="one configuration"):
        run_pipeline(make_pipeline(), run_id="r", store=store, config={"scale": 5.0})


# --- building the graph once ---------------------------------------------------------------------
@pytest.fixture
def builds(monkeypatch):
    """Counts graph builds (each Pipeline.driver call imports and inspects every module)."""
    count = []
    real = Pipeline.driver

    def counting(self, *args, **kwargs):
        count.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "driver", counting)
    return count


def test_a_run_builds_the_graph_once_and_a_resumed_one_builds_nothing_more(store, builds):
    pipeline = make_pipeline("nodes")
    result = run_pipeline(pipeline, run_id="r", store=store)
    assert len(result.ran) == 6 and len(builds) == 1
    builds.clear()
    (Path(store.root) / "r" / "metrics.json").unlink()
    result = run_pipeline(pipeline, run_id="r", store=store)
    assert result.ran == ["metrics"] and len(builds) == 1


def test_a_shared_run_graph_records_groups_running_at_once_in_threads(store, builds):
    pipeline = make_pipeline("nodes")
    graph = RunGraph(pipeline)
    plan = pipeline.plan(graph=graph.graph)
    run_group(pipeline, plan, "raw", run_id="r", store=store, graph=graph)
    barrier = threading.Barrier(2)

    def run(name):
        barrier.wait()
        return run_group(pipeline, plan, name, run_id="r", store=store, graph=graph)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, ["X_train", "X_test"]))
    assert len(builds) == 1
    groups = read_manifest(store, "r")["groups"]
    for name in ("X_train", "X_test"):
        (entry,) = groups[name]["nodes"].values()
        assert groups[name]["status"] == entry["status"] == "completed"
        assert entry["duration_s"] >= 0
    with pytest.raises(ValueError, match="same config"):
        run_group(pipeline, plan, "model", run_id="r", store=store, config={"n": 3}, graph=graph)


def test_importing_the_runner_does_not_load_the_built_in_adapters():
    engine = Path(sys.modules["dagwire"].__file__).resolve().parents[1]
    code = "import sys, dagwire.runtime.runs; print('dagwire.lifecycle.default' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=engine, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(2))
def test_groups_finishing_together_in_separate_processes_lose_no_record(tmp_path, attempt):
    """Six processes open one new run and finish its six groups at the same moment: the manifest
    on disk lists every group, and reading the run gives the same."""
    package = write_package(tmp_path, WIDE_TOML, {"wide": WIDE_MODULE})
    root = tmp_path / "runs"
    finish_together(tmp_path, package, str(root), "together")
    store = ArtifactStore(root)
    expected = {f"n{i}" for i in range(WIDE_GROUPS)}
    on_disk = store.read_record("together", "manifest.json")
    assert set(on_disk["groups"]) == expected and on_disk["status"] == "completed"
    assert read_manifest(store, "together")["status"] == "completed"


def test_a_run_written_before_run_json_existed_still_reads_and_resumes(store):
    """0.2.0 kept the run's description in manifest.json only."""
    pipeline = make_pipeline()
    run_pipeline(pipeline, run_id="old", store=store, stage="train")
    folder = Path(store.root) / "old"
    (folder / "run.json").unlink()
    assert read_manifest(store, "old")["groups"]["train"]["status"] == "completed"
    assert [m["run_id"] for m in list_runs(store)] == ["old"]
    resumed = run_pipeline(pipeline, run_id="old", store=store)
    assert resumed.skipped == ["prepare", "train"] and resumed.ran == ["evaluate"]
    assert (folder / "run.json").is_file()
    assert read_manifest(store, "old")["status"] == "completed"


def test_the_manifest_on_disk_shows_a_failure_in_the_first_group(store):
    """The plain runner writes manifest.json once, when it stops, failed or not."""
    FAIL["raw"] = ValueError("no data today")
    with pytest.raises(ValueError, match="no data today"):
        run_pipeline(make_pipeline(), run_id="r", store=store)
    on_disk = store.read_record("r", "manifest.json")
    assert on_disk["status"] == "failed" and on_disk["groups"]["prepare"]["status"] == "failed"
