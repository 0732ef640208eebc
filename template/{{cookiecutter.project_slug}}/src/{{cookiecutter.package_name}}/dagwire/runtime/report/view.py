"""A run as its report shows it, read once from the run's records: each node's status and time,
the tasks' lanes, the failures, and the command that resumes the run.

The records are the truth (``records.py``); this module only decides how to name what they say
for a person: a node taken from an earlier attempt is "reused", one the cache served is "cached",
one that never ran because something upstream failed is "skipped".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..artifacts import ArtifactStore, Ref
from ..records import RunError, list_runs, read_manifest
from ..resume import program, request_from_overrides, resume_command


@dataclass
class NodeView:
    """One node of the run's graph, as the page shows it."""

    name: str
    type: str
    group: str | None
    status: str
    started_at: str | None = None
    duration_s: float | None = None
    items: int | None = None
    error: dict[str, Any] | None = None
    failure: dict[str, Any] | None = None
    check: dict[str, Any] | None = None


@dataclass
class Lane:
    """One task of the run (a group, or one item of a mapped group) on the timeline."""

    name: str
    status: str
    started_at: str | None
    duration_s: float | None
    #: (node, started_at, duration_s, status) of each node the task ran, in order.
    nodes: list[tuple[str, str | None, float | None, str]] = field(default_factory=list)


@dataclass
class RunView:
    run_id: str
    manifest: dict[str, Any]
    nodes: dict[str, NodeView]
    edges: list[tuple[str, str]]
    lanes: list[Lane]
    #: Group-level errors no node raised (missing inputs, an artifact that could not be written).
    group_errors: dict[str, dict[str, Any]]
    store_root: str

    @property
    def status(self) -> str:
        return self.manifest.get("status", "?")

    @property
    def pipeline(self) -> str:
        return self.manifest.get("pipeline") or "?"

    @property
    def failed(self) -> list[NodeView]:
        return [n for n in self.nodes.values() if n.status == "failed"]

    @property
    def checks(self) -> list[NodeView]:
        return [n for n in self.nodes.values() if n.check]

    def artifacts(self) -> list[tuple[str, Ref]]:
        """Every artifact of the run, by node, the plan's outputs first."""
        found: dict[str, Ref] = {}
        for record in self.manifest.get("groups", {}).values():
            found.update(record.get("artifacts") or {})
        outputs = [o for o in self.manifest.get("plan", {}).get("outputs", []) if o in found]
        return [(name, found[name]) for name in [*outputs, *(n for n in found if n not in outputs)]]

    def resume_command(self) -> str:
        """The command that resumes this run as it was asked, on the plain runner."""
        manifest = self.manifest
        package = manifest.get("package") or manifest.get("pipeline", "").replace("-", "_")
        request = manifest.get("request") or request_from_overrides(manifest.get("overrides") or {})
        arguments = resume_command(self.run_id, request, artifacts=self.store_root)
        return f"{program(package) if package else 'python -m <package>'} {arguments}"


def read_run(store: ArtifactStore, run_id: str) -> RunView:
    """The run ``run_id`` of ``store`` as its report shows it; a clear error naming the runs that
    exist when there is no such run."""
    manifest = read_manifest(store, run_id)
    if manifest is None:
        raise unknown_run(store, run_id)
    items = _item_records(store, run_id)
    reused = _reused_groups(manifest, items)
    snapshot = manifest.get("graph") or {"nodes": {}, "edges": []}
    edges = [(a, b) for a, b in snapshot.get("edges", [])]
    nodes = _graph_nodes(manifest, snapshot["nodes"], edges)
    view = RunView(run_id, manifest, nodes, edges, [], {}, store.root)
    for planned in manifest.get("plan", {}).get("groups", []):
        record = manifest.get("groups", {}).get(planned["name"])
        records = items.get(planned["name"]) if planned.get("over") else None
        _add_group(view, planned, record, records or ([record] if record else []), reused)
    if manifest.get("status") == "failed":
        for node in nodes.values():
            if node.status == "pending":  # never ran: something upstream failed
                node.status = "skipped"
    view.lanes.sort(key=lambda lane: lane.started_at or "~")
    return view


def _graph_nodes(
    manifest: Mapping[str, Any], snapshot: Mapping[str, Any], edges: list[tuple[str, str]]
) -> dict[str, NodeView]:
    """Every node of the run's graph snapshot, pending until a record says otherwise, and the
    inputs it reads (config values and inputs, which no task computes)."""
    groups = manifest.get("plan", {}).get("groups", [])
    owner = {n: g["name"] for g in groups for n in g["nodes"]}
    nodes = {}
    for name in _all_names(snapshot, edges):
        if name in snapshot:
            nodes[name] = NodeView(
                name, snapshot[name].get("type", "?"), owner.get(name), "pending"
            )
        else:
            nodes[name] = NodeView(name, "input", None, "input")
    return nodes


def _add_group(
    view: RunView,
    planned: Mapping[str, Any],
    record: Mapping[str, Any] | None,
    records: list[Mapping[str, Any]],
    reused: set[str],
) -> None:
    """What one planned group did: its lanes (one per item for a mapped group), its nodes, and an
    error none of its nodes raised."""
    name = planned["name"]
    view.lanes.extend(_lane(one, name) for one in records)
    error = (record or {}).get("error")
    if error and not error.get("node"):
        view.group_errors[name] = error
    _fill_nodes(view.nodes, planned, records, name in reused)


def unknown_run(store: ArtifactStore, run_id: str) -> RunError:
    known = [m["run_id"] for m in list_runs(store)]
    shown = ", ".join(known[-10:]) if known else "none yet (run the pipeline first)"
    more = f" (the {len(known) - 10} older ones: runs)" if len(known) > 10 else ""
    return RunError(f"No run '{run_id}' under {store.root}. The runs there: {shown}{more}.")


def _all_names(snapshot_nodes: Iterable[str], edges: list[tuple[str, str]]) -> list[str]:
    names = dict.fromkeys(a for a, _ in edges if a not in snapshot_nodes)  # inputs first
    names.update(dict.fromkeys(snapshot_nodes))
    return list(names)


def _item_records(store: ArtifactStore, run_id: str) -> dict[str, list[dict[str, Any]]]:
    by_group: dict[str, list[dict[str, Any]]] = {}
    for record in store.list_records(run_id, "items"):
        by_group.setdefault(record.get("group", "?"), []).append(record)
    for records in by_group.values():
        records.sort(key=lambda r: r.get("item") if isinstance(r.get("item"), int) else -1)
    return by_group


def _reused_groups(manifest: Mapping[str, Any], items: Mapping[str, list]) -> set[str]:
    """Groups the run's latest attempt took from an earlier one (every item, for a mapped one)."""
    reused = {n for n, r in manifest.get("groups", {}).items() if _was_reused(r)}
    reused |= {n for n, records in items.items() if records and all(map(_was_reused, records))}
    return reused


def _was_reused(record: Mapping[str, Any]) -> bool:
    return bool(record.get("reused_at")) and record.get("status") == "completed"


def _lane(record: Mapping[str, Any], group: str) -> Lane:
    item = record.get("item")
    name = group if item is None else f"{group}[{item}]"
    status = "reused" if _was_reused(record) else record.get("status", "?")
    lane = Lane(name, status, record.get("started_at"), record.get("duration_s"))
    for node, entry in (record.get("nodes") or {}).items():
        lane.nodes.append((node, entry.get("started_at"), entry.get("duration_s"), entry["status"]))
    return lane


def _fill_nodes(
    nodes: dict[str, NodeView],
    planned: Mapping[str, Any],
    records: list[Mapping[str, Any]],
    reused: bool,
) -> None:
    """Each node of a group from its record (or its items' records, added up)."""
    for name in planned["nodes"]:
        node = nodes.get(name)
        entries = [r["nodes"][name] for r in records if name in (r.get("nodes") or {})]
        if node is None or not entries:
            continue
        statuses = [e.get("status") for e in entries]
        node.status = _status(statuses, entries, reused)
        node.started_at = min(
            (e["started_at"] for e in entries if e.get("started_at")), default=None
        )
        times = [e["duration_s"] for e in entries if isinstance(e.get("duration_s"), (int, float))]
        node.duration_s = round(sum(times), 6) if times else None
        counted = [e["items"] for e in entries if isinstance(e.get("items"), int)]
        node.items = sum(counted) if counted else (len(entries) if len(records) > 1 else None)
        failed = next((e for e in entries if e.get("status") == "failed"), None)
        if failed is not None:
            node.error, node.failure = failed.get("error"), failed.get("failure")
        node.check = next((e["check"] for e in entries if e.get("check")), None)


def _status(statuses: list[Any], entries: list[Mapping[str, Any]], reused: bool) -> str:
    if "failed" in statuses:
        return "failed"
    if "running" in statuses:
        return "running"
    if all(s == "completed" for s in statuses):
        if reused:
            return "reused"
        return "cached" if all(e.get("from_cache") for e in entries) else "completed"
    return "pending"
