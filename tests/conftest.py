"""Engine and compatibility tests import the vendored engine straight from the template tree;
browser tests share one headless Chromium (tests/browser.py)."""

import sys
from pathlib import Path

import pytest

ENGINE_PARENT = (
    Path(__file__).resolve().parents[1]
    / "template"
    / "{{cookiecutter.project_slug}}"
    / "src"
    / "{{cookiecutter.package_name}}"
)
if str(ENGINE_PARENT) not in sys.path:
    sys.path.insert(0, str(ENGINE_PARENT))


@pytest.fixture(scope="session")
def chromium() -> str:
    """Chromium's path, for browser tests: skips without it, fails under CI (tests/browser.py)."""
    from browser import require_chromium

    return require_chromium()


def pytest_sessionfinish() -> None:
    """Stop the shared headless Chromium if a test started one (tests/browser.py)."""
    browser = sys.modules.get("browser")
    if browser is not None:
        browser.close_browser()
