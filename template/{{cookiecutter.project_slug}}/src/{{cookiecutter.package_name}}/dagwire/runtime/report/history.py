"""The runs under an artifact root, read cheaply: each run's published manifest.json (one read per
run), not the records it is derived from, so an index of hundreds of runs stays quick."""

from __future__ import annotations

from typing import Any

from ..artifacts import ArtifactStore
from ..records import MANIFEST, read_manifest


def run_manifests(store: ArtifactStore) -> list[dict[str, Any]]:
    """Every run's manifest, oldest first (a run with no published manifest yet is derived from
    its records; one that cannot be read is left out)."""
    manifests = []
    for folder in store.run_folders():
        try:
            manifest = store.read_record(folder, MANIFEST) or read_manifest(store, folder)
        except Exception:  # noqa: BLE001 - one broken run folder must not hide the others
            continue
        if manifest:
            manifest.setdefault("folder", folder)
            manifests.append(manifest)
    return sorted(manifests, key=lambda m: m.get("created_at") or "")
