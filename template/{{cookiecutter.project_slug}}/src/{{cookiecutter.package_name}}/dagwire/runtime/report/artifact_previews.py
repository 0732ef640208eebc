"""The preview of a stored artifact: read no more of it than the page shows, and only once.

A file's size on disk says little about its size in memory (a 600 kB parquet file can hold 500 MB
of repeated strings; a pickle runs code when loaded), and Airflow refreshes the report after every
task. So a table is previewed from its parquet metadata and first rows, a large array from its
header, a large JSON file from its first characters; a large pickle is never unpickled. An
artifact never changes once written, so each preview is kept beside the run's records
(``<run>/previews/<node>.json``) and a refresh previews only the artifacts that are new.
"""

from __future__ import annotations

from typing import Any

from ...messages import format_size
from ..artifacts import ArtifactStore, Ref, safe_name
from .previews import COLUMNS, ROWS, TEXT_CHARS, cell, cut, preview, table_preview

#: JSON files larger than this are shown by their first characters, not parsed.
JSON_LIMIT = 256_000
#: Pickles larger than this are never unpickled for a preview: the page shows their size.
PICKLE_LIMIT = 2_000_000
#: Artifacts of a format that cannot be read in part (an array's values, a serializer a project
#: registered) larger than this are never loaded for a preview.
LOAD_LIMIT = 20_000_000

PREVIEWS = "previews"


def preview_artifact(store: ArtifactStore, ref: Ref, run_id: str | None = None) -> dict[str, Any]:
    """The preview of the artifact ``ref`` points to (a fan-out's list of items: its first
    item); ``{"kind": "unloaded", "reason"}`` when it is not read here. With ``run_id``, the
    preview kept for this artifact in that run is used, or kept once computed."""
    path = f"{PREVIEWS}/{safe_name(ref.get('name') or ref.get('key') or '?')}.json"
    kept = _kept(store, run_id, path, ref) if run_id else None
    if kept is not None:
        return kept
    shown, lasting = _read(store, ref)
    if run_id and lasting:
        _keep(store, run_id, path, ref, shown)
    return shown


def _identity(ref: Ref) -> list[Any]:
    """What tells one artifact from another written at the same place (a group run again)."""
    first = (ref.get("items") or [ref])[0]
    return [ref.get("uri"), ref.get("size"), len(ref.get("items", ())), first.get("size")]


def _kept(store: ArtifactStore, run_id: str, path: str, ref: Ref) -> dict[str, Any] | None:
    try:
        record = store.read_record(run_id, path)
    except Exception:  # noqa: BLE001 - a damaged preview is computed again
        return None
    if record is None or record.get("artifact") != _identity(ref):
        return None
    return record.get("preview")


def _keep(store: ArtifactStore, run_id: str, path: str, ref: Ref, shown: dict) -> None:
    try:
        store.write_record(run_id, path, {"artifact": _identity(ref), "preview": shown})
    except Exception:  # noqa: BLE001 - a store this report cannot write to: compute it next time
        pass


def _read(store: ArtifactStore, ref: Ref) -> tuple[dict[str, Any], bool]:
    """The preview, and whether it lasts (a missing library or file may be fixed later)."""
    if "items" in ref:
        if not ref["items"]:
            return {"kind": "json", "type": "list", "text": "[]"}, True
        first, lasting = _read(store, ref["items"][0])
        return {"kind": "items", "count": len(ref["items"]), "first": first}, lasting
    size = ref.get("size") if isinstance(ref.get("size"), int) else None
    reader = _READERS.get(ref.get("serializer"), _whole)
    try:
        return reader(store, ref, size), True
    except Exception as exc:  # noqa: BLE001 - a report shows what it can, and says what it could not
        reason = f"could not be read here: {type(exc).__name__}: {exc}"
        return {"kind": "unloaded", "reason": reason}, False


def _whole(store: ArtifactStore, ref: Ref, size: int | None, limit: int = LOAD_LIMIT) -> dict:
    if size is None or size > limit:
        return _unloaded(f"larger than the preview limit ({limit:,} bytes)")
    return preview(store.load(ref))


def _pickle(store: ArtifactStore, ref: Ref, size: int | None) -> dict:
    if size is None or size > PICKLE_LIMIT:
        return _unloaded(
            f"a pickle over {format_size(PICKLE_LIMIT)} is not unpickled for a preview"
        )
    return preview(store.load(ref))


def _json(store: ArtifactStore, ref: Ref, size: int | None) -> dict:
    if size is not None and size <= JSON_LIMIT:
        return preview(store.load(ref))
    with store.open(ref) as file:
        head = file.read(TEXT_CHARS).decode("utf-8", errors="ignore")
    note = f"the first {len(head):,} characters of {format_size(size)} of JSON, not parsed"
    return {"kind": "json", "type": f"JSON ({note})", "text": cut(head + " ...", TEXT_CHARS)}


def _parquet(store: ArtifactStore, ref: Ref, size: int | None) -> dict:
    """Schema and row count from the metadata, and the first rows: never the whole table."""
    import pyarrow.parquet as pq

    with store.open(ref) as file:
        parquet = pq.ParquetFile(file)
        fields = [f for f in parquet.schema_arrow if not f.name.startswith("__index_level_")]
        shown = fields[:COLUMNS]
        names = [f.name for f in shown]
        batch = next(parquet.iter_batches(batch_size=ROWS, columns=names), None)
        head = batch.to_pylist()[:ROWS] if batch is not None else []
        rows_count = parquet.metadata.num_rows
        series = b"dagwire.series" in (parquet.schema_arrow.metadata or {})
    columns = [{"name": f.name, "type": str(f.type)} for f in shown]
    rows = [[cell(row[name]) for name in names] for row in head]
    kind = "Series" if series else "DataFrame"
    return table_preview(kind, (rows_count, len(fields)), columns, rows)


def _npy(store: ArtifactStore, ref: Ref, size: int | None) -> dict:
    """A small array whole (its statistics); a large one by its header: shape and dtype."""
    if size is not None and size <= LOAD_LIMIT:
        return preview(store.load(ref))
    from numpy.lib import format as npy

    with store.open(ref) as file:
        version = npy.read_magic(file)
        read_header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, _, dtype = read_header(file)
    not_read = f"(values not read: {format_size(size)})"
    shape_list = [int(n) for n in shape]
    return {
        "kind": "array",
        "type": "ndarray",
        "shape": shape_list,
        "dtype": str(dtype),
        "text": not_read,
    }


def _unloaded(reason: str) -> dict[str, Any]:
    return {"kind": "unloaded", "reason": reason}


_READERS = {"parquet": _parquet, "npy": _npy, "json": _json, "pickle": _pickle}
