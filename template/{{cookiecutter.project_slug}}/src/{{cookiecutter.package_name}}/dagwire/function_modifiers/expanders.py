"""``@parameterize`` and friends: one function, several nodes, each with its parameters bound
differently; ``@inject``: one node whose parameters are bound the same way.

    @parameterize(
        revenue_eu={"sales": source("sales_eu"), "rate": value(1.1)},
        revenue_us=({"sales": source("sales_us"), "rate": value(1.0)}, "US revenue."),
    )
    def revenue(sales: float, rate: float) -> float:
        '''Revenue {output_name}: {sales} times {rate}.'''

Each generated node's docstring is the function's, formatted with ``output_name`` and the bindings
(a source formats as its name, a value as itself), unless the tuple form gives one.
``@parameterize_extract_columns`` expands the same way, then splits each node's DataFrame.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import Dependency, Node, origin_of
from .base import NodeModifier, Phase
from .dependencies import (
    GroupedDependency,
    GroupedDictDependency,
    LiteralDependency,
    ParametrizedDependency,
    UpstreamDependency,
    source,
    value,
)
from .extractors import extract_columns
from .transformers import parameter_names

Binding = dict[str, ParametrizedDependency]

#: Stands for "the function's own node name" in ``@inject``.
_OWN_NAME = "__<function_name>"
_RESERVED_PARAMETER = "output_name"


class parameterize(NodeModifier):
    """One node per keyword: ``output=binding`` or ``output=(binding, docstring)``."""

    phase = Phase.EXPAND

    def __init__(self, **parametrization: Binding | tuple[Binding, str]) -> None:
        if not parametrization:
            raise InvalidDecoratorError(
                f"@{type(self).__name__}() needs at least one output, "
                "e.g. @parameterize(out_a={'x': value(1)})."
            )
        self.parameterization: dict[str, Binding] = {}
        self.specified_docstrings: dict[str, str] = {}
        for output, spec in parametrization.items():
            if isinstance(spec, tuple):
                if len(spec) != 2 or not isinstance(spec[1], str):
                    raise InvalidDecoratorError(
                        f"@{type(self).__name__}: {output}={spec!r} must be a binding dict or a "
                        "(binding dict, docstring) pair."
                    )
                spec, self.specified_docstrings[output] = spec
            if not isinstance(spec, dict):
                raise InvalidDecoratorError(
                    f"@{type(self).__name__}: {output}= takes a dict of parameter -> source(...) / "
                    f"value(...) / group(...), got {spec!r}."
                )
            bad = {p: v for p, v in spec.items() if not isinstance(v, ParametrizedDependency)}
            if bad:
                listed = ", ".join(f"{p}={v!r}" for p, v in bad.items())
                raise InvalidDecoratorError(
                    f"@{type(self).__name__}: {output} binds {listed}; wrap each in value(...) "
                    "for a literal or source(...) for another node."
                )
            self.parameterization[output] = spec

    def validate(self, fn: Callable[..., Any]) -> None:
        params = parameter_names(fn)
        who = f"@{type(self).__name__} on {origin_of(fn)}"
        if _RESERVED_PARAMETER in params:
            raise InvalidDecoratorError(
                f"{who}: the parameter name 'output_name' is reserved (docstrings use "
                "{output_name} for the generated node's name); rename the parameter."
            )
        unknown = sorted({p for b in self.parameterization.values() for p in b} - set(params))
        if unknown:
            raise InvalidDecoratorError(
                f"{who} binds {', '.join(map(repr, unknown))}, which the function does not take "
                f"(its parameters: {', '.join(params) or 'none'}). Fix the names."
            )
        for output in self.parameterization:
            self._doc(fn, output if output != _OWN_NAME else fn.__name__)

    def transform(
        self, nodes: list[Node], fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        node = only_node(nodes, fn, type(self).__name__)
        return [
            self._expand(node, fn, node.name if output == _OWN_NAME else output, binding)
            for output, binding in self.parameterization.items()
        ]

    def _expand(self, node: Node, fn: Callable[..., Any], output: str, binding: Binding) -> Node:
        where = f"@{type(self).__name__} on {origin_of(fn)}"
        inputs: dict[str, Dependency] = {}
        fixed: dict[str, Any] = {}
        readers: list[tuple[str, str]] = []  # (value name, parameter)
        groups: list[tuple[str, GroupedDependency]] = []
        for param, dep in node.inputs.items():
            spec = binding.get(param)
            if spec is None:
                inputs.setdefault(param, dep)
                readers.append((param, param))
            elif isinstance(spec, UpstreamDependency):
                inputs.setdefault(spec.source, dep)
                readers.append((spec.source, param))
            elif isinstance(spec, LiteralDependency):
                fixed[param] = spec.value
            elif isinstance(spec, GroupedDependency):
                element = spec.element_type(dep.type, param, where)
                for item in spec.items():
                    if isinstance(item, UpstreamDependency):
                        inputs.setdefault(item.source, Dependency(element, False))
                groups.append((param, spec))
            else:
                raise InvalidDecoratorError(
                    f"{where}: {param}={spec!r} is not supported here; use source(), value() or "
                    "group()."
                )
        call = _bound_call(node.fn, fixed, readers, groups)
        return node.copy(name=output, fn=call, inputs=inputs, doc=self._doc(fn, output))

    def _doc(self, fn: Callable[..., Any], output: str) -> str:
        if output in self.specified_docstrings:
            return self.specified_docstrings[output]
        doc = fn.__doc__
        if not doc:
            return ""
        binding = self.parameterization.get(output, self.parameterization.get(_OWN_NAME, {}))
        fields: dict[str, Any] = {_RESERVED_PARAMETER: output}
        for param, spec in binding.items():
            if isinstance(spec, UpstreamDependency):
                fields[param] = spec.source
            elif isinstance(spec, LiteralDependency):
                fields[param] = spec.value
        try:
            return doc.format_map(_KeepUnknown(fields)).strip()
        except (ValueError, IndexError, AttributeError) as exc:
            raise InvalidDecoratorError(
                f"The docstring of {origin_of(fn)} is formatted for each node @"
                f"{type(self).__name__} generates, and formatting failed ({exc}). Write a literal "
                "brace as two braces, or give each output its own docstring with the "
                "(binding, docstring) form."
            ) from exc


def only_node(nodes: list[Node], fn: Callable[..., Any], who: str) -> Node:
    """The one node an expander expands (the decorators before it must not have made more)."""
    if len(nodes) != 1:
        raise InvalidDecoratorError(
            f"@{who} on {origin_of(fn)} expands one node, but the decorators before it produced "
            f"{len(nodes)} ({', '.join(n.name for n in nodes)})."
        )
    return nodes[0]


class _KeepUnknown(dict):
    """Docstring fields that are not bindings stay as their name (Hamilton does the same)."""

    def __missing__(self, key: str) -> str:
        return key


def _bound_call(
    fn: Callable[..., Any],
    fixed: dict[str, Any],
    readers: list[tuple[str, str]],
    groups: list[tuple[str, GroupedDependency]],
) -> Callable[..., Any]:
    def bound(**kwargs: Any) -> Any:
        call = dict(fixed)
        for name, param in readers:
            if name in kwargs:
                call[param] = kwargs[name]
        for param, spec in groups:
            if isinstance(spec, GroupedDictDependency):
                call[param] = {k: _resolve(d, kwargs) for k, d in spec.sources.items()}
            else:
                call[param] = [_resolve(d, kwargs) for d in spec.items()]
        return fn(**call)

    return bound


def _resolve(dep: Any, kwargs: dict[str, Any]) -> Any:
    return kwargs[dep.source] if isinstance(dep, UpstreamDependency) else dep.value


class parameterize_sources(parameterize):
    """``output={"param": "node_name", ...}``: each output reads its parameters from other nodes."""

    def __init__(self, **parameterization: dict[str, str]) -> None:
        for output, mapping in parameterization.items():
            if not isinstance(mapping, dict) or not mapping:
                raise InvalidDecoratorError(
                    f"@parameterize_sources: {output}= needs a non-empty dict of "
                    f"parameter -> node name, got {mapping!r}."
                )
        super().__init__(
            **{
                output: {param: source(name) for param, name in mapping.items()}
                for output, mapping in parameterization.items()
            }
        )


class parameterize_values(parameterize):
    """One node per literal value of one parameter: ``{(output, doc): literal, ...}``."""

    def __init__(self, parameter: str, assigned_output: dict[tuple[str, str], Any]) -> None:
        for key in assigned_output:
            if not (isinstance(key, tuple) and len(key) == 2):
                raise InvalidDecoratorError(
                    f"@parameterize_values: key {key!r} must be an (output name, docstring) pair, "
                    "e.g. {('revenue_eu', 'Revenue in the EU.'): 'eu'}."
                )
        super().__init__(
            **{
                output: ({parameter: value(literal)}, doc)
                for (output, doc), literal in assigned_output.items()
            }
        )


class inject(parameterize):
    """Bind parameters of the function's own node: ``@inject(n=group(source("a"), value(2)))``."""

    def __init__(self, **key_mapping: ParametrizedDependency) -> None:
        if not key_mapping:
            raise InvalidDecoratorError(
                "@inject() needs at least one parameter=source(...)/value(...)/group(...)."
            )
        super().__init__(**{_OWN_NAME: key_mapping})


@dataclasses.dataclass
class ParameterizedExtract:
    """One expansion of ``@parameterize_extract_columns``: the columns it extracts, named as the
    nodes they become, and the parameter bindings (``source``/``value``) of that call."""

    outputs: tuple[str, ...]
    input_mapping: Binding


class parameterize_extract_columns(NodeModifier):
    """``@parameterize`` then ``@extract_columns``, per ``ParameterizedExtract``.

    Expansion ``i`` of function ``fn`` is node ``fn__i`` (the DataFrame), whose columns become the
    nodes named in its ``outputs``. With ``reassign_columns`` (the default), the returned frame's
    columns are renamed to those outputs, in order, so the function need not name them itself.
    """

    phase = Phase.EXPAND

    def __init__(
        self, *extract_config: ParameterizedExtract, reassign_columns: bool = True
    ) -> None:
        bad = [c for c in extract_config if not isinstance(c, ParameterizedExtract)]
        if not extract_config or bad:
            raise InvalidDecoratorError(
                "@parameterize_extract_columns takes ParameterizedExtract(outputs, bindings) "
                "arguments, e.g. ParameterizedExtract(('a', 'b'), {'x': source('y')}); got "
                f"{', '.join(map(repr, bad)) or 'none'}."
            )
        self.extract_config = extract_config
        self.reassign_columns = reassign_columns

    def validate(self, fn: Callable[..., Any]) -> None:
        for i, extract in enumerate(self.extract_config):
            self._parameterize(fn.__name__, i, extract).validate(fn)

    def transform(
        self, nodes: list[Node], fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        node = only_node(nodes, fn, "parameterize_extract_columns")
        out: list[Node] = []
        for i, extract in enumerate(self.extract_config):
            frame = node
            if self.reassign_columns:
                frame = node.copy(fn=_columns_renamed(node.fn, extract.outputs, node.origin))
            expansion = self._parameterize(node.name, i, extract)
            (frame,) = expansion.transform([frame], fn, config)
            out += extract_columns(*extract.outputs).transform_node(frame, fn, config)
        return out

    @staticmethod
    def _parameterize(name: str, i: int, extract: ParameterizedExtract) -> parameterize:
        return parameterize(**{f"{name}__{i}": extract.input_mapping})


def _columns_renamed(
    fn: Callable[..., Any], columns: tuple[str, ...], origin: str
) -> Callable[..., Any]:
    def renamed(**kwargs: Any) -> Any:
        frame = fn(**kwargs)
        if len(frame.columns) != len(columns):
            raise InvalidDecoratorError(
                f"@parameterize_extract_columns ({origin}): the function returned "
                f"{len(frame.columns)} columns ({', '.join(map(str, frame.columns))}) for the "
                f"{len(columns)} outputs {', '.join(columns)}. Return one column per output, or "
                "pass reassign_columns=False and name the columns yourself."
            )
        frame.columns = list(columns)
        return frame

    return renamed
