"""@subdag: namespacing, inputs, config, external inputs, nesting with other decorators, misuse."""

import pytest
from dagwire.ad_hoc_utils import create_temporary_module
from dagwire.errors import DuplicateNodeError, InvalidDecoratorError
from dagwire.function_modifiers import config, configuration, source, subdag, tag, value
from engine_support import build, user_tags


def raw(path: str) -> str:
    return f"read {path}"


@config.when(lang="fr")
def greeting__fr(raw: str) -> str:
    return f"bonjour ({raw})"


@config.when_not(lang="fr")
def greeting__en(raw: str) -> str:
    return f"hello ({raw})"


def shout(greeting: str, suffix: str) -> str:
    return greeting.upper() + suffix


SUB = create_temporary_module(raw, greeting__fr, greeting__en, shout)


def test_nodes_are_namespaced_and_fed_from_inputs_and_config():
    @tag(kind="subdag")
    @subdag(SUB, inputs={"path": source("fr_path")}, config={"lang": "fr"}, namespace="fr")
    def french(shout: str) -> str:
        return shout + "!"

    @subdag(raw, greeting__en, inputs={"path": value("en.txt")}, final_node_name="english")
    def english_fn(greeting: str) -> str:
        return greeting

    dr = build(french, english_fn)
    assert {
        "fr.raw",
        "fr.greeting",
        "fr.shout",
        "fr.path",
        "fr.lang",
        "french",
        "english_fn.raw",
        "english_fn.path",
        "english",
    } <= set(dr.graph.nodes)
    out = dr.execute(["french", "english"], inputs={"fr_path": "a.txt", "suffix": "?"})
    assert out == {"french": "BONJOUR (READ A.TXT)?!", "english": "hello (read en.txt)"}
    assert user_tags(dr.graph.nodes["french"]) == {"kind": "subdag"}
    assert "kind" not in dr.graph.nodes["fr.shout"].tags  # @tag targets the final node only


def test_config_may_come_from_the_outer_config_and_externals_skip_the_namespace():
    @subdag(
        SUB,
        inputs={"path": value("x")},
        config={"lang": configuration("home")},
        namespace="home",
        external_inputs=["excl"],
    )
    def at_home(greeting: str, excl: str) -> str:
        return greeting + excl

    dr = build(at_home, cfg={"home": "fr"})
    assert dr.execute(["at_home"], inputs={"excl": "!"}) == {"at_home": "bonjour (read x)!"}


def test_two_subdags_of_one_module_do_not_collide():
    @subdag(SUB, inputs={"path": value("1")})
    def one(greeting: str) -> str:
        return greeting

    @subdag(SUB, inputs={"path": value("2")}, config={"lang": "fr"})
    def two(greeting: str) -> str:
        return greeting

    assert build(one, two).execute(["one", "two"]) == {
        "one": "hello (read 1)",
        "two": "bonjour (read 2)",
    }


def test_the_final_node_name_may_collide_with_a_real_node():
    def english() -> str:
        return "x"

    @subdag(SUB, inputs={"path": value("1")}, final_node_name="english")
    def wrapper(greeting: str) -> str:
        return greeting

    with pytest.raises(DuplicateNodeError, match="'english' is defined twice"):
        build(english, wrapper)


def test_misuse_is_reported_with_the_function_and_the_fix():
    with pytest.raises(InvalidDecoratorError, match="needs the modules"):
        subdag()
    with pytest.raises(InvalidDecoratorError, match="given both in inputs= and config="):
        subdag(SUB, inputs={"lang": value("fr")}, config={"lang": "fr"})
    with pytest.raises(InvalidDecoratorError, match="source\\('outer_node'\\) or value"):
        subdag(SUB, inputs={"path": "plain string"})
    with pytest.raises(InvalidDecoratorError, match="takes modules or functions"):
        subdag(42)
    with pytest.raises(InvalidDecoratorError, match="config values are literals"):
        subdag(SUB, config={"lang": source("x")})

    @subdag(SUB, config={"lang": configuration("missing")})
    def needs_config(greeting: str) -> str:
        return greeting

    with pytest.raises(InvalidDecoratorError, match="driver config has no 'missing'"):
        build(needs_config)
