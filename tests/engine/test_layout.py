"""The layout is part of the design: the engine never imports the project runtime or the
orchestrator wrappers, and every import path of 0.1.0 still gives the same objects."""

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import dagwire
import pytest

ENGINE_DIR = Path(dagwire.__file__).parent

#: 0.1.0 import path -> where its contents live since 0.2.0. The old modules only re-export
#: (a renamed object under its old name, too).
MOVED = {
    "dagwire.pipeline": "dagwire.runtime.pipeline",
    "dagwire.plan": "dagwire.runtime.plan",
    "dagwire.artifacts": "dagwire.runtime.artifacts",
    "dagwire.runs": "dagwire.runtime.runs",
    "dagwire.lock": "dagwire.runtime.lock",
    "dagwire.cli": "dagwire.runtime.cli",
    "dagwire.atomic": "dagwire.io.atomic",
    "dagwire.formats": "dagwire.io.formats",
    "dagwire.types": "dagwire.htypes",
    "dagwire.dynamic": ("dagwire.execution.schedule", "dagwire.execution.options"),
    "dagwire.parallel": ("dagwire.execution.dynamic", "dagwire.execution.parallel"),
}


def module_name(path: Path) -> str:
    parts = ["dagwire", *path.relative_to(ENGINE_DIR).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function, relative ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # submodules
    return found


def is_runtime(module: str) -> bool:
    """The project runtime, its 0.1.0 paths, and the orchestrator wrappers built on it."""
    moved_to = MOVED.get(module)
    if isinstance(moved_to, str) and moved_to.startswith("dagwire.runtime"):
        return True
    return module.startswith(("dagwire.runtime", "dagwire.orchestrators"))


ENGINE_MODULES = sorted(
    path
    for path in ENGINE_DIR.rglob("*.py")
    if not is_runtime(module_name(path)) and module_name(path) not in MOVED
)


def test_the_engine_is_found_where_the_layout_says():
    names = {module_name(p) for p in ENGINE_MODULES}
    assert {"dagwire.node", "dagwire.graph", "dagwire.driver", "dagwire.io.serializers"} <= names
    assert "dagwire.execution" in names


@pytest.mark.parametrize("path", ENGINE_MODULES, ids=module_name)
def test_the_engine_never_imports_the_runtime(path: Path):
    runtime = sorted(m for m in imported_modules(path) if is_runtime(m))
    assert runtime == [], f"{module_name(path)} imports the project runtime: {runtime}"


def test_importing_and_running_the_engine_loads_nothing_of_the_runtime():
    code = (
        "import sys, dagwire\n"
        "from dagwire import driver\n"
        "from dagwire.ad_hoc_utils import create_temporary_module\n"
        "def a() -> int: return 1\n"
        "dr = driver.Builder().with_modules(create_temporary_module(a)).build()\n"
        "assert dr.execute(['a']) == {'a': 1}\n"
        "print(sorted(m for m in sys.modules if 'dagwire.runtime' in m or m == 'dagwire.plan'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ENGINE_DIR.parent)},
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(("old", "new"), MOVED.items(), ids=list(MOVED))
def test_a_moved_module_keeps_its_old_path_with_the_same_objects(old: str, new):
    new = {new} if isinstance(new, str) else set(new)
    old_path = ENGINE_DIR.joinpath(*old.split(".")[1:]).with_suffix(".py")
    tree = ast.parse(old_path.read_text(encoding="utf-8"))
    assert "0.2.0" in (ast.get_docstring(tree) or ""), f"{old} should say where it moved"
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert [n for n in tree.body if not isinstance(n, (ast.ImportFrom, ast.Assign, ast.Expr))] == []
    assert {imported_from(n, old_path) for n in imports} == new, "re-exports only, from new"
    names = [(n, alias) for n in imports for alias in n.names]
    old_module = importlib.import_module(old)
    assert names and sorted(old_module.__all__) == sorted(a.asname or a.name for _, a in names)
    for node, alias in names:
        new_module = importlib.import_module(imported_from(node, old_path))
        assert getattr(old_module, alias.asname or alias.name) is getattr(new_module, alias.name)


def imported_from(node: ast.ImportFrom, path: Path) -> str:
    package = module_name(path).rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}"


RUNTIME_MODULES = sorted(
    p for p in ENGINE_DIR.rglob("*.py") if module_name(p).startswith("dagwire.runtime")
)


@pytest.mark.parametrize("path", RUNTIME_MODULES, ids=module_name)
def test_the_runtime_never_imports_an_orchestrator_wrapper(path: Path):
    """Wrappers sit on top: the plain runner must work where no orchestrator is installed."""
    wrappers = sorted(m for m in imported_modules(path) if m.startswith("dagwire.orchestrators"))
    assert wrappers == [], f"{module_name(path)} imports {wrappers}"


#: Every public name of every engine module of release 0.1.0 (read from its source at the tag):
#: teams' code imports them, so each must still import from the same path.
PUBLIC_0_1_0 = json.loads((Path(__file__).parent / "public_names_0_1_0.json").read_text())


@pytest.mark.parametrize("module", sorted(PUBLIC_0_1_0))
def test_every_public_name_of_0_1_0_still_imports_from_its_path(module: str):
    names = PUBLIC_0_1_0[module]
    if module.startswith("dagwire.orchestrators."):  # Airflow/Prefect are not installed here
        path = ENGINE_DIR.joinpath(*module.split(".")[1:]).with_suffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = {getattr(n, "name", None) for n in tree.body}
        defined |= {t.id for n in tree.body for t in getattr(n, "targets", []) if hasattr(t, "id")}
        missing = [name for name in names if name not in defined]
    else:
        imported = importlib.import_module(module)
        missing = [name for name in names if not hasattr(imported, name)]
    assert missing == [], f"{module} lost {missing}, which 0.1.0 code may import"
