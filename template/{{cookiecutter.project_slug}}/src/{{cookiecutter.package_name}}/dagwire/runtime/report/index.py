"""The index of runs, ``<artifact root>/index.html``: every run of the root, newest first, each
linked to its report, so a person finds a run without knowing its id."""

from __future__ import annotations

from typing import Any

from .markup import esc, page, status, table

#: Runs listed at most, newest first.
MAX_RUNS = 500


def index_page(manifests: list[dict[str, Any]], root: str) -> str:
    """The HTML of the index of ``manifests`` (oldest first, as ``history.run_manifests`` gives)."""
    newest = list(reversed(manifests))[:MAX_RUNS]
    rows = [
        (
            f'<a href="{esc(m.get("folder", m["run_id"]))}/report.html">'
            f"<code>{esc(m['run_id'])}</code></a>",
            esc(m.get("pipeline", "?")),
            status(m.get("status", "?")),
            esc(m.get("created_at") or ""),
            esc(m.get("updated_at") or ""),
            esc(len(m.get("plan", {}).get("groups", []))),
        )
        for m in newest
    ]
    more = ""
    if len(manifests) > MAX_RUNS:
        more = f"<p>The newest {MAX_RUNS} of {len(manifests)} runs are listed.</p>"
    header = ["run", "pipeline", "status", "started", "last written", "tasks"]
    body = [
        f"<h1>Runs under <code>{esc(root)}</code></h1>",
        "<p>A run's report is written when it finishes (the <code>report</code> command writes "
        "it again); a run with no report yet shows none.</p>",
        table(header, rows, raw=True) if rows else "<p>No runs yet.</p>",
        more,
    ]
    return page(f"Runs under {root}", body)
