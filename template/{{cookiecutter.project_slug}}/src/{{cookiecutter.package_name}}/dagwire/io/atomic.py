"""Write a local file or an fsspec URL so that readers never see half of it.

    with atomic_write("out/model.bin") as file:    # or "file:///...", "s3://bucket/model.bin"
        file.write(data)

The bytes go to a temporary file with a unique name. Only when the block ends without an error
does it become the target: locally by ``os.replace`` in the same folder, after an fsync (so a crash
cannot leave an empty file under the real name); for other URLs by one ``put_file`` upload. On any
error, Ctrl-C included, the temporary file is removed and the error goes on; the target stays as
it was.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, BinaryIO

from .urls import local_path, require_fsspec


@contextmanager
def atomic_write(
    target: str | os.PathLike[str], *, storage_options: dict[str, Any] | None = None
) -> Iterator[BinaryIO]:
    """A binary file that becomes ``target`` whole when the block ends, or never on an error."""
    path = local_path(target)
    if path is None:
        with _uploaded_on_success(os.fspath(target), storage_options or {}) as file:
            yield file
        return
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    # Not mkstemp: its files are private (0600); these get the usual permissions.
    temp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    try:
        with open(temp, "xb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise


@contextmanager
def _uploaded_on_success(url: str, storage_options: dict[str, Any]) -> Iterator[BinaryIO]:
    fs, remote = require_fsspec(url).core.url_to_fs(url, **storage_options)
    fd, temp = tempfile.mkstemp(prefix="dagwire-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
        fs.put_file(temp, remote)  # one upload: the object appears whole or not at all
    finally:
        os.unlink(temp)
