"""The README's first two commands are the promises a newcomer tries first: keep them true."""

from __future__ import annotations

import re

import pytest
from template_support import ROOT, commit_all, copy_release, git, project_env, real_python, run


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block and text.index(block[0]) < text.index("\n## "), "README must open with commands"
    return [line for line in block[1].splitlines() if line.strip()]


def test_readme_opens_with_generate_and_test_commands():
    generate, test = readme_commands()
    assert "copier copy --defaults" in generate and " run" in generate
    assert test == "uv run pytest"


def test_ci_runs_exactly_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line for line in script.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "set -euo pipefail"
    assert "pip install" in script and "uv sync" in lines
    assert lines[-1] == readme_commands()[1]


@pytest.mark.slow
def test_readme_generate_command_works_from_a_fresh_clone(tmp_path_factory):
    python = real_python("3.11")
    if python is None:
        pytest.skip("no Python 3.11 interpreter found (pyenv, PATH or uv python find)")
    clone = copy_release(tmp_path_factory.mktemp("clone") / "dagwire")
    git(clone, "init", "-q")
    commit_all(clone, "a fresh clone")
    env = project_env(python) | {"TMPDIR": str(tmp_path_factory.mktemp("readme-tmp"))}
    output = run(readme_commands()[0], clone, env)
    assert "metrics" in output, output
    assert list((tmp_path_factory.getbasetemp()).glob("readme-tmp*/*/p/artifacts/*/manifest.json"))


def test_no_command_in_the_docs_generates_from_a_relative_path():
    """copier records the source as given; `.` makes every later `copier update` fail."""
    docs = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *ROOT.glob("template/*/docs/*.md")]
    relative = re.compile(r"copier copy\b[^\n`]*?\s(\.{1,2})(/\S*)?\s")
    for doc in docs:
        for line in doc.read_text(encoding="utf-8").splitlines():
            assert not relative.search(line), f"{doc.name} generates from a relative path: {line}"
    assert 'copier copy --defaults --vcs-ref HEAD "$PWD"' in readme_commands()[0]
