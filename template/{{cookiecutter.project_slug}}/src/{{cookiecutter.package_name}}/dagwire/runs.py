"""Moved in 0.2.0 to ``dagwire.runtime.runs``.

Kept so code written for 0.1.0 keeps importing.
"""

from .runtime.runs import (
    FORMAT,
    MANIFEST,
    RunError,
    RunGraph,
    RunResult,
    completed_refs,
    graph_snapshot,
    list_runs,
    new_run_id,
    read_group_record,
    read_manifest,
    run_group,
    run_pipeline,
)

__all__ = [
    "FORMAT",
    "MANIFEST",
    "RunError",
    "RunGraph",
    "RunResult",
    "completed_refs",
    "graph_snapshot",
    "list_runs",
    "new_run_id",
    "read_group_record",
    "read_manifest",
    "run_group",
    "run_pipeline",
]
