"""The graph lock: written by `lock`, read without importing the pipeline, stale on code changes."""

import dataclasses
import importlib
import json
import subprocess
import sys
import textwrap
import uuid

import pytest
from dagwire.runtime.cli import main
from dagwire.runtime.lock import (
    LockError,
    check_lock,
    lock_path,
    locked_plan,
    read_lock,
    write_lock,
)
from dagwire.runtime.pipeline import Pipeline, PipelineDefinitionError
from dagwire.runtime.plan import PlanError

TOML = """
[pipeline]
name = "locked"
modules = ["steps"]
outputs = ["report"]

[stages]
load = ["clean"]
fit = ["model"]

[config]
n = 4
mode = "fast"

[orchestrator]
retries = 2
retry_delay_seconds = 1.5
schedule = "0 6 * * *"
"""

STEPS = """
from dagwire.function_modifiers import config


def raw(n: int) -> list:
    return list(range(n))


def clean(raw: list) -> list:
    return [x for x in raw if x % 2 == 0]


@config.when(mode="fast")
def model__fast(clean: list) -> int:
    return sum(clean)


@config.when(mode="slow")
def model__slow(clean: list, n: int) -> int:
    return sum(clean) * n


def extra(raw: list) -> int:
    return len(raw)


def report(model: int, extra: int) -> dict:
    return {"model": model, "extra": extra}
"""


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throwaway package on sys.path; returns its name."""
    name = f"lock_pkg_{uuid.uuid4().hex[:10]}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "pipeline.toml").write_text(textwrap.dedent(TOML))
    (root / "steps.py").write_text(STEPS)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]


def rewrite_steps(package: str, old: str, new: str) -> None:
    path = lock_path(package).with_name("steps.py")
    path.write_text(path.read_text().replace(old, new))
    forget(package)


def forget(package: str) -> None:
    """Make the next Pipeline.load import the package's files again."""
    for module in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[module]
    importlib.invalidate_caches()


def test_settings_only_load_imports_nothing_and_cannot_run(package):
    settings = Pipeline.load(package, import_modules=False)
    assert f"{package}.steps" not in sys.modules
    assert (settings.retries, settings.retry_delay_seconds, settings.schedule) == (
        2,
        1.5,
        "0 6 * * *",
    )
    assert [m.__name__ for m in settings.modules] == [f"{package}.steps"]
    with pytest.raises(PipelineDefinitionError, match=r"import_modules=False.*Pipeline.load"):
        settings.driver()


@pytest.mark.parametrize("grouping", ["stages", "nodes", "single"])
def test_the_locked_plan_is_the_plan_of_the_code(package, grouping):
    pipeline = Pipeline.load(package)
    write_lock(pipeline, package)
    settings = Pipeline.load(package, import_modules=False)
    assert locked_plan(settings, package, grouping=grouping) == pipeline.plan(grouping=grouping)


def test_lock_file_is_one_line_per_node_and_plain_json(package):
    path = write_lock(Pipeline.load(package), package)
    text = path.read_text()
    assert '    "model": ["clean"],\n' in text
    assert json.loads(text)["nodes"]["report"] == ["model", "extra"]
    assert not list(path.parent.glob(".*.tmp"))


def test_a_changed_function_makes_the_lock_stale_and_says_how_to_fix_it(package):
    write_lock(Pipeline.load(package), package)
    check_lock(Pipeline.load(package), package)
    rewrite_steps(package, "def extra(raw: list)", "def extra(clean: list)")
    rewrite_steps(package, "len(raw)", "len(clean)")
    with pytest.raises(LockError) as error:
        check_lock(Pipeline.load(package), package)
    message = str(error.value)
    assert "out of date" in message
    assert "'extra' now takes clean (locked: raw)" in message
    assert f"python -m {package} lock" in message


def test_the_config_that_picks_functions_is_part_of_the_shape(package):
    pipeline = Pipeline.load(package)
    write_lock(pipeline, package)
    slow = dataclasses.replace(pipeline, config={**pipeline.config, "mode": "slow"})
    with pytest.raises(LockError, match=r"'model' now takes clean, n \(locked: clean\)"):
        check_lock(slow, package)


def test_reordered_functions_do_not_make_the_lock_stale(package):
    write_lock(Pipeline.load(package), package)
    path = lock_path(package).with_name("steps.py")
    text = path.read_text()
    head, extra = text.split("\n\ndef extra", 1)
    extra, report = extra.split("\n\ndef report", 1)
    imports, functions = head.split("\n\n", 1)  # `extra` moves to the top of the module
    path.write_text(
        imports + "\n\ndef extra" + extra + "\n\n" + functions + "\n\ndef report" + report
    )
    forget(package)
    reordered = Pipeline.load(package)
    assert list(reordered.driver().graph.order) != list(read_lock(package)["nodes"])
    check_lock(reordered, package)


def test_missing_or_broken_lock_files_name_the_command(package):
    with pytest.raises(LockError, match=rf"does not exist.*python -m {package} lock"):
        read_lock(package)
    lock_path(package).write_text("{not json")
    with pytest.raises(LockError, match="not valid JSON"):
        read_lock(package)
    lock_path(package).write_text('["a list"]')
    with pytest.raises(LockError, match="is not a dagwire-lock/1 lock"):
        read_lock(package)


def test_an_output_the_lock_does_not_know_points_at_the_lock(package):
    write_lock(Pipeline.load(package), package)
    toml = lock_path(package).with_name("pipeline.toml")
    toml.write_text(toml.read_text().replace('outputs = ["report"]', 'outputs = ["new_node"]'))
    settings = Pipeline.load(package, import_modules=False)
    with pytest.raises(PlanError) as error:
        locked_plan(settings, package)
    assert "'new_node' is not a node" in str(error.value)
    assert f"run `python -m {package} lock`" in "\n".join(error.value.__notes__)


def test_cli_lock_writes_then_checks(package, capsys):
    assert main(["lock", "--check"], package=package) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["lock"], package=package) == 0
    assert "Wrote" in capsys.readouterr().out and lock_path(package).is_file()
    assert main(["lock", "--check"], package=package) == 0
    assert "is up to date" in capsys.readouterr().out


def test_a_dag_file_style_import_stays_cheap(package, tmp_path):
    """What an Airflow DAG file does at parse time: no transform module, no heavy library."""
    write_lock(Pipeline.load(package), package)
    probe = (
        "import sys\n"
        "from dagwire.runtime.lock import locked_plan\n"
        "from dagwire.runtime.pipeline import Pipeline\n"
        f"settings = Pipeline.load({package!r}, import_modules=False)\n"
        f"plan = locked_plan(settings, {package!r})\n"
        "print([g.name for g in plan.groups])\n"
        f"print(sorted(m for m in sys.modules if m.startswith(({package + '.steps'!r}, "
        "'pandas', 'numpy', 'fsspec'))))\n"
    )
    paths = [str(tmp_path), *sys.path]
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": ":".join(p for p in paths if p)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['load', 'fit']", "[]"]
