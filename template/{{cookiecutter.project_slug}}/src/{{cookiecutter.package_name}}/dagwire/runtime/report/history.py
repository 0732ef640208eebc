"""The runs under an artifact root, read cheaply: each run's published manifest.json (one read per
run), not the records it is derived from, and several at once, so an index of hundreds of runs
on an object store costs a few round trips' time, not hundreds."""

from __future__ import annotations

from typing import Any

from ..artifacts import ArtifactStore
from ..records import MANIFEST, read_manifest

#: Manifests read at once (object stores answer each read after a round trip).
READERS = 16


def run_manifests(store: ArtifactStore) -> list[dict[str, Any]]:
    """Every run's manifest, oldest first (a run with no published manifest yet is derived from
    its records; one that cannot be read is left out)."""
    folders = store.run_folders()
    if len(folders) <= 1:
        found = [_manifest(store, f) for f in folders]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(READERS, len(folders))) as pool:
            found = list(pool.map(lambda folder: _manifest(store, folder), folders))
    return sorted((m for m in found if m), key=lambda m: m.get("created_at") or "")


def _manifest(store: ArtifactStore, folder: str) -> dict[str, Any] | None:
    try:
        manifest = store.read_record(folder, MANIFEST) or read_manifest(store, folder)
    except Exception:  # noqa: BLE001 - one broken run folder must not hide the others
        return None
    if manifest:
        manifest.setdefault("folder", folder)
    return manifest
