"""The cache in a folder: a local path or an fsspec URL (``s3://bucket/cache``, ``memory://c``).

    <path>/metadata/*.seg      cache key -> data version (and what the key was made of)
    <path>/results/packs/*.seg small results, by data version
    <path>/results/<version>   each larger result, in its own file

Results are content-addressed: one copy per data version, whichever node produced it. Small ones
(most of a pipeline's nodes) travel in segments with many others, so a warm run reads a few files
instead of one per node; larger ones get a file each. See ``folder`` for why many processes can
share one cache.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

from .base import MetadataStore, ResultRetrievalError, ResultStore
from .folder import Folder, SegmentLog

#: Results whose pickle is at most this many bytes are kept in segments, larger ones in a file.
INLINE_LIMIT = 64 * 1024
DEFAULT_PATH = ".hamilton_cache"  # Apache Hamilton's default


class FileResultStore(ResultStore):
    """Results by data version under ``<path>/results`` (folders are made on the first write:
    Hamilton's ``create_dir`` is accepted and has nothing left to do)."""

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        create_dir: bool = True,
        *,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.storage_options = storage_options
        self.folder = Folder(f"{self.path.rstrip('/')}/results", storage_options)
        self.packs = SegmentLog(Folder(self.folder.path("packs"), storage_options))

    def __repr__(self) -> str:
        return f"FileResultStore({self.path!r})"

    def set(self, data_version: str, result: Any, **kwargs: Any) -> None:
        self.put_bytes(data_version, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))

    def put_bytes(self, data_version: str, data: bytes) -> None:
        """Store an already pickled result (the cache pickles each result once, to version it)."""
        if len(data) <= INLINE_LIMIT:
            if self.packs.get(data_version) is None:
                self.packs.put(data_version, data)
        elif not self.folder.exists(data_version):
            self.folder.write(data_version, data)

    def get(self, data_version: str, **kwargs: Any) -> Any:
        data = self.packs.get(data_version)
        if data is None:
            data = self.folder.read(data_version)
        if data is None:
            raise ResultRetrievalError(f"No result stored for data version {data_version}.")
        try:
            return pickle.loads(data)  # noqa: S301 - written by this cache
        except Exception as exc:  # noqa: BLE001 - any unpickling failure: unreadable result
            raise ResultRetrievalError(
                f"The result stored for data version {data_version} cannot be read back: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def exists(self, data_version: str) -> bool:
        return self.packs.get(data_version) is not None or self.folder.exists(data_version)

    def delete(self, data_version: str) -> None:
        self.packs.delete(data_version)
        self.folder.delete(data_version)

    def delete_all(self) -> None:
        self.packs.clear()
        self.folder.delete_all()

    def refresh(self) -> None:
        self.packs.refresh()

    def flush(self) -> None:
        self.packs.flush()


class MetadataEntry(tuple):  # noqa: SLOT001 - a plain tuple with names: pickles small and fast
    """What a cache key stood for when it was stored: its result's data version, the node, its code
    version, its inputs' data versions and the run that stored it."""

    __slots__ = ()
    data_version = property(lambda self: self[0])
    node_name = property(lambda self: self[1])
    code_version = property(lambda self: self[2])
    dependencies = property(lambda self: self[3])
    run_id = property(lambda self: self[4])


class FileMetadataStore(MetadataStore):
    """Cache keys and what they stood for, under ``<path>/metadata``."""

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        *,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.log = SegmentLog(Folder(f"{self.path.rstrip('/')}/metadata", storage_options))
        self._by_node: dict[str, tuple[Any, ...]] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    def set(
        self,
        *,
        cache_key: str,
        data_version: str,
        run_id: str = "",
        node_name: str = "",
        code_version: str = "",
        dependencies: tuple[tuple[str, str], ...] = (),
        **kwargs: Any,
    ) -> None:
        entry = (data_version, node_name, code_version, dependencies, run_id)
        self.log.put(cache_key, entry)
        if self._by_node is not None:
            self._by_node[node_name] = entry

    def get(self, cache_key: str, **kwargs: Any) -> str | None:
        entry = self.log.get(cache_key)
        return entry[0] if entry is not None else None

    def entry(self, cache_key: str) -> MetadataEntry | None:
        entry = self.log.get(cache_key)
        return MetadataEntry(entry) if entry is not None else None

    def latest_for_node(self, node_name: str) -> MetadataEntry | None:
        """The last entry stored for ``node_name``: what changed since, when its key is new."""
        if self._by_node is None:
            # A list first: other threads of this process add entries meanwhile.
            self._by_node = {e[1]: e for e in list(self.log.entries.values())}
        entry = self._by_node.get(node_name)
        return MetadataEntry(entry) if entry is not None else None

    def delete(self, cache_key: str) -> None:
        self.log.delete(cache_key)

    def delete_all(self) -> None:
        self.log.clear()
        self._by_node = None

    def get_run_ids(self) -> list[str]:
        """The runs that stored entries, oldest first."""
        return list(dict.fromkeys(e[4] for e in list(self.log.entries.values()) if e[4]))

    def get_run(self, run_id: str) -> list[dict[str, Any]]:
        """The entries a run stored, as Apache Hamilton's metadata stores return them."""
        return [
            {
                "cache_key": key,
                "data_version": e[0],
                "node_name": e[1],
                "code_version": e[2],
            }
            for key, e in list(self.log.entries.items())
            if e[4] == run_id
        ]

    @property
    def size(self) -> int:
        return len(self.log.entries)

    def refresh(self) -> None:
        self.log.refresh()
        self._by_node = None

    def flush(self) -> None:
        self.log.flush()
