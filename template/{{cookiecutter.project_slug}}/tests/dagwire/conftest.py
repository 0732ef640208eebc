{%- set c = cookiecutter -%}
# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
# Your own fixtures go in tests/conftest.py.
{%- if c.orchestrator == "plain" %}
"""Fixtures of dagwire's own tests: the pipeline, an artifact store, ways to break a run."""
{%- else %}
"""Fixtures of dagwire's own tests: the pipeline, an artifact store, ways to break a run.

{{ c.orchestrator | capitalize }} runs in-process in these tests, and everything it keeps lives in
temporary folders. It reads its configuration once, when it is first imported, so the environment
is set here, before any test module imports it.
"""
{%- endif %}

import hashlib
{%- if c.orchestrator != "plain" %}
import os
import shutil
import tempfile
{%- endif %}
{%- if c.orchestrator == "prefect" %}
from collections.abc import Callable, Iterator
{%- else %}
from collections.abc import Callable
{%- endif %}
from pathlib import Path

import pytest

from {{ c.package_name }}.dagwire.lifecycle.api import (
    NodeExecutionHook,
)
from {{ c.package_name }}.dagwire.runtime.artifacts import (
    ArtifactStore,
)
from {{ c.package_name }}.dagwire.runtime.pipeline import (
    Pipeline,
)
from {{ c.package_name }}.dagwire.runtime.plan import (
    Group,
    GroupPlan,
)
from {{ c.package_name }}.dagwire.runtime.runs import (
    read_manifest,
)
{%- if c.orchestrator == "airflow" %}

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="airflow-home-"))
# `dag.test()` runs a DAG only if the DAG folder defines it; these variants of dags/ run here.
TEST_DAG_FOLDER = AIRFLOW_HOME / "dags"
TEST_DAG_FILE = """\
from {{ c.package_name }}.dagwire.orchestrators.airflow import (
    pipeline_dag,
)

for grouping in ("stages", "nodes", "single"):
    globals()[grouping] = pipeline_dag(
        "{{ c.package_name }}",
        dag_id=f"test_{grouping}",
        grouping=grouping,
        retries=0,
    )
"""


def pytest_configure(config: pytest.Config) -> None:
    TEST_DAG_FOLDER.mkdir(exist_ok=True)
    (TEST_DAG_FOLDER / "test_dags.py").write_text(TEST_DAG_FILE, encoding="utf-8")
    os.environ.update(
        AIRFLOW_HOME=str(AIRFLOW_HOME),
        AIRFLOW__CORE__DAGS_FOLDER=str(TEST_DAG_FOLDER),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def test_dags():
    """DAG id -> DAG: the variants above, in a fresh metadata database (SQLite, temporary)."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db

    db.resetdb()
    bag = DagBag(dag_folder=str(TEST_DAG_FOLDER))
    assert bag.import_errors == {}
    return bag.dags
{%- elif c.orchestrator == "prefect" %}

PREFECT_TEMP = Path(tempfile.mkdtemp(prefix="prefect-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    os.environ.update(
        PREFECT_HOME=str(PREFECT_TEMP / "home"),
        PREFECT_LOCAL_STORAGE_PATH=str(PREFECT_TEMP / "storage"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
    )
    os.environ.pop("PREFECT_API_URL", None)  # never a real server
    os.environ.pop("PREFECT_PROFILES_PATH", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(PREFECT_TEMP, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect server (with its own SQLite database) for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
{%- endif %}


# --- shared by dagwire's tests -----------------------------------------------------------------
@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load("{{ c.package_name }}")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ArtifactStore:
    """The orchestrator's tasks read DAGWIRE_ARTIFACTS when they run (in this process)."""
    monkeypatch.setenv("DAGWIRE_ARTIFACTS", str(tmp_path / "{{ c.orchestrator }}"))
    return ArtifactStore(tmp_path / "{{ c.orchestrator }}")


def _artifact_digests(store: ArtifactStore, run_id: str) -> dict[str, tuple[str, str]]:
    """Every artifact of a run: node -> (serializer, sha256 of its bytes)."""
    manifest = read_manifest(store, run_id)
    assert manifest is not None, f"run {run_id} wrote no manifest under {store.root}"
    digests = {}
    for record in manifest["groups"].values():
        for name, ref in record["artifacts"].items():
            for i, one in enumerate(ref.get("items", [ref])):  # a value per item: each file
                data = Path(one["uri"]).read_bytes()
                key = f"{name}[{i}]" if "items" in ref else name
                digests[key] = (one["serializer"], hashlib.sha256(data).hexdigest())
    return digests


@pytest.fixture
def artifact_digests() -> Callable[[ArtifactStore, str], dict[str, tuple[str, str]]]:
    """Compares runners: the same digests mean byte-identical artifacts."""
    return _artifact_digests


class FailOn(NodeExecutionHook):
    """Makes one node raise, as a bug in its function would."""

    def __init__(self, node: str) -> None:
        self.node = node

    def run_before_node_execution(self, *, node_name: str, **future_kwargs) -> None:
        if node_name == self.node:
            raise RuntimeError(f"{node_name} is broken for this test")

    def run_after_node_execution(self, **future_kwargs) -> None:
        pass


@pytest.fixture
def break_node(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """``break_node(name)``: every driver the pipeline builds from now on fails at that node."""
    driver = Pipeline.driver

    def breaking(node: str) -> None:
        monkeypatch.setattr(
            Pipeline,
            "driver",
            lambda self, config=None, adapters=(), **options: driver(
                self, config, [*adapters, FailOn(node)], **options
            ),
        )

    return breaking


@pytest.fixture
def broken_last_group(pipeline: Pipeline, break_node) -> tuple[GroupPlan, Group, str]:
    """(plan, group, node): the plan's last group with its first node broken, so that the groups
    before it can finish. Plans of one group are skipped."""
    plan = pipeline.plan()
    if len(plan.groups) < 2:
        pytest.skip("the plan has one group: nothing can finish before the failure")
    last = plan.groups[-1]
    break_node(last.nodes[0])
    return plan, last, last.nodes[0]


def _failed_run_kept(
    store: ArtifactStore, run_id: str, plan: GroupPlan, failed: Group, node: str
) -> tuple[dict, list[Group]]:
    """Checks a run that failed at ``node``: its manifest names the failure and keeps, whole, what
    finished: at least every group the failed one needs, and any group that does not need it and
    ran anyway. Returns the failed group's record and the finished groups."""
    manifest = read_manifest(store, run_id)
    assert manifest["status"] == "failed"
    record = manifest["groups"][failed.name]
    assert record["status"] == "failed" and record["error"]["node"] == node
    groups = manifest["groups"]
    completed = {name for name, group in groups.items() if group["status"] == "completed"}
    finished = [group for group in plan.groups if group.name in completed]
    assert {g.name for g in plan.needed_for(groups=failed.depends_on)} <= completed
    for group in finished:  # what finished is kept, whole, and a resume starts from it
        refs = groups[group.name]["artifacts"]
        assert set(refs) == set(group.outputs)
        assert all(store.exists(ref) for ref in refs.values())
    return record, finished


@pytest.fixture
def failed_run_kept() -> Callable[..., tuple[dict, list[Group]]]:
    return _failed_run_kept
