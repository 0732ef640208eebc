"""`copier update`: template changes reach the project, the user's work stays.

The story: a template release 0.1.0 generates a project; the user commits and edits a transform
and pyproject.toml; the template changes a template-owned file, a user-owned transform and
pyproject.toml, and is released as 0.2.0; the project updates.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import copier
import pytest
import yaml
from template_support import commit_all, git, make_template_repo

PACKAGE = "src/{{cookiecutter.package_name}}"
TEMPLATE_SUBDIR = "template/{{cookiecutter.project_slug}}"
USER_FUNCTION = """

def row_count(raw_data: pd.DataFrame) -> int:
    \"\"\"How many rows arrived.\"\"\"
    return len(raw_data)
"""
USER_TOOL = "\n[tool.mypy]\nstrict = true\n"


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("update")
    template = make_template_repo(base / "template", tag="0.1.0")
    project = base / "project"
    copier.run_copy(str(template), project, defaults=True, unsafe=False, quiet=True)
    git(project, "init", "-q")
    commit_all(project, "generated from dagwire 0.1.0")

    # the user edits a transform they own and a shared file
    with (project / "src/my_pipeline/transforms/prepare_data.py").open("a") as f:
        f.write(USER_FUNCTION)
    with (project / "pyproject.toml").open("a") as f:
        f.write(USER_TOOL)
    commit_all(project, "user work")

    # the template changes: a template-owned file, a user-owned file, a shared file
    tdir = template / TEMPLATE_SUBDIR
    cli = tdir / PACKAGE / "cli.py"
    cli.write_text(cli.read_text() + "\n# template 0.2.0 was here\n")
    transform = tdir / PACKAGE / "transforms" / "prepare_data.py"
    transform.write_text(transform.read_text() + "\n# template 0.2.0 example change\n")
    pyproject = tdir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pytest>=8"', '"pytest>=8.3"'))
    commit_all(template, "template improvements")
    git(template, "tag", "0.2.0")

    copier.run_update(project, defaults=True, overwrite=True, unsafe=False, quiet=True)
    return {"project": project, "template": template}


def read(project: Path, relpath: str) -> str:
    return (project / relpath).read_text(encoding="utf-8")


def test_template_owned_change_is_applied(updated):
    assert "# template 0.2.0 was here" in read(updated["project"], "src/my_pipeline/cli.py")


def test_user_owned_transform_keeps_the_users_version(updated):
    text = read(updated["project"], "src/my_pipeline/transforms/prepare_data.py")
    assert USER_FUNCTION in text
    assert "template 0.2.0" not in text


def test_shared_file_merges_both_sides(updated):
    text = read(updated["project"], "pyproject.toml")
    assert USER_TOOL in text
    assert '"pytest>=8.3"' in text
    assert "<<<<<<<" not in text


def test_answers_file_moves_to_the_new_release_and_the_tree_is_clean(updated):
    project = updated["project"]
    answers = yaml.safe_load(read(project, ".copier-answers.yml"))
    assert answers["_commit"] == "0.2.0"
    assert not list(project.rglob("*.rej")) and not list(project.rglob("*.orig"))
    changed = {line[3:] for line in git(project, "status", "--porcelain").splitlines()}
    assert changed == {".copier-answers.yml", "pyproject.toml", "src/my_pipeline/cli.py"}


def test_a_starter_file_the_team_deleted_stays_deleted(updated, tmp_path: Path):
    """Starter files are left out of every update: copier never brings back the example."""
    project = tmp_path / "project"
    shutil.copytree(updated["project"], project)
    commit_all(project, "take the update")
    (project / "tests/test_prepare_data.py").unlink()
    commit_all(project, "drop an example test")
    copier.run_update(project, defaults=True, overwrite=True, quiet=True)
    assert not (project / "tests/test_prepare_data.py").exists()
