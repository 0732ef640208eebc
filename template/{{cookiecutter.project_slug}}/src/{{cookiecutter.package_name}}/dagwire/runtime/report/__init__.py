"""A run as a page a person opens: ``report.html`` in the run's folder, and ``index.html`` at the
artifact root listing every run, both self-contained HTML that opens offline from the store.

    from dagwire.runtime.report import write_report
    uri = write_report(store, run_id)

``view`` reads the run from its records, ``previews`` looks at values within bounds and
``artifact_previews`` at stored artifacts (read in part, once),
``timeline`` draws the tasks over time, ``metrics`` the numeric outputs across runs, ``page`` and
``index`` make the two pages (``markup`` holds what they share), ``history`` lists the runs.
"""

from __future__ import annotations

from pathlib import Path

from ...io.urls import local_path
from ..artifacts import ArtifactStore, safe_run_id
from ..records import RunError
from .history import run_manifests
from .index import index_page
from .page import run_page
from .view import read_run

__all__ = ["REPORT", "INDEX", "newest_run", "report_html", "write_index", "write_report"]

REPORT = "report.html"
INDEX = "index.html"


def write_report(store: ArtifactStore, run_id: str) -> str:
    """Write run ``run_id``'s ``report.html`` into its folder and refresh the root's
    ``index.html``; return the report's URI."""
    html, manifests = _render(store, run_id, f"../{INDEX}")
    uri = store.write_file(f"{safe_run_id(run_id)}/{REPORT}", html.encode("utf-8"))
    write_index(store, manifests)
    return uri


def report_html(store: ArtifactStore, run_id: str) -> str:
    """The HTML of run ``run_id``'s report, written nowhere: its "all runs" link names the index
    where it is (a ``file://`` URL, or the store's URL), not beside the page."""
    return _render(store, run_id, index_location(store))[0]


def index_location(store: ArtifactStore) -> str:
    """Where a browser finds the root's ``index.html`` from any folder."""
    where = store.location(INDEX)
    path = local_path(where)
    return where if path is None else Path(path).resolve().as_uri()


def write_index(store: ArtifactStore, manifests: list | None = None) -> str:
    """Write ``<root>/index.html`` listing the root's runs; return its URI."""
    manifests = run_manifests(store) if manifests is None else manifests
    return store.write_file(INDEX, index_page(manifests, store.root).encode("utf-8"))


def newest_run(store: ArtifactStore) -> str:
    """The id of the run started last under ``store``'s root."""
    manifests = run_manifests(store)
    if not manifests:
        raise RunError(f"No runs under {store.root} yet: run the pipeline first.")
    return manifests[-1]["run_id"]


def _render(store: ArtifactStore, run_id: str, index_href: str) -> tuple[str, list]:
    view = read_run(store, run_id)
    manifests = [m for m in run_manifests(store) if m.get("run_id") != run_id]
    manifests.append(view.manifest)  # fresher than its published manifest.json
    manifests.sort(key=lambda m: m.get("created_at") or "")
    return run_page(view, store, manifests, index_href=index_href), manifests
