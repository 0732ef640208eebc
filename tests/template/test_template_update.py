"""`copier update` across the template's real history, as teams take it.

From every earlier release (found in this repository's history) for every orchestrator: an
untouched project updates to HEAD and ends up as a fresh copy would be, its own files untouched;
a project with a team's edits updates with no conflict and loses none of them. At HEAD, switching
orchestrator with those edits leaves nothing of the old one. The slow tests then follow the
message copier prints after the update, command by command, ending with the project's own suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import dagwire_hooks as hooks
import ownership
import pytest
import yaml
from releases import (
    history_repo,
    release_commits,
    release_tags,
    releases,
    update_sources,
)
from template_support import ENGINE_DIR, ROOT, commit_all, git, project_env, real_python, run

ORCHESTRATORS = ("plain", "airflow", "prefect")
EARLIER = update_sources()
PACKAGE = "my_pipeline"
SLUG = "my-pipeline"
CONFLICT = re.compile(r"^(<<<<<<< |>>>>>>> )", re.M)
NOT_THE_PROJECT = {".git", ".venv", "artifacts", "__pycache__", ".pytest_cache", ".ruff_cache"}
# The orchestrator's name, wherever a template-owned or shared file would give it away.
NAMES = {"airflow": re.compile("airflow", re.I), "prefect": re.compile("prefect", re.I)}

# --- what a team does after generation --------------------------------------------------------
TEAM_FUNCTIONS = '''

def row_count(raw_data: pd.DataFrame) -> int:
    """How many rows arrived (added by the team)."""
    return len(raw_data)


def enough_rows(row_count: int, min_rows: int) -> bool:
    """Whether the batch is big enough to train on."""
    return row_count >= min_rows
'''
TEAM_FIXTURE = '''

@pytest.fixture
def team_threshold() -> int:
    """A fixture of the team's own."""
    return 100
'''
TEAM_TEST = f'''"""The team's own test, using its own fixture."""

import pandas as pd

from {PACKAGE}.transforms.prepare_data import enough_rows, row_count


def test_a_small_batch_is_not_enough(team_threshold: int):
    assert not enough_rows(row_count(pd.DataFrame({{"a": [1, 2]}})), team_threshold)
'''
TEAM_STAGE = 'checks = ["enough_rows"]'
TEAM_CONFIG = "min_rows = 100"
TEAM_README = "\nThe team's note: this pipeline runs nightly.\n"
TEAM_DEPENDENCY = "tqdm>=4.60"
# The one conflict the history holds, and why: 0.1.0 pinned the orchestrator last in
# `dependencies`, where `uv add` appends; 0.2.0 moved the pin to its own group (which is what
# keeps every later switch and update clean), so a 0.1.0 project that ran `uv add` gets one
# conflict in that list. CHANGELOG.md's 0.2.0 upgrade note says how to resolve it.
KNOWN_CONFLICTS = {
    ("0.1.0", "airflow"): ["pyproject.toml"],
    ("0.1.0", "prefect"): ["pyproject.toml"],
}
OLD_PINS = re.compile(r'\s*("(apache-airflow|prefect|fastapi)\b.*|#.*)')


def team_edits(project: Path, env: dict[str, str]) -> None:
    """New functions, stage and config key; a test and a fixture; a dependency; a README line."""
    package = project / "src" / PACKAGE
    with (package / "transforms" / "prepare_data.py").open("a", encoding="utf-8") as f:
        f.write(TEAM_FUNCTIONS)
    toml = package / "pipeline.toml"
    text = toml.read_text(encoding="utf-8")
    if 'evaluate = ["metrics"]\n' in text:  # stages written as lists (releases before 0.3)
        text = text.replace('evaluate = ["metrics"]\n', f'evaluate = ["metrics"]\n{TEAM_STAGE}\n')
    else:  # the last stage is a table: a new stage goes after it, as a table too
        name, _, outputs = TEAM_STAGE.partition(" = ")
        assert "\n[config]\n" in text
        text = text.replace("\n[config]\n", f"\n[stages.{name}]\noutputs = {outputs}\n\n[config]\n")
    text = text.replace("[config]\n", f"[config]\n{TEAM_CONFIG}\n")
    # deployed: runs go to a store shared with the scheduler's workers, outside the repository
    assert 'root = "artifacts"' in text
    text = text.replace('root = "artifacts"', f'root = "{shared_store(project)}"')
    toml.write_text(text, encoding="utf-8")
    conftest = project / "tests" / "conftest.py"
    existing = conftest.read_text(encoding="utf-8") if conftest.exists() else ""
    head = "" if "import pytest" in existing else "\nimport pytest\n"
    conftest.write_text(existing + head + TEAM_FIXTURE, encoding="utf-8")
    (project / "tests" / "test_team.py").write_text(TEAM_TEST, encoding="utf-8")
    with (project / "README.md").open("a", encoding="utf-8") as f:
        f.write(TEAM_README)
    run(["uv", "add", "--frozen", TEAM_DEPENDENCY], project, env)
    commit_all(project, "the team's work")


def shared_store(project: Path) -> Path:
    return project.parent / "shared-store"


def assert_team_edits_kept(project: Path) -> None:
    package = project / "src" / PACKAGE
    assert TEAM_FUNCTIONS in read(package / "transforms" / "prepare_data.py")
    toml = tomllib.loads(read(package / "pipeline.toml"))
    checks = toml["stages"]["checks"]
    assert checks in (["enough_rows"], {"outputs": ["enough_rows"]})
    assert toml["config"]["min_rows"] == 100
    assert TEAM_FIXTURE in read(project / "tests" / "conftest.py")
    assert read(project / "tests" / "test_team.py") == TEAM_TEST
    assert read(project / "README.md").endswith(TEAM_README)
    pyproject = tomllib.loads(read(project / "pyproject.toml"))
    assert TEAM_DEPENDENCY in pyproject["project"]["dependencies"]


# --- helpers ------------------------------------------------------------------------------------
def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def project_files(project: Path) -> dict[str, bytes]:
    found = {}
    for path in project.rglob("*"):
        relative = path.relative_to(project)
        if path.is_file() and not NOT_THE_PROJECT.intersection(relative.parts):
            found[relative.as_posix()] = path.read_bytes()
    return found


def copier(project: Path, *args: str) -> str:
    """The copier command line, as a team runs it; returns what it printed (the messages)."""
    result = subprocess.run(
        [sys.executable, "-m", "copier", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"copier {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def generate(template: Path, dest: Path, ref: str, orchestrator: str) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    copier(dest.parent, "copy", "--defaults", "--quiet", "--vcs-ref", ref,
           "--data", f"orchestrator={orchestrator}", str(template), dest.name)  # fmt: skip
    git(dest, "init", "-q")
    commit_all(dest, f"generated with orchestrator={orchestrator} from {ref}")
    return dest


def update(project: Path, **data: str) -> str:
    args = [arg for key, value in data.items() for arg in ("--data", f"{key}={value}")]
    return copier(project, "update", "--defaults", "--vcs-ref", "HEAD", *args)


def conflicts(project: Path) -> list[str]:
    """Files with conflict markers, unmerged in git's index, or left as .rej."""
    marked = {n for n, data in project_files(project).items() if CONFLICT.search(data.decode())}
    unmerged = {line[3:] for line in git(project, "status", "--porcelain").splitlines()
                if line[:2] in {"UU", "AA", "DU", "UD"}}  # fmt: skip
    rejected = {n for n in project_files(project) if n.endswith((".rej", ".orig"))}
    return sorted(marked | unmerged | rejected)


def resolve_as_the_upgrade_note_says(path: Path) -> None:
    """Keep the team's lines of each conflict, drop the old orchestrator pins and their comments."""
    text = re.sub(
        r"<<<<<<< before updating\n(.*?)=======\n(.*?)>>>>>>> after updating\n",
        lambda m: (
            "".join(
                line
                for line in m[1].splitlines(keepends=True)
                if not OLD_PINS.fullmatch(line.rstrip())
            )
            + m[2]
        ),
        read(path),
        flags=re.S,
    )
    path.write_text(text, encoding="utf-8")
    git(path.parent, "add", path.name)


def is_users(name: str) -> bool:
    return ownership.copier_leaves_alone(name, PACKAGE)


def followed_message(message: str, after: str = "Before you commit:") -> list[str]:
    """The commands a copier message tells the team to run, in order."""
    commands = []
    for line in message.split(after, 1)[1].splitlines():
        command = line.split("#", 1)[0].strip()
        if line.startswith("  ") and command:
            commands.append(command)
        elif line.strip() and not line.startswith(" "):
            break
    return commands


def run_the_message(project: Path, message: str, orchestrator: str) -> str:
    """Run each command the message names; the last is the project's own suite."""
    python = real_python("3.11")
    if python is None:
        pytest.skip("no Python 3.11 interpreter found (pyenv, PATH or uv python find)")
    env = project_env(python)
    commands = followed_message(message)
    assert commands[-1] == "uv run pytest", commands
    assert (f"uv run {SLUG} lock" in commands) == (orchestrator == "airflow"), commands
    output = ""
    for command in commands[:-1]:
        output = run(command, project, env)
    output = run(["uv", "run", "pytest", "-q", "-p", "no:cacheprovider", "-rA"], project, env)
    store = shared_store(project)
    assert not store.exists() or not any(store.iterdir()), "the tests wrote into the shared store"
    summary = re.search(r"^\d+ (passed|failed).*$", output, re.M)
    assert summary and re.fullmatch(r"\d+ passed(, \d+ warnings?)? in .*", summary[0]), output
    return output


# --- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return history_repo(tmp_path_factory.mktemp("history") / "dagwire")


@pytest.fixture(scope="module")
def fresh(history: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fresh copy of HEAD per orchestrator: what an updated project must look like."""
    base = tmp_path_factory.mktemp("fresh")
    return {o: generate(history, base / o / "project", "HEAD", o) for o in ORCHESTRATORS}


@dataclass
class Updated:
    before: dict[str, bytes]  # the project's files before the update
    project: Path
    message: str
    conflicted: list[str] | None = None  # files that conflicted, before they were resolved


@pytest.fixture(scope="module")
def untouched(history: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple, Updated]:
    base = tmp_path_factory.mktemp("untouched")
    updated = {}
    for release in EARLIER:
        for orchestrator in ORCHESTRATORS:
            project = generate(history, base / release / orchestrator, release, orchestrator)
            before = project_files(project)
            updated[release, orchestrator] = Updated(before, project, update(project))
    return updated


@pytest.fixture(scope="module")
def edited(history: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple, Updated]:
    env = project_env(real_python("3.11") or sys.executable)
    base = tmp_path_factory.mktemp("edited")
    updated = {}
    for release in EARLIER:
        for orchestrator in ORCHESTRATORS:
            project = generate(history, base / release / orchestrator, release, orchestrator)
            team_edits(project, env)
            case = Updated(project_files(project), project, update(project))
            case.conflicted = conflicts(project)
            if case.conflicted == KNOWN_CONFLICTS.get((release, orchestrator)):
                for name in case.conflicted:
                    resolve_as_the_upgrade_note_says(project / name)
            updated[release, orchestrator] = case
    return updated


# Each switch starts from the state the previous one left: plain -> airflow -> prefect -> airflow,
# and plain -> prefect.
SWITCHES = [
    ("plain", "airflow"),
    ("airflow", "prefect"),
    ("prefect", "airflow"),
    ("plain", "prefect"),
]
#: The switches whose project runs its whole suite (the slowest checks here): each orchestrator as
#: the new one once, from plain and from the other orchestrator. Every switch in SWITCHES is
#: checked file by file and by its message.
SUITE_SWITCHES = [("plain", "airflow"), ("airflow", "prefect")]


@pytest.fixture(scope="module")
def switched(history: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple, Updated]:
    env = project_env(real_python("3.11") or sys.executable)
    base = tmp_path_factory.mktemp("switched")
    chains: dict[str, Path] = {}
    updated = {}
    for step, (old, new) in enumerate(SWITCHES):
        chain = "a" if old != "plain" or new == "airflow" else "b"
        if old == "plain":
            project = generate(history, base / chain / "project", "HEAD", "plain")
            team_edits(project, env)
            chains[chain] = project
        project = chains[chain]
        before = project_files(project)
        message = update(project, orchestrator=new)
        updated[old, new] = Updated(before, project, message)
        pristine = base / f"step{step}-{old}-{new}"
        subprocess.run(["cp", "-a", str(project), str(pristine)], check=True)
        updated[old, new].project = pristine
        commit_all(project, f"switch to {new}")
    return updated


# --- releases -----------------------------------------------------------------------------------
def test_there_is_an_earlier_release_to_update_from():
    assert EARLIER, "no release found by tag or by a `Release X.Y.Z` commit subject"


def test_each_release_is_a_release_commit_with_a_changelog_entry():
    changelog = read(ROOT / "CHANGELOG.md")
    headings = re.findall(r"^## (\d+\.\d+\.\d+)", changelog, re.M)
    by_subject = release_commits()
    tags = release_tags()
    for version, commit in releases():
        assert by_subject.get(version) == commit, f"tag {version} is not on its Release commit"
        assert tags.get(version, commit) == commit
        assert not tags or version in tags, f"release {version} has no tag: git tag {version}"
        assert version in headings, f"CHANGELOG.md has no entry for {version}"
    version = tomllib.loads(read(ROOT / "pyproject.toml"))["project"]["version"]
    engine = re.search(r'__version__ = "(.*?)"', read(ENGINE_DIR / "__init__.py"))[1]
    assert version == engine == headings[0], "template, engine and changelog disagree"


def test_releases_are_found_in_a_clone_without_tags(tmp_path: Path):
    git(tmp_path, "clone", "--quiet", "--no-tags", "--no-hardlinks", str(ROOT), "bare")
    assert git(tmp_path / "bare", "tag", "--list").strip() == ""
    assert releases(tmp_path / "bare") == releases()


# --- an untouched project -------------------------------------------------------------------------
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
@pytest.mark.parametrize("release", EARLIER)
def test_an_untouched_project_updates_to_a_fresh_copy(
    untouched: dict, fresh: dict, release: str, orchestrator: str
):
    case = untouched[release, orchestrator]
    assert conflicts(case.project) == []
    after, expected = project_files(case.project), project_files(fresh[orchestrator])
    for name, data in expected.items():
        if name != ".copier-answers.yml" and not is_users(name):
            assert after.get(name) == data, f"template-owned {name} differs from a fresh copy"
    for name, data in case.before.items():
        if is_users(name):
            assert after.get(name) == data, f"the update changed or removed {name}, yours"
    stale = sorted(n for n in after if n not in expected and not is_users(n))
    assert stale == [], f"files of {release} the template no longer ships: {stale}"
    answers = yaml.safe_load(read(case.project / ".copier-answers.yml"))
    assert answers["orchestrator"] == orchestrator
    assert (
        answers["_commit"]
        == yaml.safe_load(read(fresh[orchestrator] / ".copier-answers.yml"))["_commit"]
    )


# --- a project with the team's edits ----------------------------------------------------------
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
@pytest.mark.parametrize("release", EARLIER)
def test_an_edited_project_updates_without_conflict_or_loss(
    edited: dict, release: str, orchestrator: str
):
    case = edited[release, orchestrator]
    assert case.conflicted == KNOWN_CONFLICTS.get((release, orchestrator), [])
    if case.conflicted:
        changelog = " ".join(read(ROOT / "CHANGELOG.md").split())
        assert all(f"conflict in `{name}`" in changelog for name in case.conflicted)
    assert conflicts(case.project) == []
    assert_team_edits_kept(case.project)
    after = project_files(case.project)
    for name, data in case.before.items():
        if is_users(name):
            assert after.get(name) == data, f"the update changed or removed {name}, yours"


@pytest.mark.slow
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
@pytest.mark.parametrize("release", EARLIER)
def test_an_edited_project_passes_its_own_suite_after_the_update(
    edited: dict, release: str, orchestrator: str
):
    case = edited[release, orchestrator]
    output = run_the_message(case.project, case.message, orchestrator)
    assert "PASSED tests/test_team.py::" in output and "PASSED tests/dagwire/" in output


# --- switching orchestrator at HEAD ------------------------------------------------------------
@pytest.mark.parametrize(("old", "new"), SWITCHES)
def test_switching_orchestrator_keeps_the_team_and_drops_the_old_one(
    switched: dict, fresh: dict, old: str, new: str
):
    case = switched[old, new]
    assert conflicts(case.project) == []
    assert_team_edits_kept(case.project)
    after = project_files(case.project)
    for path in hooks.excluded_paths(hooks.with_defaults({"orchestrator": new})):
        assert not (case.project / path).exists(), f"{path} of {old} is left after the switch"
    for name in after:
        if name.startswith(f"src/{PACKAGE}/dagwire/") or is_users(name):
            continue
        for other, pattern in NAMES.items():
            if other != new:
                assert not pattern.search(after[name].decode()), f"{name} still names {other}"
    expected = project_files(fresh[new])
    for name, data in expected.items():
        if name not in {".copier-answers.yml", "pyproject.toml"} and not is_users(name):
            assert after.get(name) == data, f"template-owned {name} differs from a fresh copy"
    pyproject = tomllib.loads(read(case.project / "pyproject.toml"))
    fresh_pyproject = tomllib.loads(read(fresh[new] / "pyproject.toml"))
    assert pyproject["dependency-groups"] == fresh_pyproject["dependency-groups"]


@pytest.mark.parametrize(("old", "new"), SWITCHES)
def test_the_message_after_a_switch_says_what_to_run(switched: dict, old: str, new: str):
    commands = followed_message(switched[old, new].message)
    assert commands[:2] == ["git status", "git diff"] and commands[-1] == "uv run pytest"
    assert (f"uv run {SLUG} lock" in commands) == (new == "airflow")


@pytest.mark.slow
@pytest.mark.parametrize(("old", "new"), SUITE_SWITCHES)
def test_a_switched_project_passes_its_own_suite(switched: dict, old: str, new: str):
    case = switched[old, new]
    output = run_the_message(case.project, case.message, new)
    assert "PASSED tests/test_team.py::" in output and "PASSED tests/dagwire/" in output


# --- the first day, and the first update ------------------------------------------------------
@pytest.mark.slow
def test_the_after_copy_steps_leave_a_repository_ready_to_update(history: Path, tmp_path: Path):
    """Following the message after `copier copy` word for word leaves a clean repository (uv.lock
    committed, runs ignored) that `copier update` accepts; the README's quickstart does the same
    from an absolute path, which copier records so that updates find the template again."""
    python = real_python("3.11")
    if python is None:
        pytest.skip("no Python 3.11 interpreter found (pyenv, PATH or uv python find)")
    env = project_env(python)
    message = copier(tmp_path, "copy", "--defaults", "--vcs-ref", "HEAD", str(history), "fresh")
    project = tmp_path / "fresh"
    commands = followed_message(message, after="Next:")
    assert commands[0] == "cd fresh", commands
    for command in commands[1:]:
        run(command, project, env)
    assert git(project, "status", "--porcelain") == "", "the first steps left the repository dirty"
    answers = yaml.safe_load(read(project / ".copier-answers.yml"))
    assert Path(answers["_src_path"]).is_absolute()
    update(project)
    assert git(project, "status", "--porcelain") == "", (
        "an update to the same release changed files"
    )


@pytest.mark.slow
def test_the_oldest_copier_allowed_updates_like_the_newest(untouched: dict, tmp_path: Path):
    """`_min_copier_version` is a promise: copier at that version takes the oldest release's
    untouched project to the same tree as today's copier."""
    minimum = yaml.safe_load(read(ROOT / "copier.yml"))["_min_copier_version"]
    oldest = untouched[EARLIER[0], "plain"]
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    for name, data in oldest.before.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_bytes(data)
    commit_all(project, f"generated from {EARLIER[0]}")
    env = project_env(real_python("3.11") or sys.executable)
    run(["uvx", "--from", f"copier=={minimum}", "copier", "update", "--defaults",
         "--vcs-ref", "HEAD"], project, env)  # fmt: skip
    assert conflicts(project) == []
    expected = project_files(oldest.project)
    assert project_files(project) == expected
