"""The orchestrator answer: each project gets its own wrapper, its own pins, and a green suite.

The fast checks render every variant. The slow ones build the Airflow and the Prefect variant each
in its own virtual environment (the two cannot share one), run the project's ruff and pytest (the
real orchestrator, in-process), then switch pipeline.toml's grouping and run the tests that prove
the tasks follow it with no code change.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import dagwire_hooks as hooks
import pytest
import yaml
from template_support import (
    PROJECT_TIMINGS,
    ROOT,
    Generate,
    commit_all,
    git,
    project_env,
    real_python,
    run,
)

ORCHESTRATORS = ("plain", "airflow", "prefect")
PINS = {
    "plain": set(),
    "airflow": {"apache-airflow==3.3.2"},
    "prefect": {"prefect==3.9.1"},
}
# Words that give another orchestrator away; the vendored engine is checked separately (its
# docstrings name both, and it ships whole except for the wrapper modules).
NAMES = {"airflow": re.compile("airflow", re.I), "prefect": re.compile("prefect", re.I)}


def text_files(project: Path) -> dict[str, str]:
    engine = "src/my_pipeline/dagwire/"
    return {
        path.relative_to(project).as_posix(): path.read_text(encoding="utf-8")
        for path in project.rglob("*")
        if path.is_file() and not path.relative_to(project).as_posix().startswith(engine)
    }


def test_copier_offers_exactly_the_orchestrators_the_hooks_know():
    question = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))["orchestrator"]
    assert tuple(question["choices"].values()) == hooks.CHOICES["orchestrator"] == ORCHESTRATORS
    assert set(hooks.ORCHESTRATOR_PATHS) == set(ORCHESTRATORS) - {"plain"}


@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
def test_a_project_gets_its_wrapper_and_nothing_of_the_others(
    projects: dict[str, Path], orchestrator: str
):
    project = projects[orchestrator]
    answers = hooks.with_defaults({"orchestrator": orchestrator})
    left_out = hooks.excluded_paths(answers)
    for path in left_out:
        assert not (project / path).exists(), f"{path} should have been left out"
    own = [*hooks.ORCHESTRATOR_PATHS.get(orchestrator, ())]
    if orchestrator != "plain":
        own += hooks.WRAPPER_PATHS
    for path in own:
        assert (project / path.format(package="my_pipeline")).exists(), path
    for other, pattern in NAMES.items():
        if other != orchestrator:
            mentions = [f for f, text in text_files(project).items() if pattern.search(text)]
            assert mentions == [], f"{orchestrator} project mentions {other} in {mentions}"


@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
def test_a_project_depends_on_its_orchestrator_only(projects: dict[str, Path], orchestrator: str):
    """Pins live in their own group, which `uv sync` installs; the package never depends on them."""
    pyproject = tomllib.loads((projects[orchestrator] / "pyproject.toml").read_text("utf-8"))
    assert set(pyproject["dependency-groups"]["orchestrator"]) == PINS[orchestrator]
    assert "orchestrator" in pyproject["tool"]["uv"]["default-groups"]
    dependencies = pyproject["project"]["dependencies"]
    assert not [d for d in dependencies if re.match("(apache-airflow|prefect|fastapi)", d)]


def test_the_airflow_dag_file_is_cheap_and_names_the_package(projects: dict[str, Path]):
    dag_file = projects["airflow"] / "dags" / "my_pipeline_dag.py"
    code = dag_file.read_text(encoding="utf-8")
    assert 'pipeline_dag("my_pipeline")' in code
    imports = [line for line in code.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from my_pipeline.dagwire.orchestrators.airflow import ("]


def test_the_shipped_lock_describes_the_shipped_pipeline(projects: dict[str, Path]):
    """The example's lock is committed by the template; every node of pipeline.toml is in it."""
    package = projects["airflow"] / "src" / "my_pipeline"
    lock = yaml.safe_load((package / "pipeline.lock.json").read_text(encoding="utf-8"))
    definition = tomllib.loads((package / "pipeline.toml").read_text(encoding="utf-8"))
    assert lock["pipeline"] == definition["pipeline"]["name"]
    stages = definition["stages"].values()  # a list of outputs, or a table holding them
    listed = {n for s in stages for n in (s["outputs"] if isinstance(s, dict) else s)}
    assert listed | set(definition["pipeline"]["outputs"]) <= set(lock["nodes"])
    # each node's inputs are nodes or config keys: nothing the graph cannot get
    for node, inputs in lock["nodes"].items():
        assert set(inputs) <= set(lock["nodes"]) | set(definition["config"]), node
        assert re.search(rf"def {node}(__\w+)?\(", _transforms(package)), node


def _transforms(package: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in (package / "transforms").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("orchestrator", ["airflow", "prefect"])
def test_a_variant_passes_its_own_suite_with_the_real_orchestrator(
    generate_both: Generate, orchestrator: str
):
    """Made by cookiecutter, after checking that copier makes the same files: one run of the
    suite covers both tools."""
    python = real_python("3.11")
    if python is None:
        pytest.skip("no Python 3.11 interpreter found (pyenv, PATH or uv python find)")
    started = time.perf_counter()
    project = generate_both(orchestrator=orchestrator, project_name=f"{orchestrator} pipeline")
    generated = time.perf_counter()
    git(project, "init", "-q")
    commit_all(project, "generated")
    env = project_env(python)

    run(["uv", "sync", "--quiet"], project, env)
    run(["uv", "run", "ruff", "check", "."], project, env)
    run(["uv", "run", "ruff", "format", "--check", "."], project, env)
    # CI's lock check: only the Airflow DAG is cut from a lock; a Prefect project has none.
    checked = run(["uv", "run", f"{orchestrator}-pipeline", "lock", "--check"], project, env)
    expected = {"airflow": "pipeline.lock.json is up to date.", "prefect": "Nothing to check: "}
    assert expected[orchestrator] in checked, checked
    # The example's model_type picks the model; a value that picks none names the key, not [stages].
    command = ["uv", "run", f"{orchestrator}-pipeline", "run", "--set", "model_type=svm"]
    svm = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert svm.returncode == 1, svm.stdout + svm.stderr
    assert "No function defines 'model' with this config (model_type = 'svm')" in svm.stderr
    assert "Set model_type to 'logistic' or 'random_forest' in " in svm.stderr, svm.stderr
    tests_started = time.perf_counter()
    output = run(["uv", "run", "pytest", "-q", "-rA", "-p", "no:cacheprovider"], project, env)
    tests_done = time.perf_counter()
    summary = output.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed(, \d+ warnings?)? in .*", summary), summary
    test_file = {"airflow": "test_airflow_dag.py", "prefect": "test_prefect_flow.py"}
    assert f"PASSED tests/dagwire/{test_file[orchestrator]}::" in output, output
    # The suite wrote nothing into the project (Airflow's home, Prefect's database: temporary).
    assert git(project, "status", "--porcelain").split() == ["??", "uv.lock"]

    # One task per node instead of per stage: a change to pipeline.toml, none to the code.
    toml = project / "src" / f"{orchestrator}_pipeline" / "pipeline.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'grouping = "stages"' in text
    toml.write_text(text.replace('grouping = "stages"', 'grouping = "nodes"'), encoding="utf-8")
    selected = ["-k", "grouping_of_pipeline_toml"]
    output = run(["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", *selected], project, env)
    assert "1 passed" in output, output
    PROJECT_TIMINGS.append(
        (
            f"{orchestrator} (+ nodes grouping)",
            generated - started,
            tests_done - tests_started,
            time.perf_counter() - started,
        )
    )


@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
def test_the_longest_package_name_keeps_every_orchestrator_variant_lint_clean(
    generate: Generate, orchestrator: str
):
    """Import lines grow with the package name; the longest one allowed must still fit."""
    project = generate(orchestrator=orchestrator, package_name="p" * hooks.MAX_PACKAGE_NAME)
    ruff = Path(sys.executable).parent / "ruff"
    for check in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [str(ruff), *check, "."], cwd=project, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
