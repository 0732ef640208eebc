"""Apache Hamilton's built-in adapters that read or write no file: ``from_.literal(value=...)``,
``from_.environment(names=(...))`` and ``to.memory(...)`` (the saved value itself, handy with
``combine=`` to get a joined result back from ``materialize``).

The file formats (json, csv, pickle...) are the ``DataFormat`` entries of ``formats.py``; these
three take no path, so they are adapter dataclasses, registered by ``formats.py`` when it loads.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Collection
from typing import Any

from .data_adapters import DataLoader, DataSaver


@dataclasses.dataclass
class LiteralValueDataLoader(DataLoader):
    """Loads ``value`` as it is, with empty metadata."""

    value: Any

    @classmethod
    def applicable_types(cls) -> Collection[Any]:
        return [Any]

    @classmethod
    def name(cls) -> str:
        return "literal"

    def load_data(self, type_: Any) -> tuple[Any, dict[str, Any]]:
        return self.value, {}


@dataclasses.dataclass
class EnvVarDataLoader(DataLoader):
    """Loads the environment variables ``names`` as a dict (a missing one is a KeyError)."""

    names: tuple[str, ...]

    @classmethod
    def applicable_types(cls) -> Collection[Any]:
        return [dict]

    @classmethod
    def name(cls) -> str:
        return "environment"

    def load_data(self, type_: Any) -> tuple[dict[str, str], dict[str, Any]]:
        return {name: os.environ[name] for name in self.names}, {}


@dataclasses.dataclass
class InMemoryResult(DataSaver):
    """ "Saves" by returning the value: the materializer's result is the value itself."""

    @classmethod
    def applicable_types(cls) -> Collection[Any]:
        return [Any]

    @classmethod
    def name(cls) -> str:
        return "memory"

    def save_data(self, data: Any) -> Any:
        return data


DATA_ADAPTERS = [LiteralValueDataLoader, EnvVarDataLoader, InMemoryResult]
