"""A generated project deployed the way its guide (docs/dagwire.md) says, and read back.

The commands here are the guide's, word for word where the guide gives one: a change to the guide's
deploy steps belongs here too. Any generated pipeline can be deployed (the example, a fan-out one):
nothing here knows the example's nodes except ``break_node``'s caller.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dagwire.runtime.artifacts import ArtifactStore
from template_support import Generate, commit_all, git, project_env, real_python, run

#: (what, seconds) for the session summary: what the real-scheduler tests spend where.
DEPLOY_TIMINGS: list[tuple[str, float]] = []


@contextmanager
def timed(what: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    DEPLOY_TIMINGS.append((what, time.perf_counter() - started))


@dataclass
class Project:
    """A generated project with its own uv environment (``uv sync``), as a team has it."""

    path: Path
    package: str
    slug: str
    env: dict[str, str]
    python: str

    @property
    def transforms(self) -> Path:
        return self.path / "src" / self.package / "transforms"

    def uv(self, *args: str, timeout: int = 600) -> str:
        return run(["uv", *args], self.path, self.env, timeout=timeout)

    def plain_run(self, artifacts: Path, run_id: str, *sets: str) -> None:
        """``uv run <slug> run``: the plain runner, the reference every orchestrator must match."""
        overrides = [arg for item in sets for arg in ("--set", item)]
        self.uv(
            "run", self.slug, "run", "--artifacts", str(artifacts), "--run-id", run_id, *overrides
        )

    def plain_metrics(self, folder: Path, **overrides: Any) -> dict[str, Any]:
        """The metrics the plain runner computes (with ``overrides`` of the config)."""
        run_id = "plain-" + "-".join(f"{k}-{v}" for k, v in overrides.items())
        self.plain_run(folder, run_id, *(f"{k}={v}" for k, v in overrides.items()))
        return output(ArtifactStore(str(folder)), run_id, "evaluate", "metrics")

    def orchestrator_pins(self) -> list[str]:
        pyproject = tomllib.loads((self.path / "pyproject.toml").read_text(encoding="utf-8"))
        return pyproject["dependency-groups"]["orchestrator"]


def synced_project(generate: Generate, orchestrator: str, name: str) -> Project:
    """Generate ``orchestrator``'s variant as project ``name``, commit it, ``uv sync`` it."""
    python = real_python("3.11")
    if python is None:
        pytest.skip("no Python 3.11 interpreter found (pyenv, PATH or uv python find)")
    path = generate(orchestrator=orchestrator, project_name=name)
    git(path, "init", "-q")
    commit_all(path, "generated")
    slug = name.replace(" ", "-")
    project = Project(path, slug.replace("-", "_"), slug, project_env(python), python)
    project.uv("sync", "--quiet")
    return project


@contextmanager
def broken_node(source: Path, function: str, message: str = "broken on purpose") -> Iterator[None]:
    """``function`` in ``source`` raises RuntimeError(message) until the block ends (the fix)."""
    original = source.read_text(encoding="utf-8")
    head = f"\ndef {function}("
    start = original.index(head)
    body = original.index('"""\n', original.index('"""', start) + 3) + 4  # after the docstring
    source.write_text(
        original[:body] + f"    raise RuntimeError({message!r})\n" + original[body:],
        encoding="utf-8",
    )
    try:
        yield
    finally:
        source.write_text(original, encoding="utf-8")


# --- Airflow: the guide's deploy steps ----------------------------------------------------------
#: The guide's commands, word for word (``{env}``: the Airflow environment, ``{pin}``: the project's
#: Airflow requirement, ``{slug}``: the project); a test checks the rendered guide holds them.
AIRFLOW_ENVIRONMENT = 'uv venv {env} && uv pip install --python {env}/bin/python "{pin}"'
AIRFLOW_DEPLOY = (
    "uv build --wheel --clear",
    "uv pip install --python {env}/bin/python --reinstall-package {slug} dist/*.whl",
)


def airflow_environment(project: Project, dest: Path) -> Path:
    """The environment Airflow runs in (scheduler, dag-processor, workers), apart from the
    project's own: the project's pin of Airflow; returns its bin/."""
    (pin,) = project.orchestrator_pins()
    run(AIRFLOW_ENVIRONMENT.format(env=dest, pin=pin), project.path, project.env)
    return dest / "bin"


def deploy_to_airflow(project: Project, bin_dir: Path) -> None:
    """The guide's deploy step: a wheel of the project, installed so that it always replaces the
    installed one, even at the same version (a plain ``pip install`` of it would be a no-op)."""
    for command in AIRFLOW_DEPLOY:
        run(command.format(env=bin_dir.parent, slug=project.slug), project.path, project.env)


# --- reading what a run left in the artifact store ---------------------------------------------
def group_records(store: ArtifactStore, run_id: str, groups: list[str]) -> dict[str, dict]:
    return {g: store.read_record(run_id, f"groups/{g}.json") or {} for g in groups}


def output(store: ArtifactStore, run_id: str, group: str, name: str) -> Any:
    """The value of output ``name`` that ``group`` saved in run ``run_id``."""
    record = store.read_record(run_id, f"groups/{group}.json") or {}
    assert name in record.get("artifacts", {}), f"{group} saved no {name} in {run_id}: {record}"
    return store.load(record["artifacts"][name])
