"""@parameterize, @parameterize_sources, @parameterize_values and @inject, after the examples in
Hamilton's decorator reference."""

from typing import Any, List  # noqa: UP035 - the documented spelling

import pandas as pd
from hamilton.function_modifiers import (
    group,
    inject,
    parameterize,
    parameterize_sources,
    parameterize_values,
    source,
    value,
)


@parameterize(
    replace_no_parameters=({}, "fn with no parameters replaced"),
)
def no_param_function() -> Any:
    return "constant"


@parameterize(
    replace_just_upstream_parameter=(
        {"upstream_source": source("foo_source")},
        "fn with upstream_parameter set to node foo",
    ),
)
def param_is_upstream_function(upstream_source: Any) -> Any:
    """Doc string that can also be parameterized: {upstream_source}."""
    return upstream_source


@parameterize(
    replace_just_literal_parameter={"literal_parameter": value("bar")},
)
def param_is_literal_value(literal_parameter: Any) -> Any:
    """Doc string that can also be parameterized: {literal_parameter}."""
    return literal_parameter


@parameterize(
    replace_both_parameters={
        "upstream_parameter": source("foo_source"),
        "literal_parameter": value("bar"),
    },
    replace_both_again={
        "upstream_parameter": source("other_source"),
        "literal_parameter": value("baz"),
    },
)
def concat(upstream_parameter: Any, literal_parameter: str) -> Any:
    """Adding {literal_parameter} to {upstream_parameter} to create {output_name};
    {unknown} stays."""
    return upstream_parameter + literal_parameter


@parameterize(
    a_plus_b_plus_c={"to_concat": group(source("a"), value("b"), source("c"))},
)
def concat_group(to_concat: List[str]) -> Any:  # noqa: UP006
    return "".join(to_concat)


@parameterize(
    as_dict={"parts": group(first=source("a"), second=value("-"), third=source("c"))},
)
def joined(parts: dict[str, str], sep: str = "|") -> str:
    return sep.join(f"{k}={v}" for k, v in parts.items())


ONE_OFF_DATES = {
    ("D_ELECTION_2016", "US Election 2016 Dummy"): "2016-11-12",
    ("SOME_OUTPUT_NAME", "Doc string for this thing"): "2016-11-14",
}


@parameterize_values(parameter="one_off_date", assigned_output=ONE_OFF_DATES)
def create_one_off_dates(date_index: pd.Series, one_off_date: str) -> pd.Series:
    """Given a date index, produces a series where a 1 is placed at the date index that would
    contain that event."""
    return date_index.isin([pd.Timestamp(one_off_date)]).astype(int)


@parameterize_sources(
    D_ELECTION_2016_shifted=dict(one_off_date="D_ELECTION_2016"),
    SOME_OUTPUT_NAME_shifted=dict(one_off_date="SOME_OUTPUT_NAME"),
)
def date_shifter(one_off_date: pd.Series) -> pd.Series:
    """{one_off_date} shifted by 1 to create {output_name}"""
    return one_off_date.shift(1)


@inject(nums=group(source("x"), value(10), source("y"), value(2)))
def a_plus_10_plus_b_plus_2(nums: list[int]) -> int:
    return sum(nums)


@inject(factor=value(3))
def scaled(x: int, factor: int) -> int:
    """{x} times {factor}."""
    return x * factor
