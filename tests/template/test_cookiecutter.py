"""The same template for cookiecutter and cruft: same questions, same files, same refusals.

template/cookiecutter.json asks copier.yml's questions; template/hooks/ holds cookiecutter's two
hooks, which are links to hooks/dagwire_hooks.py (the rules copier's validators are tested against).
These tests hold the three together: the questions are in step, both tools make the same files for
a matrix of answers, bad answers are refused with copier's words and nothing written, and a
cruft-made project takes a template change with `cruft update` while the team's edits stay.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import dagwire_hooks as hooks
import pytest
import yaml
from cookiecutter.environment import StrictEnvironment
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from hypothesis import given, settings
from hypothesis import strategies as st
from ownership import skip_patterns, starter_patterns
from template_support import (
    ROOT,
    Generate,
    commit_all,
    cookiecut_into,
    git,
    make_template_repo,
    template_version,
    tree_differences,
)
from test_template_answers import copier_error

COPIER_YML = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
COOKIECUTTER_JSON = json.loads((ROOT / "template" / "cookiecutter.json").read_text("utf-8"))
CRUFT = Path(sys.executable).parent / "cruft"
PACKAGE = "src/my_pipeline"

# Every orchestrator, every licence, CI on and off, every Python, and names that stress the slug
# and package derivation, quoting and escaping (TOML, YAML, Markdown, Python strings).
PARITY = [
    pytest.param({}, id="defaults-plain-mit-github"),
    pytest.param(
        {
            "project_name": "Données Ünïcode & Straße",
            "orchestrator": "airflow",
            "license": "Apache-2.0",
            "ci": "none",
            "python_version": "3.12",
        },
        id="accents-airflow-apache-no-ci",
    ),
    pytest.param(
        {
            "project_name": "ETL",
            "project_slug": "etl-2-go",
            "package_name": "etl2_v3__x_",
            "orchestrator": "prefect",
            "license": "BSD-3-Clause",
            "python_version": "3.13",
        },
        id="own-slug-and-package-prefect-bsd",
    ),
    pytest.param(
        {
            "project_name": 'O\'Brien "Quoted" \\ Pipeline 📈',
            "description": "Reads \"raw\" data, 'cleans' it \\ {scores} it <fast> 📈",
            "author_name": 'José "JJ" O\'Brien',
            "author_email": "first.last+tag@sub.example.co.uk",
            "package_name": "a" * hooks.MAX_PACKAGE_NAME,
            "license": "proprietary",
            "ci": "none",
        },
        id="quotes-emoji-longest-package-proprietary",
    ),
    pytest.param(
        {"project_name": "  Straße & Łódź: ETL!  ", "orchestrator": "airflow", "license": "MIT"},
        id="punctuation-airflow-mit-github",
    ),
    pytest.param(
        {"project_name": "2026 Ærø Pipeline", "project_slug": "aero-pipeline"}
        | {"orchestrator": "prefect", "license": "proprietary", "ci": "github"},
        id="digits-first-prefect-proprietary-github",
    ),
]


def test_cookiecutter_asks_copiers_questions_with_its_defaults_and_choices():
    asked = [q for q in COOKIECUTTER_JSON if not q.startswith("_")]
    assert tuple(asked) == hooks.QUESTIONS
    prompts = COOKIECUTTER_JSON["__prompts__"]
    assert tuple(prompts) == hooks.QUESTIONS
    for question in hooks.QUESTIONS:
        copier_question = COPIER_YML[question]
        offered = copier_question.get("choices")
        if offered is None:
            assert prompts[question] == copier_question["help"], question
            continue
        values = list(offered.values()) if isinstance(offered, dict) else offered
        # a cookiecutter choice's default is its first; copier's default must be that one
        assert COOKIECUTTER_JSON[question] == values, question
        assert values[0] == copier_question["default"], question
        if isinstance(offered, dict):  # labelled choices keep their labels
            labels = {value: label for label, value in offered.items()}
            expected = {"__prompt__": copier_question["help"], **labels}
            assert prompts[question] == expected, question
        else:
            assert prompts[question] == copier_question["help"], question
    for question, default in hooks.DEFAULTS.items():
        if question not in hooks.CHOICES:
            assert COOKIECUTTER_JSON[question] == default == COPIER_YML[question]["default"]
    slug_default = COOKIECUTTER_JSON["project_slug"]
    assert f"'{hooks.ACCENTED}', '{hooks.PLAIN}'" in slug_default


def test_both_tools_give_templates_the_same_variables():
    """copier's hidden `cookiecutter` mapping has exactly cookiecutter.json's variables, so a
    template file that renders with one renders with the other."""
    mapping = COPIER_YML["cookiecutter"]["default"]
    copier_names = re.findall(r"^(\w+):", mapping, re.M)
    assert copier_names == [name for name in COOKIECUTTER_JSON if name != "__prompts__"]
    used = set()
    for path in (ROOT / "template" / "{{cookiecutter.project_slug}}").rglob("*"):
        if path.is_file() and path.suffix not in {".pyc"}:
            text = path.read_text(encoding="utf-8") + path.as_posix()
            for expression in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text, re.S):
                used |= set(re.findall(r"\b(?:cookiecutter|c)\.(\w+)", expression))
    assert "__year" in used and used <= set(copier_names), used - set(copier_names)


def test_the_hooks_are_whole_files_that_hold_the_rules():
    """cookiecutter runs a rendered copy of each hook, and Backstage fetches only template/: the
    hooks are plain files that import nothing but the standard library, and the rules the tests
    hold against copier (hooks/dagwire_hooks.py) are loaded from them, not copied."""
    for module in (hooks.answer_rules, hooks.left_out):
        path = Path(module.__file__)
        assert path.parent == ROOT / "template" / "hooks" and not path.is_symlink()
        imported = re.findall(r"^(?:from|import) (\w+)", path.read_text("utf-8"), re.M)
        assert set(imported) <= set(sys.stdlib_module_names) | {"__future__"}, imported
    assert hooks.first_error is hooks.answer_rules.first_error
    assert hooks.excluded_paths is hooks.answer_rules.excluded_paths
    for shared in ("NOTE", "SET_ASIDE"):  # how the two hooks talk
        assert getattr(hooks.answer_rules, shared) == getattr(hooks.left_out, shared)


@pytest.mark.parametrize("hook", ["pre_gen_project.py", "post_gen_project.py"])
def test_a_hook_run_by_hand_says_what_it_is_for(hook: str):
    result = subprocess.run(
        [sys.executable, str(ROOT / "template" / "hooks" / hook)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "runs as a cookiecutter hook" in result.stderr


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=24))
def test_cookiecutters_slug_default_is_the_python_rule(name: str):
    """cookiecutter.json derives the slug in plain Jinja (no copier filters); it must agree
    with slugify, which copier's default is tested against."""
    environment = StrictEnvironment(context={"cookiecutter": {}})
    template = environment.from_string(COOKIECUTTER_JSON["project_slug"])
    assert template.render(cookiecutter={"project_name": name}) == hooks.slugify(name)


@pytest.mark.parametrize("answers", PARITY)
def test_cookiecutter_and_copier_make_the_same_project(
    generate: Generate, cookiecut: Generate, answers: dict[str, str]
):
    by_copier, by_cookiecutter = generate(**answers), cookiecut(**answers)
    differences = tree_differences(by_copier, by_cookiecutter, (".copier-answers.yml",))
    assert differences == [], "\n".join(differences)
    expected = hooks.with_defaults(answers)
    assert by_cookiecutter.name == expected["project_slug"]
    # what the answers left out is really gone (and what they chose is there)
    for path in hooks.excluded_paths(expected):
        assert not (by_cookiecutter / path).exists(), path
    assert (by_cookiecutter / "LICENSE").exists() == (expected["license"] != "proprietary")
    assert (by_cookiecutter / ".github").exists() == (expected["ci"] == "github")
    recorded = yaml.safe_load((by_copier / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert {q: recorded[q] for q in hooks.QUESTIONS} == expected


# (answers, the copier validator that refuses them)
REFUSED = [
    {"package_name": "json"},
    {"package_name": "class"},
    {"package_name": "airflow"},
    {"package_name": "My Pkg"},
    {"package_name": "a" * (hooks.MAX_PACKAGE_NAME + 1)},
    {"project_name": "数据管道"},
    {"project_name": "   "},
    {"project_slug": "x--y"},
    {"description": "two\nlines"},
    {"author_name": ""},
    {"author_email": "jane@example"},
]


@pytest.mark.parametrize("answers", REFUSED, ids=[repr(a)[:50] for a in REFUSED])
def test_cookiecutter_refuses_bad_answers_with_copiers_words_and_writes_nothing(
    template_plain: Path, template_repo: Path, tmp_path: Path, capfd, answers: dict[str, str]
):
    question, message = copier_error(template_plain, tmp_path / "copier", answers)
    assert (question, message) == hooks.first_error(hooks.with_defaults(answers))
    # Not made beforehand: a name with no Latin letter derives an empty slug, which makes the
    # output folder the project folder, and cookiecutter refuses an existing one before any hook.
    out = tmp_path / "out"
    with pytest.raises(FailedHookException):
        # kept on failure, so the test sees that the refusal came before any file was written
        cookiecut_into(out, template_repo, answers, keep_project_on_failure=True)
    assert f"dagwire: {message}" in capfd.readouterr().err
    assert [p for p in out.rglob("*") if not p.is_dir()] == []


@pytest.mark.parametrize(
    "answers",
    [
        {"license": "WTFPL"},
        {"orchestrator": "dagster"},
        {"ci": "gitlab"},
        {"python_version": "3.10"},
    ],
)
def test_cookiecutter_refuses_an_answer_it_does_not_offer(
    template_repo: Path, tmp_path: Path, answers: dict[str, str]
):
    ((question, value),) = answers.items()
    with pytest.raises(ValueError, match=f"{value} provided for choice variable {question}"):
        cookiecut_into(tmp_path, template_repo, answers)
    assert list(tmp_path.iterdir()) == []


def test_the_cookiecutter_command_line_works_as_the_docs_say(template_repo: Path, tmp_path: Path):
    """`cookiecutter <git URL> --directory template --checkout <release>`, as a user types it
    (a git clone: the hooks' links must survive it); a refusal is readable."""
    command = [str(Path(sys.executable).parent / "cookiecutter"), f"git+{template_repo.as_uri()}"]
    command += ["--directory", "template", "--checkout", template_version(), "--no-input"]
    command += ["--output-dir", str(tmp_path)]
    made = subprocess.run([*command, "orchestrator=prefect"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "my-pipeline" / PACKAGE / "prefect_flow.py").is_file()
    refused = subprocess.run(
        [*command, "project_name=Other", "package_name=pandas"], capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "dagwire: package_name 'pandas' would shadow 'pandas'" in refused.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["my-pipeline"]


def test_overwriting_an_existing_project_keeps_the_teams_files(template_repo: Path, tmp_path: Path):
    """`cookiecutter -f` into a project folder: what the answers leave out goes only if this
    render made it; the team's files in those places stay (copier --overwrite keeps them too)."""
    project = tmp_path / "my-pipeline"
    own = {"dags/team_dag.py": "team", ".github/dependabot.yml": "team", "LICENSE": "ours"}
    for relpath, text in own.items():
        (project / relpath).parent.mkdir(parents=True, exist_ok=True)
        (project / relpath).write_text(text, encoding="utf-8")
    answers = {"orchestrator": "prefect", "ci": "none", "license": "proprietary"}
    cookiecut_into(tmp_path, template_repo, answers, overwrite_if_exists=True)
    for relpath, text in own.items():
        assert (project / relpath).read_text(encoding="utf-8") == text, relpath
    assert sorted(p.name for p in (project / "dags").iterdir()) == ["team_dag.py"]
    assert sorted(p.name for p in (project / ".github").iterdir()) == ["dependabot.yml"]
    assert not (project / PACKAGE / "dagwire" / "orchestrators" / "airflow.py").exists()
    assert (project / PACKAGE / "prefect_flow.py").is_file()
    assert not list(project.glob(".dagwire-*")), "the hooks' note must not stay behind"
    # without -f, a fresh folder gets no note either (the parity tests compare whole trees)


def test_the_template_folder_alone_and_a_zip_archive_work(template_repo: Path, tmp_path: Path):
    """Backstage's fetch:cookiecutter fetches only template/; GitHub offers zip archives."""
    alone = tmp_path / "fetched" / "template"
    shutil.copytree(template_repo / "template", alone, symlinks=True)
    made = cookiecutter(str(alone), no_input=True, output_dir=str(tmp_path / "a"))
    archive = tmp_path / "dagwire.zip"
    # as GitHub makes them: everything inside one top-level folder
    git(
        template_repo,
        "archive",
        "--format=zip",
        "--prefix=dagwire-main/",
        "-o",
        str(archive),
        "HEAD",
    )
    cookiecutter(str(archive), directory="template", no_input=True, output_dir=str(tmp_path / "b"))
    differences = tree_differences(Path(made), tmp_path / "b" / "my-pipeline")
    assert differences == [], "\n".join(differences)
    assert not (Path(made) / "dags").exists() and (Path(made) / "LICENSE").is_file()


def cruft(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(CRUFT), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    if check and result.returncode:
        raise AssertionError(f"cruft {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result


def test_cruft_skips_exactly_the_files_copier_leaves_alone(default_project: Path):
    """[tool.cruft] skip in the generated pyproject.toml lists copier's starter files and its
    `_skip_if_exists` files, so `cruft update` never merges into what the team owns."""
    pyproject = tomllib.loads((default_project / "pyproject.toml").read_text(encoding="utf-8"))
    skipped = pyproject["tool"]["cruft"]["skip"]
    # LICENSE is left out on purpose: it follows the licence answer (cruft has no "create if
    # missing"), so switching to an open licence brings one
    left_alone = {*starter_patterns("my_pipeline"), *skip_patterns("my_pipeline")} - {"LICENSE"}
    assert sorted(skipped) == sorted(left_alone)


def test_cruft_create_update_and_check(tmp_path: Path):
    """A cruft project: created with the answers recorded in .cruft.json; a template release
    reaches it through `cruft update` (template-owned and shared files change, the team's edits
    and files stay); `cruft check` says when it is out of date."""
    template = make_template_repo(tmp_path / "dagwire-template")
    answers = {"project_name": "Churn Model", "orchestrator": "airflow", "license": "BSD-3-Clause"}
    cruft(tmp_path, "create", str(template), "--directory", "template", "--no-input",
          "--extra-context", json.dumps(answers))  # fmt: skip
    project = tmp_path / "churn-model"
    package = project / "src" / "churn_model"
    # compared with cookiecutter's render of this very template repository
    by_cookiecutter = cookiecut_into(tmp_path / "cookiecutter", template, answers)
    differences = tree_differences(by_cookiecutter, project, (".cruft.json",))
    assert differences == [], "\n".join(differences)
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert state["directory"] == "template"
    assert state["commit"] == git(template, "rev-parse", "HEAD").strip()
    recorded = state["context"]["cookiecutter"]
    assert {q: recorded[q] for q in hooks.QUESTIONS} == hooks.with_defaults(answers)

    git(project, "init", "-q")
    commit_all(project, "generated with cruft")
    assert "up to date" in cruft(project, "check").stdout
    # the team's day: its own code, its pipeline.toml, a dependency, a tool setting
    transform = package / "transforms" / "prepare_data.py"
    transform.write_text(transform.read_text(encoding="utf-8") + "\n# team edit\n", "utf-8")
    toml = package / "pipeline.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# team setting\n", "utf-8")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace('"pandas>=2.1",', '"pandas>=2.1",\n    "httpx>=0.27",'))
    commit_all(project, "team changes")

    # the next release changes a template-owned file, the shared pyproject.toml and a starter
    source = template / "template" / "{{cookiecutter.project_slug}}"
    guide = source / "docs" / "dagwire.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\nA new section.\n", "utf-8")
    shared = source / "pyproject.toml"
    shared.write_text(shared.read_text("utf-8").replace('"ruff>=0.6"', '"ruff>=0.7"'), "utf-8")
    starter = source / "src" / "{{cookiecutter.package_name}}" / "pipeline.toml"
    starter.write_text(starter.read_text(encoding="utf-8") + "\n# release default\n", "utf-8")
    commit_all(template, "next release")
    git(template, "tag", "99.0.0")

    stale = cruft(project, "check", check=False)
    assert stale.returncode == 1 and "out of date" in stale.stdout, stale.stdout + stale.stderr
    cruft(project, "update", "--skip-apply-ask", "--allow-untracked-files")
    assert (
        (project / "docs" / "dagwire.md").read_text(encoding="utf-8").endswith("A new section.\n")
    )
    merged = pyproject.read_text(encoding="utf-8")
    assert '"ruff>=0.7"' in merged and '"httpx>=0.27"' in merged and "<<<<<<<" not in merged
    assert transform.read_text(encoding="utf-8").endswith("# team edit\n")
    assert toml.read_text(encoding="utf-8").endswith("# team setting\n")  # no release default
    # the update rendered both releases through the hooks: nothing of another orchestrator came
    assert not (package / "prefect_flow.py").exists()
    assert (package / "pipeline.lock.json").exists()
    new_state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert new_state["commit"] == git(template, "rev-parse", "HEAD").strip()
    commit_all(project, "take the release")
    assert "up to date" in cruft(project, "check").stdout

    # switching orchestrator: the answer changes, the files follow, the team's edits stay
    switch = {"orchestrator": "prefect", "license": "proprietary"}
    cruft(project, "update", "-y", "--variables-to-update", json.dumps(switch))
    assert (package / "prefect_flow.py").is_file()
    assert (project / "tests" / "dagwire" / "test_prefect_flow.py").is_file()
    for gone in (
        "dags",
        "tests/dagwire/test_airflow_dag.py",
        f"{PACKAGE}/dagwire/orchestrators/airflow.py",
    ):
        assert not (project / gone.replace(PACKAGE, "src/churn_model")).exists(), gone
    switched = pyproject.read_text(encoding="utf-8")
    assert '"prefect==' in switched and "apache-airflow" not in switched
    assert 'license = "LicenseRef-Proprietary"' in switched
    assert not (project / "LICENSE").exists()  # follows the licence answer
    # the lock is the team's (rewritten by `lock`), so cruft leaves it: the docs say to delete it
    assert (package / "pipeline.lock.json").exists()
    assert '"httpx>=0.27"' in switched
    assert transform.read_text(encoding="utf-8").endswith("# team edit\n")
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert {q: state["context"]["cookiecutter"][q] for q in switch} == switch


def test_cruft_refuses_bad_answers_and_writes_nothing(template_repo: Path, tmp_path: Path):
    refused = cruft(
        tmp_path,
        "create",
        str(template_repo),
        "--directory",
        "template",
        "--no-input",
        "--extra-context",
        json.dumps({"author_email": "jane"}),
        check=False,
    )
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "dagwire: author_email 'jane' is not an email address like 'jane@example.com'" in output
    assert list(tmp_path.iterdir()) == []
