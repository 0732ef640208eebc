"""Apache Hamilton's in-memory stores: a cache that lives as long as the driver's process.

For notebooks and tests, where nothing should be written: results are kept as the objects
themselves (not copies), keys in a dictionary. ``persist_to`` writes them to folder stores (the
cache's default folder unless given) and ``load_from`` reads them back, so a session can start
from, and end in, a cache on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import MetadataStore, ResultRetrievalError, ResultStore
from .file import DEFAULT_PATH, FileMetadataStore, FileResultStore


class InMemoryMetadataStore(MetadataStore):
    """Cache keys -> data versions, per run, in memory."""

    def __init__(self) -> None:
        self._versions: dict[str, str] = {}
        self._keys_by_run: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self._versions)

    @property
    def size(self) -> int:
        return len(self._versions)

    def initialize(self, run_id: str) -> None:
        self._keys_by_run.setdefault(run_id, [])

    def set(self, *, cache_key: str, data_version: str, run_id: str = "", **kwargs: Any) -> None:
        self._versions[cache_key] = data_version
        self._keys_by_run.setdefault(run_id, []).append(cache_key)

    def get(self, cache_key: str, **kwargs: Any) -> str | None:
        return self._versions.get(cache_key)

    def delete(self, cache_key: str) -> None:
        self._versions.pop(cache_key, None)

    def delete_all(self) -> None:
        self._versions.clear()
        self._keys_by_run.clear()

    def get_run_ids(self) -> list[str]:
        return [run_id for run_id in self._keys_by_run if run_id]

    def get_run(self, run_id: str) -> list[dict[str, str]]:
        keys = self._keys_by_run.get(run_id, [])
        return [
            {"cache_key": k, "data_version": self._versions[k]} for k in keys if k in self._versions
        ]

    def persist_to(self, metadata_store: MetadataStore | None = None) -> None:
        """Write every key to ``metadata_store`` (the default folder's if None)."""
        store = metadata_store if metadata_store is not None else FileMetadataStore(DEFAULT_PATH)
        for run_id in self.get_run_ids():
            store.initialize(run_id)
            for entry in self.get_run(run_id):
                store.set(**entry, run_id=run_id)
        store.flush()

    @classmethod
    def load_from(cls, metadata_store: MetadataStore) -> InMemoryMetadataStore:
        """A copy of what ``metadata_store`` holds, run by run."""
        metadata_store.refresh()
        loaded = cls()
        for run_id in metadata_store.get_run_ids():  # type: ignore[attr-defined]
            for entry in metadata_store.get_run(run_id):  # type: ignore[attr-defined]
                loaded.set(
                    cache_key=entry["cache_key"], data_version=entry["data_version"], run_id=run_id
                )
        return loaded


class InMemoryResultStore(ResultStore):
    """Results by data version, in memory (``persist_on_exit`` is accepted, as in Hamilton)."""

    def __init__(self, persist_on_exit: bool = False) -> None:
        self._results: dict[str, Any] = {}
        self.persist_on_exit = persist_on_exit

    def exists(self, data_version: str) -> bool:
        return data_version in self._results

    def set(self, data_version: str, result: Any, **kwargs: Any) -> None:
        self._results[data_version] = result

    def get(self, data_version: str, **kwargs: Any) -> Any:
        try:
            return self._results[data_version]
        except KeyError:
            raise ResultRetrievalError(f"No result kept for data version {data_version}.") from None

    def delete(self, data_version: str) -> None:
        self._results.pop(data_version, None)

    def delete_all(self) -> None:
        self._results.clear()

    def persist_to(self, result_store: ResultStore | None = None) -> None:
        """Write every result to ``result_store`` (the default folder's if None)."""
        store = result_store if result_store is not None else FileResultStore(DEFAULT_PATH)
        for data_version, result in self._results.items():
            store.set(data_version, result)
        store.flush()

    @classmethod
    def load_from(
        cls,
        result_store: ResultStore,
        metadata_store: MetadataStore | None = None,
        data_versions: Sequence[str] | None = None,
    ) -> InMemoryResultStore:
        """The results of ``data_versions``, or of every key ``metadata_store`` holds, read from
        ``result_store`` (a result store keeps no index of what it holds)."""
        if data_versions is None:
            if metadata_store is None:
                raise ValueError(
                    "InMemoryResultStore.load_from(): pass metadata_store=... or "
                    "data_versions=[...]: a result store does not list what it holds."
                )
            metadata_store.refresh()
            data_versions = [
                entry["data_version"]
                for run_id in metadata_store.get_run_ids()  # type: ignore[attr-defined]
                for entry in metadata_store.get_run(run_id)  # type: ignore[attr-defined]
            ]
        result_store.refresh()
        loaded = cls()
        for data_version in data_versions:
            if result_store.exists(data_version):
                loaded.set(data_version, result_store.get(data_version))
        return loaded
