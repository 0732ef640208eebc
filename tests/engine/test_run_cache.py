"""The project runtime's cache: [cache] in pipeline.toml, `run --cache`, and how it meets resume."""

import json
import textwrap
from pathlib import Path

import pytest
from dagwire.runtime.artifacts import ArtifactStore
from dagwire.runtime.cache import CacheSettings
from dagwire.runtime.cli import main
from dagwire.runtime.pipeline import Pipeline, PipelineDefinitionError
from dagwire.runtime.runs import list_runs, read_manifest, run_pipeline
from engine_support import write_package

#: Each node appends its name to the file named by the config key `calls`, so runs in the same
#: process (and new drivers) can be told apart by what they computed.
MODULE = """
    def _ran(name: str, calls: str) -> None:
        with open(calls, "a") as f:
            f.write(name + "\\n")


    def raw(n: int, calls: str) -> list:
        _ran("raw", calls)
        return list(range(n))


    def features(raw: list, calls: str) -> list:
        import os

        _ran("features", calls)
        if os.path.exists(calls + ".fail"):
            raise RuntimeError("features failed")
        return [x * 2 for x in raw]


    def model(features: list, scale: float, calls: str) -> float:
        _ran("model", calls)
        return sum(features) * scale


    def metrics(model: float, features: list, calls: str) -> dict:
        _ran("metrics", calls)
        if model < 0:
            raise ValueError("negative model")
        return {"score": model / max(len(features), 1)}
"""
TOML = """
    [pipeline]
    name = "cached"
    modules = ["transforms.steps"]
    outputs = ["metrics"]

    [stages]
    prepare = ["features"]
    train = ["model"]
    evaluate = ["metrics"]

    [config]
    n = 5
    scale = 2.0
    calls = "{calls}"
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A package whose pipeline.toml turns the cache on; returns (package, calls file, store)."""
    calls = tmp_path / "calls.txt"
    calls.write_text("")
    toml = TOML.format(calls=calls) + "\n    [cache]\n    enabled = true\n"
    package = write_package(tmp_path, toml, {"steps": MODULE})
    monkeypatch.syspath_prepend(str(tmp_path))
    return package, calls, ArtifactStore(tmp_path / "artifacts")


def like(pipeline: Pipeline, cache: CacheSettings) -> Pipeline:
    """The pipeline with other [cache] settings."""
    import dataclasses

    return dataclasses.replace(pipeline, cache=cache)


def computed(calls: Path) -> list[str]:
    """What ran since the last call (and forget it)."""
    names = calls.read_text().split()
    calls.write_text("")
    return names


def test_a_new_run_reuses_every_node_whose_code_and_inputs_are_unchanged(project):
    package, calls, store = project
    pipeline = Pipeline.load(package)
    first = run_pipeline(pipeline, run_id="r1", store=store)
    assert computed(calls) == ["raw", "features", "model", "metrics"]
    second = run_pipeline(pipeline, run_id="r2", store=store)
    assert computed(calls) == []
    assert second.load("metrics") == first.load("metrics") == {"score": 8.0}
    assert second.ran == ["prepare", "train", "evaluate"]  # a complete run of its own
    nodes = read_manifest(store, "r2")["groups"]["train"]["nodes"]
    assert nodes["model"]["from_cache"] is True and nodes["model"]["status"] == "completed"
    assert "from_cache" not in read_manifest(store, "r1")["groups"]["train"]["nodes"]["model"]


def test_a_config_change_recomputes_only_what_the_changed_value_reaches(project):
    package, calls, store = project
    pipeline = Pipeline.load(package)
    run_pipeline(pipeline, run_id="r1", store=store)
    computed(calls)
    result = run_pipeline(pipeline, run_id="r2", store=store, config={"scale": 3.0})
    assert computed(calls) == ["model", "metrics"]
    assert result.load("metrics") == {"score": 12.0}


def test_a_code_edit_recomputes_the_node_and_a_comment_edit_does_not(project, tmp_path):
    package, calls, store = project
    run_pipeline(Pipeline.load(package), run_id="r1", store=store)
    computed(calls)
    source = tmp_path / package / "transforms" / "steps.py"
    text = source.read_text()
    source.write_text(text.replace('_ran("raw", calls)', '_ran("raw", calls)  # noted'))
    _reimport(package)
    run_pipeline(Pipeline.load(package), run_id="r2", store=store)
    assert computed(calls) == []
    source.write_text(text.replace("x * 2 for x in raw", "x * 2 for x in raw if x"))
    _reimport(package)
    result = run_pipeline(Pipeline.load(package), run_id="r3", store=store)
    assert computed(calls) == ["features", "model", "metrics"]
    assert result.load("metrics") == {"score": 10.0}


def test_the_flag_of_one_run_wins_over_the_table(project):
    package, calls, store = project
    pipeline = Pipeline.load(package)
    run_pipeline(pipeline, run_id="r1", store=store)
    computed(calls)
    run_pipeline(pipeline, run_id="r2", store=store, cache=False)
    assert computed(calls) == ["raw", "features", "model", "metrics"]
    off = like(pipeline, CacheSettings())
    run_pipeline(off, run_id="r3", store=store, cache=True)
    assert computed(calls) == []
    run_pipeline(off, run_id="r4", store=store)
    assert computed(calls) == ["raw", "features", "model", "metrics"]


def test_recompute_runs_a_source_every_time_and_an_unchanged_value_serves_the_rest(project):
    package, calls, store = project
    pipeline = Pipeline.load(package)
    run_pipeline(pipeline, run_id="r1", store=store)
    computed(calls)
    always = like(pipeline, CacheSettings(enabled=True, recompute=("raw",)))
    run_pipeline(always, run_id="r2", store=store)
    assert computed(calls) == ["raw"]


def test_resume_takes_the_groups_the_run_completed_and_the_cache_serves_the_rest(project):
    package, calls, store = project
    pipeline = Pipeline.load(package)
    with pytest.raises(ValueError, match="negative model"):
        run_pipeline(pipeline, run_id="r1", store=store, config={"scale": -1.0})
    assert computed(calls) == ["raw", "features", "model", "metrics"]
    with pytest.raises(ValueError, match="negative model"):  # resumed: only the failed group
        run_pipeline(pipeline, run_id="r1", store=store, config={"scale": -1.0})
    assert computed(calls) == ["metrics"]
    manifest = read_manifest(store, "r1")
    assert manifest["groups"]["evaluate"]["nodes"]["metrics"]["status"] == "failed"


def test_a_helper_fix_keeps_the_completed_groups_of_a_resumed_run_and_renews_the_cache(
    project, tmp_path
):
    """Resume finishes the run: the groups it completed stand after a helper changed (as a
    cleared orchestrator task does); a new run does not take their cached values, whose key
    covers the helper."""
    package, calls, store = project
    pipeline = Pipeline.load(package)
    with pytest.raises(ValueError, match="negative model"):
        run_pipeline(pipeline, run_id="r1", store=store, config={"scale": -1.0})
    computed(calls)
    source = tmp_path / package / "transforms" / "steps.py"
    source.write_text(source.read_text().replace('"a") as f', '"a", encoding="utf-8") as f'))
    _reimport(package)
    with pytest.raises(ValueError, match="negative model"):
        run_pipeline(Pipeline.load(package), run_id="r1", store=store, config={"scale": -1.0})
    assert computed(calls) == ["metrics"]
    with pytest.raises(ValueError, match="negative model"):
        run_pipeline(Pipeline.load(package), run_id="r2", store=store, config={"scale": -1.0})
    assert computed(calls) == ["raw", "features", "model", "metrics"]


def test_a_stage_that_failed_half_way_resumes_from_the_node_that_failed(project):
    package, calls, store = project
    pipeline = Pipeline.load(package)
    flag = Path(f"{calls}.fail")
    flag.write_text("")
    with pytest.raises(RuntimeError, match="features failed"):
        run_pipeline(pipeline, run_id="r1", store=store)
    assert computed(calls) == ["raw", "features"]
    flag.unlink()
    run_pipeline(pipeline, run_id="r1", store=store)
    assert computed(calls) == ["features", "model", "metrics"]  # raw: from the cache
    nodes = read_manifest(store, "r1")["groups"]["prepare"]["nodes"]
    assert nodes["raw"]["from_cache"] is True and "from_cache" not in nodes["features"]


def test_the_cache_lives_under_the_artifact_root_and_is_no_run(project):
    package, calls, store = project
    run_pipeline(Pipeline.load(package), run_id="r1", store=store)
    assert (Path(store.root) / ".cache").is_dir()
    assert [m["run_id"] for m in list_runs(store)] == ["r1"]
    assert Pipeline.load(package).cache_path(store) == str(Path(store.root) / ".cache")
    assert Pipeline.load(package).cache_path(store, False) is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("enabled = 1", r"\[cache\] enabled must be true or false, got 1"),
        ('recompute = "raw"', r"\[cache\] recompute must be a list of node names or true"),
        ("ignore = true", r"\[cache\] ignore must be a list of node names, got True"),
        ("disable = [3]", r"\[cache\] disable: 3 is not a node name"),
        ("size = 3", r"unknown key 'size' in \[cache\]"),
        ('recompute = ["raw"]\n    disable = ["raw"]', r"\[cache\] 'raw' is in both recompute and"),
        ("recompute = true\n    disable = true", r"\[cache\] recompute and disable cannot both"),
    ],
)
def test_a_bad_cache_table_is_refused_naming_the_file_and_key(tmp_path, table, message):
    text = TOML.format(calls="c") + f"\n    [cache]\n    {table}\n"
    with pytest.raises(PipelineDefinitionError, match=message) as raised:
        Pipeline.from_toml(
            textwrap.dedent(text), package="p", source="pipeline.toml", import_modules=False
        )
    assert str(raised.value).startswith("pipeline.toml: ")


def test_a_node_the_cache_table_names_must_exist_and_nothing_runs_otherwise(project):
    package, calls, store = project
    pipeline = Pipeline.load(package)
    typo = like(pipeline, CacheSettings(enabled=True, recompute=("rew",)))
    with pytest.raises(PipelineDefinitionError, match=r"\[cache\].*'rew' is not a node") as raised:
        run_pipeline(typo, run_id="r1", store=store)
    assert "'raw'" in str(raised.value)  # a did-you-mean
    assert computed(calls) == [] and list_runs(store) == []


def test_run_cache_flag_on_the_command_line_and_the_resume_hint_keeps_it(project, capsys):
    package, calls, store = project
    argv = ["run", "--artifacts", store.root, "--no-cache", "--run-id", "c1"]
    assert main(argv, package=package) == 0
    assert computed(calls) == ["raw", "features", "model", "metrics"]
    assert (
        main(["run", "--artifacts", store.root, "--cache", "--run-id", "c2"], package=package) == 0
    )
    assert (
        main(["run", "--artifacts", store.root, "--cache", "--run-id", "c3"], package=package) == 0
    )
    out = capsys.readouterr().out
    assert computed(calls) == ["raw", "features", "model", "metrics"]  # c2 filled the cache
    assert "model                    cached" in out.split("Run c3")[1]
    code = main(
        ["run", "--artifacts", store.root, "--cache", "--set", "scale=-1.0", "--run-id", "c4"],
        package=package,
    )
    assert code != 0
    hint = capsys.readouterr().out.split("resume it with: ")[1].splitlines()[0]
    assert hint.startswith("run --run-id c4 --set scale=-1.0 --artifacts ")
    assert hint.endswith(" --cache")
    manifest = json.loads((Path(store.root) / "c4" / "manifest.json").read_text())
    assert manifest["groups"]["train"]["nodes"]["model"]["status"] == "completed"


def _reimport(package: str) -> None:
    import importlib
    import sys

    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()
