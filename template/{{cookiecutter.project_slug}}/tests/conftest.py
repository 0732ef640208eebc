{%- set c = cookiecutter -%}
{%- if c.orchestrator == "airflow" -%}
"""Airflow runs in-process in these tests: its home, database and DAG folder are temporary.

Template-owned. Airflow reads its configuration once, when it is first imported, so the
environment is set here, before any test module imports it.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="airflow-home-"))
# `dag.test()` runs a DAG only if the DAG folder defines it; these variants of dags/ run here.
TEST_DAG_FOLDER = AIRFLOW_HOME / "dags"
TEST_DAG_FILE = """\
from {{ c.package_name }}.dagwire.orchestrators.airflow import pipeline_dag

for grouping in ("stages", "nodes", "single"):
    globals()[grouping] = pipeline_dag(
        "{{ c.package_name }}", dag_id=f"test_{grouping}", grouping=grouping, retries=0
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
{%- elif c.orchestrator == "prefect" -%}
"""Prefect runs in-process in these tests, against a temporary server it starts once per session.

Template-owned. Prefect reads its settings when it is first imported, so they are set here,
before any test module imports it: its home, result storage and database live in a temporary
folder, and nothing is sent anywhere.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

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
