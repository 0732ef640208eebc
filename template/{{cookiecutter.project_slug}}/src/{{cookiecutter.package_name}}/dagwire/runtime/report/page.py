"""The run page: one self-contained HTML file that shows a person what a run did.

Failures come first (the node, its error, traceback, source and inputs, and the command that
resumes the run), then the dataflow as it was at that run, the timeline, the metrics across
runs, the checks, the artifacts with previews, every node, and the config. Each part is bounded,
so a 1,000-node pipeline or a huge artifact still makes a page a browser opens at once.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...drawing import dataflow_svg
from ...messages import short_repr
from ..artifacts import ArtifactStore
from .artifact_previews import preview_artifact
from .markup import anchor, esc, page, seconds, size, status, table
from .metrics import metric_series, metrics_html
from .timeline import timeline_svg
from .view import NodeView, RunView

#: Artifacts previewed at most (the plan's outputs first); the others are listed with their size.
MAX_PREVIEWS = 40


def run_page(
    view: RunView, store: ArtifactStore, manifests: list[dict[str, Any]], *, index_href: str
) -> str:
    """The HTML of ``view``'s page; ``manifests`` are the root's runs, for the metrics;
    ``index_href`` links the index of runs from where the page is written."""
    manifest = view.manifest
    title = f"{view.pipeline} run {view.run_id}: {view.status}"
    body = [
        f"<h1>{esc(view.pipeline)} · run <code>{esc(view.run_id)}</code> "
        f"{status(view.status)}</h1>",
        f'<nav><a href="{esc(index_href)}">all runs</a><a href="#dataflow">dataflow</a>'
        '<a href="#timeline">timeline</a><a href="#metrics">metrics</a>'
        '<a href="#artifacts">artifacts</a><a href="#nodes">nodes</a>'
        '<a href="#config">config</a></nav>',
        _summary(view),
        _failures(view),
        '<h2 id="dataflow">Dataflow</h2>',
        f'<div class="figure">{_dataflow(view)}</div>',
        '<h2 id="timeline">Timeline</h2>',
        f'<div class="figure">{timeline_svg(view.lanes) or "<p>Nothing has run yet.</p>"}</div>',
        '<h2 id="metrics">Metrics across runs</h2>',
        metrics_html(metric_series(store, manifests, view.run_id, manifest), view.run_id),
        _checks(view),
        '<h2 id="artifacts">Artifacts</h2>',
        _artifacts(view, store),
        '<h2 id="nodes">Nodes</h2>',
        _nodes(view),
        '<h2 id="config">Config</h2>',
        _config(manifest),
    ]
    return page(title, body)


def _summary(view: RunView) -> str:
    m = view.manifest
    rows = [
        ("pipeline", m.get("pipeline", "?")),
        ("run id", view.run_id),
        ("status", view.status),
        ("started", m.get("created_at", "?")),
        ("last written", m.get("updated_at", "?")),
        ("task grouping", m.get("plan", {}).get("grouping", "?")),
        ("artifacts", view.store_root + "/" + m.get("folder", view.run_id)),
        ("package", m.get("package") or "?"),
        ("engine version", m.get("engine_version") or "?"),
    ]
    return table(["", ""], rows)


def _failures(view: RunView) -> str:
    parts = []
    for node in view.failed:
        parts.append(_failure(node))
    for group, error in view.group_errors.items():
        parts.append(
            f'<div class="failure"><h3>Task {esc(group)} failed</h3>'
            f"<p><b>{esc(error.get('type'))}</b>: {esc(error.get('message'))}</p></div>"
        )
    if view.status in ("failed", "incomplete", "running"):
        parts.append(
            "<p>Fix the problem, then resume the run (what completed is reused):</p>"
            f'<pre class="resume">{esc(view.resume_command())}</pre>'
        )
    return '<h2 id="failure">What failed</h2>' + "".join(parts) if parts else ""


def _failure(node: NodeView) -> str:
    error = node.error or {}
    failure = node.failure or {}
    parts = [
        f'<div class="failure" data-failed="{esc(node.name)}">',
        f"<h3>Node <code>{esc(node.name)}</code> (task {esc(node.group)})</h3>",
        f"<p><b>{esc(error.get('type', '?'))}</b>: {esc(error.get('message', ''))}</p>",
    ]
    source = failure.get("source")
    if source:
        parts.append(
            f"<p>Source: <code>{esc(source['file'])}:{esc(source['line'])}</code></p>"
            f'<pre class="source">{esc(source["text"])}</pre>'
        )
    inputs = failure.get("inputs") or {}
    if inputs:
        rows = [(f"<code>{esc(k)}</code>", f"<pre>{esc(v)}</pre>") for k, v in inputs.items()]
        parts.append("<p>The inputs it got:</p>" + table(["input", "value"], rows, raw=True))
    if failure.get("traceback"):
        parts.append(f'<p>Traceback:</p><pre class="traceback">{esc(failure["traceback"])}</pre>')
    parts.append("</div>")
    return "".join(parts)


def _dataflow(view: RunView) -> str:
    nodes = view.nodes
    config = view.manifest.get("config") or {}
    lines = {}
    for name, node in nodes.items():
        if node.status != "input":
            lines[name] = [node.type, _time(node)]
        elif name in config:
            lines[name] = ["= " + short_repr(config[name], 24)]
    picture = dataflow_svg(
        list(nodes),
        view.edges,
        lines=lines,
        status={n: node.status for n, node in nodes.items()},
        groups={n: node.group for n, node in nodes.items() if node.group},
        links={n: "#" + anchor("node", n) for n in nodes},
        title=f"{view.pipeline} · {view.run_id}",
    )
    return _fitted(picture)


def _fitted(picture: str) -> str:
    """The picture shrunk to the page's width, but never below half its size: a small pipeline
    is seen whole at a glance, and a large one stays legible (the figure scrolls instead)."""
    natural = re.match(r'<svg[^>]* width="([0-9.]+)"', picture)
    if natural is None:
        return picture
    width = float(natural[1])
    style = f' style="width:min({width:g}px,max(100%,{width / 2:g}px));height:auto"'
    return picture.replace("<svg ", "<svg" + style + " ", 1)


def _time(node: NodeView) -> str:
    took = seconds(node.duration_s) or "-"
    return f"{took} · {node.items} items" if node.items else took


def _checks(view: RunView) -> str:
    checks = view.checks
    if not checks:
        return ""
    rows = [
        (
            f"<code>{esc(n.check.get('of') or '?')}</code>",
            f"<code>{esc(n.name)}</code>",
            status("completed", "passed") if n.check["passes"] else status("failed"),
            esc(n.check.get("message", "")),
        )
        for n in checks
    ]
    return '<h2 id="checks">Checks</h2>' + table(
        ["node", "check", "result", "message"], rows, raw=True
    )


def _artifacts(view: RunView, store: ArtifactStore) -> str:
    artifacts = view.artifacts()
    if not artifacts:
        return "<p>No artifacts yet.</p>"
    parts = []
    for i, (name, ref) in enumerate(artifacts):
        shown = preview_html(preview_artifact(store, ref, view.run_id)) if i < MAX_PREVIEWS else ""
        parts.append(
            f'<div class="card artifact" id="{esc(anchor("artifact", name))}">'
            f"<h3><code>{esc(name)}</code> · {esc(size(ref.get('size')))}"
            f" · {esc(ref.get('serializer') or str(len(ref.get('items', []))) + ' items')}</h3>"
            f'<p class="muted">{esc(ref.get("uri", ""))}</p>{shown}</div>'
        )
    if len(artifacts) > MAX_PREVIEWS:
        parts.append(f"<p>Previews of the first {MAX_PREVIEWS} artifacts are shown.</p>")
    return "".join(parts)


def preview_html(shown: dict[str, Any]) -> str:
    """The HTML of a preview (``previews.preview``, ``artifact_previews.preview_artifact``)."""
    kind = shown["kind"]
    if kind == "table":
        rows_, cols = shown["shape"][0], shown["shape"][1]
        types = ", ".join(f"{c['name']}: {c['type']}" for c in shown["columns"])
        return (
            f"<p>{esc(shown['type'])}: {rows_:,} rows × {cols:,} columns ({esc(types)})</p>"
            + table([c["name"] for c in shown["columns"]], shown["rows"])
        )
    if kind == "array":
        stats = ", ".join(f"{k} {v}" for k, v in shown.get("stats", {}).items())
        return (
            f"<p>{esc(shown['type'])} shape {esc(tuple(shown['shape']))}, dtype "
            f"{esc(shown['dtype'])}{', ' + esc(stats) if stats else ''}</p>"
            f"<pre>{esc(shown['text'])}</pre>"
        )
    if kind == "items":
        return f"<p>{shown['count']:,} items; the first:</p>" + preview_html(shown["first"])
    if kind == "unloaded":
        return f'<p class="muted">Not previewed: {esc(shown["reason"])}.</p>'
    return f"<p>{esc(shown['type'])}</p><pre>{esc(shown['text'])}</pre>"


def _nodes(view: RunView) -> str:
    code = view.manifest.get("graph", {}).get("nodes", {})
    rows = []
    for name, node in view.nodes.items():
        if node.status == "input":
            continue
        sha = (code.get(name) or {}).get("code_sha256", "")
        rows.append(
            (
                f'<code id="{esc(anchor("node", name))}">{esc(name)}</code>',
                esc(node.group or ""),
                esc(node.type),
                status(node.status),
                esc(_time(node) if node.duration_s is not None else ""),
                f'<code title="{esc(sha)}">{esc(sha[:12])}</code>',
            )
        )
    header = ["node", "task", "type", "status", "time", "code version"]
    return table(header, rows, raw=True)


def _config(manifest: dict[str, Any]) -> str:
    config = manifest.get("config") or {}
    overrides = manifest.get("overrides") or {}
    rows = [
        (key, json.dumps(value, ensure_ascii=False), "--set" if key in overrides else "")
        for key, value in config.items()
    ]
    return table(["key", "value", "given by"], rows) if rows else "<p>No config.</p>"
