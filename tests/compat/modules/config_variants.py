"""@config.when and friends, as in Hamilton's decorator reference (a node per config variant)."""

import pandas as pd
from hamilton.function_modifiers import config


def some_input(raw: pd.Series) -> pd.Series:
    return raw * 2


def some_input_b(raw: pd.Series) -> pd.Series:
    return raw + 1


def some_input_c(raw: pd.Series) -> pd.Series:
    return raw - 1


@config.when(region="us")
def my_transform__us(some_input: pd.Series, some_input_b: pd.Series) -> pd.Series:
    """US flavour."""
    return some_input + some_input_b


@config.when(region="uk")
def my_transform__uk(some_input: pd.Series, some_input_c: pd.Series) -> pd.Series:
    """UK flavour."""
    return some_input * some_input_c


@config.when_in(business_line=["mens", "kids"], region=["uk"])
def lead_log_times_trend(my_transform: pd.Series) -> pd.Series:
    return my_transform.cumsum()


@config.when_not_in(business_line=["mens", "kids"], region=["uk"])
def lead_log_times_trend__other(my_transform: pd.Series) -> pd.Series:
    return my_transform.cummax()


@config.when_not(region="us")
def non_us_flag__on(raw: pd.Series) -> bool:
    return True


@config.when(region="us")
def non_us_flag__off(raw: pd.Series) -> bool:
    return False


@config.when(missing_key=None)
def missing_key_is_none(raw: pd.Series) -> int:
    return len(raw)


@config.when(region="us", name="renamed_node")
def whatever_it_is_called(raw: pd.Series) -> int:
    return int(raw.sum())


@config.when(version="v1")
def signups__v1__legacy(raw: pd.Series) -> int:
    """Only the part after the last double underscore is dropped."""
    return 1


def undecorated__keeps_its_name(raw: pd.Series) -> int:
    return 2


@config(lambda cfg: cfg.get("region") in ("us", "uk"))
def anglophone__custom(raw: pd.Series) -> str:
    return "yes"
