"""Apache Hamilton's adapter registry: ``register_adapter(MyLoader)`` and the two listings.

    from dagwire import registry
    registry.register_adapter(YamlSaver)
    registry.SAVER_REGISTRY["yaml"]   # [YamlSaver]

There is no second store: adapters go into the formats of ``io/formats.py`` (see
``io/data_adapters.py``), and ``LOADER_REGISTRY``/``SAVER_REGISTRY`` are live, read-only views of
it, oldest first as in Hamilton, listing adapter classes and dagwire's built-in ``DataFormat``
entries.
Hamilton loads extensions (pandas, polars...) on import; dagwire loads nothing, so
``disable_autoload``/``enable_autoload`` are accepted and do nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .io import formats


def register_adapter(adapter: Any) -> None:
    """Make a ``DataLoader``/``DataSaver`` class usable by name everywhere; it wins over the
    adapters of the same name registered before it, for the types it handles."""
    from .io.data_adapters import AdapterCommon

    if not (isinstance(adapter, type) and issubclass(adapter, AdapterCommon)):
        raise TypeError(
            f"register_adapter takes a DataLoader or DataSaver subclass, got {adapter!r}. For "
            "load/save functions, use dagwire.io.formats.register_format(DataFormat(...))."
        )
    adapter._ensure_dataclass()
    formats.register_format(formats.AdapterFormat(adapter))


class _Listing(Mapping[str, list[Any]]):
    """Name -> the adapters that can ``action``, oldest first."""

    def __init__(self, action: str) -> None:
        self._action = action

    def __getitem__(self, name: str) -> list[Any]:
        able = [f for f in reversed(formats.FORMATS.get(name, ())) if getattr(f, self._action)]
        if not able:
            raise KeyError(name)
        return [getattr(f, "adapter", f) for f in able]

    def __iter__(self) -> Iterator[str]:
        return iter(formats.format_names(self._action))

    def __len__(self) -> int:
        return len(formats.format_names(self._action))


LOADER_REGISTRY: Mapping[str, list[Any]] = _Listing("load")
SAVER_REGISTRY: Mapping[str, list[Any]] = _Listing("save")


def disable_autoload() -> None:
    """Accepted for Hamilton code: dagwire never imports extensions on its own."""


def enable_autoload() -> None:
    """Accepted for Hamilton code: dagwire never imports extensions on its own."""
