"""The async driver: async nodes are awaited, independent ones run concurrently, plain ones run
as usual, and both the engine's hooks and Hamilton's async hooks see values, not coroutines."""

import asyncio

import pytest
from dagwire import async_driver
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.errors import DagwireError, failed_node
from dagwire.lifecycle import base as async_hooks
from dagwire.lifecycle.api import DictResult, NodeExecutionHook


async def left(gate: asyncio.Event) -> str:
    """Finishes only if ``right`` runs while it waits: proof that the two overlap."""
    await asyncio.wait_for(gate.wait(), timeout=5)
    return "left"


async def right(gate: asyncio.Event) -> str:
    gate.set()
    return "right"


def joined(left: str, right: str, separator: str = "+") -> str:
    return left + separator + right


async def shouted(joined: str) -> str:
    await asyncio.sleep(0)
    return joined.upper()


MODULE = create_temporary_module(left, right, joined, shouted)


def run(coroutine):
    return asyncio.run(coroutine)


def test_independent_async_nodes_run_concurrently_and_sync_nodes_in_between():
    async def main():
        dr = await async_driver.Builder().with_modules(MODULE).build()
        return await dr.execute(["shouted", "joined"], inputs={"gate": asyncio.Event()})

    assert run(main()) == {"shouted": "LEFT+RIGHT", "joined": "left+right"}


def test_the_async_driver_takes_hamiltons_constructor_and_one_result_builder():
    async def main():
        dr = async_driver.AsyncDriver({}, MODULE, result_builder=DictResult())
        return await dr.execute(["joined"], inputs={"gate": asyncio.Event(), "separator": "-"})

    assert run(main()) == {"joined": "left-right"}
    with pytest.raises(DagwireError, match="one result builder, got 2"):
        async_driver.AsyncDriver({}, MODULE, result_builder=DictResult(), adapters=[DictResult()])


class EngineHook(NodeExecutionHook):
    def __init__(self):
        self.seen = []

    def run_before_node_execution(self, *, node_name, **future_kwargs):
        self.seen.append(("before", node_name))

    def run_after_node_execution(self, *, node_name, result, success, **future_kwargs):
        self.seen.append(("after", node_name, result, success))


class HamiltonAsyncHooks(
    async_hooks.BasePostGraphConstructAsync,
    async_hooks.BasePreGraphExecuteAsync,
    async_hooks.BasePreNodeExecuteAsync,
    async_hooks.BasePostNodeExecuteAsync,
    async_hooks.BasePostGraphExecuteAsync,
):
    def __init__(self):
        self.seen = []

    async def post_graph_construct(self, *, graph, modules, config):
        self.seen.append(("constructed", len(modules)))

    async def pre_graph_execute(self, *, run_id, graph, final_vars, inputs, overrides):
        self.seen.append(("graph-before", tuple(final_vars)))

    async def pre_node_execute(self, *, run_id, node_, kwargs, task_id=None):
        self.seen.append(("before", node_.name))

    async def post_node_execute(self, *, node_, success, error, result, **future_kwargs):
        self.seen.append(("after", node_.name, result, success))

    async def post_graph_execute(self, *, run_id, graph, success, error, results):
        self.seen.append(("graph-after", success, results))


def test_engine_hooks_and_hamiltons_async_hooks_see_awaited_values():
    engine, hamilton = EngineHook(), HamiltonAsyncHooks()

    async def main():
        builder = async_driver.Builder().with_modules(MODULE).with_adapters(engine, hamilton)
        dr = await builder.build()
        return await dr.execute(["shouted"], inputs={"gate": asyncio.Event()})

    assert run(main()) == {"shouted": "LEFT+RIGHT"}
    assert ("after", "shouted", "LEFT+RIGHT", True) in engine.seen
    assert ("after", "left", "left", True) in hamilton.seen
    assert hamilton.seen[:2] == [("constructed", 1), ("graph-before", ("shouted",))]
    assert hamilton.seen[-1] == ("graph-after", True, {"shouted": "LEFT+RIGHT"})
    assert {e[1] for e in engine.seen} == {"left", "right", "joined", "shouted"}


async def broken(joined: str) -> str:
    raise RuntimeError("upstream service down")


async def never_finishes(gate: asyncio.Event) -> str:
    await asyncio.sleep(60)
    return "late"


def test_a_failing_async_node_raises_its_error_naming_the_node_and_stops_the_rest():
    module = create_temporary_module(left, right, joined, broken, never_finishes)
    hooks = HamiltonAsyncHooks()

    async def main():
        dr = await async_driver.Builder().with_modules(module).with_adapters(hooks).build()
        await dr.execute(["broken", "never_finishes"], inputs={"gate": asyncio.Event()})

    with pytest.raises(RuntimeError, match="upstream service down") as caught:
        run(main())  # returns at once: never_finishes is cancelled, not awaited for 60 s
    assert failed_node(caught.value) == "broken"
    assert "node 'broken' failed" in "\n".join(caught.value.__notes__)
    assert ("after", "broken", None, False) in hooks.seen
    assert hooks.seen[-1][:2] == ("graph-after", False)


def test_the_async_builder_refuses_what_hamiltons_refuses():
    builder = async_driver.Builder()
    for call in (
        lambda: builder.enable_dynamic_execution(allow_experimental_mode=True),
        lambda: builder.with_adapter(DictResult()),
        lambda: builder.with_materializers(),
        lambda: builder.with_cache(path="cache"),  # it would build a driver caching nothing
    ):
        with pytest.raises(DagwireError, match="not supported by the async driver"):
            call()

    async def refused_materialize():
        dr = await async_driver.Builder().with_modules(MODULE).build()
        with pytest.raises(
            DagwireError, match=r"materialize\(\) is not supported .* driver\.Driver"
        ):
            dr.materialize()

    run(refused_materialize())

    async def main():
        dr = await async_driver.Builder().with_modules(MODULE).build()
        await dr.execute(["joined"], display_graph=True)

    with pytest.raises(DagwireError, match="visualize_execution"):
        run(main())


def test_the_async_driver_loads_only_when_imported():
    import subprocess
    import sys

    import dagwire

    code = (
        "import sys\nfrom dagwire import driver\n"
        "print('dagwire.async_driver' in sys.modules, 'asyncio' in sys.modules)"
    )
    parent = str(__import__("pathlib").Path(dagwire.__file__).parents[1])
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": parent}
    )
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_overrides_and_awaitable_inputs_as_in_hamilton():
    async def gate_later() -> asyncio.Event:
        await asyncio.sleep(0)
        return asyncio.Event()

    async def main():
        dr = await async_driver.Builder().with_modules(MODULE).build()
        overridden = await dr.execute(["shouted"], overrides={"joined": "given"})
        awaited = await dr.execute(["joined"], inputs={"gate": asyncio.ensure_future(gate_later())})
        return overridden, awaited

    assert run(main()) == ({"shouted": "GIVEN"}, {"joined": "left+right"})
