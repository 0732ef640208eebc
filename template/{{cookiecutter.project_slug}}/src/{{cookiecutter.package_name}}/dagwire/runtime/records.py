"""What a run has recorded, and what follows from it: the truth that every runner reads.

A run folder holds:

    <root>/<run>/<node>.<ext>            the artifacts (values that cross a group boundary)
    <root>/<run>/run.json                the run: config, plan, graph snapshot, and what the
                                         command line asked (its resume repeats it)
    <root>/<run>/groups/<group>.json     one record per group, written only by that group's task
    <root>/<run>/<node>/<i>.<ext>        a value per item of a Parallelizable node (fan-out)
    <root>/<run>/items/<group>.<i>.json  one record per item of a mapped group, by its task
    <root>/<run>/manifest.json           run.json with every group's record: derived, for reading
    <root>/<run>/report.html             the run's report, and previews/<node>.json, its look at
                                         each artifact (kept: an artifact never changes)

Groups of one run finish at once in separate processes and machines, and object stores have no
locks and no atomic rename, so no task ever reads, changes and writes back a shared file. Each
task writes only its own record; ``read_manifest`` derives the run from run.json and the records
(a mapped group's record from its items' records). manifest.json is that derived view, rewritten
by each task that finishes a group (and once by the plain runner when it stops) until a fresh
listing shows nothing newer than what it wrote: the last writer always saw every record, so the
file never under-reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..errors import DagwireError
from .artifacts import ArtifactStore, Ref, safe_name
from .plan import Group, GroupPlan

RUN = "run.json"

MANIFEST = "manifest.json"

#: Rewrites of manifest.json a finishing group makes at most while records keep changing.
_PUBLISH_ROUNDS = 20

FORMAT = "dagwire-run/1"


class RunError(DagwireError):
    """A run cannot go on as asked: missing upstream artifacts, or a resume with another config."""


def read_group_record(store: ArtifactStore, run_id: str, group: str) -> dict[str, Any] | None:
    """What the last attempt of ``group`` in ``run_id`` did (None if it never started)."""
    return store.read_record(run_id, _record_path(group))


def read_item_record(
    store: ArtifactStore, run_id: str, group: str, index: int
) -> dict[str, Any] | None:
    """What the last attempt of item ``index`` of the mapped ``group`` did (None if never run)."""
    return store.read_record(run_id, _item_path(group, index))


def note_reused(store: ArtifactStore, run_id: str, path: str) -> None:
    """Mark the record at ``path`` as taken, not run again, by the latest attempt of the run (a
    resume, a cleared task), so a report can tell reused work from work done. Only the task of
    that group or item calls it, as only it writes that record."""
    record = store.read_record(run_id, path)
    if record is not None:
        store.write_record(run_id, path, {**record, "reused_at": _now()})


def item_count(store: ArtifactStore, run_id: str, plan: GroupPlan, group: Group | str) -> int:
    """How many items the mapped ``group`` runs in ``run_id``: the number its Parallelizable node
    gave, read from the record of the group that computed it (which must have completed)."""
    group = plan[group] if isinstance(group, str) else group
    return _item_count(store, run_id, group.name, group.over, plan.owner(group.over).name)


def _item_count(store: ArtifactStore, run_id: str, group: str, over: str, producer: str) -> int:
    record = read_group_record(store, run_id, producer) or {}
    ref = record.get("artifacts", {}).get(over) if record.get("status") == "completed" else None
    if ref is None:
        raise RunError(
            f"Group '{group}' runs once per item of '{over}', which group "
            f"'{producer}' has not completed in run '{run_id}'; run '{producer}' first."
        )
    return len(ref["items"])


def completed_refs(
    store: ArtifactStore,
    run_id: str,
    group: Group,
    code: Mapping[str, str] | None = None,
    plan: GroupPlan | None = None,
) -> dict[str, Ref] | None:
    """The group's references if its last attempt in this run still stands, else None.

    It stands if it completed, its artifacts are whole, its nodes' code hashes are ``code`` (when
    given: the code now), and no group it depends on has finished again since it started (a
    re-run upstream, e.g. after a code fix, makes everything downstream of it run again too).
    """
    return _standing_refs(store, run_id, plan, group, _record_path(group.name), code)


def _standing_refs(
    store: ArtifactStore,
    run_id: str,
    plan: GroupPlan | None,
    group: Group,
    path: str,
    code: Mapping[str, str] | None,
) -> dict[str, Ref] | None:
    """The references the record at ``path`` holds, if it still stands (see completed_refs)."""
    record = store.read_record(run_id, path)
    if not record or record.get("status") != "completed":
        return None
    if code is not None and record.get("code") != dict(code):
        return None
    refs = record.get("artifacts", {})
    if not all(name in refs and store.exists(refs[name]) for name in group.outputs):
        return None
    started = record.get("started_at") or ""
    for upstream in group.depends_on:
        before = read_group_record(store, run_id, upstream)
        if before is None and plan is not None and plan[upstream].over:
            before = _mapped_record(store, run_id, plan.to_dict(), upstream)
        before = before or {}
        if before.get("status") != "completed" or (before.get("finished_at") or "~") > started:
            return None
    return {name: refs[name] for name in group.outputs}


def _mapped_record(
    store: ArtifactStore, run_id: str, plan: Mapping[str, Any], name: str
) -> dict[str, Any] | None:
    """Mapped group ``name``'s record, derived from its items' records (no task owns a shared
    one); ``plan`` is a plan's ``to_dict()``, as run.json keeps it.

    Only the records of the items the producing group's last attempt gave count: an item numbered
    past today's count, or started before the producer last finished, belongs to an earlier
    attempt (the producer's code or input changed) and must not fail or hold up this one.
    """
    groups = {g["name"]: g for g in plan["groups"]}
    group = groups[name]
    over = group["over"]
    producer = next((g for g in groups.values() if over in g["nodes"]), None)
    if producer is None:  # a plan that does not compute the items: nothing was run per item
        return None
    made = read_group_record(store, run_id, producer["name"]) or {}
    try:
        count: int | None = _item_count(store, run_id, name, over, producer["name"])
    except RunError:
        count = None
    since = made.get("finished_at") or ""
    items = {
        r.get("item"): r
        for r in store.list_records(run_id, "items")
        if r.get("group") == name
        and (
            count is None
            or (isinstance(r.get("item"), int) and r["item"] < count)
            and (r.get("started_at") or "") >= since
        )
    }
    if not items and count != 0:  # no item started (a block of no items is complete at once)
        return None
    statuses = [r.get("status") for r in items.values()]
    complete = count is not None and all(
        items.get(i, {}).get("status") == "completed" for i in range(count)
    )
    if "failed" in statuses:
        status = "failed"
    elif "running" in statuses:
        status = "running"
    else:
        status = "completed" if complete else "incomplete"
    artifacts = {}
    if complete and count is not None:
        for output in group["outputs"]:
            refs = [items[i]["artifacts"].get(output) for i in range(count)]
            if all(refs):
                artifacts[output] = store.item_list(run_id, output, refs)
    started = [r["started_at"] for r in items.values() if r.get("started_at")]
    finished = [r["finished_at"] for r in items.values() if r.get("finished_at")]
    failed = sorted((r for r in items.values() if r.get("status") == "failed"), key=_item_of)
    return {
        "group": name,
        "over": over,
        "status": status,
        "items": count,
        "items_completed": sum(s == "completed" for s in statuses),
        "attempt": max((r.get("attempt", 1) for r in items.values()), default=0),
        # no items: done when they were counted, so what follows stands on a resume
        "started_at": min(started, default=made.get("finished_at")),
        "finished_at": max(finished, default=made.get("finished_at")) if complete else None,
        "outputs": list(group["outputs"]),
        "artifacts": artifacts,
        "code": next(iter(items.values()), {}).get("code"),
        "error": {**(failed[0].get("error") or {}), "item": failed[0].get("item")}
        if failed
        else None,
    }


def all_items_recorded(store: ArtifactStore, run_id: str, group: str, count: int) -> bool:
    """Whether each of the ``count`` items of ``group`` has a record (one listing, no reads)."""
    names = set(store.record_names(run_id, "items"))
    return all(_item_path(group, i).rpartition("/")[2] in names for i in range(count))


def _item_of(record: Mapping[str, Any]) -> int:
    return record.get("item") if isinstance(record.get("item"), int) else -1


def _available(plan: GroupPlan, group: Group, run_id: str, store: ArtifactStore) -> dict[str, Ref]:
    """What the groups ``group`` depends on have recorded, by value name."""
    available: dict[str, Ref] = {}
    for upstream in group.depends_on:
        record = group_record(store, run_id, plan, upstream) or {}
        available.update(record.get("artifacts", {}))
    return available


def group_record(
    store: ArtifactStore, run_id: str, plan: GroupPlan, group: str
) -> dict[str, Any] | None:
    """What ``group`` of ``plan`` did in ``run_id``: its record, or for a group run once per
    item the record derived from its items' records (None if it never started)."""
    if plan[group].over:
        return _mapped_record(store, run_id, plan.to_dict(), group)
    return read_group_record(store, run_id, group)


def _read_header(store: ArtifactStore, run_id: str) -> dict[str, Any] | None:
    """run.json, or what a run written before run.json existed holds in its place."""
    header = store.read_record(run_id, RUN)
    return header if header is not None else _header_before_run_json(store, run_id)


def _header_before_run_json(store: ArtifactStore, run_id: str) -> dict[str, Any] | None:
    """Runs of 0.2.0 kept run.json's fields in manifest.json, beside the groups and status."""
    manifest = store.read_record(run_id, MANIFEST)
    if manifest is None:
        return None
    return {k: v for k, v in manifest.items() if k not in ("groups", "status", "updated_at")}


def publish_manifest(store: ArtifactStore, run_id: str) -> dict[str, Any] | None:
    """Write manifest.json from run.json and the group records, again while a fresh listing
    shows records newer than what was written (another task finished meanwhile)."""
    manifest = read_manifest(store, run_id)
    for _ in range(_PUBLISH_ROUNDS):
        if manifest is None:
            return None
        store.write_record(run_id, MANIFEST, manifest)
        latest = read_manifest(store, run_id)
        if latest is None or latest["groups"] == manifest["groups"]:
            return manifest
        manifest = latest
    return manifest


def read_manifest(store: ArtifactStore, run_id: str) -> dict[str, Any] | None:
    """The run as it is now: run.json with every group record (the records are the truth)."""
    manifest = _read_header(store, run_id)
    if manifest is None:
        return None
    groups = manifest["groups"] = {}
    for record in store.list_records(run_id, "groups"):
        groups[record.get("group", "?")] = record
    plan = manifest.get("plan") or {"groups": []}
    for group in plan["groups"]:
        if group.get("over"):
            record = _mapped_record(store, run_id, plan, group["name"])
            if record is not None:
                groups[group["name"]] = record
    _summarize(manifest)
    return manifest


def list_runs(store: ArtifactStore) -> list[dict[str, Any]]:
    """Every run under the store's root, oldest first.

    A run whose records cannot be read is skipped with a warning, so one broken run folder does
    not hide all the others.
    """
    import warnings

    manifests = []
    for folder in store.run_folders():
        try:
            manifest = read_manifest(store, folder)
        except DagwireError as exc:
            warnings.warn(f"dagwire: skipping run '{folder}': {exc}", stacklevel=2)
            continue
        if manifest:
            manifests.append(manifest)
    return sorted(manifests, key=lambda m: m.get("created_at") or "")


def _summarize(manifest: dict[str, Any]) -> None:
    planned = [g["name"] for g in manifest.get("plan", {}).get("groups", [])]
    statuses = [manifest.get("groups", {}).get(g, {}).get("status") for g in planned]
    if "failed" in statuses:
        status = "failed"
    elif "running" in statuses:
        status = "running"
    elif statuses and all(s == "completed" for s in statuses):
        status = "completed"
    else:
        status = "incomplete"
    manifest["status"] = status
    manifest["updated_at"] = _last_written(manifest)


def _last_written(manifest: Mapping[str, Any]) -> str | None:
    """When anything in the run was last written: the records say, not the clock of the reader
    (a run read an hour after it stopped was not updated an hour later)."""
    times = [manifest.get("created_at")]
    for record in manifest.get("groups", {}).values():
        times += [record.get("started_at"), record.get("finished_at")]
    return max((t for t in times if t), default=None)


def _record_path(group: str) -> str:
    return f"groups/{safe_name(group)}.json"


def _item_path(group: str, index: int) -> str:
    return f"items/{safe_name(f'{group}.{int(index)}')}.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
