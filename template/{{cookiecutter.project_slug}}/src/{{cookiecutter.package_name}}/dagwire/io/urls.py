"""Local paths and fsspec URLs: one rule for telling them apart, one message when fsspec is missing.

A path is a URL when it has a scheme (``s3://bucket/key``, ``memory://x``); ``file://`` URLs name
local paths. Everything that reads or writes a path given by the user asks here.
"""

from __future__ import annotations

import os
from typing import Any

_FILE_URL = "file://"


def is_url(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` is a URL (``file://`` ones included) rather than a plain path."""
    return "://" in os.fspath(target)


def local_path(target: str | os.PathLike[str]) -> str | None:
    """The local path ``target`` names (``file://`` URLs included), or None for other URLs."""
    text = os.fspath(target)
    if text.startswith(_FILE_URL):
        return text[len(_FILE_URL) :]
    return None if is_url(text) else text


def require_fsspec(url: str = "") -> Any:
    """fsspec, or an ImportError that says what to install for ``url``."""
    try:
        import fsspec
    except ImportError as exc:
        raise ImportError(
            f"{url!r} is a URL, which needs fsspec (and the package of its protocol, e.g. s3fs "
            "for s3://). Install it, or use a local path."
        ) from exc
    return fsspec
