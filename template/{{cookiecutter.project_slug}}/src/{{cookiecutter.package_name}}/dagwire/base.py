"""Result builders and legacy adapters under the names Apache Hamilton's ``base`` module gives them.

pandas and numpy are imported when a result is built, never before: a pipeline that returns dicts
never loads them.
"""

from __future__ import annotations

import logging
from typing import Any

from .lifecycle.api import DictResult, ResultBuilder

__all__ = [
    "DefaultAdapter",
    "DictResult",
    "NumpyMatrixResult",
    "PandasDataFrameResult",
    "ResultBuilder",
    "ResultMixin",
    "SimplePythonDataFrameGraphAdapter",
    "SimplePythonGraphAdapter",
    "StrictIndexTypePandasDataFrameResult",
]

logger = logging.getLogger(__name__)

#: Hamilton's older name for a result builder.
ResultMixin = ResultBuilder


class PandasDataFrameResult(ResultBuilder):
    """One DataFrame from the outputs, as Apache Hamilton builds it.

    Series become columns aligned on their index (an outer join), scalars are broadcast, a DataFrame
    contributes its columns as ``<output>.<column>``, and a single DataFrame output is returned as
    is. Outputs with no list-like value make a one-row frame. Mismatched index types are logged.
    """

    @staticmethod
    def build_result(**outputs: Any) -> Any:
        import pandas as pd

        _index_types_match(outputs)
        if len(outputs) == 1:
            (value,) = outputs.values()
            if isinstance(value, pd.DataFrame):
                return value
        if not any(pd.api.types.is_list_like(value) for value in outputs.values()):
            return pd.DataFrame([outputs])
        if any(isinstance(value, pd.DataFrame) for value in outputs.values()):
            return pd.DataFrame(_flatten_frames(outputs))
        return pd.DataFrame(outputs)

    def output_type(self) -> type:
        import pandas as pd

        return pd.DataFrame


class StrictIndexTypePandasDataFrameResult(PandasDataFrameResult):
    """Like ``PandasDataFrameResult``, but refuses outputs whose index types differ."""

    @staticmethod
    def build_result(**outputs: Any) -> Any:
        if not _index_types_match(outputs):
            kinds = _index_kinds(outputs)[0]
            found = "\n".join(f"  {kind}: {', '.join(names)}" for kind, names in kinds.items())
            raise ValueError(
                "The outputs' pandas index types differ, so joining them could misalign rows:\n"
                f"{found}\nGive the outputs the same index type, or use PandasDataFrameResult."
            )
        return PandasDataFrameResult.build_result(**outputs)


class NumpyMatrixResult(ResultBuilder):
    """A numpy matrix with one column per output; scalar outputs are repeated down their column."""

    @staticmethod
    def build_result(**outputs: Any) -> Any:
        import numpy as np

        lengths = {name: len(v) for name, v in outputs.items() if not isinstance(v, (int, float))}
        rows = set(lengths.values())
        if len(rows) > 1:
            listed = ", ".join(f"{name}: {n}" for name, n in lengths.items())
            raise ValueError(f"NumpyMatrixResult needs outputs of one length, got {listed}.")
        n_rows = rows.pop() if rows else 1
        columns = [list(v) if name in lengths else [v] * n_rows for name, v in outputs.items()]
        return np.asmatrix(columns).T

    def output_type(self) -> type:
        import numpy as np

        return np.matrix


class SimplePythonGraphAdapter(ResultBuilder):
    """Hamilton's legacy adapter: run in-process and build the result with ``result_builder``."""

    def __init__(self, result_builder: ResultBuilder | None = None) -> None:
        self.result_builder = result_builder if result_builder is not None else DictResult()

    def build_result(self, **outputs: Any) -> Any:
        return self.result_builder.build_result(**outputs)

    def output_type(self) -> Any:
        return self.result_builder.output_type()


class DefaultAdapter(SimplePythonGraphAdapter):
    """Hamilton's short name for ``SimplePythonGraphAdapter``."""


class SimplePythonDataFrameGraphAdapter(SimplePythonGraphAdapter):
    """Hamilton's original adapter: in-process, returning a pandas DataFrame."""

    def __init__(self) -> None:
        super().__init__(PandasDataFrameResult())


# --- pandas helpers ----------------------------------------------------------------------------
def _flatten_frames(outputs: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    columns: dict[str, Any] = {}
    for name, value in outputs.items():
        if isinstance(value, pd.DataFrame):
            columns.update({f"{name}.{col}": value[col] for col in value.columns})
            continue
        if name in columns:
            raise ValueError(
                f"Output '{name}' has the same name as a column already taken from a DataFrame "
                "output (columns of a DataFrame output 'x' are named 'x.<column>'). Rename the "
                "output, or request the DataFrame and the value separately."
            )
        columns[name] = value
    return columns


def _index_kinds(outputs: dict[str, Any]) -> tuple[dict[str, list[str]], set[str], list[str]]:
    """Outputs grouped by index type, which of those types are time-like, and unindexed outputs."""
    import pandas as pd

    time_like = (pd.DatetimeIndex, pd.PeriodIndex, pd.TimedeltaIndex, pd.CategoricalIndex)
    kinds: dict[str, list[str]] = {}
    time_kinds: set[str] = set()
    unindexed: list[str] = []
    for name, value in outputs.items():
        if isinstance(value, (pd.DataFrame, pd.Series)):
            kind = f"{type(value.index).__name__}:::{value.index.dtype}"
            if isinstance(value.index, time_like):
                time_kinds.add(kind)
        elif isinstance(value, pd.Index):
            kind = f"{pd.RangeIndex.__name__}:::int64"  # an Index becomes a column on a 0..n index
        else:
            kind = "no-index"
            unindexed.append(name)
        kinds.setdefault(kind, []).append(name)
    return kinds, time_kinds, unindexed


def _index_types_match(outputs: dict[str, Any]) -> bool:
    """Hamilton's rule for when a join on the index can be trusted; logs why when it cannot."""
    kinds, time_kinds, unindexed = _index_kinds(outputs)
    indexed = len(kinds) - (1 if unindexed else 0)
    if len(time_kinds) > 1:
        logger.warning(
            "Outputs have different time or categorical index types %s; check that "
            "the joined frame is what you expect.",
            sorted(time_kinds),
        )
        return False
    if indexed > 1 and len(kinds) > len(time_kinds):
        logger.warning(
            "Outputs have different index types %s; pandas joins them on the index, "
            "check that rows line up.",
            sorted(kinds),
        )
        return False
    if indexed == 1 and unindexed:
        logger.warning(
            "Values without an index (%s) are broadcast over the index of the others.",
            ", ".join(unindexed),
        )
        return True
    if not indexed:
        logger.warning("No output has a pandas index; the frame gets a default index.")
        return False
    return True
