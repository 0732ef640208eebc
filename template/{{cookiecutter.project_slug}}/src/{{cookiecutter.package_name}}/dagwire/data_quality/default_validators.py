"""The validators ``@check_output`` builds from its keyword arguments.

Each keyword (``range``, ``data_type``, ``allow_nans``, ...) may have several implementations; the
first whose ``applies_to`` accepts the node's return type is used (a pandas Series, or a plain
number or string). pandas checks use the pandas already imported by the function's module; nothing
is imported here until a check runs.
"""

from __future__ import annotations

import numbers
import sys
from typing import Any

from .base import BaseDefaultValidator, ValidationResult


def _is_class(datatype: Any, *bases: type) -> bool:
    return isinstance(datatype, type) and issubclass(datatype, bases)


def _is_series(datatype: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and _is_class(datatype, pandas.Series)


def _is_number(datatype: Any) -> bool:
    return _is_class(datatype, numbers.Real)


class _SeriesCheck(BaseDefaultValidator):
    @classmethod
    def applies_to(cls, datatype: type) -> bool:
        return _is_series(datatype)


# --- range ----------------------------------------------------------------------------------------
class _InRange(BaseDefaultValidator):
    """``range=(low, high)``, for a Series or a single value."""

    def __init__(self, range: tuple[float, float], importance: str) -> None:
        super().__init__(importance)
        self.range = range

    @classmethod
    def arg(cls) -> str:
        return "range"


class DataInRangeValidatorPandasSeries(_InRange, _SeriesCheck):
    def description(self) -> str:
        return f"Every value lies in [{self.range[0]}, {self.range[1]}]."

    def validate(self, data: Any) -> ValidationResult:
        low, high = self.range
        inside = int(data.between(low, high, inclusive="both").sum())
        outside = len(data) - inside
        return ValidationResult(
            outside == 0,
            f"{inside} values in [{low}, {high}], {outside} outside.",
            {"range": self.range, "in_range": inside, "out_range": outside, "data_size": len(data)},
        )


class DataInRangeValidatorPrimitives(_InRange):
    @classmethod
    def applies_to(cls, datatype: type) -> bool:
        return _is_number(datatype)

    def description(self) -> str:
        return f"The value lies in [{self.range[0]}, {self.range[1]}]."

    def validate(self, data: Any) -> ValidationResult:
        low, high = self.range
        passes = bool(low <= data <= high)
        where = "inside" if passes else "outside"
        return ValidationResult(
            passes, f"{data} is {where} [{low}, {high}].", {"range": self.range, "value": data}
        )


# --- values_in ------------------------------------------------------------------------------------
class _InValues(BaseDefaultValidator):
    """``values_in=[...]``, for a Series or a single value."""

    def __init__(self, values_in: Any, importance: str) -> None:
        super().__init__(importance)
        self.values = frozenset(values_in)

    @classmethod
    def arg(cls) -> str:
        return "values_in"


class DataInValuesValidatorPandasSeries(_InValues, _SeriesCheck):
    def description(self) -> str:
        return f"Every non-missing value is one of {sorted(map(repr, self.values))}."

    def validate(self, data: Any) -> ValidationResult:
        allowed = data.isin(self.values) | data.isna()
        wrong = data[~allowed]
        return ValidationResult(
            wrong.empty,
            f"{int(allowed.sum())} allowed values, {len(wrong)} not allowed.",
            {
                "values": self.values,
                "incorrect_values": wrong.value_counts().to_dict(),
                "data_size": len(data),
            },
        )


class DataInValuesValidatorPrimitives(_InValues):
    @classmethod
    def applies_to(cls, datatype: type) -> bool:
        return _is_number(datatype) or _is_class(datatype, str)

    def description(self) -> str:
        return f"The value is one of {sorted(map(repr, self.values))}."

    def validate(self, data: Any) -> ValidationResult:
        passes = data in self.values
        return ValidationResult(
            passes,
            f"{data!r} is {'' if passes else 'not '}an allowed value.",
            {"values": self.values, "value": data},
        )


# --- missing values -------------------------------------------------------------------------------
class MaxFractionNansValidatorPandasSeries(_SeriesCheck):
    def __init__(self, max_fraction_nans: float, importance: str) -> None:
        super().__init__(importance)
        if not 0 <= max_fraction_nans <= 1:
            raise ValueError(
                f"max_fraction_nans={max_fraction_nans!r} must be a fraction between 0 and 1."
            )
        self.max_fraction_nans = max_fraction_nans

    @classmethod
    def arg(cls) -> str:
        return "max_fraction_nans"

    def description(self) -> str:
        return f"At most {self.max_fraction_nans:.2%} of the values are missing."

    def validate(self, data: Any) -> ValidationResult:
        missing = int(data.isna().sum())
        fraction = missing / len(data) if len(data) else 0.0
        return ValidationResult(
            fraction <= self.max_fraction_nans,
            f"{missing} of {len(data)} values missing ({fraction:.2%}; at most "
            f"{self.max_fraction_nans:.2%} allowed).",
            {
                "total_nan": missing,
                "total_length": len(data),
                "fraction_na": fraction,
                "max_fraction_na": self.max_fraction_nans,
            },
        )


class AllowNaNsValidatorPandasSeries(MaxFractionNansValidatorPandasSeries):
    def __init__(self, allow_nans: bool, importance: str) -> None:
        if allow_nans:
            raise ValueError(
                "allow_nans=True checks nothing; leave it out, or bound the share of missing "
                "values with max_fraction_nans=..."
            )
        super().__init__(0.0, importance)

    @classmethod
    def arg(cls) -> str:
        return "allow_nans"


class AllowNoneValidator(BaseDefaultValidator):
    def __init__(self, allow_none: bool, importance: str) -> None:
        super().__init__(importance)
        self.allow_none = allow_none

    @classmethod
    def arg(cls) -> str:
        return "allow_none"

    @classmethod
    def applies_to(cls, datatype: type) -> bool:
        return True

    def description(self) -> str:
        return "Anything goes." if self.allow_none else "The value is not None."

    def validate(self, data: Any) -> ValidationResult:
        passes = self.allow_none or data is not None
        return ValidationResult(passes, "The value is None." if not passes else "Not None.")


# --- types ----------------------------------------------------------------------------------------
class _OfType(BaseDefaultValidator):
    """``data_type=T``, for a Series' dtype or a single value."""

    def __init__(self, data_type: type, importance: str) -> None:
        super().__init__(importance)
        self.datatype = data_type

    @classmethod
    def arg(cls) -> str:
        return "data_type"


class DataTypeValidatorPandasSeries(_OfType, _SeriesCheck):
    def description(self) -> str:
        return f"The series' dtype is a kind of {self.datatype}."

    def validate(self, data: Any) -> ValidationResult:
        import numpy

        dtype = getattr(data.dtype, "type", data.dtype)
        passes = bool(numpy.issubdtype(dtype, self.datatype))
        return ValidationResult(
            passes,
            f"dtype {dtype} is {'' if passes else 'not '}a kind of {self.datatype}.",
            {"required_dtype": self.datatype, "actual_dtype": dtype},
        )


class DataTypeValidatorPrimitives(_OfType):
    @classmethod
    def applies_to(cls, datatype: type) -> bool:
        return _is_number(datatype) or datatype in (str, bool)

    def description(self) -> str:
        return f"The value is an instance of {self.datatype}."

    def validate(self, data: Any) -> ValidationResult:
        passes = isinstance(data, self.datatype)
        return ValidationResult(
            passes,
            f"{type(data).__name__} is {'' if passes else 'not '}a {self.datatype}.",
            {"required_data_type": self.datatype, "actual_data_type": type(data)},
        )


# --- statistics -----------------------------------------------------------------------------------
class MaxStandardDevValidatorPandasSeries(_SeriesCheck):
    def __init__(self, max_standard_dev: float, importance: str) -> None:
        super().__init__(importance)
        self.max_standard_dev = max_standard_dev

    @classmethod
    def arg(cls) -> str:
        return "max_standard_dev"

    def description(self) -> str:
        return f"The standard deviation is at most {self.max_standard_dev}."

    def validate(self, data: Any) -> ValidationResult:
        std = data.std()
        passes = bool(std <= self.max_standard_dev)
        return ValidationResult(
            passes,
            f"Standard deviation {std} (at most {self.max_standard_dev} allowed).",
            {"standard_dev": std, "max_standard_dev": self.max_standard_dev},
        )


class MeanInRangeValidatorPandasSeries(_SeriesCheck):
    def __init__(self, mean_in_range: tuple[float, float], importance: str) -> None:
        super().__init__(importance)
        self.mean_in_range = mean_in_range

    @classmethod
    def arg(cls) -> str:
        return "mean_in_range"

    def description(self) -> str:
        low, high = self.mean_in_range
        return f"The mean lies in [{low}, {high}]."

    def validate(self, data: Any) -> ValidationResult:
        low, high = self.mean_in_range
        mean = data.mean()
        passes = bool(low <= mean <= high)
        return ValidationResult(
            passes,
            f"Mean {mean} is {'inside' if passes else 'outside'} [{low}, {high}].",
            {"dataset_mean": mean, "mean_in_range": self.mean_in_range},
        )


# --- strings --------------------------------------------------------------------------------------
class StrContainsValidator(BaseDefaultValidator):
    def __init__(self, contains: str | list[str], importance: str) -> None:
        super().__init__(importance)
        self.contains = [contains] if isinstance(contains, str) else list(contains)

    @classmethod
    def arg(cls) -> str:
        return "contains"

    @classmethod
    def applies_to(cls, datatype: type) -> bool:
        return datatype is str

    def description(self) -> str:
        return f"The string contains each of {self.contains}."

    def validate(self, data: str) -> ValidationResult:
        missing = [c for c in self.contains if c not in data]
        return ValidationResult(
            not missing,
            f"Missing {missing}." if missing else "All present.",
            {"missing": missing} if missing else {},
        )


class StrDoesNotContainValidator(BaseDefaultValidator):
    def __init__(self, does_not_contain: str | list[str], importance: str) -> None:
        super().__init__(importance)
        self.does_not_contain = (
            [does_not_contain] if isinstance(does_not_contain, str) else list(does_not_contain)
        )

    @classmethod
    def arg(cls) -> str:
        return "does_not_contain"

    @classmethod
    def applies_to(cls, datatype: type) -> bool:
        return datatype is str

    def description(self) -> str:
        return f"The string contains none of {self.does_not_contain}."

    def validate(self, data: str) -> ValidationResult:
        found = [c for c in self.does_not_contain if c in data]
        return ValidationResult(
            not found,
            f"Contains {found}." if found else "None present.",
            {"found": found} if found else {},
        )


AVAILABLE_DEFAULT_VALIDATORS: list[type[BaseDefaultValidator]] = [
    AllowNaNsValidatorPandasSeries,
    DataInRangeValidatorPandasSeries,
    DataInRangeValidatorPrimitives,
    DataInValuesValidatorPandasSeries,
    DataInValuesValidatorPrimitives,
    DataTypeValidatorPandasSeries,
    DataTypeValidatorPrimitives,
    MaxFractionNansValidatorPandasSeries,
    MaxStandardDevValidatorPandasSeries,
    MeanInRangeValidatorPandasSeries,
    AllowNoneValidator,
    StrContainsValidator,
    StrDoesNotContainValidator,
]


def resolve_default_validators(
    output_type: Any,
    importance: str,
    available_validators: list[type[BaseDefaultValidator]] | None = None,
    **kwargs: Any,
) -> list[BaseDefaultValidator]:
    """One validator per keyword, picked by the keyword and the node's return type.

    Raises ``LookupError`` naming the keyword when no registered validator fits the type.
    """
    candidates = available_validators or AVAILABLE_DEFAULT_VALIDATORS
    chosen = []
    for key, argument in kwargs.items():
        for cls in candidates:
            if cls.arg() == key and cls.applies_to(output_type):
                chosen.append(cls(**{key: argument, "importance": importance}))
                break
        else:
            raise LookupError(key)
    return chosen


def arguments_for(
    output_type: Any, available_validators: list[type[BaseDefaultValidator]] | None = None
) -> list[str]:
    """The ``@check_output`` keywords that have a validator for ``output_type``."""
    candidates = available_validators or AVAILABLE_DEFAULT_VALIDATORS
    return sorted({c.arg() for c in candidates if c.applies_to(output_type)})
