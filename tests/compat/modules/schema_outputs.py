"""@schema.output, after Hamilton's decorator reference: a DataFrame node declares its columns."""

import pandas as pd
from hamilton.function_modifiers import extract_columns, schema, tag


@schema.output(("a", "int"), ("b", "float"), ("c", "str"))
def example_schema() -> pd.DataFrame:
    return pd.DataFrame({"a": [1], "b": [2.0], "c": ["3"]})


@tag(owner="data-team")
@schema.output(("a", "int"), ("b", "float"), target_="split")
@extract_columns("a", "b")
def split(example_schema: pd.DataFrame) -> pd.DataFrame:
    return example_schema[["a", "b"]]


def no_schema(split: pd.DataFrame) -> int:
    return len(split)
