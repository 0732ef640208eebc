"""@resolve / @resolve_from_config: decorators built from config, power-user mode, the order they
join the other decorators in, and errors that name the function and the fix."""

import pytest
from dagwire import settings
from dagwire.errors import InvalidDecoratorError
from dagwire.function_modifiers import (
    ResolveAt,
    config,
    parameterize,
    parameterize_sources,
    resolve,
    resolve_from_config,
    tag,
    value,
)
from engine_support import build, user_tags

POWER = {settings.ENABLE_POWER_USER_MODE: True}


def x() -> int:
    return 1


def y() -> int:
    return 10


def pairs_to_sums(pairs):
    return parameterize_sources(**{name: {"a": a, "b": b} for name, (a, b) in pairs.items()})


@resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=pairs_to_sums)
def summed(a: int, b: int) -> int:
    return a + b


def test_the_config_decides_which_nodes_the_function_makes():
    dr = build(x, y, summed, cfg={**POWER, "pairs": {"s1": ("x", "y"), "s2": ("y", "y")}})
    assert dr.execute(["s1", "s2"]) == {"s1": 11, "s2": 20}
    names = {v.name for v in dr.list_available_variables()}
    assert "summed" not in names and {"s1", "s2"} <= names
    dr = build(x, y, summed, cfg={**POWER, "pairs": {"only": ("x", "x")}})
    assert dr.execute(["only"]) == {"only": 2}


def test_without_power_user_mode_the_error_names_the_function_and_the_setting():
    for cfg in ({"pairs": {"s": ("x", "y")}}, {"pairs": {}, settings.ENABLE_POWER_USER_MODE: 0}):
        with pytest.raises(InvalidDecoratorError) as err:
            build(x, y, summed, cfg=cfg)
        message = str(err.value)
        assert "summed()" in message and "test_modifiers_resolve.py:" in message
        assert "'hamilton.enable_power_user_mode': True" in message


def test_a_missing_config_key_is_named_with_the_fix():
    with pytest.raises(InvalidDecoratorError, match=r"'pairs'.*with_config.*defaults"):
        build(x, y, summed, cfg=POWER)


def test_optional_parameters_take_their_default_unless_configured():
    @tag(kind="scaled")
    @resolve_from_config(
        decorate_with=lambda factor=3: parameterize(scaled={"factor": value(factor)})
    )
    def scale(x: int, factor: int) -> int:
        return x * factor

    assert build(x, scale, cfg=POWER).execute(["scaled"]) == {"scaled": 3}
    dr = build(x, scale, cfg={**POWER, "factor": 5})
    assert dr.execute(["scaled"]) == {"scaled": 5}
    assert user_tags(dr.graph.nodes["scaled"]) == {"kind": "scaled"}  # @tag applies after


def test_a_function_left_out_by_its_config_condition_needs_no_resolve_config():
    """Unlike Apache Hamilton, which resolves first and so asks for ``pairs`` even here."""

    @config.when(mode="sum")
    @resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=pairs_to_sums)
    def total__sum(a: int, b: int) -> int:
        return a + b

    dr = build(x, total__sum, cfg={**POWER, "mode": "other"})
    assert "total" not in dr.graph.nodes
    dr = build(x, total__sum, cfg={**POWER, "mode": "sum", "pairs": {"t": ("x", "x")}})
    assert dr.execute(["t"]) == {"t": 2}
    assert dr.graph.nodes["t"].tags["hamilton.config"] == "mode"
    with pytest.raises(InvalidDecoratorError, match="power-user mode"):
        build(x, total__sum, cfg={"mode": "other"})  # the opt-in is still needed


def test_decorate_with_must_return_a_decorator():
    @resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=lambda: "not a decorator")
    def bad(x: int) -> int:
        return x

    with pytest.raises(InvalidDecoratorError, match=r"bad\(\).*returned 'not a decorator'"):
        build(x, bad, cfg=POWER)


def test_a_resolved_expander_cannot_join_a_written_one():
    @resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=lambda: parameterize(p={}))
    @parameterize(q={"x": value(2)})
    def twice(x: int) -> int:
        return x

    with pytest.raises(InvalidDecoratorError, match=r"twice\(\) has two decorators.*parameterize"):
        build(twice, cfg=POWER)


def test_misuse_is_refused_when_decorating():
    with pytest.raises(InvalidDecoratorError, match="CONFIG_AVAILABLE"):
        resolve(when="later", decorate_with=lambda: tag(a="b"))
    with pytest.raises(InvalidDecoratorError, match=r"\*keys.*name each config key"):
        resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=lambda *keys: tag(a="b"))
    with pytest.raises(InvalidDecoratorError, match="pass a function"):
        resolve_from_config(decorate_with=tag(a="b"))
