"""Who owns a generated file, read two ways: from copier.yml (what `copier update` does) and from
the file's first line (what the team is told). The tests check that both say the same thing."""

from __future__ import annotations

import re
from pathlib import Path

import pathspec
import yaml
from template_support import ROOT

COPIER_YML = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
# A starter file is left out of every render during an update (`_copier_operation == 'update'`).
_STARTER = re.compile(r"\{%\s*if _copier_operation == 'update'\s*%\}(.*?)\{%\s*endif\s*%\}")
# Files that cannot carry a comment, or whose first line is fixed by someone else.
HEADERLESS = {"LICENSE", ".copier-answers.yml", "src/my_pipeline/pipeline.lock.json"}
# Merged three ways on update, like template-owned files, but edited by the team as a matter of
# course (`uv add`, tool settings, ignore rules).
SHARED = {"pyproject.toml", ".gitignore"}
HEADERS = {
    "yours": "Yours: generated once by dagwire; `copier update` never changes it.",
    "template": "Template-owned: `copier update` keeps this file in step with dagwire",
    "shared": "Shared: `copier update` merges the template's changes with yours (three-way).",
}


def starter_patterns(package: str) -> list[str]:
    found = [_STARTER.fullmatch(p) for p in COPIER_YML["_exclude"]]
    return [m[1].replace("{{ package_name }}", package) for m in found if m]


def skip_patterns(package: str) -> list[str]:
    return [p.replace("{{ package_name }}", package) for p in COPIER_YML["_skip_if_exists"]]


def copier_leaves_alone(relpath: str, package: str) -> bool:
    """True for the team's files: never merged on update (starters and `_skip_if_exists`)."""
    spec = pathspec.GitIgnoreSpec.from_lines([*starter_patterns(package), *skip_patterns(package)])
    return spec.match_file(relpath)


def stated_owner(path: Path) -> str | None:
    """The owner a file's first line states (after a comment marker), or None."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    text = re.sub(r"^(#|<!--)\s*|\s*-->$", "", first)
    return next((owner for owner, header in HEADERS.items() if text.startswith(header)), None)
