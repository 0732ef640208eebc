"""Fixtures for the template tests: an isolated git, the released template, generation."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import copier
import pytest
from deployments import DEPLOY_TIMINGS
from template_support import (
    HOOKS_DIR,
    PROJECT_TIMINGS,
    RELEASE_FILES,
    Generate,
    cookiecut_into,
    copy_release,
    make_template_repo,
    tree_differences,
)

sys.path.insert(0, str(HOOKS_DIR))  # the generation rules, importable as `dagwire_hooks`


@pytest.fixture(scope="session", autouse=True)
def _isolated_tools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A git identity for commits (copier makes some too) and no user config (signing, hooks);
    cookiecutter's replay files and clones go to a temporary folder, not the user's home."""
    home = tmp_path_factory.mktemp("tool-config")
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    (home / "cookiecutter.yaml").write_text(
        f"cookiecutters_dir: {home / 'cookiecutters'}\nreplay_dir: {home / 'replay'}\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        for role in ("AUTHOR", "COMMITTER"):
            mp.setenv(f"GIT_{role}_NAME", "Template Tests")
            mp.setenv(f"GIT_{role}_EMAIL", "template-tests@example.com")
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.setenv("COOKIECUTTER_CONFIG", str(home / "cookiecutter.yaml"))
        yield


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The working tree as released: a git repo tagged with the template's version."""
    return make_template_repo(tmp_path_factory.mktemp("template") / "dagwire-template")


@pytest.fixture(scope="session")
def template_plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as a plain folder (no git): the fastest source for answer-only checks."""
    names = tuple(n for n in RELEASE_FILES if n != "README.md")
    return copy_release(tmp_path_factory.mktemp("template-plain") / "dagwire-template", names)


@pytest.fixture(scope="session")
def generate(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Generate:
    """``generate(**answers)``: a freshly generated project, defaults for unset answers."""

    def _generate(**answers: str) -> Path:
        dest = tmp_path_factory.mktemp("project") / "generated"
        copier.run_copy(
            str(template_repo), dest, data=answers, defaults=True, unsafe=False, quiet=True
        )
        return dest

    return _generate


@pytest.fixture(scope="session")
def cookiecut(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Generate:
    """``cookiecut(**answers)``: the project cookiecutter makes from the same release (its
    ``--directory template``), with the same defaults for unset answers."""

    def _cookiecut(**answers: str) -> Path:
        return cookiecut_into(tmp_path_factory.mktemp("cookiecutter"), template_repo, answers)

    return _cookiecut


@pytest.fixture(scope="session")
def generate_both(generate: Generate, cookiecut: Generate) -> Generate:
    """``generate_both(**answers)``: the cookiecutter-made project, after checking that copier
    makes the same files, byte for byte and mode for mode (its answers file aside)."""

    def _generate_both(**answers: str) -> Path:
        by_copier, by_cookiecutter = generate(**answers), cookiecut(**answers)
        assert tree_differences(by_copier, by_cookiecutter, (".copier-answers.yml",)) == []
        return by_cookiecutter

    return _generate_both


@pytest.fixture(scope="session")
def default_project(generate: Generate) -> Path:
    return generate()


@pytest.fixture(scope="session")
def projects(generate: Generate) -> dict[str, Path]:
    """One project per orchestrator, every other answer the default; shared, so read only."""
    return {name: generate(orchestrator=name) for name in ("plain", "airflow", "prefect")}


def pytest_terminal_summary(terminalreporter) -> None:
    """Report what generating and testing a project costs (the numbers the README quotes)."""
    if PROJECT_TIMINGS:
        terminalreporter.section("generated projects (seconds)")
        terminalreporter.write_line(f"{'project':<42}{'generate':>9}{'tests':>8}{'total':>8}")
        for slug, generation, tests, total in PROJECT_TIMINGS:
            terminalreporter.write_line(f"{slug:<42}{generation:>9.2f}{tests:>8.2f}{total:>8.2f}")
    if DEPLOY_TIMINGS:
        terminalreporter.section("real schedulers (seconds)")
        for what, seconds in DEPLOY_TIMINGS:
            terminalreporter.write_line(f"{what:<66}{seconds:>8.2f}")
