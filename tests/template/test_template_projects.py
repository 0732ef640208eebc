"""Generated projects pass their own checks: the user's four commands, for a matrix of answers.

Each case generates a project, commits it, and runs what its README promises: `ruff check`,
`uv run pytest` (unit tests, the whole pipeline, the CLI) and `uv run <slug> run`. The matrix is
lean on purpose: every answer value that changes the output appears at least once. One case is
made by cookiecutter, after checking that copier makes the same files (`generate_both`).
"""

from __future__ import annotations

import time

import dagwire_hooks as hooks
import pytest
from template_support import (
    PROJECT_TIMINGS,
    Generate,
    commit_all,
    git,
    project_env,
    real_python,
    run,
)

MATRIX = [
    pytest.param({}, "copier", id="defaults"),
    pytest.param(
        {
            "project_name": "Data Ünïcode Pipeline 2",
            "license": "Apache-2.0",
            "ci": "none",
            "python_version": "3.12",
        },
        "copier",
        id="unicode-name-apache-no-ci-py312",
    ),
    pytest.param(
        {
            "project_name": "ETL",
            "package_name": "etl2_v3__x_",
            "license": "BSD-3-Clause",
            "python_version": "3.13",
        },
        "copier",
        id="digits-underscores-bsd-py313",
    ),
    pytest.param(
        {
            "project_name": 'O\'Brien "Quoted" \\ Pipeline 📈',
            "description": "Reads \"raw\" data, 'cleans' it \\ scores it 📈",
            "author_name": 'José "JJ" O\'Brien',
            "package_name": "a" * 50,
            "license": "proprietary",
            "ci": "none",
        },
        "cookiecutter",
        id="quotes-emoji-longest-package-proprietary-by-cookiecutter",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("answers", "tool"), MATRIX)
def test_generated_project_passes_its_own_checks(
    generate: Generate, generate_both: Generate, answers: dict[str, str], tool: str
):
    version = answers.get("python_version", "3.11")
    python = real_python(version)
    if python is None:
        pytest.skip(f"no Python {version} interpreter found (pyenv, PATH or uv python find)")
    started = time.perf_counter()
    project = (generate_both if tool == "cookiecutter" else generate)(**answers)
    generated = time.perf_counter()
    git(project, "init", "-q")
    commit_all(project, "generated")
    env = project_env(python)
    slug = hooks.with_defaults(answers)["project_slug"]

    run(["uv", "sync", "--quiet"], project, env)
    run(["uv", "run", "ruff", "check", "."], project, env)
    # the user's code must already be formatted, or pre-commit rewrites it on the first commit
    run(["uv", "run", "ruff", "format", "--check", "."], project, env)
    tests_started = time.perf_counter()
    output = run(["uv", "run", "pytest", "-q", "-p", "no:cacheprovider"], project, env)
    tests_done = time.perf_counter()
    assert " passed" in output and "skipped" not in output, output
    output = run(["uv", "run", slug, "run"], project, env)
    assert "metrics" in output, output
    assert list((project / "artifacts").glob("*/manifest.json")), "the run wrote no manifest"
    # .gitignore keeps runs, the venv and caches out of git; only the new lock file shows
    assert git(project, "status", "--porcelain").split() == ["??", "uv.lock"]
    PROJECT_TIMINGS.append(
        (slug[:40], generated - started, tests_done - tests_started, time.perf_counter() - started)
    )
