"""@tag and @tag_outputs, after the examples in Hamilton's decorator reference."""

import pandas as pd
from hamilton.function_modifiers import cache, extract_columns, tag, tag_outputs


@tag(owner="data-science", pii="false", **{"team.channel": "ds-alerts"})
def customer_count(customers: pd.DataFrame) -> int:
    return len(customers)


@tag(owner="data-engineering", stage=["bronze", "silver"])
def customers_clean(customers: pd.DataFrame) -> pd.DataFrame:
    return customers.dropna()


@tag(source="crm")
@extract_columns("age", "spend")
def customer_columns(customers_clean: pd.DataFrame) -> pd.DataFrame:
    return customers_clean


@tag(level="frame", target_="customer_frame")
@tag(level="column", target_=["height", "weight"])
@tag(everything="yes", target_=...)
@extract_columns("height", "weight")
def customer_frame(customers: pd.DataFrame) -> pd.DataFrame:
    return customers


@tag_outputs(first={"kind": "primary"}, second={"kind": "secondary"})
@extract_columns("first", "second")
def pair(customers: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"first": customers["age"], "second": customers["spend"]})


@cache(behavior="recompute", format="parquet")
def fresh_customers(customers: pd.DataFrame) -> pd.DataFrame:
    return customers
