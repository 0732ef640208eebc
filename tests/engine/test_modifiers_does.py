"""@does: an empty function computed by a reusable one; argument mapping; misuse."""

import pytest
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import does
from engine_support import build


def _sum(**values: int) -> int:
    return sum(values.values())


def _scale(data: int, factor: int = 2) -> int:
    return data * factor


def test_the_replacing_function_receives_the_parameters_by_name():
    @does(_sum)
    def total(a: int, b: int) -> int:
        """Adds a and b."""
        pass

    dr = build(total)
    assert dr.execute(["total"], inputs={"a": 1, "b": 2}) == {"total": 3}
    variable = dr.list_available_variables()[0]
    assert (variable.name, variable.documentation) == ("total", "Adds a and b.")


def test_arguments_are_mapped_and_defaults_of_the_declared_function_apply():
    @does(_scale, data="x", factor="k")
    def scaled(x: int, k: int = 5) -> int: ...

    dr = build(scaled)
    assert dr.execute(["scaled"], inputs={"x": 2}) == {"scaled": 10}
    assert dr.execute(["scaled"], inputs={"x": 2, "k": 3}) == {"scaled": 6}


def test_misuse_is_reported_with_the_function_and_the_fix():
    with pytest.raises(InvalidDecoratorError, match="body must be just `pass`"):

        @does(_sum)
        def not_empty(a: int) -> int:
            return a

    with pytest.raises(InvalidDecoratorError, match=r"cannot be called with x.*map the arguments"):

        @does(_scale)
        def wrong(x: int) -> int:
            pass

    with pytest.raises(InvalidDecoratorError, match="the mapping names nope"):

        @does(_scale, data="nope")
        def unknown(x: int) -> int:
            pass

    with pytest.raises(InvalidDecoratorError, match="takes the function to call"):
        does("_sum")

    with pytest.raises(InvalidDecoratorError, match="only one"):

        @does(_sum)
        @does(_sum)
        def twice(a: int) -> int:
            pass
