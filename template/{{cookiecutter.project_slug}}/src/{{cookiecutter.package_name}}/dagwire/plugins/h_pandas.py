"""``from hamilton.plugins.h_pandas import with_columns`` becomes
``from <package>.dagwire.plugins.h_pandas import with_columns``.

pandas is never imported here: the DataFrame handed to ``append_columns`` brings its own methods.
"""

from __future__ import annotations

from typing import Any

from ..function_modifiers.column_subdag import with_columns_base


class with_columns(with_columns_base):
    """``@with_columns`` for pandas DataFrames; see ``function_modifiers.column_subdag``.

    Unlike Apache Hamilton's pandas version, ``pass_dataframe_as`` is supported.
    """

    def append_columns(self, frame: Any, columns: dict[str, Any]) -> Any:
        return frame.assign(**columns)


__all__ = ["with_columns"]
