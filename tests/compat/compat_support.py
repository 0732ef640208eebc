"""Helpers of the compatibility suite: the same transform modules on Apache Hamilton and dagwire.

Each module in ``modules/`` is kept once, written against ``hamilton``. ``load_module(name,
engine)`` executes its source as it is for Hamilton and, for dagwire, with ``hamilton`` replaced by
``dagwire`` in its import lines and nowhere else; ``load_module`` checks that no other line
changed.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
pytest.importorskip("hamilton", reason="Apache Hamilton is not installed in this environment")


MODULES = Path(__file__).parent / "modules"
ENGINES = ("hamilton", "dagwire")


def for_engine(source: str, engine: str) -> str:
    """The module's source for ``engine``: only ``from hamilton...`` import lines change."""
    if engine == "hamilton":
        return source
    lines = source.splitlines(keepends=True)
    out = []
    for line in lines:
        if line.startswith("from hamilton") and " import " in line:
            line = "from dagwire" + line[len("from hamilton") :]
        out.append(line)
    return "".join(out)


def load_module(
    name: str, engine: str, *, register_as: str | None = None, plain_annotations: bool = False
) -> types.ModuleType:
    """Execute ``modules/<name>.py`` for ``engine`` as a fresh module (registered in sys.modules,
    where Hamilton looks functions' modules up).

    The module inherits this file's ``from __future__ import annotations`` (its annotations are
    strings) unless ``plain_annotations``: some Hamilton decorators (``@datasaver``) read the raw
    annotation and refuse strings."""
    source = (MODULES / f"{name}.py").read_text()
    rewritten = for_engine(source, engine)
    changed = [
        new
        for old, new in zip(source.splitlines(), rewritten.splitlines(), strict=True)
        if old != new
    ]
    assert all(line.startswith("from dagwire") for line in changed), changed
    module_name = register_as or f"compat_{name}_{engine}"
    module = types.ModuleType(module_name)
    module.__file__ = str(MODULES / f"{name}.py")
    sys.modules[module_name] = module
    code = compile(rewritten, module.__file__, "exec", dont_inherit=plain_annotations)
    exec(code, module.__dict__)
    return module


def builder(engine: str):
    if engine == "hamilton":
        from hamilton import driver
    else:
        from dagwire import driver
    return driver.Builder()


def run_both(
    modules: str | list[str],
    outputs: list[str],
    *,
    config: dict | None = None,
    inputs: dict | None = None,
    overrides: dict | None = None,
    prepare=None,
    imported: dict[str, str] | None = None,
):
    """Build each engine's driver from the same modules and config; return both results.

    ``imported`` maps a name the modules import (``import compat_x as ops``) to the module in
    ``modules/`` loaded under it first, for each engine.
    """
    names = [modules] if isinstance(modules, str) else modules
    results, drivers = {}, {}
    for engine in ENGINES:
        for register_as, helper in (imported or {}).items():
            load_module(helper, engine, register_as=register_as)
        loaded = [load_module(n, engine) for n in names]
        if prepare is not None:
            prepare(engine, loaded)
        dr = builder(engine).with_modules(*loaded).with_config(dict(config or {})).build()
        drivers[engine] = dr
        results[engine] = dr.execute(
            outputs, inputs=dict(inputs or {}), overrides=dict(overrides or {})
        )
    for register_as in imported or {}:
        sys.modules.pop(register_as, None)
    return results["hamilton"], results["dagwire"], drivers


def assert_same(expected, actual, where="result"):
    """Equal values, comparing pandas/numpy objects by content and validation results by outcome."""
    pd = sys.modules.get("pandas")
    np = sys.modules.get("numpy")
    if pd is not None and isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(actual, expected, obj=where)
    elif pd is not None and isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(actual, expected, obj=where)
    elif np is not None and isinstance(expected, np.ndarray):
        np.testing.assert_array_equal(actual, expected, err_msg=where)
    elif type(expected).__name__ == "ValidationResult":
        assert type(actual).__name__ == "ValidationResult", where
        assert actual.passes == expected.passes, where
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), where
        for key in expected:
            assert_same(expected[key], actual[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert type(actual) is type(expected) and len(actual) == len(expected), where
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_same(e, a, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def variables(dr) -> dict[str, object]:
    return {v.name: v for v in dr.list_available_variables()}


def assert_same_graph(drivers, *, docs: bool = True) -> None:
    """Both engines expose the same variables (config keys included), which ones are inputs, the
    config keys that chose each node, and (stripped) the same docstrings."""
    ham, dag = variables(drivers["hamilton"]), variables(drivers["dagwire"])
    assert sorted(dag) == sorted(ham)
    for name, var in ham.items():
        assert dag[name].is_external_input == var.is_external_input, name
        assert dag[name].tags.get("hamilton.config") == var.tags.get("hamilton.config"), name
        if docs and not var.is_external_input:
            ours, theirs = dag[name].documentation or "", var.documentation or ""
            assert ours.strip() == theirs.strip(), name


def assert_same_tags(drivers) -> None:
    """Every variable has the same tags on both engines (``module`` aside: it names each
    engine's copy of the module)."""
    ham, dag = variables(drivers["hamilton"]), variables(drivers["dagwire"])
    for name, var in ham.items():
        theirs = {k: v for k, v in var.tags.items() if k != "module"}
        ours = {k: v for k, v in dag[name].tags.items() if k != "module"}
        assert ours == theirs, name


#: Metadata that differs between any two runs, let alone engines.
TIMES = ("timestamp", "last_modified")


def comparable(metadata: object, folder: Path) -> object:
    """Loader and saver metadata without times, with paths relative to ``folder`` (each engine
    writes in its own folder)."""
    if isinstance(metadata, dict):
        return {k: comparable(v, folder) for k, v in metadata.items() if k not in TIMES}
    if isinstance(metadata, str) and metadata.startswith(str(folder)):
        return Path(metadata).relative_to(folder).as_posix()
    if isinstance(metadata, str) and str(folder) in metadata:  # notes quoting the path
        return metadata.replace(str(folder), "<folder>")
    return metadata
