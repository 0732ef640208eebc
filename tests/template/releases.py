"""The template's releases, found in this repository's history, and a repository to serve them.

A release is a commit whose subject starts `Release X.Y.Z`, tagged `X.Y.Z`. A clone may come
without tags, so releases are found by those subjects as well as by tag; the temporary template
repository the tests serve from is then tagged like the real one.
"""

from __future__ import annotations

import re
from pathlib import Path

from template_support import ROOT, copy_release, git

RELEASE_SUBJECT = re.compile(r"Release (\d+\.\d+\.\d+)\b")
VERSION = re.compile(r"\d+\.\d+\.\d+")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def release_tags(repo: Path = ROOT) -> dict[str, str]:
    """Version tag -> the commit it points at."""
    tags = [t for t in git(repo, "tag", "--list").split() if VERSION.fullmatch(t)]
    return {tag: git(repo, "rev-list", "-n", "1", tag).strip() for tag in tags}


def release_commits(repo: Path = ROOT) -> dict[str, str]:
    """Version -> the commit whose subject starts `Release <version>` (the newest if several)."""
    found: dict[str, str] = {}
    for line in git(repo, "log", "--format=%H %s").splitlines():
        commit, _, subject = line.partition(" ")
        match = RELEASE_SUBJECT.match(subject)
        if match:
            found.setdefault(match[1], commit)
    return found


def releases(repo: Path = ROOT) -> list[tuple[str, str]]:
    """(version, commit) of every release, oldest first: the `Release X.Y.Z` commits, and the
    tags (which win where both name a version; a test checks that they agree)."""
    found = {**release_commits(repo), **release_tags(repo)}
    return sorted(found.items(), key=lambda item: version_key(item[0]))


def earlier_releases(repo: Path = ROOT) -> list[str]:
    """The releases a project could be updating from: every one but a release at HEAD itself."""
    head = git(repo, "rev-parse", "HEAD").strip()
    return [version for version, commit in releases(repo) if commit != head]


def update_sources(repo: Path = ROOT) -> list[str]:
    """The releases the update tests start from: the oldest and the newest earlier one.

    The oldest crosses every change a long-lived project meets (day 1000); the newest is the step
    most projects take. The releases between were each the newest once, when their successor was
    cut, and testing all of them would grow the suite with every release.
    """
    earlier = earlier_releases(repo)
    return list(dict.fromkeys([*earlier[:1], *earlier[-1:]]))


def history_repo(dest: Path) -> Path:
    """A clone of this repository with every release tagged and the working tree (uncommitted
    edits included) committed on top as HEAD: what the next release would ship."""
    git(dest.parent, "clone", "--quiet", "--no-hardlinks", str(ROOT), dest.name)
    tagged = release_tags(dest)
    for version, commit in releases(ROOT):
        if version not in tagged:
            git(dest, "tag", version, commit)
    copy_release(dest)
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "--no-verify", "--allow-empty", "-m", "the working tree")
    return dest
