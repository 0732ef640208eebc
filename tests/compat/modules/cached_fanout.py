"""A Parallelizable/Collect dataflow to cache: items are cached one by one."""

from hamilton.htypes import Collect, Parallelizable


def number(count: int) -> Parallelizable[int]:
    yield from range(count)


def squared(number: int) -> int:
    return number * number


def total(squared: Collect[int]) -> int:
    return sum(squared)


def report(total: int, label: str) -> str:
    return f"{label}: {total}"
