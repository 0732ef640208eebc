"""The documentation site: it builds strictly, every page is in the navigation, the how-tos the
site promises exist, and the README and the generated project's guide point at real pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDE = ROOT / "template" / "{{cookiecutter.project_slug}}" / "docs" / "dagwire.md"
# The how-tos issue 12 asks for, by the page that answers each.
HOW_TOS = {
    "deploy on Airflow": "how-to/deploy-airflow.md",
    "deploy on Prefect": "how-to/deploy-prefect.md",
    "artifacts on S3/GCS": "how-to/artifacts-on-s3-gcs.md",
    "change task granularity and per-stage settings": "how-to/task-granularity.md",
    "fan out over items": "how-to/fan-out.md",
    "caching and resuming": "how-to/caching-and-resuming.md",
    "switch orchestrator": "how-to/switch-orchestrator.md",
    "take a template update": "how-to/take-a-template-update.md",
    "use it from cookiecutter/cruft": "how-to/cookiecutter-and-cruft.md",
    "bring existing Hamilton code": "how-to/bring-hamilton-code.md",
}
# A page of the site named by its path, as the generated guide writes it: `how-to/fan-out.md`.
SITE_PAGE = re.compile(r"`((?:tutorial|index)\.md|(?:how-to|reference|explanation)/[\w.-]+\.md)`")


def nav_pages(entries: list) -> list[str]:
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def config() -> dict:
    # mkdocs.yml may use YAML tags of mkdocs' own (!ENV, !relative); none are needed to read nav.
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_the_site_builds_strictly(tmp_path: Path):
    """Strict: a broken link, a missing anchor or a page left out of nav fails the build."""
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "reference" / "cli.html").is_file()


def test_every_page_is_in_the_navigation_and_every_nav_entry_is_a_page():
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    nav = nav_pages(config()["nav"])
    assert sorted(set(nav)) == sorted(pages), "mkdocs.yml nav and docs/ differ"
    assert len(nav) == len(set(nav)), "a page is twice in nav"


def test_every_how_to_the_site_promises_exists():
    nav = nav_pages(config()["nav"])
    for topic, page in HOW_TOS.items():
        assert (DOCS / page).is_file(), f"no how-to for {topic!r} ({page})"
        assert page in nav, f"{page} is not in mkdocs.yml nav"
    assert (DOCS / "tutorial.md").is_file()


def test_the_readme_says_how_to_read_the_site_and_links_only_to_real_pages():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "uv run mkdocs serve" in readme
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert len(links) >= len(HOW_TOS), "the README should link to the site's pages"
    for link in links:
        assert (ROOT / link).is_file(), f"README.md links to {link}, which does not exist"


def test_the_generated_guide_names_only_pages_that_exist():
    guide = GUIDE.read_text(encoding="utf-8")
    named = set(SITE_PAGE.findall(guide))
    assert {"reference/cli.md", "reference/pipeline-toml.md", *HOW_TOS.values()} <= named
    for page in sorted(named):
        assert (DOCS / page).is_file(), f"docs/dagwire.md names dagwire's {page}, which is missing"
