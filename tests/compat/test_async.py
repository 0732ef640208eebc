"""The async driver agrees with Apache Hamilton's: the same async module (after Hamilton's async
example), built with ``await async_driver.Builder()...build()`` or ``AsyncDriver(...)``."""

import asyncio
import importlib
import time

import pytest
from compat_support import ENGINES, assert_same, load_module

DELAY = 0.2


class Request:
    """A stand-in for a web framework's request: its body is read with ``await``."""

    def __init__(self, body):
        self.body = body

    async def json(self):
        await asyncio.sleep(0)
        return self.body


def imported(engine, name):
    return importlib.import_module(f"{engine}.{name}")


async def run_with_builder(engine, outputs, inputs):
    module = load_module("async_pipeline", engine)
    dr = await imported(engine, "async_driver").Builder().with_modules(module).build()
    started = time.perf_counter()
    result = await dr.execute(outputs, inputs=inputs)
    return result, time.perf_counter() - started


@pytest.mark.parametrize("body", [{}, {"foo": "x", "bar": "baz"}])
def test_async_pipeline_results_match(body):
    inputs = {"request": Request(body), "delay": DELAY}
    outputs = ["pipeline", "foo", "computation2"]
    results = {e: asyncio.run(run_with_builder(e, outputs, dict(inputs))) for e in ENGINES}
    assert_same(results["hamilton"][0], results["dagwire"][0])
    assert results["dagwire"][0]["pipeline"]["label"] == "run"
    # some_input, computation1 and computation2 wait DELAY each; chained they would take 3x
    assert results["dagwire"][1] < 2.5 * DELAY


def test_async_driver_constructor_with_a_result_builder_matches():
    async def run(engine):
        module = load_module("async_pipeline", engine)
        base = imported(engine, "base")
        dr = imported(engine, "async_driver").AsyncDriver(
            {}, module, result_builder=base.DictResult()
        )
        inputs = {"request": Request({"bar": "other"}), "delay": 0.0, "label": "ad hoc"}
        return await dr.execute(["pipeline", "bar"], inputs=inputs)

    ham, dag = (asyncio.run(run(e)) for e in ENGINES)
    assert_same(ham, dag)
    assert dag["pipeline"] == {"computation1": True, "computation2": False, "label": "ad hoc"}


def test_async_driver_lists_the_same_variables():
    async def variables(engine):
        module = load_module("async_pipeline", engine)
        dr = await imported(engine, "async_driver").Builder().with_modules(module).build()
        return {
            v.name: (v.type, v.is_external_input, v.tags.get("stage"))
            for v in dr.list_available_variables()
        }

    assert asyncio.run(variables("dagwire")) == asyncio.run(variables("hamilton"))


def test_a_task_given_as_input_is_awaited_by_both():
    async def later(value):
        await asyncio.sleep(0)
        return value

    async def run(engine):
        module = load_module("async_pipeline", engine)
        dr = await imported(engine, "async_driver").Builder().with_modules(module).build()
        inputs = {"request": Request({}), "delay": asyncio.ensure_future(later(0.0))}
        return await dr.execute(["pipeline"], inputs=inputs)

    ham, dag = (asyncio.run(run(e)) for e in ENGINES)
    assert_same(ham, dag)
    assert dag["pipeline"]["computation1"] is True
