# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
"""The command line, end to end, in a temporary folder.

Template-owned: `copier update` keeps this file in step with the runner in ``dagwire/cli.py``.
Stages, nodes, outputs and config keys are all read from pipeline.toml and the code, so these
tests keep holding when you rename stages, add nodes or replace the example with your pipeline.
"""

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.dagwire.runtime.artifacts import (
    safe_name,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.pipeline import (
    Pipeline,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.plan import (
    Group,
    GroupPlan,
)
from {{ cookiecutter.package_name }}.dagwire.runtime.runs import (
    graph_snapshot,
)

PACKAGE = "{{ cookiecutter.package_name }}"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs write to ./artifacts of a temporary folder: never into the repository, nor into the
    shared store that `[artifacts] root` in pipeline.toml may name for deployments."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGWIRE_ARTIFACTS", str(tmp_path / "artifacts"))
    return tmp_path


@pytest.fixture(scope="module")
def plan(pipeline: Pipeline) -> GroupPlan:
    """What `run` does with pipeline.toml as it is: its stages (or one group), in order."""
    return pipeline.plan()


def computed_nodes(pipeline: Pipeline) -> list:
    """The nodes `list` shows: every value a function computes (config keys are inputs)."""
    variables = pipeline.driver().list_available_variables()
    return [v for v in variables if not v.is_external_input and v.name not in pipeline.config]


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def assert_run_folder_holds(run_dir: Path, groups: list[Group]) -> dict:
    """The run completed exactly ``groups``; its folder holds their artifacts (a folder of one
    file per item for values computed per item), one record per group (per item for a group
    run once per item), the run's description, the manifest and maybe its report (and the
    previews it keeps), and nothing else. Returns the manifest."""
    run = manifest(run_dir)
    assert set(run["groups"]) == {g.name for g in groups}
    # previews/: the report's look at each artifact, kept so a refresh reads it only once
    files, folders = {"run.json", "manifest.json"}, {"groups", "items", "previews"}
    items = set()
    for group in groups:
        record = run["groups"][group.name]
        assert record["status"] == "completed", f"{group.name}: {record.get('error')}"
        assert all(node["status"] == "completed" for node in record.get("nodes", {}).values())
        if group.over:  # run once per item: every item completed, each with its record
            assert record["items_completed"] == record["items"], group.name
            items |= {f"{safe_name(f'{group.name}.{i}')}.json" for i in range(record["items"])}
        assert set(record["artifacts"]) == set(group.outputs), group.name
        for name, ref in record["artifacts"].items():
            for one in ref.get("items", [ref]):
                path = Path(one["uri"])
                assert path.is_file(), f"{name}: {one['uri']} is missing"
                per_item = one is not ref
                home = run_dir / path.parent.name if per_item else run_dir
                assert path.parent.resolve() == home.resolve(), f"{name} is outside the run folder"
                if per_item:
                    folders.add(path.parent.name)
                else:
                    files.add(path.name)
    stray = "a temporary or stray file was left behind"
    assert {p.name for p in run_dir.iterdir() if p.is_file()} - {"report.html"} == files, stray
    assert {p.name for p in run_dir.iterdir() if p.is_dir()} <= folders, stray
    records = {f"{safe_name(g.name)}.json" for g in groups if not g.over}
    assert {p.name for p in (run_dir / "groups").iterdir()} == records, stray
    if items:
        assert {p.name for p in (run_dir / "items").iterdir()} == items, stray
    return run


def toml_value(value: Any) -> str:
    """``value`` as `--set` reads it (a TOML value)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    raise TypeError(f"no TOML form for {value!r}")


def config_override(pipeline: Pipeline, plan: GroupPlan) -> tuple[str, Any, Group]:
    """(key, value, group): a `--set key=value` that is valid for this pipeline, and the group to
    run with it (the first that reads the key, else the first group).

    A whole number a function reads (a seed, a count) moves by one. Any other setting keeps its
    value, because another text or flag may select no function at all; that still checks that
    `--set` parses the value to its type and that the run records it.
    """
    nodes = computed_nodes(pipeline)
    readers = {
        key: [v.name for v in nodes if key in v.required_dependencies | v.optional_dependencies]
        for key in pipeline.config
    }

    def movable(key: str) -> bool:
        value = pipeline.config[key]
        return isinstance(value, int) and not isinstance(value, bool) and bool(readers[key])

    key = min(pipeline.config, key=lambda k: (not movable(k), not readers[k]))
    value = pipeline.config[key] + 1 if movable(key) else pipeline.config[key]
    planned = {n for g in plan.groups for n in g.nodes}
    reading = [n for n in readers[key] if n in planned]
    return key, value, plan.owner(reading[0]) if reading else plan.groups[0]


def typo_of(name: str, known: set[str]) -> str:
    """``name`` with one letter doubled, and no name of the pipeline."""
    for i in range(len(name) // 2, len(name)):
        typo = name[: i + 1] + name[i:]
        if typo not in known:
            return typo
    return name + "_"


def test_run_writes_every_stage_artifacts_and_a_manifest(
    workdir: Path, plan: GroupPlan, pipeline: Pipeline, capsys
):
    assert main(["run", "--run-id", "first"]) == 0
    run = assert_run_folder_holds(workdir / "artifacts" / "first", list(plan.groups))
    assert run["run_id"] == "first"
    assert run["status"] == "completed"
    assert run["config"] == json.loads(json.dumps(dict(pipeline.config), default=str))
    out = capsys.readouterr().out
    assert all(name in out for name in plan.outputs), out


def test_run_one_stage_with_a_config_override(workdir: Path, pipeline: Pipeline, plan: GroupPlan):
    if not pipeline.config:
        pytest.skip("pipeline.toml has no [config]: there is no key to override with --set")
    key, value, group = config_override(pipeline, plan)
    argv = ["run", "--stage", group.name, "--run-id", "override"]
    assert main([*argv, "--set", f"{key}={toml_value(value)}"]) == 0
    expected = json.loads(json.dumps({**pipeline.config, key: value}, default=str))
    overridden = pipeline.plan({key: value})
    needed = overridden.needed_for(groups=[group.name])
    run = assert_run_folder_holds(workdir / "artifacts" / "override", needed)
    assert run["config"] == expected
    assert type(run["config"][key]) is type(expected[key])


def test_a_run_continues_from_its_own_artifacts(workdir: Path, plan: GroupPlan, capsys):
    first = plan.groups[0]
    assert main(["run", "--run-id", "resumed", "--stage", first.name]) == 0
    finished = manifest(workdir / "artifacts" / "resumed")["groups"][first.name]
    capsys.readouterr()
    assert main(["run", "--run-id", "resumed"]) == 0
    assert f"{first.name}: skipped (already complete)" in capsys.readouterr().out
    run = assert_run_folder_holds(workdir / "artifacts" / "resumed", list(plan.groups))
    reused = dict(run["groups"][first.name])
    assert reused.pop("reused_at"), "a stage taken from the first attempt is marked reused"
    assert reused == finished, "a complete stage must not run again"
    assert run["status"] == "completed"


def test_run_selected_outputs_into_another_artifact_root(
    workdir: Path, pipeline: Pipeline, plan: GroupPlan, capsys
):
    """Any node can be asked for: the last one the default outputs do not name, if there is one."""
    others = [n for g in plan.groups if not g.over for n in g.nodes if n not in plan.outputs]
    name = others[-1] if others else plan.outputs[0]
    root = workdir / "elsewhere"
    assert main(["run", "--outputs", name, "--run-id", "picked", "--artifacts", str(root)]) == 0
    run = manifest(root / "picked")
    for group in pipeline.plan(outputs=[name]).needed_for(outputs=[name]):
        assert run["groups"][group.name]["status"] == "completed"
    owner = plan.owner(name).name
    assert Path(run["groups"][owner]["artifacts"][name]["uri"]).is_file()
    assert not (workdir / "artifacts").exists()
    assert name in capsys.readouterr().out


def test_unknown_output_is_refused_with_a_suggestion(workdir: Path, pipeline: Pipeline, capsys):
    nodes = computed_nodes(pipeline)
    name = max((v.name for v in nodes), key=len)
    typo = typo_of(name, {v.name for v in pipeline.driver().list_available_variables()})
    assert main(["run", "--outputs", typo]) == 1
    err = capsys.readouterr().err
    assert f"'{typo}'" in err and f"'{name}'" in err.partition("Did you mean")[2], err
    assert not (workdir / "artifacts").exists()


def test_list_shows_every_node_with_its_type_and_doc(workdir: Path, pipeline: Pipeline, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    types = graph_snapshot(pipeline.driver().graph)["nodes"]
    for v in computed_nodes(pipeline):
        assert f"  {v.name}: {types[v.name]['type']}" in out, v.name
        if v.documentation.strip():
            assert v.documentation.splitlines()[0] in out, v.name


@pytest.mark.parametrize(
    ("fmt", "start"), [("mermaid", "flowchart"), ("dot", "digraph"), ("svg", "<svg")]
)
def test_graph_prints_text_of_the_dag(
    workdir: Path, pipeline: Pipeline, capsys, fmt: str, start: str
):
    assert main(["graph", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert out.lstrip().startswith(start)
    missing = [v.name for v in computed_nodes(pipeline) if v.name not in out]
    assert not missing, f"the {fmt} text does not name {missing}"


def test_runs_lists_and_shows_runs(workdir: Path, capsys):
    assert main(["run", "--run-id", "listed"]) == 0
    capsys.readouterr()
    assert main(["runs"]) == 0
    assert "listed" in capsys.readouterr().out
    assert main(["runs", "listed"]) == 0
    assert "completed" in capsys.readouterr().out


def test_a_run_writes_its_report_and_report_writes_it_again(
    workdir: Path, pipeline: Pipeline, capsys
):
    assert main(["run", "--run-id", "shown"]) == 0
    page = workdir / "artifacts" / "shown" / "report.html"
    assert f"Report: {page}" in capsys.readouterr().out
    text = page.read_text(encoding="utf-8")
    missing = [v.name for v in computed_nodes(pipeline) if f'data-node="{v.name}"' not in text]
    assert not missing, f"the report's dataflow does not show {missing}"
    assert "<script" not in text and "<link" not in text  # one file: opens offline
    page.unlink()
    assert main(["report"]) == 0  # the newest run
    assert page.is_file() and (workdir / "artifacts" / "index.html").is_file()


def test_python_dash_m_runs_the_same_command_line(workdir: Path, plan: GroupPlan):
    result = subprocess.run(
        [sys.executable, "-m", PACKAGE, "list"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert all(name in result.stdout for name in plan.outputs), result.stdout
