"""Apache Hamilton's data adapter classes: ``DataLoader`` and ``DataSaver`` dataclasses.

    @dataclasses.dataclass
    class YamlSaver(DataSaver):
        path: str

        @classmethod
        def applicable_types(cls): return [dict]
        @classmethod
        def name(cls): return "yaml"
        def save_data(self, data): ...; return get_file_metadata(self.path)

    registry.register_adapter(YamlSaver)   # now @save_to.yaml, to.yaml(...) work

The dataclass fields are the keyword arguments users pass; an instance does one load or save.
Registered classes join the formats of ``io/formats.py`` (each as an ``AdapterFormat``), so there is
one registry and one rule for choosing among the adapters of a name.
"""

from __future__ import annotations

import abc
import dataclasses
import typing
from collections.abc import Collection
from typing import Any

from ..htypes import is_compatible


class AdapterCommon(abc.ABC):
    """What loaders and savers share: a name, the types they handle, dataclass fields as
    arguments."""

    @classmethod
    @abc.abstractmethod
    def applicable_types(cls) -> Collection[type]:
        """The types this adapter loads to or saves from."""

    @classmethod
    @abc.abstractmethod
    def applies_to(cls, type_: type) -> bool:
        """Whether this adapter handles values annotated ``type_``."""

    @classmethod
    @abc.abstractmethod
    def name(cls) -> str:
        """The ``<name>`` of ``load_from.<name>``, ``save_to.<name>``, ``to.<name>``..."""

    @classmethod
    def _ensure_dataclass(cls) -> None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(
                f"{cls.__qualname__} is not a dataclass: data adapters take their arguments as "
                "dataclass fields. Decorate it with @dataclasses.dataclass."
            )

    @classmethod
    def get_required_arguments(cls) -> dict[str, Any]:
        """Fields without a default: arguments every use must give."""
        return {name: tp for name, (tp, required) in _fields(cls).items() if required}

    @classmethod
    def get_optional_arguments(cls) -> dict[str, Any]:
        """Fields with a default."""
        return {name: tp for name, (tp, required) in _fields(cls).items() if not required}

    @classmethod
    def can_load(cls) -> bool:
        return False

    @classmethod
    def can_save(cls) -> bool:
        return False


def _fields(cls: type[AdapterCommon]) -> dict[str, tuple[Any, bool]]:
    cls._ensure_dataclass()
    hints = typing.get_type_hints(cls)
    missing = dataclasses.MISSING
    return {
        f.name: (hints.get(f.name), f.default is missing and f.default_factory is missing)
        for f in dataclasses.fields(cls)
    }


class DataLoader(AdapterCommon, abc.ABC):
    """Loads a value from somewhere; ``load_data`` returns ``(value, metadata)``."""

    @abc.abstractmethod
    def load_data(self, type_: type) -> tuple[Any, dict[str, Any]]: ...

    @classmethod
    def can_load(cls) -> bool:
        return True

    @classmethod
    def applies_to(cls, type_: type) -> bool:
        """A loader fits a parameter when what it produces may flow into it."""
        return any(is_compatible(produced, type_) for produced in cls.applicable_types())


class DataSaver(AdapterCommon, abc.ABC):
    """Saves a value somewhere; ``save_data`` returns metadata about what it wrote."""

    @abc.abstractmethod
    def save_data(self, data: Any) -> dict[str, Any]: ...

    @classmethod
    def can_save(cls) -> bool:
        return True

    @classmethod
    def applies_to(cls, type_: type) -> bool:
        """A saver fits a node when the node's values may flow into it (or the node returns
        exactly the union of what it saves)."""
        types = list(cls.applicable_types())
        if len(types) > 1 and typing.Union[tuple(types)] == type_:  # noqa: UP007 - built at run time
            return True
        return any(is_compatible(type_, accepted) for accepted in types)
