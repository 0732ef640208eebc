# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
"""The command line, end to end, in a temporary folder.

Template-owned: `copier update` keeps this file in step with the runner in ``dagwire/cli.py``.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.cli import main

PACKAGE = "{{ cookiecutter.package_name }}"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs write ./artifacts; keep them out of the repository."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAGWIRE_ARTIFACTS", raising=False)
    return tmp_path


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def test_run_writes_stage_artifacts_and_a_manifest(workdir: Path, capsys):
    assert main(["run", "--run-id", "first"]) == 0
    run_dir = workdir / "artifacts" / "first"
    run = manifest(run_dir)
    assert run["run_id"] == "first"
    assert run["status"] == "completed"
    assert run["config"]["model_type"] == "logistic"
    persisted = set()
    for stage in ("prepare", "train", "evaluate"):
        record = run["groups"][stage]
        assert record["status"] == "completed"
        assert all(node["status"] == "completed" for node in record["nodes"].values())
        for name, ref in record["artifacts"].items():
            assert Path(ref["uri"]).is_file(), f"{name}: {ref['uri']} is missing"
            persisted.add(name)
    assert persisted == {"X_train", "X_test", "y_train", "y_test", "model", "metrics"}
    stems = {path.stem for path in run_dir.iterdir() if path.is_file()}
    assert stems == persisted | {"manifest"}, "a temporary or stray file was left behind"
    assert "metrics" in capsys.readouterr().out


def test_run_one_stage_with_config_overrides(workdir: Path):
    argv = ["run", "--stage", "train", "--run-id", "rf", "--set", "model_type=random_forest"]
    assert main(argv) == 0
    run = manifest(workdir / "artifacts" / "rf")
    assert run["config"]["model_type"] == "random_forest"
    assert run["groups"]["train"]["status"] == "completed"
    assert "evaluate" not in run["groups"]
    assert not list((workdir / "artifacts" / "rf").glob("metrics.*"))


def test_a_run_continues_from_its_own_artifacts(workdir: Path):
    assert main(["run", "--run-id", "resumed", "--stage", "train"]) == 0
    trained = manifest(workdir / "artifacts" / "resumed")["groups"]["train"]
    assert main(["run", "--run-id", "resumed", "--stage", "evaluate"]) == 0
    run = manifest(workdir / "artifacts" / "resumed")
    assert run["groups"]["train"] == trained, "a complete stage must not run again"
    assert run["groups"]["evaluate"]["status"] == "completed"


def test_run_selected_outputs_into_another_artifact_root(workdir: Path):
    root = workdir / "elsewhere"
    assert main(["run", "--outputs", "accuracy", "--run-id", "acc", "--artifacts", str(root)]) == 0
    assert manifest(root / "acc")["status"] == "completed"
    assert not (workdir / "artifacts").exists()


def test_unknown_output_is_refused_with_a_suggestion(workdir: Path, capsys):
    assert main(["run", "--outputs", "acuracy"]) == 1
    assert "accuracy" in capsys.readouterr().err


def test_list_shows_nodes_with_types_and_docs(workdir: Path, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "accuracy: float" in out
    assert "Share of test rows labelled correctly." in out


@pytest.mark.parametrize(("fmt", "start"), [("mermaid", "flowchart"), ("dot", "digraph")])
def test_graph_prints_text_of_the_dag(workdir: Path, capsys, fmt: str, start: str):
    assert main(["graph", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert out.lstrip().startswith(start)
    assert "X_train" in out and "metrics" in out


def test_runs_lists_and_shows_runs(workdir: Path, capsys):
    assert main(["run", "--run-id", "listed"]) == 0
    capsys.readouterr()
    assert main(["runs"]) == 0
    assert "listed" in capsys.readouterr().out
    assert main(["runs", "listed"]) == 0
    assert "completed" in capsys.readouterr().out


def test_python_dash_m_runs_the_same_command_line(workdir: Path):
    result = subprocess.run(
        [sys.executable, "-m", PACKAGE, "list"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "metrics" in result.stdout
