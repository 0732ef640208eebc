"""The plain runner CLI against a real package with a pipeline.toml, as a generated project has."""

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import dagwire
import pytest
from dagwire.runtime.cli import _size, _toml_value, main
from engine_support import write_package

ENGINE_PARENT = Path(dagwire.__file__).resolve().parents[1]

TOML = """
[pipeline]
name = "demo"
modules = ["transforms.prepare", "transforms.train"]
outputs = ["metrics"]

[stages]
prepare = ["X_train", "X_test"]
train = ["model"]
evaluate = ["metrics"]

[config]
n = 10
scale = 2.0
fail_in = ""
label = "demo"
"""

PREPARE = '''
def raw(n: int) -> list:
    """Every number below n."""
    return list(range(n))


def X_train(raw: list) -> list:
    """The first half."""
    return raw[: len(raw) // 2]


def X_test(raw: list) -> list:
    return raw[len(raw) // 2 :]
'''

TRAIN = '''
def model(X_train: list, scale: float, fail_in: str) -> float:
    """A very simple model.

    Second line of the docstring.
    """
    if fail_in == "model":
        raise ValueError("the model diverged")
    return sum(X_train) * scale


def metrics(model: float, X_test: list, fail_in: str, label: str) -> dict:
    if fail_in == "metrics":
        raise ZeroDivisionError("no test rows")
    return {"label": label, "score": model / len(X_test)}
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A throwaway package on sys.path; the working directory holds its artifacts."""
    (tmp_path / "src").mkdir()
    modules = {"prepare": PREPARE, "train": TRAIN}
    name = write_package(tmp_path / "src", TOML, modules, prefix="cli_pkg_")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAGWIRE_ARTIFACTS", raising=False)
    yield name
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]


def cli(capsys, package, *argv):
    code = main(list(argv), package=package)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_prints_a_summary_and_writes_artifacts(project, capsys, tmp_path):
    code, out, err = cli(capsys, project, "run", "--run-id", "first")
    assert (code, err) == (0, "")
    folder = tmp_path / "artifacts" / "first"
    assert f"Run first of demo: artifacts in {folder}" in out
    for stage in ("prepare", "train", "evaluate"):
        assert f"  {stage}: completed" in out
    assert "    raw " in out  # every node, with its status and time
    assert f"-> {folder / 'model.json'} (4 B)" in out
    assert "Outputs:\n  metrics = {'label': 'demo', 'score': 4.0}" in out
    assert "3 group(s) ran, 0 already complete" in out
    assert json.loads((folder / "metrics.json").read_text()) == {"label": "demo", "score": 4.0}
    assert json.loads((folder / "manifest.json").read_text())["status"] == "completed"


def test_set_values_are_parsed_as_toml_else_kept_as_text(project, capsys, tmp_path):
    code, out, _ = cli(
        capsys,
        project,
        "run",
        "--run-id",
        "r",
        "--set",
        "n=4",
        "--set",
        "scale=0.5",
        "--set",
        "label=hello world",
    )
    assert code == 0
    assert "metrics = {'label': 'hello world', 'score': 0.25}" in out
    manifest = json.loads((tmp_path / "artifacts" / "r" / "manifest.json").read_text())
    assert manifest["config"] == {"fail_in": "", "label": "hello world", "n": 4, "scale": 0.5}


def test_a_mistyped_set_key_is_warned_about(project, capsys):
    code, out, err = cli(capsys, project, "run", "--set", "scal=3", "--set", "n=4")
    assert code == 0
    assert "warning: --set scal: no config key, input or node of demo has this name. " in err
    assert "Did you mean 'scale'?" in err
    assert "--set n" not in err


def test_sizes_are_human_readable():
    assert [_size(n) for n in (None, 0, 999, 1000, 1_234_567, 10**15)] == [
        "? B",
        "0 B",
        "999 B",
        "1.0 kB",
        "1.2 MB",
        "1000.0 TB",
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("-1.5", -1.5),
        ("true", True),
        ("[1, 2]", [1, 2]),
        ('"quoted"', "quoted"),
        ("plain text", "plain text"),
        ("", ""),
        ("2026-01-01", datetime.date(2026, 1, 1)),
        ("{a = 1}", {"a": 1}),
        ("a=b", "a=b"),
    ],
)
def test_set_value_parsing(text, value):
    assert _toml_value(text) == value


def test_stage_and_outputs_select_what_runs(project, capsys, tmp_path):
    code, out, _ = cli(capsys, project, "run", "--stage", "train", "--run-id", "r")
    assert code == 0
    assert "prepare: completed" in out and "train: completed" in out and "evaluate" not in out
    assert "model = 20.0" in out
    code, out, _ = cli(capsys, project, "run", "--outputs", "X_test, X_train", "--run-id", "r")
    assert code == 0
    assert "prepare: skipped (already complete)" in out
    assert "X_test = [5, 6, 7, 8, 9]" in out and "X_train = [0, 1, 2, 3, 4]" in out
    assert "0 group(s) ran, 1 already complete" in out


def test_a_failing_node_exits_non_zero_with_a_clean_message_and_a_resume_hint(
    project, capsys, tmp_path
):
    code, out, err = cli(capsys, project, "run", "--run-id", "r", "--set", "fail_in=metrics")
    assert code == 1
    assert "error: ZeroDivisionError: no test rows" in err
    assert "node 'metrics' failed" in err
    assert "Traceback" not in err and "--traceback" in err
    assert "evaluate: failed" in out and "ZeroDivisionError: no test rows" in out
    assert "resume it with: run --run-id r --set fail_in=metrics" in out
    assert (tmp_path / "artifacts" / "r" / "model.json").exists()  # completed groups are kept


#: The example pipeline's choice of model (transforms/train_model.py): one config key, two variants.
MODEL_VARIANTS = """
from dagwire.function_modifiers import config


@config.when(model_type="logistic")
def model__logistic(X_train: list, scale: float) -> float:
    return sum(X_train) * scale


@config.when(model_type="random_forest")
def model__random_forest(X_train: list) -> float:
    return float(len(X_train))
"""


def test_a_config_value_that_chooses_no_variant_names_the_key_its_values_and_where_to_set_them(
    project, capsys, tmp_path
):
    package = tmp_path / "src" / project
    train = package / "transforms" / "train.py"
    _, tail = TRAIN.split("\n\ndef metrics")
    train.write_text(MODEL_VARIANTS + "\n\ndef metrics" + tail)
    toml = package / "pipeline.toml"
    toml.write_text(toml.read_text() + 'model_type = "logistic"  # or "random_forest"\n')
    assert cli(capsys, project, "run", "--set", "model_type=random_forest")[0] == 0

    code, out, err = cli(capsys, project, "run", "--run-id", "svm", "--set", "model_type=svm")
    assert (code, out) == (1, "")
    assert err.startswith(
        f"error: {toml}: [stages] train lists 'model'. No function defines 'model' with this "
        "config (model_type = 'svm'); its variants are:\n"
        f"  model__logistic ({train}:5 in model__logistic()) when model_type == 'logistic'\n"
        f"  model__random_forest ({train}:10 in model__random_forest()) "
        "when model_type == 'random_forest'\n"
        "Set model_type to 'logistic' or 'random_forest' in "
        f"{toml}: [config], or for one run with --set model_type=VALUE.\n"
    )
    # listed by no stage, the variant is still needed by what reads it: refused before running
    toml.write_text(toml.read_text().replace('train = ["model"]\n', ""))
    code, out, err = cli(capsys, project, "run", "--run-id", "svm", "--set", "model_type=svm")
    assert (code, out) == (1, "")
    assert err.startswith("error: metrics reads 'model'. No function defines 'model' with this")
    assert "Set model_type to 'logistic' or 'random_forest' in " in err
    assert not (tmp_path / "artifacts" / "svm").exists()


def test_traceback_flag_shows_the_traceback(project, capsys):
    code, _, err = cli(capsys, project, "run", "--set", "fail_in=model", "--traceback")
    assert code == 1
    assert "Traceback (most recent call last)" in err and "ValueError: the model diverged" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--stage", "trian"], "error: No stage named 'trian'.*Did you mean 'train'"),
        (["run", "--outputs", "metric"], "error: Requested output 'metric'.*'metrics'"),
        (["runs", "nope"], "error: No run 'nope' under"),
    ],
)
def test_user_errors_are_one_clean_message(project, capsys, argv, message):
    code, out, err = cli(capsys, project, *argv)
    assert code == 1
    assert re.search(message, err, re.S)
    assert "Traceback" not in err and "--traceback" not in err  # nothing to debug in the engine
    assert "failed after" not in out  # nothing ran, so there is nothing to resume


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--set", "oops"], "expected KEY=VALUE, got 'oops'"),
        (["run", "--stage", "a", "--outputs", "b"], "not allowed with argument"),
        (["run", "--outputs", ","], "give at least one output name"),
        (["graph", "--format", "png"], "invalid choice: 'png'"),
        ([], "required: COMMAND"),
    ],
)
def test_bad_arguments_exit_with_usage(project, capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main(argv, package=project)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_broken_pipeline_toml_is_reported_not_raised(project, capsys, tmp_path):
    (tmp_path / "src" / project / "pipeline.toml").write_text("[pipeline]\ngrouping = 'x'\n")
    code, _, err = cli(capsys, project, "list")
    assert code == 1
    assert "pipeline.toml: [pipeline] modules is missing" in err


def test_list_shows_nodes_types_docs_groups_and_inputs(project, capsys):
    code, out, _ = cli(capsys, project, "list")
    assert code == 0
    assert "Nodes of demo (5):" in out
    assert "  raw: list  [prepare]\n      Every number below n." in out
    assert "  model: float  [train]\n      A very simple model.\n" in out
    assert "Second line" not in out
    assert "  metrics: dict  [evaluate]" in out
    assert "  n: int = 10 (config)" in out


def test_graph_prints_mermaid_or_dot(project, capsys):
    code, out, _ = cli(capsys, project, "graph")
    assert code == 0 and out.startswith("flowchart LR")
    assert "-->" in out
    code, out, _ = cli(capsys, project, "graph", "--format", "dot", "--set", "n=3")
    assert code == 0 and out.startswith("digraph")
    assert '"X_train" -> "model";' in out


def test_graph_draws_an_svg_with_the_stages_as_groups(project, capsys, tmp_path):
    import xml.etree.ElementTree as ET

    code, out, _ = cli(capsys, project, "graph", "--format", "svg")
    assert code == 0 and out.startswith("<svg")
    root = ET.fromstring(out)
    group_of = {g.get("data-node"): g.get("data-group") for g in root.iter() if g.get("data-node")}
    assert group_of == {
        "raw": "prepare",
        "X_train": "prepare",
        "X_test": "prepare",
        "model": "train",
        "metrics": "evaluate",
        "n": None,
        "scale": None,
        "fail_in": None,
        "label": None,
    }
    assert root.find("{http://www.w3.org/2000/svg}title").text == "demo"
    code, out, _ = cli(capsys, project, "graph", "--format", "svg", "--output", "pictures.svg")
    assert code == 0 and out == "Wrote the graph (svg) to pictures.svg\n"
    assert (
        ET.parse(tmp_path / "pictures.svg").getroot().find(".//*[@data-node='model']") is not None
    )


def test_runs_lists_runs_and_shows_one(project, capsys):
    assert cli(capsys, project, "runs")[1].startswith("No runs under ")
    cli(capsys, project, "run", "--run-id", "manual__2026-01-01T00:00:00+00:00")
    cli(capsys, project, "run", "--run-id", "second", "--set", "fail_in=model")
    code, out, _ = cli(capsys, project, "runs")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("manual__2026-01-01T00:00:00+00:00  completed")
    assert lines[1].startswith("second") and "failed" in lines[1]
    code, out, _ = cli(capsys, project, "runs", "second")
    assert code == 0
    assert "Run second of demo: failed" in out
    assert "train: failed" in out and "ValueError: the model diverged" in out
    assert "evaluate: not run" in out
    code, out, _ = cli(capsys, project, "runs", "second", "--json")
    assert json.loads(out)["groups"]["train"]["error"]["message"] == "the model diverged"


def test_runs_shows_when_the_run_was_last_written_not_when_it_is_read(
    project, capsys, tmp_path, monkeypatch
):
    from dagwire.runtime import runs

    cli(capsys, project, "run", "--run-id", "done")
    records = tmp_path / "artifacts" / "done" / "groups"
    finished = max(json.loads(p.read_text())["finished_at"] for p in records.glob("*.json"))
    an_hour_later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    monkeypatch.setattr(runs, "_now", lambda: an_hour_later.isoformat(timespec="milliseconds"))
    code, out, _ = cli(capsys, project, "runs", "done")
    assert code == 0
    assert f", updated {finished}\n" in out
    assert json.loads(cli(capsys, project, "runs", "done", "--json")[1])["updated_at"] == finished


def test_artifact_root_from_option_and_environment(project, capsys, tmp_path, monkeypatch):
    assert cli(capsys, project, "run", "--run-id", "a", "--artifacts", "elsewhere")[0] == 0
    assert (tmp_path / "elsewhere" / "a" / "manifest.json").exists()
    monkeypatch.setenv("DAGWIRE_ARTIFACTS", str(tmp_path / "from-env"))
    assert cli(capsys, project, "run", "--run-id", "b")[0] == 0
    assert (tmp_path / "from-env" / "b" / "manifest.json").exists()
    assert "b  completed" in cli(capsys, project, "runs")[1]
    assert "a  completed" in cli(capsys, project, "runs", "--artifacts", "elsewhere")[1]
    assert not (tmp_path / "artifacts").exists()


def test_a_real_process_exits_with_the_code(project, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ENGINE_PARENT), str(tmp_path / "src")])}
    code = f"import sys; from dagwire.runtime.cli import main; sys.exit(main(package={project!r}))"
    ok = subprocess.run(
        [sys.executable, "-c", code, "run", "--run-id", "p"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    failed = subprocess.run(
        [sys.executable, "-c", code, "run", "--set", "fail_in=model"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: ValueError: the model diverged")


def test_output_into_a_closed_pipe_ends_quietly(project, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ENGINE_PARENT), str(tmp_path / "src")])}
    code = f"import sys; from dagwire.runtime.cli import main; sys.exit(main(package={project!r}))"
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already exited: every write fails
    try:
        closed = subprocess.run(
            [sys.executable, "-c", code, "list"],
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
    finally:
        os.close(write_end)
    assert closed.returncode == 141
    assert closed.stderr == ""


BIG = """
class Model:
    def __init__(self):
        self.weights = [1, 2, 3]

    def __setstate__(self, state):
        raise RuntimeError("the CLI loaded the model back")


def fitted(n: int) -> Model:
    return Model()


def big(n: int) -> list:
    return list(range(n))
"""


def test_run_shows_small_json_outputs_and_only_points_at_the_others(project, capsys, tmp_path):
    package = tmp_path / "src" / project
    (package / "transforms" / "big.py").write_text(BIG)
    toml = (package / "pipeline.toml").read_text()
    (package / "pipeline.toml").write_text(
        toml.replace('"transforms.train"]', '"transforms.train", "transforms.big"]')
    )
    argv = ["run", "--run-id", "r", "--outputs", "fitted,big,model", "--set", "n=20000"]
    code, out, err = cli(capsys, project, *argv)
    assert (code, err) == (0, "")
    folder = tmp_path / "artifacts" / "r"
    size = (folder / "big.json").stat().st_size
    assert size > 64 * 1024
    assert f"  big -> {folder / 'big.json'} ({_size(size)})" in out  # too big to show
    (pickled,) = folder.glob("fitted.*")
    assert f"  fitted -> {pickled} ({_size(pickled.stat().st_size)})" in out  # never loaded
    model = folder / "model.json"
    assert f"  model = 99990000.0  -> {model} ({_size(model.stat().st_size)})" in out  # small
    assert "X_test" not in out.split("Outputs:")[1]


def test_run_builds_the_graph_once(project, capsys, monkeypatch):
    from dagwire.runtime.pipeline import Pipeline

    builds = []
    real = Pipeline.driver

    def counting(self, *args, **kwargs):
        builds.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "driver", counting)
    code, out, _ = cli(capsys, project, "run", "--run-id", "r", "--set", "scale=3.0")
    assert code == 0 and "3 group(s) ran" in out and len(builds) == 1
    builds.clear()
    code, out, _ = cli(capsys, project, "run", "--run-id", "r", "--set", "scale=3.0")
    assert code == 0 and "0 group(s) ran, 3 already complete" in out and len(builds) == 1
