"""An async dataflow after Hamilton's async example: a request's JSON is read with ``await``, two
slow computations run side by side, and plain functions sit in between."""

import asyncio

from hamilton.function_modifiers import tag


async def request_raw(request: object) -> dict:
    return await request.json()


def foo(request_raw: dict) -> str:
    return request_raw.get("foo", "far")


def bar(request_raw: dict) -> str:
    return request_raw.get("bar", "baz")


async def some_input(delay: float) -> int:
    await asyncio.sleep(delay)
    return 1


async def computation1(foo: str, some_input: int, delay: float) -> bool:
    await asyncio.sleep(delay)
    return foo == "far" and some_input == 1


@tag(stage="slow")
async def computation2(bar: str, delay: float) -> bool:
    await asyncio.sleep(delay)
    return bar == "baz"


async def pipeline(computation1: bool, computation2: bool, label: str = "run") -> dict:
    await asyncio.sleep(0)
    return {"computation1": computation1, "computation2": computation2, "label": label}
