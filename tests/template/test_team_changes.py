"""What teams do to a generated pipeline leaves dagwire's own tests green, without editing them.

dagwire's tests (tests/dagwire/) are template-owned: `copier update` merges into them, so a team
must never have to change them. Each case generates a project, changes the pipeline the way a
team does after generation, and runs the project's whole suite: it must pass, and none of
dagwire's tests may skip (every case here gives them a config key and more than one stage).
"""

from __future__ import annotations

import re
import shutil
import textwrap
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from template_support import (
    PROJECT_TIMINGS,
    Generate,
    commit_all,
    git,
    project_env,
    real_python,
    run,
)

PACKAGE = "my_pipeline"  # generate() uses the default project name

# --- (a) the example, grown: stages renamed, a stage added ---------------------------------------
RENAMED = {"prepare": "split", "train": "fit", "evaluate": "score"}
SUMMARY = '''

def summary(metrics: dict[str, float | int], summary_digits: int) -> str:
    """The metrics on one line, for a run's log."""
    return ", ".join(f"{name}={round(value, summary_digits)}" for name, value in metrics.items())
'''

# --- (b) the example deleted, the team's own pipeline written ------------------------------------
OWN_PIPELINE = {
    "pipeline.toml": """\
        # Yours: generated once by dagwire; `copier update` never changes it.
        [pipeline]
        name = "orders"
        modules = ["orders", "totals"]
        outputs = ["top_customer"]
        grouping = "stages"

        [stages]
        ingest = ["raw_orders"]
        clean = ["valid_orders", "customers"]

        # per customer: a mapped task per item on Airflow, .map() on Prefect
        [stages.score]
        outputs = ["spend"]
        retries = 2
        timeout_seconds = 600
        airflow = { pool = "default_pool", pool_slots = 1 }
        prefect = { tags = ["per-customer"], concurrency_limit = 2 }

        [stages.aggregate]
        outputs = ["totals_by_customer", "top_customer"]

        [config]
        min_amount = 5

        [artifacts]
        root = "artifacts"
        """,
    "orders.py": '''\
        """Orders as they arrive, and the ones worth counting."""

        from my_pipeline.dagwire.htypes import Parallelizable


        def raw_orders() -> list[dict]:
            """A small sample, so the pipeline runs offline."""
            return [
                {"customer": "ada", "amount": 12},
                {"customer": "bob", "amount": 3},
                {"customer": "ada", "amount": 7},
                {"customer": "cy", "amount": 15},
            ]


        def valid_orders(raw_orders: list[dict], min_amount: int) -> list[dict]:
            """Orders of at least ``min_amount``: smaller ones are test purchases."""
            return [order for order in raw_orders if order["amount"] >= min_amount]


        def customers(valid_orders: list[dict]) -> Parallelizable[str]:
            """Each customer who ordered, scored on its own."""
            return list(dict.fromkeys(order["customer"] for order in valid_orders))


        def spend(customers: str, valid_orders: list[dict]) -> dict:
            """What one customer spent."""
            amounts = [o["amount"] for o in valid_orders if o["customer"] == customers]
            return {"customer": customers, "amount": sum(amounts)}
        ''',
    "totals.py": '''\
        """What each customer spent."""

        from my_pipeline.dagwire.htypes import Collect


        def totals_by_customer(spend: Collect[dict]) -> dict[str, int]:
            """Spend per customer, gathered from the per-customer work."""
            return {one["customer"]: one["amount"] for one in spend}


        def top_customer(totals_by_customer: dict[str, int]) -> str:
            """The customer who spent most."""
            return max(totals_by_customer, key=totals_by_customer.__getitem__)
        ''',
}
OWN_TEST = f'''\
    """The team's own test of its pipeline."""

    from {PACKAGE}.dagwire.pipeline import Pipeline


    def test_ada_spends_most():
        dr = Pipeline.load("{PACKAGE}").driver()
        assert dr.execute(["top_customer"])["top_customer"] == "ada"
    '''


def replace(path: Path, old: str, new: str, count: int = -1) -> None:
    """Edit ``path`` as a team would; fails loudly if the generated file no longer has ``old``."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer contains {old!r}: update this test"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def grow_the_example(package: Path) -> None:
    """(a) Every stage renamed; a new stage computed by a new function in an existing module,
    reading a new config key."""
    toml = package / "pipeline.toml"
    for old, new in RENAMED.items():  # a stage is a list of outputs, or a table with settings
        if f"\n{old} = [" in toml.read_text(encoding="utf-8"):
            replace(toml, f"\n{old} = [", f"\n{new} = [")
        else:
            replace(toml, f"\n[stages.{old}]\n", f"\n[stages.{new}]\n")
    replace(toml, '\noutputs = ["metrics"]\n', '\noutputs = ["metrics", "summary"]\n', count=1)
    replace(toml, "\n[config]\n", '\n[stages.report]\noutputs = ["summary"]\n\n[config]\n')
    replace(toml, "\n[config]\n", "\n[config]\nsummary_digits = 3\n")
    module = package / "transforms" / "evaluate_model.py"
    module.write_text(module.read_text(encoding="utf-8") + SUMMARY, encoding="utf-8")

    definition = tomllib.loads(toml.read_text(encoding="utf-8"))
    assert list(definition["stages"]) == [*RENAMED.values(), "report"]


def replace_the_example(package: Path) -> None:
    """(b) The example deleted (transforms, their tests, the pipeline test); a different pipeline
    of two modules, four stages (one with its own task settings, fanning out per customer over a
    Parallelizable) and one config key written in its place."""
    shutil.rmtree(package / "transforms")
    tests = package.parents[1] / "tests"
    for example_test in tests.glob("test_*.py"):
        example_test.unlink()
    for name, text in OWN_PIPELINE.items():
        write(package / name, text)
    write(tests / "test_orders.py", OWN_TEST)


def passes_its_own_suite(project: Path, env: dict[str, str]) -> str:
    """The project's whole suite passes, dagwire's tests included and none of them skipped."""
    output = run(["uv", "run", "pytest", "-q", "-rA", "-p", "no:cacheprovider"], project, env)
    summary = output.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed(, \d+ warnings?)? in .*", summary), output
    for test_file in ("test_command_line.py", "test_pipeline_definition.py"):
        assert f"PASSED tests/dagwire/{test_file}::" in output, output
    # the suite wrote nothing into the project (runs go to temporary folders)
    assert git(project, "status", "--porcelain") == ""
    return output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "orchestrator"),
    [
        pytest.param(grow_the_example, "plain", id="renamed-stages-new-stage-and-key"),
        pytest.param(replace_the_example, "plain", id="own-pipeline"),
        pytest.param(replace_the_example, "airflow", id="own-pipeline-airflow"),
        pytest.param(replace_the_example, "prefect", id="own-pipeline-prefect"),
    ],
)
def test_dagwire_tests_pass_unchanged_after_a_team_change(
    generate: Generate, change, orchestrator: str
):
    python = real_python("3.11")
    if python is None:
        pytest.skip("no Python 3.11 interpreter found (pyenv, PATH or uv python find)")
    started = time.perf_counter()
    project = generate(orchestrator=orchestrator)
    generated = time.perf_counter()
    git(project, "init", "-q")
    commit_all(project, "generated")
    dagwire_tests = git(project, "rev-parse", "HEAD:tests/dagwire")
    slug = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))[
        "project_slug"
    ]
    env = project_env(python)

    change(project / "src" / PACKAGE)
    run(["uv", "sync", "--quiet"], project, env)
    if orchestrator == "airflow":  # the DAG is cut from the lock: the team refreshes it
        run(["uv", "run", slug, "lock"], project, env)
    commit_all(project, f"team change: {change.__name__}")
    assert git(project, "rev-parse", "HEAD:tests/dagwire") == dagwire_tests

    tests_started = time.perf_counter()
    passes_its_own_suite(project, env)
    tests_done = time.perf_counter()
    PROJECT_TIMINGS.append(
        (
            f"team change: {change.__name__} ({orchestrator})"[:40],
            generated - started,
            tests_done - tests_started,
            time.perf_counter() - started,
        )
    )
