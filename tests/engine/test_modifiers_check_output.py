"""@check_output / @check_output_custom: validator nodes, warn and fail, results, misuse."""

import logging

import pytest
from dagwire.data_quality.base import DataValidationError, DataValidator, ValidationResult
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import (
    IS_DATA_VALIDATOR_TAG,
    check_output,
    check_output_custom,
    extract_columns,
    tag,
)
from engine_support import build, user_tags


class Even(DataValidator):
    def applies_to(self, datatype):
        return datatype is int

    def description(self):
        return "The number is even."

    @classmethod
    def name(cls):
        return "even"

    def validate(self, dataset):
        even = dataset % 2 == 0
        return ValidationResult(even, f"{dataset} is {'' if even else 'not '}even")


def test_a_checked_node_becomes_raw_checks_and_the_released_value():
    @tag(owner="me")
    @check_output(range=(0, 10), data_type=int, importance="warn")
    def score(x: int) -> int:
        """The score."""
        return x

    dr = build(score)
    assert set(dr.graph.nodes) == {
        "score",
        "score_raw",
        "score_range_validator",
        "score_data_type_validator",
    }
    assert user_tags(dr.graph.nodes["score"]) == {"owner": "me"}
    checks = dr.list_available_variables(tag_filter={IS_DATA_VALIDATOR_TAG: None})  # True: refused
    assert sorted(v.name for v in checks) == ["score_data_type_validator", "score_range_validator"]
    out = dr.execute(["score", "score_range_validator"], inputs={"x": 3})
    assert out["score"] == 3 and out["score_range_validator"].passes


def test_warn_logs_and_continues_fail_raises_with_every_failed_check(caplog):
    @check_output(range=(0, 10), importance="warn")
    def soft(x: int) -> int:
        return x

    @check_output_custom(Even("fail"), Even("fail"))
    def hard(x: int) -> int:
        return x

    dr = build(soft, hard)
    with caplog.at_level(logging.WARNING):
        out = dr.execute(["soft", "soft_range_validator"], inputs={"x": 11})
    assert out["soft"] == 11 and not out["soft_range_validator"].passes
    assert "[soft:range_validator] check failed: 11 is outside [0, 10]" in caplog.text
    assert set(dr.graph.nodes) >= {"hard_even", "hard_even_1"}
    with pytest.raises(DataValidationError, match=r"2 data checks on 'hard' failed") as err:
        dr.execute(["hard"], inputs={"x": 3})
    assert "importance='warn'" in str(err.value)
    assert dr.execute(["hard"], inputs={"x": 4}) == {"hard": 4}


def test_series_checks_use_the_functions_pandas():
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")

    @check_output(
        data_type=np.float64,
        allow_nans=False,
        range=(0, 1),
        mean_in_range=(0, 0.5),
        max_standard_dev=1.0,
        values_in=[0.0, 0.5, 1.0],
    )
    def ratios(values: pd.Series) -> pd.Series:
        return values

    dr = build(ratios)
    names = [n for n in dr.graph.nodes if n.endswith("_validator")]
    good = dr.execute(names, inputs={"values": pd.Series([0.0, 0.5])})
    assert all(r.passes for r in good.values())
    bad = dr.execute(names, inputs={"values": pd.Series([0.0, None, 2.0])})
    assert {n for n, r in bad.items() if not r.passes} == {
        "ratios_allow_nans_validator",
        "ratios_range_validator",
        "ratios_mean_in_range_validator",
        "ratios_values_in_validator",
        "ratios_max_standard_dev_validator",
    }


def test_target_picks_the_node_to_check():
    pd = pytest.importorskip("pandas")

    @extract_columns("a")
    @check_output(allow_none=False, target_="frame")
    def frame() -> pd.DataFrame:
        return pd.DataFrame({"a": [1]})

    dr = build(frame)
    assert "frame_allow_none_validator" in dr.graph.nodes
    assert dr.execute(["a"])["a"].tolist() == [1]


def test_misuse_is_reported_with_the_function_and_the_fix():
    with pytest.raises(InvalidDecoratorError, match="importance='warn'.*importance='fail'"):
        check_output(range=(0, 1), importance="loud")
    with pytest.raises(InvalidDecoratorError, match="at least one check"):
        check_output()
    with pytest.raises(InvalidDecoratorError, match="DataValidator instances"):
        check_output_custom(lambda x: True)

    @check_output(contains="x")
    def number() -> int:
        return 1

    with pytest.raises(
        InvalidDecoratorError,
        match=r"no 'contains' check exists for node 'number' of type int.*"
        r"available for this type: .*range",
    ):
        build(number)

    with pytest.raises(InvalidDecoratorError, match="two data-check decorators"):

        @check_output(range=(0, 1))
        @check_output(allow_none=False)
        def twice() -> int:
            return 1

    pd = pytest.importorskip("pandas")
    with pytest.raises(InvalidDecoratorError, match="on .*allow_nans=True checks nothing"):

        @check_output(allow_nans=True)
        def s() -> pd.Series:
            return pd.Series([1])

        build(s)
