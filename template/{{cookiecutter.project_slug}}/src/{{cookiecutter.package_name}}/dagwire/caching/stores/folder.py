"""The cache's storage: a folder of files, local or behind an fsspec URL, each written whole.

Files are never changed once written, so readers need no locks: ``Folder`` writes each one with
``io.atomic.atomic_write`` (a temporary file renamed into place locally, one upload elsewhere).
``SegmentLog`` keeps a dictionary as such files: every flush adds one *segment* holding the entries
added since the last, and readers merge the segments in name order. Several processes or workers can
share a log: each writes its own segments under unique names, so no writer overwrites another's
entries; the same key written twice keeps one of the values (each is valid, see ``adapter``). When
the segments pile up, a reader merges them into one before deleting them, so an entry is always in
at least one file.

A warm run reads a handful of files, whatever the number of nodes: reading one small file per node
is what makes a cache slow.
"""

from __future__ import annotations

import os
import pickle
import secrets
import threading
import time
from contextlib import suppress
from typing import Any

from ...io.atomic import atomic_write
from ...io.urls import local_path, require_fsspec

SEGMENT_SUFFIX = ".seg"
#: More segments than this and the next reader merges them into one.
COMPACT_AFTER = 16


class Folder:
    """Files under one local folder or URL prefix; fsspec is imported only for URLs."""

    def __init__(self, root: str | os.PathLike[str], storage_options: dict[str, Any] | None = None):
        self.root = os.fspath(root).rstrip("/")
        self.storage_options = storage_options or {}
        self.local = local_path(self.root)
        self._fs: Any = None

    def __repr__(self) -> str:
        return f"Folder({self.root!r})"

    def path(self, name: str) -> str:
        return f"{self.root}/{name}"

    def _remote(self) -> tuple[Any, str]:
        if self._fs is None:
            fsspec = require_fsspec(self.root)
            self._fs, self._remote_root = fsspec.core.url_to_fs(self.root, **self.storage_options)
        return self._fs, self._remote_root

    def names(self) -> list[str]:
        """The files in the folder (temporary files of unfinished writes left out)."""
        if self.local is not None:
            try:
                return [n for n in os.listdir(self.local) if not n.startswith(".")]
            except FileNotFoundError:
                return []
        fs, root = self._remote()
        fs.invalidate_cache(root)  # listings are cached; other processes add files
        try:
            listed = fs.ls(root, detail=False)
        except FileNotFoundError:
            return []
        return [p.rstrip("/").rsplit("/", 1)[-1] for p in listed]

    def read(self, name: str) -> bytes | None:
        """The file's bytes, or None if it does not exist (any more)."""
        try:
            if self.local is not None:
                with open(os.path.join(self.local, name), "rb") as file:
                    return file.read()
            fs, root = self._remote()
            return fs.cat_file(f"{root}/{name}")
        except FileNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        if self.local is not None:
            return os.path.exists(os.path.join(self.local, name))
        fs, root = self._remote()
        return fs.exists(f"{root}/{name}")

    def write(self, name: str, data: bytes) -> None:
        """Write the file whole: readers see the old state or the new one, never a part."""
        with atomic_write(self.path(name), storage_options=self.storage_options) as file:
            file.write(data)

    def delete(self, name: str) -> None:
        with suppress(FileNotFoundError):
            if self.local is not None:
                os.unlink(os.path.join(self.local, name))
            else:
                fs, root = self._remote()
                fs.rm_file(f"{root}/{name}")

    def delete_all(self) -> None:
        for name in self.names():
            self.delete(name)


class SegmentLog:
    """A dictionary stored as immutable segment files in a ``Folder`` (see the module's text)."""

    def __init__(self, folder: Folder) -> None:
        self.folder = folder
        self.entries: dict[Any, Any] = {}
        self._read: set[str] = set()
        self._pending: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def refresh(self) -> dict[Any, Any]:
        """Read the segments written since the last refresh (by anyone), merge them if many;
        return the entries read."""
        read: dict[str, dict[Any, Any]] = {}
        for _ in range(3):  # a segment merged away while listed: list again for the merged one
            segments = sorted(n for n in self.folder.names() if n.endswith(SEGMENT_SUFFIX))
            new = [n for n in segments if n not in self._read and n not in read]
            for name in new:
                data = self.folder.read(name)
                if data is not None:
                    read[name] = pickle.loads(data)  # noqa: S301 - this cache's own files
            if all(name in read for name in new):
                break
        found: dict[Any, Any] = {}
        for name in sorted(read):  # in the order written, whatever order they were read in
            found.update(read[name])
        self._read.update(read)
        self.entries.update(found)
        if len(segments) > COMPACT_AFTER:
            self._compact(segments)
        return found

    def get(self, key: Any) -> Any:
        return self.entries.get(key)

    def put(self, key: Any, value: Any) -> None:
        self.entries[key] = value
        self._pending[key] = value

    def delete(self, key: Any) -> None:
        self.entries.pop(key, None)
        self._pending.pop(key, None)

    def flush(self) -> None:
        """Write the entries put since the last flush as one new segment."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if pending:
            name = _segment_name()
            self.folder.write(name, pickle.dumps(pending, protocol=pickle.HIGHEST_PROTOCOL))
            self._read.add(name)

    def clear(self) -> None:
        self.folder.delete_all()
        self.entries.clear()
        self._pending.clear()
        self._read.clear()

    def _compact(self, segments: list[str]) -> None:
        """One segment with every entry of ``segments``, named to sort where the newest did;
        only once it is written are they deleted."""
        merged: dict[Any, Any] = {}
        for name in segments:
            data = self.folder.read(name)
            if data is not None:
                merged.update(pickle.loads(data))  # noqa: S301
        newest = segments[-1][: -len(SEGMENT_SUFFIX)]
        name = f"{newest}.merged-{secrets.token_hex(4)}{SEGMENT_SUFFIX}"
        self.folder.write(name, pickle.dumps(merged, protocol=pickle.HIGHEST_PROTOCOL))
        self._read.add(name)
        for old in segments:
            self.folder.delete(old)

    def __getstate__(self) -> dict[str, Any]:
        """Sent to worker processes without its entries: a worker reads the segments itself."""
        return {"folder": self.folder}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["folder"])  # type: ignore[misc]


def _segment_name() -> str:
    """Unique, and in the order written (nanosecond clock first)."""
    return f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{SEGMENT_SUFFIX}"
