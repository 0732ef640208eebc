"""Fan-out in a project: Parallelizable/Collect cut into mapped groups, run item by item.

What an Airflow mapped task instance or a Prefect mapped task run does is ``run_item``; the plain
runner runs the same function for every item, so all three runners give the same values.
"""

import pytest
from dagwire.runtime.artifacts import ArtifactStore
from dagwire.runtime.lock import LockedGraph, lock_data
from dagwire.runtime.pipeline import Pipeline
from dagwire.runtime.runs import (
    RunError,
    RunGraph,
    item_count,
    read_manifest,
    run_group,
    run_item,
    run_pipeline,
)
from engine_support import write_package

FANOUT = """
    import os
    from pathlib import Path

    from dagwire.htypes import Collect, Parallelizable


    def files(n_files: int) -> Parallelizable[str]:
        for i in range(n_files):
            yield f"file-{i}"


    def scale(factor: float) -> float:
        return factor * 2


    def size(files: str, scale: float, log: str) -> float:
        Path(log).open("a").write(files + "\\n")
        if files == os.environ.get("FANOUT_FAIL"):
            raise ValueError(f"cannot read {files}")
        return len(files) * scale + int(files.rsplit("-", 1)[1])


    def label(files: str, size: float) -> str:
        return f"{files}:{size}"


    def total(size: Collect[float]) -> float:
        return sum(size)


    def labels(label: Collect[str]) -> list:
        return list(label)


    def report(total: float, labels: list, scale: float) -> dict:
        return {"total": total, "labels": labels, "scale": scale}
"""

TOML = """
    [pipeline]
    name = "fan"
    modules = ["transforms.fan"]
    outputs = ["report"]
    grouping = "{grouping}"

    [stages]
    {stages}

    [config]
    n_files = 5
    factor = 1.5
    log = "{log}"

    [execution]
    executor = "{executor}"
    max_tasks = 3
"""
ONE_STAGE = 'combine = ["report"]'
SPLIT = 'split = ["files", "scale"]\n    measure = ["size"]\n    combine = ["report"]'


def make(tmp_path, grouping="stages", stages=ONE_STAGE, executor="threads"):
    log = tmp_path / "calls.log"
    toml = TOML.format(grouping=grouping, stages=stages, log=log, executor=executor)
    package = write_package(tmp_path, toml, {"fan": FANOUT})
    return Pipeline.load(package), log


def expected(n=5, factor=1.5):
    sizes = [len(f"file-{i}") * factor * 2 + i for i in range(n)]
    labels = [f"file-{i}:{s}" for i, s in enumerate(sizes)]
    return {"total": sum(sizes), "labels": labels, "scale": factor * 2}


@pytest.fixture(autouse=True)
def _importable(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("FANOUT_FAIL", raising=False)


def test_a_stage_that_feeds_and_collects_a_block_is_cut_at_it(tmp_path):
    pipeline, _ = make(tmp_path)
    plan = pipeline.plan()
    shape = {g.name: (g.over, g.nodes, g.depends_on) for g in plan.groups}
    assert shape == {
        "combine": (None, ("files", "scale"), ()),
        "files-items": ("files", ("size", "label"), ("combine",)),
        "combine-2": (None, ("total", "labels", "report"), ("files-items", "combine")),
    }
    assert plan["files-items"].outputs == ("size", "label")
    assert all(g.stages == ("combine",) for g in plan.groups)


def test_a_stage_holding_only_the_block_keeps_its_name_and_settings(tmp_path):
    pipeline, _ = make(tmp_path, stages=SPLIT)
    plan = pipeline.plan()
    assert [(g.name, g.over) for g in plan.groups] == [
        ("split", None),
        ("measure", "files"),
        ("combine", None),
    ]
    nodes = pipeline.plan(grouping="nodes")
    assert nodes["files-items"].stages == ("measure",)
    assert [g.name for g in nodes.groups if g.over] == ["files-items"]
    single = pipeline.plan(grouping="single")
    assert [g.over for g in single.groups] == [None]


def test_the_lock_records_the_blocks_so_a_plan_without_imports_cuts_the_same(tmp_path):
    pipeline, _ = make(tmp_path, stages=SPLIT)
    data = lock_data(pipeline)
    assert data["item_scopes"] == {"size": ["files"], "label": ["files"]}
    locked = pipeline.plan(graph=LockedGraph(data["nodes"], data["item_scopes"]))
    assert locked.to_dict() == pipeline.plan().to_dict()


@pytest.mark.parametrize("grouping", ["stages", "nodes", "single"])
@pytest.mark.parametrize("executor", ["synchronous", "threads", "processes"])
def test_every_grouping_and_executor_gives_the_values_of_one_driver(tmp_path, grouping, executor):
    pipeline, _ = make(tmp_path, grouping=grouping, executor=executor)
    store = ArtifactStore(tmp_path / "artifacts")
    result = run_pipeline(pipeline, store=store)
    assert result.load("report") == expected()
    assert pipeline.driver().execute(["report"])["report"] == expected()
    manifest = read_manifest(store, result.run_id)
    assert manifest["status"] == "completed", manifest["groups"]
    mapped = [g for g in manifest["plan"]["groups"] if g.get("over")]
    for group in mapped:
        record = manifest["groups"][group["name"]]
        assert (record["items"], record["items_completed"]) == (5, 5)
    if grouping == "single":  # the engine ran the block inside the one task
        size = manifest["groups"]["pipeline"]["nodes"]["size"]
        if executor == "processes":  # in worker processes: not seen from this one
            assert (size["status"], size["observed"]) == ("completed", False)
        else:
            assert (size["status"], size["items"]) == ("completed", 5)


@pytest.mark.parametrize("executor", ["synchronous", "threads", "processes"])
def test_a_config_override_reaches_every_item(tmp_path, executor):
    """``run --set n_files=3``: the plain runner's items run with the run's config."""
    pipeline, _ = make(tmp_path, executor=executor)
    result = run_pipeline(pipeline, store=ArtifactStore(tmp_path / "a"), config={"n_files": 3})
    assert result.load("report") == expected(n=3)


def test_items_run_one_by_one_as_an_orchestrator_runs_them(tmp_path):
    pipeline, _ = make(tmp_path, stages=SPLIT)
    plan, store, run = pipeline.plan(), ArtifactStore(tmp_path / "a"), "r1"
    graph = RunGraph(pipeline)
    with pytest.raises(RunError, match="'split' has not completed"):
        item_count(store, run, plan, "measure")
    with pytest.raises(RunError, match="run its items with run_item"):
        run_group(pipeline, plan, "measure", run_id=run, store=store, graph=graph)
    run_group(pipeline, plan, "split", run_id=run, store=store, graph=graph)
    assert item_count(store, run, plan, "measure") == 5
    refs = run_item(pipeline, plan, "measure", 3, run_id=run, store=store, graph=graph)
    assert store.load(refs["size"]) == expected()["total"] - sum(
        len(f"file-{i}") * 3.0 + i for i in (0, 1, 2, 4)
    )
    assert refs["size"]["name"] == "size[3]"
    with pytest.raises(RunError, match="has not been completed"):
        run_group(pipeline, plan, "combine", run_id=run, store=store, graph=graph)
    for i in (0, 1, 2, 4):
        run_item(pipeline, plan, "measure", i, run_id=run, store=store, graph=graph)
    refs = run_group(pipeline, plan, "combine", run_id=run, store=store, graph=graph)
    assert store.load(refs["report"]) == expected()
    assert read_manifest(store, run)["status"] == "completed"


def test_a_resumed_run_recomputes_only_the_items_that_failed(tmp_path, monkeypatch):
    pipeline, log = make(tmp_path, stages=SPLIT, executor="synchronous")
    store = ArtifactStore(tmp_path / "a")
    monkeypatch.setenv("FANOUT_FAIL", "file-2")
    with pytest.raises(ValueError, match="cannot read file-2"):
        run_pipeline(pipeline, store=store, run_id="r")
    manifest = read_manifest(store, "r")
    assert manifest["status"] == "failed"
    measure = manifest["groups"]["measure"]
    assert measure["status"] == "failed" and measure["error"]["node"] == "size"
    assert log.read_text().split() == [f"file-{i}" for i in range(5)]
    monkeypatch.delenv("FANOUT_FAIL")
    log.write_text("")
    result = run_pipeline(pipeline, store=store, run_id="r")
    assert log.read_text().split() == ["file-2"]  # the other items stood
    assert result.load("report") == expected()
    assert "split" in result.skipped and "measure" in result.ran
    again = run_pipeline(pipeline, store=store, run_id="r")
    assert again.ran == [] and again.load("report") == expected()


def test_the_command_line_shows_items_and_resumes_the_failed_one(tmp_path, monkeypatch, capsys):
    from dagwire.runtime.cli import main

    pipeline, log = make(tmp_path, stages=SPLIT, executor="synchronous")
    package = pipeline.package
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FANOUT_FAIL", "file-2")
    assert main(["run", "--run-id", "r"], package=package) == 1
    out = capsys.readouterr().out
    assert "  measure: failed" in out
    assert "    4 of 5 items completed" in out
    assert "    item 2: node 'size' failed: ValueError: cannot read file-2" in out
    monkeypatch.delenv("FANOUT_FAIL")
    log.write_text("")
    assert main(["run", "--run-id", "r"], package=package) == 0
    out = capsys.readouterr().out
    assert log.read_text().split() == ["file-2"]
    assert "  measure: completed" in out and "    5 of 5 items completed" in out
    assert f"-> {tmp_path / 'artifacts' / 'r' / 'size'}/ (5 files," in out
    assert main(["runs", "r"], package=package) == 0
    assert "5 of 5 items completed" in capsys.readouterr().out
