"""``@does``: give an empty function the body of another, reusable one.

    def _sum(**values: float) -> float:
        return sum(values.values())

    @does(_sum)
    def total(a: float, b: float) -> float:
        pass

The decorated function declares the node (name, parameters, types, docstring) and must be empty; the
replacing function computes it, receiving the parameters by name (renamed with
``argument_mapping``: replacing-function argument -> decorated-function parameter).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import Node, node_from_function, origin_of
from .base import NodeModifier, Phase, unnamed_parameters


def _empty() -> None:
    pass


def _empty_with_docstring() -> None:
    """Docstring."""


_EMPTY_BODIES = {_empty.__code__.co_code, _empty_with_docstring.__code__.co_code}


class does(NodeModifier):
    """Compute the decorated (empty) function's node with ``replacing_function``."""

    phase = Phase.CREATE

    def __init__(self, replacing_function: Callable[..., Any], **argument_mapping: str) -> None:
        if not callable(replacing_function):
            raise InvalidDecoratorError(
                f"@does takes the function to call, got {replacing_function!r}."
            )
        self.replacing_function = replacing_function
        self.argument_mapping = argument_mapping

    def validate(self, fn: Callable[..., Any]) -> None:
        import inspect

        if fn.__code__.co_code not in _EMPTY_BODIES:
            raise InvalidDecoratorError(
                f"{origin_of(fn)} is decorated with @does, so its body must be just `pass` (and "
                "an optional docstring): the replacing function computes it."
            )
        signature = inspect.signature(fn)
        positional_only = unnamed_parameters(signature)
        if positional_only:
            raise InvalidDecoratorError(
                f"{origin_of(fn)}: @does passes parameters by name; "
                f"{', '.join(positional_only)} cannot be passed that way."
            )
        unknown = sorted(set(self.argument_mapping.values()) - set(signature.parameters))
        if unknown:
            raise InvalidDecoratorError(
                f"@does on {origin_of(fn)}: the mapping names {', '.join(unknown)}, which the "
                "function does not take."
            )
        dummy = _remap({name: None for name in signature.parameters}, self.argument_mapping)
        try:
            inspect.signature(self.replacing_function).bind(**dummy)
        except TypeError as exc:
            target = getattr(self.replacing_function, "__name__", repr(self.replacing_function))
            raise InvalidDecoratorError(
                f"@does({target}) on {origin_of(fn)}: {target}"
                f"{inspect.signature(self.replacing_function)} cannot be called with "
                f"{', '.join(dummy) or 'no arguments'} ({exc}). Adjust its signature or map the "
                "arguments: @does(fn, its_argument='decorated_parameter')."
            ) from None

    def create(self, fn: Callable[..., Any], name: str, config: dict[str, Any]) -> list[Node]:
        defaults = _defaults_of(fn)
        mapping = self.argument_mapping
        replacing = self.replacing_function

        def replaced(**kwargs: Any) -> Any:
            return replacing(**_remap({**defaults, **kwargs}, mapping))

        return [node_from_function(fn, name).copy(fn=replaced)]


def _remap(kwargs: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Rename the decorated function's parameters to the replacing function's arguments."""
    out = dict(kwargs)
    renamed_to = set(mapping.values())
    for argument, parameter in mapping.items():
        if parameter in out and argument not in renamed_to:
            del out[parameter]
        out[argument] = kwargs[parameter]
    return out


def _defaults_of(fn: Callable[..., Any]) -> dict[str, Any]:
    code = fn.__code__
    positional = code.co_varnames[: code.co_argcount]
    defaults = fn.__defaults__ or ()
    out = dict(zip(positional[len(positional) - len(defaults) :], defaults, strict=True))
    out.update(fn.__kwdefaults__ or {})
    return out
