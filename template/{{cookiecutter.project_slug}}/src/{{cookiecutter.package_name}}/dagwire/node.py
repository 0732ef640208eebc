"""A node is one named value of the dataflow and the recipe to compute it.

Nodes are built straight from function objects (``__code__``, ``__defaults__``,
``__annotations__``) instead of ``inspect.signature``: graph construction is on every user's
critical path and signature objects cost ten times more.
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any, NamedTuple

from .errors import InvalidDecoratorError


class Dependency(NamedTuple):
    """What a node needs from upstream: the type it accepts and whether it may be left out."""

    type: Any
    optional: bool


class Node:
    """One computable value: ``fn`` called with the values named by ``inputs``."""

    __slots__ = (
        "name",
        "fn",
        "inputs",
        "type",
        "tags",
        "doc",
        "_origin",
        "user_function",
        "params",
        "positional",
    )
    _FIELDS = ("name", "fn", "inputs", "type", "tags", "doc", "origin", "user_function")

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        inputs: dict[str, Dependency],
        type: Any = Any,
        tags: dict[str, Any] | None = None,
        doc: str = "",
        origin: str | None = None,
        user_function: Callable[..., Any] | None = None,
        params: tuple[str, ...] | None = None,
        positional: bool | None = None,
    ) -> None:
        self.name = name
        self.fn = fn
        self.inputs = inputs
        self.type = type
        self.tags = tags if tags is not None else {}
        self.doc = doc
        self._origin = origin
        self.user_function = user_function
        #: The input names in ``fn``'s parameter order, and whether ``fn`` takes exactly these
        #: positionally: the executor then skips building a kwargs dict per call.
        self.params = tuple(inputs) if params is None else params
        self.positional = _takes_positionally(fn, self.params) if positional is None else positional

    @property
    def origin(self) -> str:
        """Where the node comes from, for error messages; computed only when an error needs it."""
        if self._origin is None:
            self._origin = origin_of(self.user_function or self.fn)
        return self._origin

    @origin.setter
    def origin(self, value: str) -> None:
        self._origin = value

    def copy(self, **changes: Any) -> Node:
        """A node like this one with some fields replaced; modifiers build on nodes this way."""
        fields = {field: getattr(self, field) for field in self._FIELDS}
        fields.update(changes)
        name, fn, inputs, type_ = (
            fields.pop("name"),
            fields.pop("fn"),
            fields.pop("inputs"),
            fields.pop("type"),
        )
        return Node(name, fn, inputs, type_, **fields)

    def __repr__(self) -> str:
        return f"Node({self.name!r}, inputs={list(self.inputs)}, type={type_name(self.type)})"


def _takes_positionally(fn: Callable[..., Any], params: tuple[str, ...]) -> bool:
    code = getattr(fn, "__code__", None)
    return (
        code is not None
        and not code.co_kwonlyargcount
        and not code.co_flags & 0x0C  # CO_VARARGS | CO_VARKEYWORDS
        and code.co_varnames[: code.co_argcount] == params
    )


def origin_of(fn: Callable[..., Any]) -> str:
    """``file.py:LINE in function`` so that errors point at the code to change."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return getattr(fn, "__qualname__", repr(fn))
    return f"{code.co_filename}:{code.co_firstlineno} in {fn.__qualname__}()"


def type_name(tp: Any) -> str:
    if tp is Any:
        return "Any"
    if isinstance(tp, type) and not getattr(tp, "__args__", None):
        return (
            tp.__qualname__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__qualname__}"
        )
    return repr(tp).replace("typing.", "")


def annotations_of(fn: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations; string annotations (``from __future__ import annotations``) are
    evaluated."""
    raw = getattr(fn, "__annotations__", None) or {}
    for hint in raw.values():
        if hint.__class__ is str:
            break
    else:
        return raw
    import typing

    try:
        return typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # noqa: BLE001 - report every failure the same way
        raise InvalidDecoratorError(
            f"Cannot resolve the type hints of {origin_of(fn)}: {exc}. "
            "Import every name used in its annotations at module level."
        ) from exc


def node_from_function(fn: Callable[..., Any], name: str | None = None) -> Node:
    """The default node of a function: its parameters are inputs, its return annotation the type."""
    code = fn.__code__
    if code.co_flags & 0x0C:  # CO_VARARGS | CO_VARKEYWORDS
        return _wrapper_node(fn, name)
    if code.co_posonlyargcount:
        return _unusable_node(fn, name, POSITIONAL_ONLY)
    argcount = code.co_argcount
    params = code.co_varnames[: argcount + code.co_kwonlyargcount]
    defaults = fn.__defaults__
    kw_defaults = fn.__kwdefaults__
    hints = fn.__annotations__
    try:  # the common case: every input required, annotations plain hashable objects
        if defaults or kw_defaults:
            raise _NotPlain
        required = _REQUIRED
        get_hint = hints.get
        inputs = {}
        for param in params:
            inputs[param] = required[get_hint(param, Any)]
        returns = get_hint("return", Any)
        if returns.__class__ is str:
            raise _NotPlain
    except (_NotPlain, TypeError):  # defaults, string annotations or an unhashable one
        get_hint = annotations_of(fn).get
        first_optional = argcount - len(defaults) if defaults else argcount
        inputs = _inputs(params, argcount, first_optional, kw_defaults or (), get_hint)
        returns = get_hint("return", Any)
    doc = fn.__doc__
    return Node(
        name or fn.__name__,
        fn,
        inputs,
        returns,
        {"module": fn.__module__},  # as in Apache Hamilton, every node names its module
        doc.strip() if doc else "",
        None,
        fn,
        params,
        not code.co_kwonlyargcount,
    )


def _inputs(
    params: tuple[str, ...],
    argcount: int,
    first_optional: int,
    kw_defaults: Any,
    get_hint: Callable[..., Any],
) -> dict[str, Dependency]:
    inputs = {}
    for i, param in enumerate(params):
        optional = first_optional <= i < argcount or param in kw_defaults
        inputs[param] = _new_tuple(Dependency, (get_hint(param, Any), optional))
    return inputs


# tuple.__new__ skips the NamedTuple constructor's Python-level wrapper (build is hot)
_new_tuple = tuple.__new__


class _NotPlain(Exception):
    """A function the fast path of ``node_from_function`` leaves to the general one."""


class _RequiredDependencies(dict):  # type: ignore[type-arg]
    """One shared ``Dependency(type, optional=False)`` per annotation: graphs repeat their types.

    String annotations (``from __future__ import annotations``) are never stored: they need
    resolving first."""

    def __missing__(self, annotation: Any) -> Dependency:
        if annotation.__class__ is str:
            raise _NotPlain
        dependency = self[annotation] = _new_tuple(Dependency, (annotation, False))
        return dependency


_REQUIRED = _RequiredDependencies()


def public_functions_of(module: Any) -> list[Callable[..., Any]]:
    """Hamilton's rule: the public functions defined in the module itself (not imported into it),
    in definition order."""
    name = module.__name__
    return [
        obj
        for obj in list(vars(module).values())
        if type(obj) is FunctionType and obj.__name__[:1] != "_" and obj.__module__ == name
    ]


def _wrapper_node(fn: Callable[..., Any], name: str | None) -> Node:
    """A ``functools.wraps`` wrapper (a user's logging or timing decorator) takes the wrapped
    function's parameters, as ``inspect.signature`` reads them in Apache Hamilton, and is called
    by keyword. A plain ``*args``/``**kwargs`` function has no names to wire."""
    inner: Any = fn
    for _ in range(64):  # a chain of wrappers; a cycle of __wrapped__ must not hang the build
        inner = getattr(inner, "__wrapped__", None)
        code = getattr(inner, "__code__", None)
        if code is None:
            break
        if not code.co_flags & 0x0C:
            node = node_from_function(getattr(inner, "__func__", inner), name or fn.__name__)
            inputs = node.inputs
            if getattr(inner, "__self__", None) is not None:  # a bound method: self is bound
                inputs = dict(list(inputs.items())[1:])
            # the wrapper runs, and it is what the module holds
            return node.copy(fn=fn, inputs=inputs, tags={**node.tags, "module": fn.__module__})
    return _unusable_node(fn, name, VARIADIC)


VARIADIC = (
    "takes *args or **kwargs, so it cannot be a node: each parameter name is the name of the "
    "value it receives. Give it named parameters, make it private (prefix '_') if it is a helper, "
    "or, if a decorator of yours returns it, apply functools.wraps to the wrapper so that the "
    "wrapped function's parameters are used."
)
POSITIONAL_ONLY = (
    "has positional-only parameters (before '/'), which cannot receive values by name. Remove "
    "the '/', or make the function private (prefix '_') if it is a helper."
)


def _unusable_node(fn: Callable[..., Any], name: str | None, problem: str) -> Node:
    """A function whose parameters cannot be wired by name: refuse it only if it is run.

    Such functions are often helpers used through ``@does``; like Hamilton, keep the build working.
    """
    message = f"{origin_of(fn)} {problem}"

    def refuse(**_: Any) -> Any:
        raise InvalidDecoratorError(message)

    return Node(
        name or fn.__name__,
        refuse,
        {},
        annotations_of(fn).get("return", Any),
        doc=(fn.__doc__ or "").strip(),
        origin=origin_of(fn),
        user_function=fn,
    )
