"""The two store interfaces of the cache, under Apache Hamilton's names.

A *result store* keeps results by data version (content-addressed: each result once); a *metadata
store* maps a cache key (a node, its code version and its inputs' data versions) to the data
version of the result. Subclass them to keep the cache somewhere else.
"""

from __future__ import annotations

import abc
from typing import Any


class ResultRetrievalError(Exception):
    """A stored result exists but cannot be read back (a truncated or foreign file)."""


class ResultStore(abc.ABC):
    @abc.abstractmethod
    def set(self, data_version: str, result: Any, **kwargs: Any) -> None:
        """Store ``result`` under ``data_version``."""

    @abc.abstractmethod
    def get(self, data_version: str, **kwargs: Any) -> Any:
        """The result stored under ``data_version``; ``ResultRetrievalError`` if unreadable."""

    @abc.abstractmethod
    def exists(self, data_version: str) -> bool: ...

    @abc.abstractmethod
    def delete(self, data_version: str) -> None: ...

    @abc.abstractmethod
    def delete_all(self) -> None: ...

    def refresh(self) -> None:  # noqa: B027 - stores that cache nothing in memory need nothing
        """Take in what other processes wrote since (called before each run)."""

    def flush(self) -> None:  # noqa: B027
        """Make what this process wrote durable and visible to others (after each run)."""


class MetadataStore(abc.ABC):
    def initialize(self, run_id: str) -> None:  # noqa: B027 - optional
        """Prepare for the run ``run_id``."""

    @abc.abstractmethod
    def set(self, *, cache_key: str, data_version: str, **kwargs: Any) -> None: ...

    @abc.abstractmethod
    def get(self, cache_key: str, **kwargs: Any) -> str | None:
        """The data version stored for ``cache_key``, or None."""

    def exists(self, cache_key: str) -> bool:
        return self.get(cache_key) is not None

    @abc.abstractmethod
    def delete(self, cache_key: str) -> None: ...

    @abc.abstractmethod
    def delete_all(self) -> None: ...

    def refresh(self) -> None:  # noqa: B027
        """Take in what other processes wrote since (called before each run)."""

    def flush(self) -> None:  # noqa: B027
        """Make what this process wrote durable and visible to others (after each run)."""
