"""@pipe_input, @pipe_output and @mutate, after the examples in Hamilton's decorator reference."""

from hamilton.function_modifiers import (
    apply_to,
    extract_fields,
    mutate,
    pipe_input,
    pipe_output,
    source,
    step,
    value,
)


def _add_one(x: int) -> int:
    return x + 1


def _sum(x: int, y: int) -> int:
    return x + y


def _multiply(x: int, y: int, z: int = 10) -> int:
    return x * y * z


@pipe_input(
    step(_add_one),
    step(_multiply, y=2),
    step(_sum, y=value(3)),
    step(_multiply, y=source("upstream_node_to_multiply")),
)
def final_result(upstream_int: int) -> int:
    return upstream_int


@pipe_input(
    step(_add_one).when(mode="plus"),
    step(_multiply, y=3).when_not(mode="plus").named("tripled"),
    step(_sum, y=source("offset")).named("shifted", namespace=None),
)
def conditional_result(upstream_int: int) -> int:
    return upstream_int * 100


@pipe_input(step(_add_one), on_input="second")
def two_inputs(first: int, second: int) -> int:
    return first * 1000 + second


def A(upstream_int: int) -> int:
    return upstream_int * 2


@pipe_output(step(_add_one), step(_multiply, y=2, z=1))
def B(A: int) -> int:
    return A + 5


@pipe_output(
    step(_add_one).on_output("field_1"),
    step(_sum, y=value(100)),
)
@extract_fields({"field_1": int, "field_2": int})
def foo(upstream_int: int) -> dict[str, int]:
    return {"field_1": upstream_int, "field_2": upstream_int * 2}


def C(upstream_int: int) -> int:
    return upstream_int - 1


def D(upstream_int: int) -> int:
    return upstream_int + 1


@mutate(C, D)
def _transform1(x: int) -> int:
    return x * 10


@mutate(apply_to(D, y=value(7)), apply_to(C, y=source("offset")).when(mode="plus"))
def _transform2(x: int, y: int) -> int:
    return x + y
