"""Data formats: how ``@load_from.<name>`` and ``@save_to.<name>`` read and write files.

A format is a name plus the types it handles and two functions over binary files:
``load(file, **options) -> value`` and ``save(value, file, **options)``. One name may have several
formats for different types (``json`` is ``json.load`` for a dict and ``pandas.read_json`` for a
DataFrame); the one whose types match the annotation is used, the most recently registered first
(those for ``Any`` last, as in Apache Hamilton). Register your own:

    register_format(DataFormat("yaml", (dict, list), load=read_yaml, save=write_yaml))

This is the one registry of data adapters: Apache Hamilton's ``DataLoader``/``DataSaver`` classes
registered with ``dagwire.registry.register_adapter`` land here too (``io/data_adapters.py``), so
every name serves ``@load_from``, ``@save_to``, ``to.<name>`` and ``from_.<name>`` alike. Each
entry answers ``load_value(type, options)`` and ``save_value(value, options)`` with Hamilton's
metadata dicts (``io/utils.py``).

Paths are local paths or fsspec URLs (``s3://...``; needs fsspec, pass ``storage_options=`` to the
decorator). Files are written with ``atomic_write``, so a reader never sees half a file, wherever
it lives. The plain-data formats (JSON, pickle, npy) use the serializers of ``serializers.py``,
as the project runtime's artifact store does, so a value written by ``save_to`` and one a run
stores use the same bytes.
"""

from __future__ import annotations

import os
import sys
import typing
from collections.abc import Callable
from typing import Any, BinaryIO

from . import serializers
from .atomic import atomic_write
from .urls import is_url, require_fsspec


class DataFormat:
    """One way to read and/or write values of ``types`` (classes, or ``"module.Class"`` names
    resolved only when that module is already imported; ``object`` for anything).

    ``describe(value)`` adds metadata about the value to the file's (the frame formats add
    Hamilton's ``dataframe_metadata``).
    """

    __slots__ = ("name", "types", "load", "save", "describe")

    def __init__(
        self,
        name: str,
        types: tuple[Any, ...],
        load: Callable[..., Any] | None = None,
        save: Callable[..., None] | None = None,
        describe: Callable[[Any], dict[str, Any]] | None = None,
    ) -> None:
        if not name.isidentifier():
            raise ValueError(
                f"Format name {name!r} must be an identifier (it is used as load_from.<name>)."
            )
        if load is None and save is None:
            raise ValueError(f"Format {name!r} needs a load or a save function (or both).")
        self.name = name
        self.types = tuple(types)
        self.load = load
        self.save = save
        self.describe = describe

    def handles(self, tp: Any, action: str = "load") -> bool:
        """Whether values annotated ``tp`` are this format's business (either way)."""
        cls = typing.get_origin(tp) or tp
        for handled in self.types:
            if handled is object or handled is Any:
                return True
            if isinstance(handled, str):
                module, _, attribute = handled.rpartition(".")
                handled = getattr(sys.modules.get(module), attribute, None)
            if isinstance(handled, type) and isinstance(cls, type) and issubclass(cls, handled):
                return True
        return False

    def required_arguments(self) -> frozenset[str]:
        """The keyword arguments a decorator or materializer must give."""
        return _PATH_ONLY

    def load_value(self, tp: Any, options: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """The value at ``options["path"]`` and its metadata."""
        options = dict(options)
        return read(self, options.pop("path"), options)

    def save_value(self, value: Any, options: dict[str, Any]) -> dict[str, Any]:
        """Write ``value`` to ``options["path"]``; its metadata."""
        options = dict(options)
        return write(self, value, options.pop("path"), options)

    def type_names(self) -> str:
        return ", ".join(
            t if isinstance(t, str) else getattr(t, "__name__", repr(t)) for t in self.types
        )

    def __repr__(self) -> str:
        return f"DataFormat({self.name!r}, ({self.type_names()}))"


class AdapterFormat(DataFormat):
    """A registered ``DataLoader``/``DataSaver`` class seen as a format: it is built from the
    decorator's or materializer's arguments and does the work itself."""

    __slots__ = ("adapter",)

    def __init__(self, adapter: Any) -> None:
        super().__init__(
            adapter.name(),
            tuple(adapter.applicable_types()),
            load=adapter.load_data if adapter.can_load() else None,
            save=adapter.save_data if adapter.can_save() else None,
        )
        self.adapter = adapter

    def handles(self, tp: Any, action: str = "load") -> bool:
        return bool(self.adapter.applies_to(tp))

    def required_arguments(self) -> frozenset[str]:
        return frozenset(self.adapter.get_required_arguments())

    def load_value(self, tp: Any, options: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        return self.adapter(**options).load_data(tp)

    def save_value(self, value: Any, options: dict[str, Any]) -> dict[str, Any]:
        return self.adapter(**options).save_data(value)

    def type_names(self) -> str:
        return f"{self.adapter.__qualname__} ({super().type_names()})"


_PATH_ONLY = frozenset({"path"})

#: name -> formats, most recently registered first.
FORMATS: dict[str, list[DataFormat]] = {}


def register_format(fmt: DataFormat) -> None:
    """Add a format; for the types it handles it wins over those registered before it."""
    FORMATS.setdefault(fmt.name, []).insert(0, fmt)


def format_names(action: str) -> list[str]:
    """The names usable as ``load_from.<name>`` (action "load") or ``save_to.<name>`` ("save")."""
    return sorted(n for n, fmts in FORMATS.items() if any(getattr(f, action) for f in fmts))


def required_arguments(name: str, action: str) -> frozenset[str]:
    """The arguments every format ``name`` that can ``action`` needs (checked at decoration)."""
    able = [f.required_arguments() for f in FORMATS.get(name, ()) if getattr(f, action)]
    return frozenset.intersection(*able) if able else frozenset()


def format_for(name: str, tp: Any, action: str) -> DataFormat:
    """The format ``name`` uses to ``action`` ("load"/"save") a value annotated ``tp``.

    Raises ``LookupError`` with a readable reason when there is none.
    """
    able = [f for f in FORMATS.get(name, ()) if getattr(f, action) is not None]
    able.sort(key=lambda f: Any in f.types)  # stable: the most recent first, Any-formats last
    if not able:
        raise LookupError(
            f"there is no data format named '{name}' that can {action}; "
            f"formats: {', '.join(format_names(action))}"
        )
    if tp is Any or tp is object:
        return next((f for f in able if object in f.types or Any in f.types), able[0])
    for fmt in able:
        if fmt.handles(tp, action):
            return fmt
    kinds = "; ".join(f.type_names() for f in able)
    raise LookupError(f"format '{name}' handles {kinds}, not {getattr(tp, '__name__', tp)}")


def read(fmt: DataFormat, path: Any, options: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Load the file at ``path``; return the value and metadata about the file."""
    options = dict(options)
    storage_options = options.pop("storage_options", None) or {}
    text = os.fspath(path)
    if is_url(text):
        with require_fsspec(text).open(text, "rb", **storage_options) as file:
            value = fmt.load(file, **options)
    else:
        with open(text, "rb") as file:
            value = fmt.load(file, **options)
    return value, _metadata(fmt, text, value)


def write(fmt: DataFormat, value: Any, path: Any, options: dict[str, Any]) -> dict[str, Any]:
    """Save ``value`` to ``path`` atomically; return metadata about the file."""
    options = dict(options)
    storage_options = options.pop("storage_options", None) or {}
    text = os.fspath(path)
    with atomic_write(text, storage_options=storage_options) as file:
        fmt.save(value, file, **options)
    return _metadata(fmt, text, value)


def _metadata(fmt: DataFormat, path: str, value: Any) -> dict[str, Any]:
    """Hamilton's file metadata, plus what the format says about the value."""
    from .utils import get_file_metadata

    metadata = get_file_metadata(path)
    if fmt.describe is not None:
        metadata.update(fmt.describe(value))
    return metadata


# --- built-in formats -----------------------------------------------------------------------------
def _plain_json_load(file: BinaryIO) -> Any:
    return serializers.JSON.load(file)


def _plain_json_save(value: Any, file: BinaryIO) -> None:
    serializers.JSON.dump(value, file)


def _pickle_load(file: BinaryIO) -> Any:
    return serializers.PICKLE.load(file)


def _pickle_save(value: Any, file: BinaryIO) -> None:
    serializers.PICKLE.dump(value, file)


def _npy_load(file: BinaryIO) -> Any:
    return serializers.NPY.load(file)


def _npy_save(value: Any, file: BinaryIO) -> None:
    serializers.NPY.dump(value, file)


def _pandas() -> Any:
    import pandas

    return pandas


#: Apache Hamilton reads csv and parquet with nullable dtypes; so do we, for the same frames.
_HAMILTON_READ_DEFAULTS = {"dtype_backend": "numpy_nullable"}


def _csv_load(file: BinaryIO, **options: Any) -> Any:
    return _pandas().read_csv(file, **{**_HAMILTON_READ_DEFAULTS, **options})


def _csv_save(frame: Any, file: BinaryIO, **options: Any) -> None:
    options.setdefault("index", False)  # Hamilton's default: the index is rarely data
    frame.to_csv(file, **options)


def _parquet_load(file: BinaryIO, **options: Any) -> Any:
    return _pandas().read_parquet(file, **{**_HAMILTON_READ_DEFAULTS, **options})


def _parquet_save(frame: Any, file: BinaryIO, **options: Any) -> None:
    frame.to_parquet(file, **options)


def _frame_pickle_load(file: BinaryIO, **options: Any) -> Any:
    return _pandas().read_pickle(file, **options)


def _frame_pickle_save(frame: Any, file: BinaryIO, **options: Any) -> None:
    frame.to_pickle(file, **options)


def _describe_frame(frame: Any) -> dict[str, Any]:
    from .utils import get_dataframe_metadata

    return get_dataframe_metadata(frame)


def _frame_json_load(file: BinaryIO, **options: Any) -> Any:
    return _pandas().read_json(file, **options)


def _frame_json_save(frame: Any, file: BinaryIO, **options: Any) -> None:
    frame.to_json(file, **options)


def _text_load(file: BinaryIO, encoding: str = "utf-8") -> str:
    return file.read().decode(encoding)


def _text_save(text: str, file: BinaryIO, encoding: str = "utf-8") -> None:
    file.write(text.encode(encoding))


def _bytes_load(file: BinaryIO) -> bytes:
    return file.read()


def _bytes_save(data: bytes, file: BinaryIO) -> None:
    file.write(bytes(data))


_FRAME = "pandas.DataFrame"

for _fmt in (
    DataFormat("pickle", (object,), _pickle_load, _pickle_save),
    DataFormat(
        "pickle", (_FRAME,), _frame_pickle_load, _frame_pickle_save, describe=_describe_frame
    ),
    DataFormat("json", (_FRAME,), _frame_json_load, _frame_json_save, describe=_describe_frame),
    DataFormat("json", (dict, list), _plain_json_load, _plain_json_save),
    DataFormat("csv", (_FRAME,), _csv_load, _csv_save, describe=_describe_frame),
    DataFormat("parquet", (_FRAME,), _parquet_load, _parquet_save, describe=_describe_frame),
    DataFormat("npy", ("numpy.ndarray",), _npy_load, _npy_save),
    DataFormat("file", (bytes, bytearray), _bytes_load, _bytes_save),
    DataFormat("file", (str,), _text_load, _text_save),
):
    register_format(_fmt)
del _fmt


def _register_fileless_adapters() -> None:
    """Hamilton's literal/environment/memory adapters, which read and write no file."""
    from .default_data_loaders import DATA_ADAPTERS

    for adapter in DATA_ADAPTERS:
        register_format(AdapterFormat(adapter))


_register_fileless_adapters()
