"""Metadata about what a loader read or a saver wrote, in Apache Hamilton's shapes.

Savers and loaders return these dicts (a ``file_metadata`` block, a ``dataframe_metadata`` block
for frames); trackers and users read them, so the keys and their meaning are Hamilton's
(``hamilton.io.utils``). Frames are described by duck typing, never by importing pandas.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any
from urllib import parse

from .urls import local_path

DATAFRAME_METADATA = "dataframe_metadata"
SQL_METADATA = "sql_metadata"
FILE_METADATA = "file_metadata"
#: The schema version Hamilton writes into each block; readers use it to tell shapes apart.
_SCHEMA_VERSION = "1.0.0"


def get_file_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Size, path, modification time, now, and the URL scheme of ``path`` (size only when it is
    a local file that exists; ``notes`` says why it is missing otherwise).

    Unlike Hamilton, a ``file://`` URL is a local file too: its size is known.
    """
    path = os.fspath(path)
    scheme = parse.urlparse(path).scheme
    local = local_path(path)
    exists = local is not None and os.path.exists(local)
    return {
        FILE_METADATA: {
            "size": os.path.getsize(local) if exists else None,
            "path": path,
            "last_modified": os.path.getmtime(local) if exists else time.time(),
            "timestamp": time.time(),
            "scheme": scheme,
            "notes": "" if exists else _unsupported(scheme, path),
            "__version__": _SCHEMA_VERSION,
        }
    }


def get_dataframe_metadata(df: Any) -> dict[str, Any]:
    """Rows, number and names of columns, and dtypes of a frame (None for what it lacks)."""
    return {
        DATAFRAME_METADATA: {
            "__version__": _SCHEMA_VERSION,
            "rows": _attempt(lambda: len(df)),
            "columns": _attempt(lambda: len(df.columns)),
            "column_names": _attempt(lambda: list(df.columns)),
            "datatypes": _attempt(lambda: [str(t) for t in list(df.dtypes)]),
        }
    }


def get_file_and_dataframe_metadata(path: str | os.PathLike[str], df: Any) -> dict[str, Any]:
    return {**get_file_metadata(path), **get_dataframe_metadata(df)}


def get_sql_metadata(query_or_table: str, results: Any) -> dict[str, Any]:
    """The query or table read or written, and how many rows (an int, or a frame's length)."""
    is_query = "SELECT" in query_or_table
    frame = getattr(sys.modules.get("pandas"), "DataFrame", None)
    if isinstance(results, int):
        rows = results
    elif frame is not None and isinstance(results, frame):
        rows = len(results)
    else:
        rows = None
    return {
        SQL_METADATA: {
            "rows": rows,
            "query": query_or_table if is_query else None,
            "table_name": None if is_query else query_or_table,
            "timestamp": time.time(),
            "__version__": _SCHEMA_VERSION,
        }
    }


def _unsupported(scheme: str, path: str) -> str:
    return f"File metadata is unsupported for scheme: {scheme} or path: {path} does not exist."


def _attempt(describe: Any) -> Any:
    try:
        return describe()
    except (AttributeError, TypeError):
        return None
