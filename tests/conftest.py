"""Engine and compatibility tests import the vendored engine straight from the template tree."""

import sys
from pathlib import Path

ENGINE_PARENT = (
    Path(__file__).resolve().parents[1]
    / "template"
    / "{{cookiecutter.project_slug}}"
    / "src"
    / "{{cookiecutter.package_name}}"
)
if str(ENGINE_PARENT) not in sys.path:
    sys.path.insert(0, str(ENGINE_PARENT))
