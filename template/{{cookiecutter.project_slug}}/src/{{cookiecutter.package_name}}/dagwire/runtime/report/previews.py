"""A look at a value that fits on a page: whatever the value's size, its preview stays small.

A table shows its shape, column types and first rows; a JSON-able value its pretty-printed text; an
array its shape, dtype and summary statistics; anything else (a model) its repr, cut short. pandas,
pyarrow and numpy are recognised by their type's module, never imported here, so a preview costs
nothing for a project without them.
"""

from __future__ import annotations

import json
import math
from typing import Any

#: Characters of text a preview keeps (JSON, repr).
TEXT_CHARS = 2_000
#: Rows and columns of a table a preview shows.
ROWS = 5
COLUMNS = 12
#: Characters per table cell.
CELL_CHARS = 60


def preview(value: Any) -> dict[str, Any]:
    """A JSON-able description of ``value``: ``{"kind": "table" | "array" | "json" | "object",
    ...}``, bounded whatever the value's size."""
    module = type(value).__module__.partition(".")[0]
    if module == "pandas" and hasattr(value, "dtypes") and hasattr(value, "columns"):
        return _pandas_table(value)
    if module == "pandas" and hasattr(value, "to_frame") and hasattr(value, "dtype"):
        return {**_pandas_table(value.to_frame()), "type": type(value).__name__}  # a Series
    if module == "pyarrow" and hasattr(value, "schema") and hasattr(value, "num_rows"):
        return _arrow_table(value)
    if module == "numpy" and hasattr(value, "dtype") and hasattr(value, "shape"):
        return _array(value)
    text = _json_text(value)
    if text is not None:
        return {"kind": "json", "type": type(value).__name__, "text": cut(text, TEXT_CHARS)}
    return {"kind": "object", "type": _type_name(value), "text": cut(_repr(value), TEXT_CHARS)}


def summary(value: Any, limit: int = 300) -> str:
    """``preview(value)`` as one short text, for places with room for a line or two (a failed
    node's inputs in its record)."""
    shown = preview(value)
    kind = shown["kind"]
    if kind == "table":
        columns = ", ".join(f"{c['name']}: {c['type']}" for c in shown["columns"])
        text = f"{shown['type']} {shown['shape'][0]} rows x {shown['shape'][1]} columns ({columns})"
    elif kind == "array":
        stats = ", ".join(f"{k}={v}" for k, v in shown.get("stats", {}).items())
        text = f"{shown['type']} shape={tuple(shown['shape'])} dtype={shown['dtype']} {stats}"
    else:
        text = f"{shown['type']}: {shown['text']}"
    return cut(text.strip(), limit)


def _pandas_table(frame: Any) -> dict[str, Any]:
    columns = [{"name": str(c), "type": str(t)} for c, t in list(frame.dtypes.items())[:COLUMNS]]
    head = frame.iloc[:ROWS, :COLUMNS]
    rows = [[cell(v) for v in row] for row in head.itertuples(index=False, name=None)]
    return table_preview(type(frame).__name__, tuple(frame.shape), columns, rows)


def _arrow_table(table: Any) -> dict[str, Any]:
    fields = list(table.schema)[:COLUMNS]
    columns = [{"name": f.name, "type": str(f.type)} for f in fields]
    head = table.slice(0, ROWS).select([f.name for f in fields]).to_pylist()
    rows = [[cell(row[c["name"]]) for c in columns] for row in head]
    return table_preview(type(table).__name__, (table.num_rows, table.num_columns), columns, rows)


def table_preview(type_name: str, shape: tuple, columns: list, rows: list) -> dict[str, Any]:
    return {
        "kind": "table",
        "type": type_name,
        "shape": [int(n) for n in shape],
        "columns": columns,
        "rows": rows,
    }


def _array(array: Any) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "kind": "array",
        "type": type(array).__name__,
        "shape": [int(n) for n in array.shape],
        "dtype": str(array.dtype),
    }
    if array.size and array.dtype.kind in "biuf":  # numbers: a summary a person can compare
        shown["stats"] = {
            "min": _number(array.min()),
            "max": _number(array.max()),
            "mean": _number(array.mean()),
        }
    shown["text"] = cut(_repr(array), TEXT_CHARS // 4)
    return shown


def _json_text(value: Any) -> str | None:
    """Pretty-printed JSON of ``value`` if it is plain data (no repr of an object in disguise)."""
    if not isinstance(value, (dict, list, tuple, str, int, float, bool, type(None))):
        return None
    try:
        return json.dumps(_head(value), indent=2, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        return None


#: Items kept per list or mapping, and levels of nesting, before a value is turned into text: a
#: ten-million-item list is previewed by its first items, not printed whole and then cut.
ITEMS = 50
DEPTH = 8


def _head(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return cut(value, TEXT_CHARS)
    if depth >= DEPTH and isinstance(value, (dict, list, tuple)):
        return "..."
    if isinstance(value, dict):
        kept = {k: _head(v, depth + 1) for k, v in list(value.items())[:ITEMS]}
        if len(value) > ITEMS:
            kept["..."] = f"{len(value) - ITEMS} more"
        return kept
    if isinstance(value, (list, tuple)):
        kept_items = [_head(v, depth + 1) for v in value[:ITEMS]]
        return kept_items + ([f"... {len(value) - ITEMS} more"] if len(value) > ITEMS else [])
    return value


def cell(value: Any) -> str:
    return cut(str(value), CELL_CHARS)


def _number(value: Any) -> float | int | None:
    number = value.item() if hasattr(value, "item") else value
    if isinstance(number, float) and not math.isfinite(number):
        return str(number)  # JSON has no NaN; the text says what it was
    return round(number, 6) if isinstance(number, float) else int(number)


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ must not break the report
        return f"<{_type_name(value)}: repr failed with {type(exc).__name__}>"


def _type_name(value: Any) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 12] + " ... (cut)"
