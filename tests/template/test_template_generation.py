"""What `copier copy` writes, for each answer that changes the output (no project is run here)."""

from __future__ import annotations

import filecmp
import subprocess
import sys
import tomllib
from pathlib import Path

import dagwire_hooks as hooks
import ownership
import pathspec
import pytest
import yaml
from template_support import ENGINE_DIR, JUNK, ROOT, TEMPLATE_DIR, Generate, template_version

COPIER_YML = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
JINJA_MARKERS = ("{{", "{%", "{#")

DEFAULT_FILES = {
    ".copier-answers.yml",
    ".github/workflows/ci.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "LICENSE",
    "README.md",
    "docs/dagwire.md",
    "pyproject.toml",
    "src/my_pipeline/__init__.py",
    "src/my_pipeline/__main__.py",
    "src/my_pipeline/cli.py",
    "src/my_pipeline/pipeline.toml",
    "src/my_pipeline/transforms/__init__.py",
    "src/my_pipeline/transforms/evaluate_model.py",
    "src/my_pipeline/transforms/prepare_data.py",
    "src/my_pipeline/transforms/train_model.py",
    "tests/conftest.py",
    "tests/dagwire/conftest.py",
    "tests/dagwire/test_command_line.py",
    "tests/dagwire/test_pipeline_definition.py",
    "tests/test_evaluate_model.py",
    "tests/test_pipeline.py",
    "tests/test_prepare_data.py",
    "tests/test_train_model.py",
}
USER_OWNED = {
    "LICENSE",
    "README.md",
    "src/my_pipeline/__init__.py",
    "src/my_pipeline/pipeline.toml",
    "src/my_pipeline/transforms/__init__.py",
    "src/my_pipeline/transforms/evaluate_model.py",
    "src/my_pipeline/transforms/prepare_data.py",
    "src/my_pipeline/transforms/train_model.py",
    "tests/conftest.py",
    "tests/test_evaluate_model.py",
    "tests/test_pipeline.py",
    "tests/test_prepare_data.py",
    "tests/test_train_model.py",
}


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def engine_files(root: Path) -> set[str]:
    junk = pathspec.GitIgnoreSpec.from_lines(JUNK)
    return {f for f in files(root) if not junk.match_file(f)}


def toml(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_default_project_has_exactly_the_expected_files(default_project: Path):
    """test_layout_reference.py checks that docs/reference/generated-layout.md lists them all."""
    generated = files(default_project)
    engine = {f for f in generated if f.startswith("src/my_pipeline/dagwire/")}
    assert generated - engine == DEFAULT_FILES


def test_no_template_syntax_is_left_in_any_generated_file(default_project: Path):
    for path in sorted(default_project.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not any(m in text for m in JINJA_MARKERS), f"unrendered Jinja in {path}"


def test_engine_source_has_no_jinja_markers():
    """Every template file is rendered; engine code with a marker would be silently changed."""
    sources = sorted(ENGINE_DIR.rglob("*.py"))
    assert sources, f"no engine found in {ENGINE_DIR}"
    for path in sources:
        text = path.read_text(encoding="utf-8")
        found = [m for m in JINJA_MARKERS if m in text]
        assert not found, f"{path.relative_to(ROOT)} contains {found}; spell it differently"


def test_generated_engine_is_byte_identical_to_the_template_engine(
    default_project: Path, template_repo: Path
):
    """Rendering must not change one byte (newlines, trailing whitespace) of the released engine.

    Only the parts an answer leaves out (e.g. another orchestrator's wrapper) may be missing.
    """
    source = template_repo / ENGINE_DIR.relative_to(ROOT)
    generated = default_project / "src" / "my_pipeline" / "dagwire"
    left_out = hooks.excluded_paths(hooks.with_defaults({}))
    expected = {
        f
        for f in engine_files(source)
        if not any(f"src/my_pipeline/dagwire/{f}".startswith(f"{p}/") for p in left_out)
    }
    assert expected and files(generated) == expected
    _, mismatch, errors = filecmp.cmpfiles(source, generated, sorted(expected), shallow=False)
    assert mismatch == errors == []


def test_answers_file_records_the_answers_and_the_release(default_project: Path):
    answers = yaml.safe_load((default_project / ".copier-answers.yml").read_text("utf-8"))
    assert answers["_commit"] == template_version()
    assert answers["_src_path"]
    assert {k: v for k, v in answers.items() if not k.startswith("_")} == hooks.with_defaults({})
    # computed values are derived again on every render, never stored
    assert "cookiecutter" not in answers and "stdlib_module_names" not in answers


def test_pyproject_wires_the_package_script_and_tools(default_project: Path):
    pyproject = toml(default_project / "pyproject.toml")
    project = pyproject["project"]
    assert project["name"] == "my-pipeline"
    assert project["requires-python"] == ">=3.11"
    assert project["scripts"] == {"my-pipeline": "my_pipeline.cli:main"}
    assert project["license"] == "MIT"
    assert project["authors"] == [{"name": "Your Name", "email": "you@example.com"}]
    requirements = {d.split(">")[0] for d in project["dependencies"]}
    assert requirements == {"pandas", "scikit-learn", "pyarrow"}  # the engine itself needs none
    assert {"pytest", "ruff"} <= {d.split(">")[0] for d in pyproject["dependency-groups"]["dev"]}
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["src/my_pipeline"]
    assert pyproject["tool"]["ruff"]["target-version"] == "py311"


def test_pipeline_toml_lists_modules_that_exist(default_project: Path):
    package = default_project / "src" / "my_pipeline"
    pipeline = toml(package / "pipeline.toml")
    for module in pipeline["pipeline"]["modules"]:
        assert (package / (module.replace(".", "/") + ".py")).is_file(), module
    assert list(pipeline["stages"]) == ["prepare", "train", "evaluate"]
    assert pipeline["pipeline"]["outputs"] == ["metrics"]
    assert pipeline["config"]["model_type"] == "logistic"


@pytest.mark.parametrize(
    ("licence", "first_line"),
    [
        ("MIT", "MIT License"),
        ("Apache-2.0", "Apache License"),
        ("BSD-3-Clause", "BSD 3-Clause License"),
        ("proprietary", None),
    ],
)
def test_each_licence(generate: Generate, licence: str, first_line: str | None):
    project = generate(license=licence, author_name="Ada Lovelace")
    pyproject = toml(project / "pyproject.toml")["project"]
    if first_line is None:
        assert not (project / "LICENSE").exists()
        assert pyproject["license"] == "LicenseRef-Proprietary"
        assert "Private :: Do Not Upload" in pyproject["classifiers"]
        return
    text = (project / "LICENSE").read_text(encoding="utf-8")
    assert text.strip().splitlines()[0].strip() == first_line
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert pyproject["license"] == licence
    if licence != "Apache-2.0":  # Apache's text carries no copyright line
        assert "Ada Lovelace" in text


@pytest.mark.parametrize("ci", ["github", "none"])
def test_ci_workflow_only_when_chosen_and_least_privilege(generate: Generate, ci: str):
    project = generate(ci=ci, python_version="3.12")
    workflow = project / ".github" / "workflows" / "ci.yml"
    assert workflow.exists() == (ci == "github")
    assert (project / ".github").exists() == (ci == "github")
    if ci == "none":
        return
    ci_yml = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    assert ci_yml["permissions"] == {"contents": "read"}
    steps = ci_yml["jobs"]["test"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("astral-sh/setup-uv"))
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["persist-credentials"] is False  # no token left in .git/config
    pyproject = toml(project / "pyproject.toml")
    # one minimum Python everywhere: CI, requires-python, ruff's target
    assert setup["with"]["python-version"] == "3.12"
    assert pyproject["project"]["requires-python"] == ">=3.12"
    assert pyproject["tool"]["ruff"]["target-version"] == "py312"
    commands = [s.get("run", "") for s in steps]
    assert "uv sync" in commands
    assert "uv run ruff check ." in commands
    assert "uv run pytest" in commands


@pytest.mark.parametrize(
    "answers", [{}, {"license": "proprietary", "ci": "none"}], ids=["defaults", "no-licence-no-ci"]
)
def test_excluded_paths_rule_matches_generation(generate: Generate, answers: dict[str, str]):
    project = generate(**answers)
    left_out = hooks.excluded_paths(hooks.with_defaults(answers))
    assert ("LICENSE" in left_out) == (answers.get("license") == "proprietary")
    assert (".github" in left_out) == (answers.get("ci") == "none")
    for path in left_out:
        assert not (project / path).exists(), f"{path} should have been left out"


def test_awkward_text_answers_stay_valid_toml_yaml_and_markdown(generate: Generate):
    answers = {
        "project_name": 'O\'Brien "Quoted" \\ Pipeline 📈',
        "description": "Reads \"raw\" data, 'cleans' it \\ scores it <fast> & well 📈",
        "author_name": 'José "JJ" O\'Brien',
        "author_email": "jose.obrien+data@example.co.uk",
    }
    project = generate(**answers)
    pyproject = toml(project / "pyproject.toml")["project"]
    assert pyproject["name"] == "o-brien-quoted-pipeline"
    assert pyproject["description"] == answers["description"]
    author = {"name": answers["author_name"], "email": answers["author_email"]}
    assert pyproject["authors"] == [author]
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert {k: recorded[k] for k in answers} == answers
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert f"\n# {answers['project_name']}\n" in readme
    assert answers["author_name"] in (project / "LICENSE").read_text(encoding="utf-8")
    assert (project / "src" / "o_brien_quoted_pipeline" / "cli.py").is_file()


def test_the_files_copier_leaves_to_the_team_are_exactly_the_user_owned_ones(
    default_project: Path,
):
    """copier.yml states ownership (starters, `_skip_if_exists`); this is the documented set."""
    owned = {f for f in files(default_project) if ownership.copier_leaves_alone(f, "my_pipeline")}
    assert owned == USER_OWNED
    template_files = {
        f.replace("{{cookiecutter.package_name}}", "my_pipeline") for f in files(TEMPLATE_DIR)
    }
    patterns = [*ownership.starter_patterns("my_pipeline"), *ownership.skip_patterns("my_pipeline")]
    for pattern in patterns:
        single = pathspec.GitIgnoreSpec.from_lines([pattern])
        assert any(single.match_file(f) for f in template_files), f"stale pattern {pattern}"
    layout = (ROOT / "docs" / "reference" / "generated-layout.md").read_text(encoding="utf-8")
    for pattern in ownership.starter_patterns("my_pipeline"):
        documented = pattern.replace("src/my_pipeline/", "src/<package>/")
        assert f"`{documented}" in layout or f"{Path(pattern).name}/`" in layout, pattern


@pytest.mark.parametrize("orchestrator", ["plain", "airflow", "prefect"])
def test_each_file_says_on_its_first_line_who_owns_it(projects: dict[str, Path], orchestrator: str):
    """The header and copier.yml agree: "Yours" exactly where copier never merges."""
    project = projects[orchestrator]
    for name in sorted(files(project)):
        if name.startswith("src/my_pipeline/dagwire/") or name in ownership.HEADERLESS:
            continue
        owner = ownership.stated_owner(project / name)
        assert owner is not None, f"{name} does not say who owns it on its first line"
        expected = "yours" if ownership.copier_leaves_alone(name, "my_pipeline") else owner
        assert owner == expected, f"{name} says {owner!r} but copier.yml treats it as {expected}"
        if name in ownership.SHARED:
            assert owner == "shared", name
        elif owner != "yours":
            assert owner == "template", name
    engine_doc = (project / "src/my_pipeline/dagwire/__init__.py").read_text(encoding="utf-8")
    assert "refreshed by ``copier update``; do not edit it in place" in engine_doc


def test_engine_passes_the_lint_rules_of_the_projects_it_ships_in(default_project: Path):
    """Projects exclude the vendored engine from their ruff run, so it is held to it here: the
    projects' lint rules, and ``ruff format`` (one formatter for every file, no hand layout)."""
    ruff = Path(sys.executable).parent / "ruff"
    settings = toml(default_project / "pyproject.toml")["tool"]["ruff"]
    common = [
        "--isolated",
        f"--line-length={settings['line-length']}",
        f"--target-version={settings['target-version']}",
    ]
    for command in (
        ["check", "--no-cache", *common, f"--select={','.join(settings['lint']['select'])}"],
        ["format", "--check", "--no-cache", *common],
    ):
        result = subprocess.run(
            [str(ruff) if ruff.exists() else "ruff", *command, str(ENGINE_DIR)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"ruff {command[0]}:\n{result.stdout}{result.stderr}"
