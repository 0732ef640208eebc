"""copier.yml's questions: good answers pass, bad ones are refused clearly and write nothing.

The validators in copier.yml (Jinja) and hooks/dagwire_hooks.py (Python) state the same rules;
these tests feed both the same answers and require the same verdict and the same message.
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

import copier
import dagwire_hooks as hooks
import pytest
import yaml
from template_support import ROOT

COPIER_YML = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))

# (answers given, comment). Each is checked against copier and against the Python rules.
CASES = [
    ({}, "all defaults"),
    ({"project_name": "Data Ünïcode Pipeline 2"}, "accents are transliterated in the slug"),
    ({"project_name": "Straße & Łódź: ETL!"}, "punctuation collapses into hyphens"),
    ({"project_name": 'O\'Brien "Quoted" \\ 📈'}, "quotes, backslash and emoji"),
    ({"project_name": "数据管道"}, "no ASCII letter: the derived slug is empty"),
    ({"project_name": "2 Fast Pipeline"}, "a slug must start with a letter"),
    ({"project_name": ""}, "empty"),
    ({"project_name": "   "}, "blank"),
    ({"project_name": "two\nlines"}, "line break"),
    ({"project_slug": "churn-model"}, ""),
    ({"project_slug": "etl-2-go"}, ""),
    ({"project_slug": "Bad Slug"}, ""),
    ({"project_slug": "x--y"}, "double hyphen"),
    ({"project_slug": "trailing-"}, ""),
    ({"project_slug": "ünï"}, "non-ASCII"),
    ({"project_slug": "ok\n"}, "trailing newline must not slip through a $ anchor"),
    ({"package_name": "etl2_v3__x_"}, "digits and underscores"),
    ({"package_name": "a"}, "shortest"),
    ({"package_name": "a" * 50}, "longest"),
    ({"package_name": "a" * 51}, "too long"),
    ({"package_name": "match"}, "soft keywords are importable"),
    ({"package_name": "class"}, "keyword"),
    ({"package_name": "json"}, "standard library"),
    ({"package_name": "cprofile"}, "shadows cProfile on case-insensitive file systems"),
    ({"package_name": "dagwire"}, "the engine"),
    ({"package_name": "pandas"}, "an example dependency"),
    ({"package_name": "airflow"}, "an orchestrator"),
    ({"package_name": "prefect"}, "an orchestrator"),
    ({"package_name": "tests"}, ""),
    ({"package_name": "My_pkg"}, "upper case"),
    ({"package_name": "my-pkg"}, "hyphen"),
    ({"package_name": "2fast"}, "leading digit"),
    ({"package_name": "_private"}, "leading underscore"),
    ({"package_name": "données"}, "non-ASCII identifier"),
    ({"description": ""}, "empty description is fine"),
    ({"description": "Uses \"quotes\", 'apostrophes', \\backslashes\\ & <tags> 📈"}, ""),
    ({"description": "bell\x07"}, "control character"),
    ({"author_name": "José O'Brien"}, ""),
    ({"author_name": ""}, ""),
    ({"author_email": "first.last+tag@sub.example.co.uk"}, ""),
    ({"author_email": "jane"}, ""),
    ({"author_email": "jane@"}, ""),
    ({"author_email": "@example.com"}, ""),
    ({"author_email": "jane@example"}, "no top-level domain"),
    ({"author_email": "ja ne@example.com"}, "space"),
    ({"author_email": "jane@example.com\n"}, "trailing newline"),
    ({"python_version": "3.13"}, ""),
    ({"python_version": "3.10"}, "too old"),
    ({"license": "GPL-3.0"}, "not offered"),
    ({"orchestrator": "dagster"}, "not offered"),
    ({"ci": "gitlab"}, "not offered"),
]


def copier_error(template: Path, dest: Path, answers: dict[str, str]) -> tuple[str, str] | None:
    """Ask copier (without writing anything); return (question, message) if it refuses."""
    try:
        copier.run_copy(str(template), dest, data=answers, defaults=True, pretend=True, quiet=True)
    except ValueError as error:
        text = str(error)
        validation = re.fullmatch(r"Validation error for question '(\w+)': (.*)", text, re.S)
        if validation:
            return validation[1], validation[2]
        choice = re.fullmatch(r"Invalid choice for '(\w+)': .*", text, re.S)
        assert choice, f"unexpected refusal: {text}"
        return choice[1], text
    return None


@pytest.mark.parametrize(("answers", "why"), CASES, ids=[repr(c[0])[:60] for c in CASES])
def test_copier_and_python_rules_agree(
    template_plain: Path, tmp_path: Path, answers: dict[str, str], why: str
):
    dest = tmp_path / "out"
    refused = copier_error(template_plain, dest, answers)
    expected = hooks.first_error(hooks.with_defaults(answers))
    assert not dest.exists()
    if expected is None:
        assert refused is None, f"copier refused {answers} ({why}): {refused}"
    else:
        assert refused is not None, f"copier accepted {answers}, but {expected[1]}"
        assert refused[0] == expected[0]
        if expected[0] not in hooks.CHOICES:
            assert refused[1] == expected[1]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"author_email": "not-an-email"}, "'not-an-email' is not an email address"),
        ({"package_name": "class"}, "'class' is a Python keyword"),
        ({"package_name": "json"}, "would shadow the standard-library module 'json'"),
        ({"package_name": "dagwire"}, "would shadow 'dagwire'"),
        ({"package_name": "airflow"}, "would shadow 'airflow'"),
        ({"package_name": "My Pkg"}, "use lowercase ASCII letters, digits and underscores"),
        ({"project_name": "数据管道"}, "project_slug '' is not valid kebab-case"),
        ({"python_version": "3.10"}, "Invalid choice for 'python_version': '3.10'"),
        ({"license": "WTFPL"}, "Invalid choice for 'license': 'WTFPL'"),
        ({"orchestrator": "dagster"}, "Invalid choice for 'orchestrator': 'dagster'"),
        ({"ci": "gitlab"}, "Invalid choice for 'ci': 'gitlab'"),
    ],
)
def test_bad_answers_are_refused_before_anything_is_written(
    template_repo: Path, tmp_path: Path, answers: dict[str, str], message: str
):
    """Through the real copy (no pretend), from the released template."""
    dest = tmp_path / "out"
    with pytest.raises(ValueError, match=re.escape(message)):
        copier.run_copy(str(template_repo), dest, data=answers, defaults=True, quiet=True)
    assert not dest.exists()


def test_refusal_keeps_an_existing_destination_untouched(template_repo: Path, tmp_path: Path):
    dest = tmp_path / "existing"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="standard-library"):
        copier.run_copy(str(template_repo), dest, data={"package_name": "os"}, defaults=True)
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("name", sorted(hooks.RESERVED_PACKAGE_NAMES))
def test_every_reserved_name_is_refused_by_copier(template_plain: Path, tmp_path: Path, name):
    refused = copier_error(template_plain, tmp_path / "out", {"package_name": name})
    assert refused == ("package_name", hooks.package_name_error(name))


def test_copier_yml_and_hooks_share_their_data():
    """The lists copier.yml embeds are the hooks' lists, and still cover today's Python."""
    assert set(COPIER_YML["stdlib_module_names"]["default"].split()) == hooks.STDLIB_MODULE_NAMES
    public = {n.lower() for n in sys.stdlib_module_names if not n.startswith("_")}
    assert public <= hooks.STDLIB_MODULE_NAMES, "re-run the union for the new Python version"

    validator = COPIER_YML["package_name"]["validator"]
    keywords = re.search(r"set keywords = \[(.*?)\]", validator, re.S)[1]
    assert set(re.findall(r"'(\w+)'", keywords)) == {k for k in keyword.kwlist if k.islower()}
    imported = re.search(r"set imported = \[(.*?)\]", validator, re.S)[1]
    assert set(re.findall(r"'(\w+)'", imported)) == hooks.RESERVED_PACKAGE_NAMES

    slug_default = COPIER_YML["project_slug"]["default"]
    assert f"'{hooks.ACCENTED}'" in slug_default and f"'{hooks.PLAIN}'" in slug_default
    assert f"> {hooks.MAX_PACKAGE_NAME} " in validator

    for question, default in hooks.DEFAULTS.items():
        assert COPIER_YML[question]["default"] == default, question
    for question, choices in hooks.CHOICES.items():
        offered = COPIER_YML[question]["choices"]
        values = offered.values() if isinstance(offered, dict) else offered
        assert tuple(values) == choices, question
    questions = {q: v for q, v in COPIER_YML.items() if not q.startswith("_")}
    asked = [q for q, v in questions.items() if v.get("when") is not False]
    assert tuple(asked) == hooks.QUESTIONS


def test_derived_names_match_the_python_rules(template_plain: Path, tmp_path: Path):
    """project_slug and package_name defaults, as copier derives them, for awkward names."""
    names = ["Data Ünïcode Pipeline 2", "Straße & Łódź: ETL!", "  Spaces  Around  ", "ÀÉÎÕÜ çñ ÿ"]
    for i, name in enumerate(names):
        dest = tmp_path / f"p{i}"
        copier.run_copy(
            str(template_plain), dest, data={"project_name": name}, defaults=True, quiet=True
        )
        answers = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
        expected = hooks.with_defaults({"project_name": name})
        assert answers["project_slug"] == expected["project_slug"], name
        assert answers["package_name"] == expected["package_name"], name
        assert answers["project_name"] == name
    assert hooks.slugify("Data Ünïcode Pipeline 2") == "data-unicode-pipeline-2"
    assert hooks.slugify("Straße & Łódź: ETL!") == "strasse-lodz-etl"
