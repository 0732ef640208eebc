"""The artifact store: where values that cross a group boundary live, one folder per run.

    store = ArtifactStore("artifacts")            # or "s3://bucket/prefix", "memory://x", ...
    ref = store.save(run_id, "model", model)      # {"uri", "key", "serializer", "size", ...}
    model = store.load(ref)

Tasks of an orchestrator exchange these small references, never the data. Every name that becomes a
path goes through ``safe_name``, so no run id or node name can point outside the root. Every file is
written with ``atomic_write``, so a reader never sees half an artifact or half a record.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import DagwireError
from ..io.atomic import atomic_write
from ..io.serializers import JSON, NPY, PARQUET, PICKLE, Serializer
from ..io.urls import local_path, require_fsspec

Ref = dict[str, Any]

_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_UNSAFE_CHAR = re.compile(r"[^A-Za-z0-9_.\-]")
_MAX_NAME = 100
#: File names the store itself uses inside a run folder; a node may not take them.
_RESERVED = frozenset({"manifest", "groups", "run", "items"})


class ArtifactError(DagwireError):
    """An artifact could not be written, found or read back."""


# --- names ----------------------------------------------------------------------------------------
def safe_name(text: str) -> str:
    """A file-name-safe form of ``text``: unchanged when already safe, else cleaned plus a hash.

    The hash of the original keeps distinct names distinct (``a/b`` and ``a:b`` both clean to
    ``a_b``); the result never contains a path separator, never starts with a dot, stays short.
    """
    if not isinstance(text, str):
        raise ArtifactError(f"Names used in artifact paths must be strings, got {text!r}.")
    if _SAFE.fullmatch(text) and len(text) <= _MAX_NAME:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    cleaned = _UNSAFE_CHAR.sub("_", text).lstrip(".-")[: _MAX_NAME - 11].rstrip(".")
    return f"{cleaned or '_'}-{digest}"


def safe_run_id(run_id: str) -> str:
    """The folder name of a run; Airflow's ``manual__2026-01-01T00:00:00+00:00`` becomes safe."""
    if not isinstance(run_id, str) or not run_id:
        raise ArtifactError(f"A run id must be a non-empty string, got {run_id!r}.")
    return safe_name(run_id)


def _file_stem(node_name: str) -> str:
    stem = safe_name(node_name)
    if stem.lower() in _RESERVED:
        stem = safe_name(f"{stem}/")  # forces the hashed form, which cannot collide with ours
    return stem


def _check_key(key: Any, least: int = 2) -> list[str]:
    """Keys come back from manifests and XCom: refuse any that could leave the root. ``least``
    is 1 for the few files at the root itself (the index of runs)."""
    parts = key.split("/") if isinstance(key, str) else []
    if not least <= len(parts) <= 3 or not all(_SAFE.fullmatch(p) for p in parts):
        raise ArtifactError(
            f"Artifact key {key!r} is not one this store wrote (expected '<run>/<file>' or "
            "'<run>/<folder>/<file>'); refusing to read or write outside the store's root."
        )
    return parts


# --- serializers ----------------------------------------------------------------------------------
#: Tried in order; the first that accepts a value writes it. Pickle, last, accepts anything.
SERIALIZERS: list[Serializer] = [JSON, PARQUET, NPY, PICKLE]


def register_serializer(serializer: Serializer) -> None:
    """Add (or replace, by name) a serializer; registered ones are tried before the built-ins."""
    SERIALIZERS[:] = [s for s in SERIALIZERS if s.name != serializer.name]
    SERIALIZERS.insert(0, serializer)


# --- where bytes go -------------------------------------------------------------------------------
def _replaced_while_read(exc: OSError) -> bool:
    if type(exc).__name__ == "FileExpired":
        return True
    return "precondition" in str(exc).lower()  # s3fs maps S3's 412 to a plain OSError


class _LocalFolder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def uri(self, key: str) -> str:
        return str(self.root.joinpath(*key.split("/")))

    def open(self, key: str) -> BinaryIO:
        return open(self.uri(key), "rb")

    def size(self, key: str) -> int | None:
        try:
            return os.stat(self.uri(key)).st_size
        except OSError:
            return None

    def folders(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def files(self, folder: str) -> list[str]:
        path = self.root.joinpath(*folder.split("/"))
        return sorted(p.name for p in path.iterdir() if p.is_file()) if path.is_dir() else []

    def forget(self, key: str) -> None:
        """Nothing is cached about local files."""


class _FsspecFolder:
    """Any fsspec URL. Uploads are single puts, so objects appear whole or not at all."""

    def __init__(self, url: str, storage_options: dict[str, Any]) -> None:
        try:
            fsspec = require_fsspec(url)
        except ImportError as exc:
            raise ArtifactError(f"The artifact root {exc}") from exc
        self.fs, self.path = fsspec.core.url_to_fs(url, **storage_options)
        self.url = url.rstrip("/")
        self.path = self.path.rstrip("/")

    def uri(self, key: str) -> str:
        return f"{self.url}/{key}"

    def _path(self, key: str) -> str:
        return f"{self.path}/{key}"

    def open(self, key: str) -> BinaryIO:
        return self.fs.open(self._path(key), "rb")

    def size(self, key: str) -> int | None:
        try:
            return int(self.fs.size(self._path(key)))
        except (FileNotFoundError, OSError):
            return None

    def _names(self, path: str, kind: str) -> list[str]:
        try:
            entries = self.fs.ls(path, detail=True)
        except (FileNotFoundError, OSError):
            return []
        return sorted(
            e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e["type"] == kind
        )

    def folders(self) -> list[str]:
        self.fs.invalidate_cache()
        return self._names(self.path, "directory")

    def files(self, folder: str) -> list[str]:
        self.fs.invalidate_cache()
        return self._names(self._path(folder), "file")

    def forget(self, key: str) -> None:
        """Drop what a listing cached about ``key`` (its ETag and size): a read pinned to them
        fails for as long as they are cached once another process has replaced the object."""
        self.fs.invalidate_cache(self._path(key))


# --- the store ------------------------------------------------------------------------------------
class ArtifactStore:
    """Run-scoped artifacts under ``root``: ``<root>/<safe run id>/<node>.<ext>``."""

    def __init__(
        self,
        root: str | os.PathLike[str] = "artifacts",
        *,
        serializers: list[Serializer] | None = None,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        text = os.fspath(root)
        if not text:
            raise ArtifactError("The artifact root is empty; give a folder or an fsspec URL.")
        local = local_path(text)
        if local is None:
            self._files: _LocalFolder | _FsspecFolder = _FsspecFolder(text, storage_options or {})
            self.root = text.rstrip("/")
        else:
            path = Path(local).expanduser().absolute()
            self._files = _LocalFolder(path)
            self.root = str(path)
        self._serializers = serializers
        self._storage_options = storage_options or {}

    def __repr__(self) -> str:
        return f"ArtifactStore({self.root!r})"

    @property
    def serializers(self) -> list[Serializer]:
        return self._serializers if self._serializers is not None else SERIALIZERS

    def location(self, folder: str) -> str:
        """The path or URL of ``folder`` under the root (for what shares the store, such as the
        cache)."""
        return self._files.uri(folder)

    def run_uri(self, run_id: str) -> str:
        return self._files.uri(safe_run_id(run_id))

    # values
    def save(self, run_id: str, name: str, value: Any, *, item: int | None = None) -> Ref:
        """Write ``value`` as the artifact ``name`` of ``run_id``; return its reference.

        ``item`` saves the value ``name`` has for one item of a Parallelizable node, as
        ``<name>/<item>`` (see ``item_list``).

        The first serializer that accepts the value writes it; if it fails (a pyarrow that is not
        installed, a column pyarrow cannot convert), the next one that accepts it is tried.
        """
        folder = safe_run_id(run_id)
        stem = _file_stem(name)
        if item is not None:
            folder, stem = f"{folder}/{stem}", str(int(item))
        candidates = [s for s in self.serializers if s.accepts(value)]
        if not candidates:
            raise ArtifactError(
                f"No serializer accepts the value of '{name}' ({type(value).__name__}); "
                "register one with dagwire.artifacts.register_serializer()."
            )
        for i, serializer in enumerate(candidates):
            key = f"{folder}/{stem}.{serializer.extension}"
            failure: Exception | None = None
            try:
                with self._write(key) as file:
                    try:
                        serializer.dump(value, file)
                    except Exception as exc:
                        failure = exc
                        raise
                    size = file.tell()
            except Exception as exc:
                if exc is not failure:  # the file could not be stored: no other format helps
                    raise
                if i == len(candidates) - 1:
                    raise ArtifactError(
                        f"Could not write '{name}' ({type(value).__name__}) with the "
                        f"{serializer.name} serializer: {type(exc).__name__}: {exc}"
                    ) from exc
                warnings.warn(
                    f"dagwire: writing '{name}' as {serializer.name} failed "
                    f"({type(exc).__name__}: {exc}); falling back to {candidates[i + 1].name}.",
                    stacklevel=2,
                )
                continue
            return {
                "name": name if item is None else f"{name}[{item}]",
                "uri": self._files.uri(key),
                "key": key,
                "serializer": serializer.name,
                "size": size,
            }
        raise AssertionError("unreachable")  # pragma: no cover

    def item_list(self, run_id: str, name: str, refs: list[Ref]) -> Ref:
        """One reference for a value kept as one artifact per item (a Parallelizable node's
        items, or what a block computed for each): loading it gives the list, in item order."""
        key = f"{safe_run_id(run_id)}/{_file_stem(name)}"
        return {
            "name": name,
            "uri": self._files.uri(key),
            "items": list(refs),
            "size": sum(r.get("size") or 0 for r in refs),
        }

    def load(self, ref: Ref) -> Any:
        """Read back the value a reference points to (relative to this store's root)."""
        if isinstance(ref, dict) and "items" in ref:
            return [self.load(r) for r in ref["items"]]
        if not isinstance(ref, dict) or "key" not in ref or "serializer" not in ref:
            raise ArtifactError(
                f"{ref!r} is not an artifact reference (it needs 'key' and "
                "'serializer'); pass what ArtifactStore.save returned."
            )
        serializer = self._serializer(ref["serializer"], ref)
        with self.open(ref) as file:
            try:
                return serializer.load(file)
            except ImportError as exc:
                raise ArtifactError(
                    f"Reading {ref.get('uri', ref['key'])} ({serializer.name}) needs the "
                    f"missing package '{exc.name}'; install it in this environment."
                ) from exc

    def open(self, ref: Ref) -> BinaryIO:
        """The artifact's file, to read part of it (a preview) rather than load it whole."""
        key = "/".join(_check_key(ref["key"]))
        try:
            return self._files.open(key)
        except FileNotFoundError:
            raise ArtifactError(
                f"Artifact {self._files.uri(key)} does not exist. Its run may have been deleted "
                "or written to another artifact root (check --artifacts / DAGWIRE_ARTIFACTS)."
            ) from None

    def exists(self, ref: Ref) -> bool:
        """Whether the artifact is present and whole (its size matches the reference)."""
        if isinstance(ref, dict) and "items" in ref:
            return all(self.exists(r) for r in ref["items"])
        try:
            key = "/".join(_check_key(ref["key"]))
        except (ArtifactError, KeyError, TypeError):
            return False
        size = self._files.size(key)
        return size is not None and size == ref.get("size", size)

    def _serializer(self, name: str, ref: Ref) -> Serializer:
        for serializer in [*self.serializers, JSON, PARQUET, NPY, PICKLE]:
            if serializer.name == name:
                return serializer
        raise ArtifactError(
            f"Artifact {ref.get('uri', ref['key'])} was written by the serializer {name!r}, which "
            "is not registered here; register it with dagwire.artifacts.register_serializer()."
        )

    # records (run manifest, group records): small JSON documents the runner owns
    def write_record(self, run_id: str, path: str, data: dict[str, Any]) -> str:
        """Atomically replace the JSON document ``<run>/<path>``; return its URI."""
        key = "/".join(_check_key(f"{safe_run_id(run_id)}/{path}"))
        with self._write(key) as file:
            file.write(json.dumps(data, indent=2, sort_keys=False, default=str).encode())
        return self._files.uri(key)

    def write_file(self, path: str, data: bytes) -> str:
        """Atomically replace the file ``<root>/<path>`` (a report page, the index of runs);
        return its URI. ``path`` is relative to the root and may not leave it."""
        key = "/".join(_check_key(path, least=1))
        with self._write(key) as file:
            file.write(data)
        return self._files.uri(key)

    def _read_whole(self, key: str, attempts: int = 5) -> bytes:
        """A small file's bytes. Another task may replace a record while it is read; an object
        store then reports the old version gone (fsspec's ``FileExpired``, or S3's
        ``PreconditionFailed`` on a read pinned to the old version): read the new one."""
        for attempt in range(attempts):
            try:
                with self._files.open(key) as file:
                    return file.read()
            except OSError as exc:
                if not _replaced_while_read(exc) or attempt == attempts - 1:
                    raise
                self._files.forget(key)
        raise AssertionError("unreachable")

    def read_record(self, run_id: str, path: str) -> dict[str, Any] | None:
        """The JSON document ``<run>/<path>``, or None if it was never written."""
        key = "/".join(_check_key(f"{safe_run_id(run_id)}/{path}"))
        try:
            data = json.loads(self._read_whole(key).decode("utf-8"))
        except FileNotFoundError:
            return None
        except ValueError as exc:  # not UTF-8, or not JSON: cut short or edited by hand
            raise ArtifactError(
                f"The record {self._files.uri(key)} is not valid JSON ({exc}). Restore it, or "
                f"delete the run folder {self.run_uri(run_id)} if that run is not needed."
            ) from None
        if not isinstance(data, dict):
            raise ArtifactError(
                f"The record {self._files.uri(key)} holds a JSON {type(data).__name__}, not an "
                f"object. Restore it, or delete the run folder {self.run_uri(run_id)} if that run "
                "is not needed."
            )
        return data

    def _write(self, key: str) -> AbstractContextManager[BinaryIO]:
        return atomic_write(self._files.uri(key), storage_options=self._storage_options)

    def list_records(self, run_id: str, folder: str) -> Iterator[dict[str, Any]]:
        """Every JSON document in ``<run>/<folder>/``."""
        base = f"{safe_run_id(run_id)}/{folder}"
        _check_key(base)
        for name in self._files.files(base):
            if name.endswith(".json") and not name.startswith("."):
                record = self.read_record(run_id, f"{folder}/{name}")
                if record is not None:
                    yield record

    def record_names(self, run_id: str, folder: str) -> list[str]:
        """The names of the documents in ``<run>/<folder>/``, without reading them."""
        base = f"{safe_run_id(run_id)}/{folder}"
        _check_key(base)
        return self._files.files(base)

    def run_folders(self) -> list[str]:
        """The (safe) names of the run folders under the root that hold a run (run.json, or the
        manifest.json that runs written before run.json existed hold)."""
        return [
            f
            for f in self._files.folders()
            if _SAFE.fullmatch(f) and {"run.json", "manifest.json"} & set(self._files.files(f))
        ]
