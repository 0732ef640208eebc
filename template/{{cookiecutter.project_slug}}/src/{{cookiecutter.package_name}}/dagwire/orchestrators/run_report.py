"""The run's HTML report, refreshed by orchestrator tasks, and a short summary of the run.

An orchestrator shows task boxes; the report (``runtime.report``) shows the dataflow, the data
and what failed. Each Airflow task refreshes it when its group finishes or fails, and a Prefect
flow run writes it when the run ends, so the newest report is always one step away from the
orchestrator's own view. The report is a convenience: a failure to write it is logged as a
warning and never fails the task that ran the pipeline's code.
"""

from __future__ import annotations

import logging
import shlex
from typing import Any

from ..messages import format_duration
from ..runtime.artifacts import ArtifactStore
from ..runtime.records import read_item_record, read_manifest

log = logging.getLogger(__name__)

#: The line a task logs after refreshing the report; tests and people search for it.
REPORT_LINE = "dagwire report: %s"

#: Rewrites of the report at most while other tasks keep finishing meanwhile.
_REFRESH_ROUNDS = 3


def refresh_report(
    store: ArtifactStore, run_id: str, logger: logging.Logger | logging.LoggerAdapter | None = None
) -> str | None:
    """Rewrite the report of ``run_id`` and log where it is (to ``logger``: the orchestrator's
    run log); its URI, or None if it could not be written.

    Tasks of one run finish at once: a report written while another task was finishing may miss
    it, so it is written again while the run's records show something newer than before (the
    last task to finish then always leaves a report that saw every record).
    """
    logger = logger or log
    try:
        from ..runtime.report import write_report

        for _ in range(_REFRESH_ROUNDS):
            seen = _records_changed_at(store, run_id)
            uri = write_report(store, run_id)
            if _records_changed_at(store, run_id) == seen:
                break
    except Exception as exc:  # the run's outcome must not depend on its report
        logger.warning(
            "dagwire: the report of run '%s' in %s could not be written (%s: %s); the run "
            "itself is unaffected. To see why, try: report %s --traceback",
            run_id,
            store.root,
            type(exc).__name__,
            exc,
            shlex.quote(run_id),
        )
        return None
    logger.info(REPORT_LINE, uri)
    return uri


def _records_changed_at(store: ArtifactStore, run_id: str) -> str | None:
    return (read_manifest(store, run_id) or {}).get("updated_at")


#: Lines and characters kept of a failed node's traceback (its end), and failures shown at most:
#: the orchestrator's page shows the gist; the report (often on a worker or S3) holds the rest.
TRACEBACK_LINES = 12
TRACEBACK_CHARS = 1_500
FAILURES_SHOWN = 5


def run_summary(store: ArtifactStore, run_id: str, report_uri: str | None) -> str:
    """Markdown for an orchestrator's run page: the run's status, each task's, the failure if
    any (node, error, its function's file and line, the traceback's end), the run's numeric
    outputs, and where the full report is: a page the orchestrator's UI may not open (a
    ``file://`` on a worker, ``s3://``), so what matters most is here too, bounded."""
    manifest = read_manifest(store, run_id) or {}
    groups = manifest.get("groups", {})
    lines = [
        f"# {manifest.get('pipeline', '?')}: {manifest.get('status', 'not started')}",
        "",
        f"Run `{run_id}`, artifacts in `{store.run_uri(run_id)}`.",
        "",
        "| task | status | time |",
        "|---|---|---|",
    ]
    for group in (manifest.get("plan") or {}).get("groups", []):
        record = groups.get(group["name"], {})
        took = record.get("duration_s")
        took = format_duration(took) if isinstance(took, int | float) else "-"
        lines.append(f"| {group['name']} | {record.get('status', 'not run')} | {took} |")
    failures = _failures(store, run_id, groups)
    lines += ["", *failures, *_metrics(store, manifest), _where(report_uri)]
    return "\n".join(lines) + "\n"


def _failures(store: ArtifactStore, run_id: str, groups: dict[str, Any]) -> list[str]:
    failed: list[str] = []
    for name, record in groups.items():
        error = record.get("error") or {}
        if record.get("status") != "failed" or not error:
            continue
        if failed.count("") >= 2 * FAILURES_SHOWN:
            failed += ["(more tasks failed: the report shows them all)", ""]
            break
        item = f", item {error['item']}" if error.get("item") is not None else ""
        failed += [
            f"**Failed:** node `{error.get('node') or '?'}` in task `{name}`{item}: "
            f"`{error.get('type', 'Error')}: {_first_line(error.get('message', ''))}`",
            "",
            *_failure_details(_failure(store, run_id, name, record, error)),
        ]
    return failed


def _failure(
    store: ArtifactStore, run_id: str, group: str, record: dict[str, Any], error: dict[str, Any]
) -> dict[str, Any]:
    """What the failed node's record keeps (``evidence.failure_details``): in the group's
    record, or for a mapped group in its failed item's."""
    if error.get("item") is not None:
        try:
            record = read_item_record(store, run_id, group, error["item"]) or {}
        except Exception:  # noqa: BLE001 - the summary shows what it can
            return {}
    entry = (record.get("nodes") or {}).get(error.get("node") or "", {})
    return entry.get("failure") or {}


def _failure_details(failure: dict[str, Any]) -> list[str]:
    """The failed function's file and line, and the end of its traceback, in a code block."""
    lines = []
    source = failure.get("source") or {}
    if source.get("file"):
        lines += [f"Function defined in `{source['file']}`, line {source.get('line', '?')}.", ""]
    trace = str(failure.get("traceback") or "").rstrip()
    if trace:
        tail = "\n".join(trace.splitlines()[-TRACEBACK_LINES:])[-TRACEBACK_CHARS:]
        fence = "`" * 3
        lines += [fence + "text", tail.replace(fence, "'" * 3), fence, ""]
    return lines


def _metrics(store: ArtifactStore, manifest: dict[str, Any]) -> list[str]:
    """The run's numeric outputs (a number, or a dict of numbers), as the report charts them."""
    if not manifest:
        return []
    from ..runtime.report.metrics import MAX_METRICS, numeric_outputs

    numbers = list(numeric_outputs(store, manifest).items())[:MAX_METRICS]
    if not numbers:
        return []
    rows = [f"| {name} | {value:.6g} |" for name, value in numbers]
    return ["**Outputs:**", "", "| output | value |", "|---|---|", *rows, ""]


def _first_line(message: str, width: int = 300) -> str:
    """The message's first line, cut to ``width``, safe inside a Markdown code span."""
    line = (str(message).splitlines() or [""])[0].replace("`", "'")
    return line if len(line) <= width else line[: width - 3] + "..."


def _where(report_uri: str | None) -> str:
    if report_uri is None:
        return "The full report could not be written: the task's log says why."
    return f"Full report (the dataflow, the data, the failure): [{report_uri}]({report_uri})"
