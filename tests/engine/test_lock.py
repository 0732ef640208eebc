"""The graph lock: written by `lock`, read without importing the pipeline, stale on code changes."""

import dataclasses
import importlib
import json
import subprocess
import sys
import textwrap
import uuid

import pytest
from dagwire.runtime import lock as lock_module
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


def write_package(folder) -> str:
    """A throwaway package in ``folder``; returns its name."""
    name = f"lock_pkg_{uuid.uuid4().hex[:10]}"
    root = folder / name
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "pipeline.toml").write_text(textwrap.dedent(TOML))
    (root / "steps.py").write_text(STEPS)
    return name


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throwaway package on sys.path, as in a source checkout; returns its name."""
    name = write_package(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    forget(name)


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The same package installed from a wheel: in site-packages, with its console script."""
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    name = write_package(site)
    info = site / f"{name}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[console_scripts]\nlocked-pipe = {name}.cli:main\n")
    monkeypatch.syspath_prepend(str(site))
    yield name
    forget(name)


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


def stale_lock_error(package: str) -> str:
    """Lock the package, change a function's inputs, and return what ``check_lock`` says."""
    write_lock(Pipeline.load(package), package)
    check_lock(Pipeline.load(package), package)
    rewrite_steps(package, "def extra(raw: list)", "def extra(clean: list)")
    rewrite_steps(package, "len(raw)", "len(clean)")
    with pytest.raises(LockError) as error:
        check_lock(Pipeline.load(package), package)
    return str(error.value)


def test_a_changed_function_makes_the_lock_stale_and_says_how_to_fix_it(package):
    message = stale_lock_error(package)
    assert message.startswith(f"{lock_path(package)} is out of date")  # the real file
    assert "'extra' now takes clean (locked: raw)" in message
    assert f"Run `python -m {package} lock` and commit" in message


def test_an_installed_package_names_the_lock_and_the_command_in_the_repository(installed):
    """On a worker the lock is a copy in site-packages: the fix is made in the repository."""
    with pytest.raises(LockError) as missing:
        read_lock(installed)
    assert str(missing.value).startswith(
        f"src/{installed}/pipeline.lock.json does not exist. Create it with "
        "`uv run locked-pipe lock` in the repository and commit it"
    )
    message = stale_lock_error(installed)
    assert message.startswith(f"src/{installed}/pipeline.lock.json is out of date")
    assert "Run `uv run locked-pipe lock` in the repository and commit the file" in message
    assert message.endswith(
        f"(This is the installed copy, {lock_path(installed)}: deploy the package again "
        "after the fix.)"
    )
    assert "site-packages" not in message.splitlines()[0]


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


def test_a_project_without_airflow_has_no_lock_to_check(package, capsys, monkeypatch, tmp_path):
    """Prefect and plain projects ship no lock (only the Airflow DAG is cut from one)."""
    monkeypatch.setattr(lock_module, "_AIRFLOW_WRAPPER", tmp_path / "no" / "airflow.py")
    assert main(["lock", "--check"], package=package) == 0
    out = capsys.readouterr().out
    assert out.startswith("Nothing to check: locked has no pipeline.lock.json and needs none")
    assert not lock_path(package).exists()
    assert main(["lock"], package=package) == 0  # `lock` still writes one when asked
    assert "Wrote" in capsys.readouterr().out
    rewrite_steps(package, "def extra(raw: list)", "def extra(clean: list)")
    assert main(["lock", "--check"], package=package) == 1  # a lock that exists is checked
    assert "is out of date" in capsys.readouterr().err


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
