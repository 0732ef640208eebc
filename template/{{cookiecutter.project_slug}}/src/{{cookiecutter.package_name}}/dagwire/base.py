"""Result builders under the names Apache Hamilton's ``base`` module gives them."""

from __future__ import annotations

from typing import Any

from .lifecycle.api import DictResult, ResultBuilder

__all__ = ["DictResult", "PandasDataFrameResult", "ResultBuilder"]


class PandasDataFrameResult(ResultBuilder):
    """Joins the outputs into one DataFrame: Series become columns, scalars are broadcast."""

    def build_result(self, **outputs: Any) -> Any:
        import pandas as pd

        if len(outputs) == 1:
            (value,) = outputs.values()
            if isinstance(value, pd.DataFrame):
                return value
        columns = {}
        for name, value in outputs.items():
            if isinstance(value, pd.DataFrame):
                columns.update({f"{name}.{c}": value[c] for c in value.columns})
            else:
                columns[name] = value
        if all(not isinstance(v, (pd.Series, list, tuple)) for v in columns.values()):
            return pd.DataFrame([columns])
        return pd.DataFrame(columns)

    def output_type(self) -> type:
        import pandas as pd

        return pd.DataFrame
