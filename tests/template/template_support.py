"""Plain helpers for the template tests: where things are, git, interpreters, running commands.

The template is always served from a temporary git repository holding the *working tree* of this
repository (uncommitted edits included), tagged like a release, so the tests see what a user of the
next release would see and never depend on this checkout's git history.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = ROOT / "template" / "{{cookiecutter.project_slug}}"
ENGINE_DIR = TEMPLATE_DIR / "src" / "{{cookiecutter.package_name}}" / "dagwire"
HOOKS_DIR = ROOT / "hooks"
# What a template release consists of (README.md too, so its commands can run from a copy).
RELEASE_FILES = ("copier.yml", "hooks", "template", "README.md")
JUNK = ("__pycache__", "*.py[co]", ".pytest_cache", ".ruff_cache")

Generate = Callable[..., Path]  # the `generate` fixture: generate(**answers) -> project folder
# (project slug, generation s, project test suite s, whole case s), shown after the session
PROJECT_TIMINGS: list[tuple[str, float, float, float]] = []


def copy_release(dest: Path, names: tuple[str, ...] = RELEASE_FILES) -> Path:
    """Copy the template's release files (without caches) into ``dest``, replacing them there."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        if (dest / name).is_dir():
            shutil.rmtree(dest / name)
        elif (dest / name).exists():
            (dest / name).unlink()
        source = ROOT / name
        if source.is_dir():
            # links stay links, as in a git clone
            shutil.copytree(
                source, dest / name, symlinks=True, ignore=shutil.ignore_patterns(*JUNK)
            )
        else:
            shutil.copy2(source, dest / name)
    return dest


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{result.stderr}")
    return result.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def template_version() -> str:
    """The version this working tree will be released as (pyproject.toml states it once)."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]


def make_template_repo(dest: Path, tag: str | None = None) -> Path:
    """The working tree as if released: a fresh git repo at ``dest``, tagged ``tag`` (default:
    the template's version)."""
    copy_release(dest)
    git(dest, "init", "-q")
    commit_all(dest, "template release")
    git(dest, "tag", tag or template_version())
    return dest


def cookiecut_into(
    output_dir: Path, template: Path, answers: dict[str, str], **options: Any
) -> Path:
    """`cookiecutter <template> --directory template --no-input name=value...`, in process."""
    made = cookiecutter(
        str(template),
        directory="template",
        no_input=True,
        extra_context=answers,
        output_dir=str(output_dir),
        **options,
    )
    return Path(made)


def tree_differences(left: Path, right: Path, leave_out: tuple[str, ...] = ()) -> list[str]:
    """How two generated trees differ (files only in one, other bytes, executable in one only;
    other permission bits follow the umask); [] if equal."""

    def files(root: Path) -> dict[str, Path]:
        found = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
        return {name: path for name, path in found.items() if name not in leave_out}

    ours, theirs = files(left), files(right)
    found = [f"only in {left}: {name}" for name in sorted(ours.keys() - theirs.keys())]
    found += [f"only in {right}: {name}" for name in sorted(theirs.keys() - ours.keys())]
    for name in sorted(ours.keys() & theirs.keys()):
        if ours[name].read_bytes() != theirs[name].read_bytes():
            found.append(f"different bytes: {name}")
        elif ours[name].stat().st_mode & 0o111 != theirs[name].stat().st_mode & 0o111:
            found.append(f"executable in one only: {name}")
    return found


def real_python(version: str) -> str | None:
    """A real interpreter for ``version``: uv cannot run pyenv's shims, so resolve them here."""
    if shutil.which("pyenv"):
        found = subprocess.run(
            ["pyenv", "prefix", version], capture_output=True, text=True, check=False
        )
        for prefix in found.stdout.strip().split(":"):
            candidate = Path(prefix) / "bin" / f"python{version}"
            if prefix and candidate.is_file():
                return str(candidate)
    found = subprocess.run(
        ["uv", "python", "find", "--no-project", version],
        capture_output=True,
        text=True,
        check=False,
    )
    path = found.stdout.strip()
    return path if found.returncode == 0 and path and "shims" not in path else None


def project_env(python: str) -> dict[str, str]:
    """The environment for commands inside a generated project: its own venv, not ours."""
    leaks = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS", "UV_PROJECT_ENVIRONMENT"}
    env = {k: v for k, v in os.environ.items() if k not in leaks and not k.startswith("DAGWIRE_")}
    env.update(UV_PYTHON=python, UV_PYTHON_DOWNLOADS="never", NO_COLOR="1", UV_NO_PROGRESS="1")
    return env


def run(cmd: list[str] | str, cwd: Path, env: dict[str, str], timeout: int = 900) -> str:
    """Run a command (a string runs in bash); on failure, fail with everything it printed."""
    result = subprocess.run(
        ["bash", "-c", cmd] if isinstance(cmd, str) else cmd,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode:
        shown = cmd if isinstance(cmd, str) else " ".join(cmd)
        raise AssertionError(
            f"`{shown}` exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result.stdout + result.stderr
