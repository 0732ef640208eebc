"""What orchestrator tasks do with the run's report: refresh it, say where it is, summarise the
run for the orchestrator's page, and never fail a task because of it.

``write_report`` is replaced by a recording stand-in here (the report's own tests cover the page);
these tests cover the wiring, without Airflow or Prefect.
"""

import logging
import sys
import types

import pytest
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.htypes import Collect, Parallelizable
from dagwire.orchestrators.run_report import refresh_report, run_summary
from dagwire.runtime.artifacts import ArtifactStore
from dagwire.runtime.pipeline import Pipeline
from dagwire.runtime.runs import run_pipeline


def numbers(n: int) -> list:
    return list(range(n))


def total(numbers: list) -> int:
    if len(numbers) > 3:
        raise ValueError("too many numbers | for one `total`\nsecond line")
    return sum(numbers)


def pipeline() -> Pipeline:
    return Pipeline(
        name="demo",
        modules=[create_temporary_module(numbers, total)],
        outputs=["total"],
        stages={"prepare": ["numbers"], "sum": ["total"]},
        config={"n": 3},
    )


@pytest.fixture
def store(tmp_path) -> ArtifactStore:
    return ArtifactStore(tmp_path / "artifacts")


def use_report_writer(monkeypatch, write_report) -> None:
    """``write_report`` stands in for the report's writer until the test ends."""
    stand_in = types.ModuleType("dagwire.runtime.report")
    stand_in.write_report = write_report
    monkeypatch.setitem(sys.modules, "dagwire.runtime.report", stand_in)


@pytest.fixture
def written(monkeypatch) -> list[str]:
    """The runs a stand-in ``write_report`` wrote a report for; it returns a URI per run."""
    calls: list[str] = []

    def write_report(store: ArtifactStore, run_id: str) -> str:
        calls.append(run_id)
        return store.location(run_id) + "/report.html"

    use_report_writer(monkeypatch, write_report)
    return calls


def test_a_refresh_writes_the_report_and_logs_where_it_is(store, written, caplog):
    run_pipeline(pipeline(), run_id="r1", store=store)
    with caplog.at_level(logging.INFO, logger="dagwire"):
        uri = refresh_report(store, "r1")
    assert written == ["r1"]  # the run did not change meanwhile: written once
    assert uri == store.location("r1") + "/report.html"
    assert f"dagwire report: {uri}" in caplog.messages


def test_a_report_that_cannot_be_written_warns_and_fails_nothing(store, monkeypatch, caplog):
    def write_report(store: ArtifactStore, run_id: str) -> str:
        raise OSError("disk full")

    use_report_writer(monkeypatch, write_report)
    run_pipeline(pipeline(), run_id="r1", store=store)
    logger = logging.getLogger("the-orchestrators-run-log")
    with caplog.at_level(logging.INFO):
        assert refresh_report(store, "r1", logger) is None
    (record,) = caplog.records
    assert record.name == logger.name and record.levelno == logging.WARNING
    assert "run 'r1'" in record.message and "OSError: disk full" in record.message
    assert "try: report r1 --traceback" in record.message  # the fix


def test_a_report_is_written_again_when_another_task_finished_meanwhile(store, monkeypatch):
    """The last task to finish must leave a report that saw every record."""
    run_pipeline(pipeline(), run_id="r1", store=store, stage="prepare")
    calls = []

    def write_report(store: ArtifactStore, run_id: str) -> str:
        calls.append(run_id)
        if len(calls) == 1:  # another task finishes while the first report is written
            run_pipeline(pipeline(), run_id="r1", store=store)
        return "report.html"

    use_report_writer(monkeypatch, write_report)
    assert refresh_report(store, "r1") == "report.html"
    assert calls == ["r1", "r1"]


def test_the_summary_of_a_completed_run_gives_each_task_and_the_report(store):
    run_pipeline(pipeline(), run_id="r1", store=store)
    summary = run_summary(store, "r1", "file:///runs/r1/report.html")
    assert summary.startswith("# demo: completed\n")
    assert "Run `r1`" in summary and store.run_uri("r1") in summary
    tasks = summary.split("|---|---|---|\n")[1].split("\n\n")[0].splitlines()
    assert [row.split(" | ")[:2] for row in tasks] == [
        ["| prepare", "completed"],
        ["| sum", "completed"],
    ]
    assert "Failed" not in summary
    assert "| output | value |\n|---|---|\n| total | 3 |\n" in summary  # the numeric outputs
    assert "(file:///runs/r1/report.html)" in summary


def test_the_summary_of_a_failed_run_names_the_node_and_the_error(store):
    with pytest.raises(ValueError):
        run_pipeline(pipeline(), run_id="r2", store=store, config={"n": 5})
    summary = run_summary(store, "r2", None)
    assert summary.startswith("# demo: failed\n")
    assert "| prepare | completed |" in summary and "| sum | failed |" in summary
    failed = next(line for line in summary.splitlines() if line.startswith("**Failed:**"))
    # one line, and the message's backtick cannot end the code span early
    assert failed == (
        "**Failed:** node `total` in task `sum`: `ValueError: too many numbers | for one 'total'`"
    )
    assert "could not be written" in summary  # no URI: the task's log says why
    # where and why, for a page that cannot open the report (a file:// on a worker, s3://)
    assert f"Function defined in `{__file__}`, line {total.__code__.co_firstlineno}." in summary
    trace = summary.split("```text\n")[1].split("```")[0]
    assert 'raise ValueError("too many numbers' in trace and trace.count("\n") <= 12
    assert trace.rstrip().endswith("second line") and "| output |" not in summary


def items(n: int) -> Parallelizable[int]:
    yield from range(n)


def checked(items: int) -> int:
    if items == 2:
        raise KeyError("item two is bad")
    return items


def count(checked: Collect[int]) -> int:
    return len(list(checked))


def test_the_summary_of_a_failed_item_shows_that_items_traceback(store):
    mapped = Pipeline(
        name="mapped",
        modules=[create_temporary_module(items, checked, count)],
        outputs=["count"],
        stages={"split": ["items"], "check": ["checked"], "combine": ["count"]},
        config={"n": 4},
    )
    with pytest.raises(KeyError):
        run_pipeline(mapped, run_id="m", store=store)
    summary = run_summary(store, "m", None)
    assert "node `checked` in task `check`, item 2: `KeyError" in summary
    assert 'raise KeyError("item two is bad")' in summary.split("```text")[1]


def test_the_summary_of_a_run_that_never_started_says_so(store):
    assert run_summary(store, "nothing", None).startswith("# ?: not started\n")
