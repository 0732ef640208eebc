"""Apache Hamilton's default metadata store, by name.

Hamilton keeps cache metadata in SQLite; dagwire keeps it in segment files (``file``), which many
processes can append to at once and which work on object stores, where SQLite cannot. Code that
names ``SQLiteMetadataStore`` gets that store, in the same folder.
"""

from __future__ import annotations

import os
from typing import Any

from .file import DEFAULT_PATH, FileMetadataStore


class SQLiteMetadataStore(FileMetadataStore):
    """Hamilton's name for the metadata store; kept in segment files under ``<path>/metadata``."""

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        connection_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(path)
