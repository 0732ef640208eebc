"""The template's generation rules, importable by tests and tools.

They live where cookiecutter and cruft run them, in ``template/hooks/``: ``pre_gen_project.py``
holds the answers' rules, ``post_gen_project.py`` what each answer leaves out. A hook must be whole
in itself (cookiecutter renders a copy of it with Jinja and runs that; Backstage fetches only
``template/``), so this module loads those two files instead of holding a copy of their rules.
copier.yml states the same rules as Jinja validators and ``_exclude`` patterns; tests/template
holds the three in step.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

HOOKS = Path(__file__).resolve().parents[1] / "template" / "hooks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"dagwire_{name}", HOOKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


answer_rules = _load("pre_gen_project")
left_out = _load("post_gen_project")
globals().update(
    {
        name: value
        for module in (answer_rules, left_out)
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and getattr(value, "__module__", module.__name__) == module.__name__
        and name != "main"
    }
)
