"""A small dataflow to cache: lists, a DataFrame, a node that always recomputes, and a node whose
value does not change when its input does (what reads it is then retrieved)."""

import pandas as pd
from hamilton.function_modifiers import cache


def raw(n: int) -> list[int]:
    """0 .. n - 1."""
    return list(range(n))


def doubled(raw: list[int]) -> list[int]:
    return [2 * v for v in raw]


def parity(offset: int) -> int:
    # only the parity of the offset matters downstream
    return offset % 2


def shifted(doubled: list[int], parity: int) -> list[int]:
    return [v + parity for v in doubled]


@cache(behavior="recompute")
def stamp(n: int) -> str:
    return f"n={n}"


def frame(shifted: list[int], stamp: str) -> pd.DataFrame:
    return pd.DataFrame({"shifted": shifted, "stamp": [stamp] * len(shifted)})


def total(frame: pd.DataFrame) -> int:
    return int(frame["shifted"].sum())
