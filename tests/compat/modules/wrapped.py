"""Transforms wrapped by a team's own decorator (functools.wraps), as done for logging or timing."""

import functools

from hamilton.function_modifiers import config, tag

CALLS: list[str] = []


def _logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        CALLS.append(fn.__name__)
        return fn(*args, **kwargs)

    return wrapper


@_logged
def cleaned(raw: list[int], floor: int = 0) -> list[int]:
    """Values at or above the floor."""
    return [x for x in raw if x >= floor]


@tag(owner="ops")
@_logged
def total(cleaned: list[int]) -> int:
    """Sum of the cleaned values."""
    return sum(cleaned)


@_logged
@config.when(scale="double")
def scaled__double(total: int) -> int:
    return 2 * total


@config.when_not(scale="double")
@_logged
def scaled__same(total: int) -> int:
    return total
