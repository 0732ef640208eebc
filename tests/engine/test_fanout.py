"""Fan-out in a project: Parallelizable/Collect cut into mapped groups, run item by item.

What an Airflow mapped task instance or a Prefect mapped task run does is ``run_item``; the plain
runner runs the same function for every item, so all three runners give the same values.
"""

import contextlib
import dataclasses
import json
import sys

import pytest
from dagwire.runtime.artifacts import ArtifactStore
from dagwire.runtime.lock import LockedGraph, lock_data
from dagwire.runtime.pipeline import Pipeline
from dagwire.runtime.plan import PlanError
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


# --- edges a team reaches: found by an independent review -------------------------------------
def test_items_of_an_earlier_attempt_of_the_producer_do_not_count(tmp_path, monkeypatch):
    """Item 4 fails; the team changes the Parallelizable to give 4 items and resumes: the stale
    record of item 4 no longer fails the group, and the run completes."""
    pipeline, _ = make(tmp_path, stages=SPLIT, executor="synchronous")
    store = ArtifactStore(tmp_path / "a")
    monkeypatch.setenv("FANOUT_FAIL", "file-4")
    with pytest.raises(ValueError):
        run_pipeline(pipeline, store=store, run_id="r")
    module = tmp_path / pipeline.package / "transforms" / "fan.py"
    module.write_text(module.read_text().replace("range(n_files)", "range(n_files - 1)"))
    for name in [m for m in sys.modules if m.startswith(pipeline.package)]:
        del sys.modules[name]
    pipeline = Pipeline.load(pipeline.package)
    assert run_pipeline(pipeline, store=store, run_id="r").load("report") == expected(n=4)
    manifest = read_manifest(store, "r")
    assert manifest["groups"]["measure"]["status"] == "completed"
    assert manifest["groups"]["measure"]["error"] is None
    assert manifest["status"] == "completed"
    assert run_pipeline(pipeline, store=store, run_id="r").ran == []


@pytest.mark.parametrize(
    ("stages", "stage", "runs"),
    [
        (ONE_STAGE, "combine", ["combine", "files-items", "combine-2"]),  # cut at its block
        (
            'split = ["files"]\n    measure = ["size", "scale"]\n    combine = ["report"]',
            "measure",
            ["split", "measure", "files-items"],
        ),  # a block and a node computed once
        (
            'split = ["files", "scale"]\n    measure = ["size"]\n    labelling = ["label"]\n'
            '    combine = ["report"]',
            "labelling",
            ["split", "files-items"],
        ),  # a block, 2 stages
    ],
)
def test_running_one_stage_runs_all_of_it_wherever_the_block_put_it(tmp_path, stages, stage, runs):
    pipeline, _ = make(tmp_path, stages=stages, executor="synchronous")
    result = run_pipeline(pipeline, store=ArtifactStore(tmp_path / "a"), stage=stage)
    assert result.ran == runs
    assert result.targets == pipeline.stages[stage]
    for name in result.targets:
        result.load(name)


def test_a_config_value_cannot_stand_in_for_a_parallelizable_on_an_orchestrator(tmp_path):
    pipeline, _ = make(tmp_path, executor="synchronous")
    given = {"files": ["x-1", "y-2"]}
    with pytest.raises(PlanError, match=r"The config sets 'files', a Parallelizable node"):
        pipeline.plan(given)
    single = dataclasses.replace(pipeline, grouping="single")  # one task: the engine runs it
    assert (
        run_pipeline(single, store=ArtifactStore(tmp_path / "a"), config=given).load("report")
        == pipeline.driver(given).execute(["report"])["report"]
    )


@pytest.mark.parametrize("grouping", ["stages", "nodes", "single"])
def test_a_value_computed_per_item_is_refused_as_an_output_in_every_grouping(tmp_path, grouping):
    pipeline, _ = make(tmp_path, grouping=grouping, stages=SPLIT)
    with pytest.raises(PlanError, match=r"'size' is computed once per item of .*'files'"):
        run_pipeline(pipeline, store=ArtifactStore(tmp_path / "a"), outputs=["size"])


def test_manifest_json_shows_items_that_ran_as_separate_tasks(tmp_path, monkeypatch):
    """No task runs after the items of a failed block: each failing item publishes."""
    pipeline, _ = make(tmp_path, stages=SPLIT)
    plan, store, run = pipeline.plan(), ArtifactStore(tmp_path / "a"), "r1"
    graph = RunGraph(pipeline)
    run_group(pipeline, plan, "split", run_id=run, store=store, graph=graph)
    monkeypatch.setenv("FANOUT_FAIL", "file-2")
    for i in range(5):
        with contextlib.suppress(ValueError):
            run_item(pipeline, plan, "measure", i, run_id=run, store=store, graph=graph)
    written = json.loads((tmp_path / "a" / run / "manifest.json").read_text())
    assert written["groups"]["measure"]["status"] == "failed"
    assert written["status"] == read_manifest(store, run)["status"] == "failed"
    monkeypatch.delenv("FANOUT_FAIL")  # the last item to finish publishes too
    run_item(pipeline, plan, "measure", 2, run_id=run, store=store, graph=graph)
    written = json.loads((tmp_path / "a" / run / "manifest.json").read_text())
    assert written["groups"]["measure"]["status"] == "completed"


def test_manifest_json_follows_a_resume_that_fails_in_its_items(tmp_path, monkeypatch):
    pipeline, _ = make(tmp_path, stages=SPLIT, executor="synchronous")
    store = ArtifactStore(tmp_path / "a")
    monkeypatch.setenv("FANOUT_FAIL", "file-2")
    for _ in range(2):
        with pytest.raises(ValueError):
            run_pipeline(pipeline, store=store, run_id="r")
    written = json.loads((tmp_path / "a" / "r" / "manifest.json").read_text())
    assert written["groups"]["measure"]["attempt"] == 2
    assert written["groups"]["measure"] == read_manifest(store, "r")["groups"]["measure"]


TWO = """
    from dagwire.htypes import Collect, Parallelizable


    def xs(n: int) -> Parallelizable[int]:
        yield from range(n)


    def sq(xs: int) -> int:
        return xs * xs


    def ys(xs: int) -> Parallelizable[int]:
        yield from range(xs + 1)


    def inner(ys: int, xs: int) -> int:
        return ys + 10 * xs


    def inner_sum(inner: Collect[int]) -> int:
        return sum(inner)


    def sqs(sq: Collect[int]) -> list:
        return list(sq)


    def sums(inner_sum: Collect[int]) -> list:
        return list(inner_sum)


    def zs(sqs: list) -> Parallelizable[int]:
        yield from sqs


    def dbl(zs: int) -> int:
        return 2 * zs


    def dbls(dbl: Collect[int]) -> list:
        return list(dbl)


    def seen(xs: Collect[int], sq: Collect[int]) -> list:
        return list(zip(xs, sq, strict=True))


    def out(dbls: list, sums: list, seen: list) -> dict:
        return {"dbls": dbls, "sums": sums, "seen": seen}
"""
TWO_TOML = """
    [pipeline]
    name = "two"
    modules = ["transforms.two"]
    outputs = ["out"]
    grouping = "{grouping}"

    [stages]
    all = ["out"]

    [config]
    n = {n}

    [execution]
    executor = "{executor}"
"""


@pytest.mark.parametrize("grouping", ["stages", "nodes", "single"])
@pytest.mark.parametrize("executor", ["synchronous", "threads"])
@pytest.mark.parametrize("n", [0, 3])
def test_nested_blocks_chained_blocks_and_no_items_resume_without_recomputing(
    tmp_path, grouping, executor, n
):
    toml = TWO_TOML.format(grouping=grouping, executor=executor, n=n)
    pipeline = Pipeline.load(write_package(tmp_path, toml, {"two": TWO}))
    store = ArtifactStore(tmp_path / "a")
    want = pipeline.driver().execute(["out"])["out"]
    assert run_pipeline(pipeline, store=store, run_id="r").load("out") == want
    assert read_manifest(store, "r")["status"] == "completed"
    again = run_pipeline(pipeline, store=store, run_id="r")
    assert again.ran == [] and again.load("out") == want
