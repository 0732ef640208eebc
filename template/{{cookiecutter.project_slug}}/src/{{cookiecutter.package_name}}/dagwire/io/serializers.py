"""Serializers: how one kind of value becomes bytes in a file and comes back, the same way for
everyone who stores values (``save_to``'s json/pickle/npy formats and the artifact store).

Each serializer says which values it ``accepts`` exactly: JSON only data that reads back equal (no
tuples, no NaN), parquet only frames with string column names, npy only numeric arrays, pickle
anything. Libraries are imported when a value needs them, never to ask whether it does.
"""

from __future__ import annotations

import json
import math
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO


@dataclass(frozen=True)
class Serializer:
    """How one kind of value is written to and read from a file.

    ``accepts`` must be cheap and must not import heavy libraries: it is asked about every value.
    """

    name: str
    extension: str
    accepts: Callable[[Any], bool]
    dump: Callable[[Any, BinaryIO], None]
    load: Callable[[BinaryIO], Any]


def _is_plain_data(value: Any) -> bool:
    """Whether JSON gives back exactly this value: same types, same numbers, no tuples or NaN."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            if not all(type(k) is str for k in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif item is not None and kind not in (str, int, bool):
            return False
    return True


def _json_dump(value: Any, file: BinaryIO) -> None:
    file.write(json.dumps(value, allow_nan=False).encode("ascii"))


def _json_load(file: BinaryIO) -> Any:
    return json.loads(file.read().decode("utf-8"))


def _loaded(module: str, attribute: str) -> Any:
    """A class from a library only if the library is already imported (else no value can be one)."""
    mod = sys.modules.get(module)
    return getattr(mod, attribute, None) if mod is not None else None


def _is_dataframe(value: Any) -> bool:
    frame = _loaded("pandas", "DataFrame")
    return (
        frame is not None
        and isinstance(value, frame)
        and all(isinstance(c, str) for c in value.columns)
    )


def _is_series(value: Any) -> bool:
    series = _loaded("pandas", "Series")
    return (
        series is not None
        and isinstance(value, series)
        and (value.name is None or isinstance(value.name, str))
    )


_SERIES_KEY = b"dagwire.series"
_SERIES_COLUMN = "__series__"


def _parquet_dump(value: Any, file: BinaryIO) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if _is_series(value):
        table = pa.Table.from_pandas(value.to_frame(name=_SERIES_COLUMN))
        meta = dict(table.schema.metadata or {})
        meta[_SERIES_KEY] = json.dumps({"name": value.name}).encode()
        table = table.replace_schema_metadata(meta)
    else:
        table = pa.Table.from_pandas(value)
    pq.write_table(table, file)


def _parquet_load(file: BinaryIO) -> Any:
    import pyarrow.parquet as pq

    table = pq.read_table(file)
    frame = table.to_pandas()
    series = (table.schema.metadata or {}).get(_SERIES_KEY)
    if series is None:
        return frame
    return frame[_SERIES_COLUMN].rename(json.loads(series)["name"])


def _is_numeric_array(value: Any) -> bool:
    array = _loaded("numpy", "ndarray")
    return array is not None and type(value) is array and not value.dtype.hasobject


def _npy_dump(value: Any, file: BinaryIO) -> None:
    import numpy as np

    np.save(file, value, allow_pickle=False)


def _npy_load(file: BinaryIO) -> Any:
    import numpy as np

    return np.load(file, allow_pickle=False)


def _pickle_dump(value: Any, file: BinaryIO) -> None:
    # The default protocol, as Apache Hamilton's pickle saver: the same value, the same bytes.
    pickle.dump(value, file, protocol=pickle.DEFAULT_PROTOCOL)


def _pickle_load(file: BinaryIO) -> Any:
    return pickle.load(file)  # noqa: S301 - artifacts are written by this pipeline's own runs


JSON = Serializer("json", "json", _is_plain_data, _json_dump, _json_load)
PARQUET = Serializer(
    "parquet", "parquet", lambda v: _is_dataframe(v) or _is_series(v), _parquet_dump, _parquet_load
)
NPY = Serializer("npy", "npy", _is_numeric_array, _npy_dump, _npy_load)
PICKLE = Serializer("pickle", "pickle", lambda v: True, _pickle_dump, _pickle_load)
