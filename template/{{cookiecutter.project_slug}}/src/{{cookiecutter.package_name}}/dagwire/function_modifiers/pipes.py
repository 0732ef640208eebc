"""``@pipe_input``, ``@pipe_output`` and ``@mutate``: chains of small ``step(...)`` functions, each
a node.

    @pipe_input(step(_clean), step(_scale, factor=value(2)), step(_join, other=source("prices")))
    def features(raw: pd.DataFrame) -> pd.DataFrame: ...

runs ``raw -> _clean -> _scale -> _join -> features``: every step receives the previous value as its
first argument, plus the arguments given to ``step`` (literals, ``value(...)`` or
``source("node")``). Steps become nodes named ``<fn>.with_<step>`` (``.named(...)`` renames them,
``.when(...)`` makes them conditional on the config, as ``@config.when`` does). ``@pipe_output``
runs the chain on the function's result instead (``<fn>.raw -> steps -> <fn>``), and ``@mutate``
attaches a step to other functions' outputs from the step's side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import Dependency, Node, node_from_function, origin_of
from .base import function_node_name, modifiers_of, passthrough, unnamed_parameters
from .config import condition, hamilton_exclude
from .dependencies import LiteralDependency, UpstreamDependency, source
from .transformers import InputInjector, NodeTransformer, check_target, parameter_names, rewire


class Applicable:
    """A function to apply as one step of a chain, with its extra arguments and options."""

    def __init__(
        self,
        fn: Callable[..., Any] | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        target_fn: Callable[..., Any] | None = None,
        _resolvers: list[Callable[[dict[str, Any]], bool]] | None = None,
        _name: str | None = None,
        _namespace: Any = ...,
        _target: Any = None,
    ) -> None:
        if isinstance(fn, str) or isinstance(target_fn, str):
            raise InvalidDecoratorError(
                f"step()/apply_to() take the function itself, not its name {fn or target_fn!r}."
            )
        self.fn = fn
        self.args = tuple(args)
        self.kwargs = dict(kwargs)
        self.target_fn = target_fn
        self.resolvers = list(_resolvers or ())
        self.name = _name
        self.namespace = _namespace
        self.target = _target

    def _replace(self, **changes: Any) -> Applicable:
        fields = dict(
            fn=self.fn,
            args=self.args,
            kwargs=self.kwargs,
            target_fn=self.target_fn,
            _resolvers=self.resolvers,
            _name=self.name,
            _namespace=self.namespace,
            _target=self.target,
        )
        fields.update(changes)
        return Applicable(**fields)

    # --- options --------------------------------------------------------------------------------
    def when(self, **key_value_pairs: Any) -> Applicable:
        """Apply the step only when ``config[key] == value`` for every pair."""
        return self._replace(_resolvers=[*self.resolvers, condition("==", key_value_pairs)])

    def when_not(self, **key_value_pairs: Any) -> Applicable:
        return self._replace(_resolvers=[*self.resolvers, condition("!=", key_value_pairs)])

    def when_in(self, **key_value_group_pairs: Any) -> Applicable:
        return self._replace(_resolvers=[*self.resolvers, condition("in", key_value_group_pairs)])

    def when_not_in(self, **key_value_group_pairs: Any) -> Applicable:
        return self._replace(
            _resolvers=[*self.resolvers, condition("not in", key_value_group_pairs)]
        )

    def named(self, name: str, namespace: Any = ...) -> Applicable:
        """Name the step's node; ``namespace=None`` drops the ``<fn>.`` prefix, a string replaces
        it."""
        return self._replace(
            _name=name if name is not None else self.name,
            _namespace=self.namespace if namespace is ... else namespace,
        )

    def namespaced(self, namespace: Any) -> Applicable:
        return self._replace(_namespace=namespace)

    def on_output(self, target: Any) -> Applicable:
        """In ``@pipe_output`` / ``@mutate``: apply the step to these nodes of the function only."""
        check_target(target, "on_output")
        return self._replace(_target=target if target is not None else self.target)

    def resolves(self, config: dict[str, Any]) -> bool:
        return all(resolver(config) for resolver in self.resolvers)

    # --- checks and binding --------------------------------------------------------------------
    def validate(self, who: str, allow_custom_namespace: bool) -> None:
        import inspect

        fn = self.fn
        label = getattr(fn, "__name__", repr(fn))
        if not callable(fn):
            raise InvalidDecoratorError(f"{who}: step() takes a function, got {fn!r}.")
        signature = inspect.signature(fn)
        if not signature.parameters:
            raise InvalidDecoratorError(
                f"{who}: step({label}) takes no parameters, but a step receives the previous value "
                "as its first argument."
            )
        odd = unnamed_parameters(signature)
        if odd:
            raise InvalidDecoratorError(
                f"{who}: step({label}) has parameters that cannot be passed by name "
                f"({', '.join(odd)}); steps are called with keyword arguments."
            )
        try:
            signature.bind(..., *self.args, **self.kwargs)
        except TypeError as exc:
            raise InvalidDecoratorError(
                f"{who}: step({label}, ...) does not fit {label}{signature} ({exc}); the first "
                "parameter receives the piped value, the step's arguments fill the rest."
            ) from None
        if self.namespace is not ... and not allow_custom_namespace:
            raise InvalidDecoratorError(
                f"{who}: set the namespace either on the decorator or on its steps, not both."
            )

    def bind(self, piped: str) -> tuple[dict[str, str], dict[str, Any]]:
        """(parameter -> node it reads, parameter -> fixed value) for this step."""
        import inspect

        bound = inspect.signature(self.fn).bind(source(piped), *self.args, **self.kwargs)
        sources, values = {}, {}
        for param, spec in bound.arguments.items():
            if isinstance(spec, UpstreamDependency):
                sources[param] = spec.source
            elif isinstance(spec, LiteralDependency):
                values[param] = spec.value
            else:
                values[param] = spec
        return sources, values


_NOT_SUPPORTED = "collapse= and _chain= are not supported (Hamilton does not support them either)."


def step(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Applicable:
    """One step of a pipe: ``fn(previous, *args, **kwargs)``; arguments that are not ``source(...)``
    are literals."""
    return Applicable(fn=fn, args=args, kwargs=kwargs)


def apply_to(fn_: Callable[..., Any], **mutating_fn_kwargs: Any) -> Applicable:
    """In ``@mutate``: the function to mutate, with arguments for this target only."""
    return Applicable(fn=None, args=(), kwargs=mutating_fn_kwargs, target_fn=fn_)


def chain(
    piped: str,
    transforms: tuple[Applicable, ...],
    namespace: Any,
    config: dict[str, Any],
    fn_name: str,
) -> tuple[list[Node], str]:
    """Nodes applying ``transforms`` in order to the value ``piped``; and the last one's name."""
    nodes: list[Node] = []
    seen: Counter[str] = Counter()
    for applicable in transforms:
        if namespace is not ...:
            applicable = applicable.namespaced(namespace)
        if not applicable.resolves(config):
            continue
        step_name = applicable.fn.__name__
        suffix = f"_{seen[step_name]}" if seen[step_name] else ""
        seen[step_name] += 1
        joint = "" if step_name.startswith("_") else "_"
        local = applicable.name or f"with{joint}{step_name}{suffix}"
        space = fn_name if applicable.namespace is ... else applicable.namespace
        name = f"{space}.{local}" if space else local
        sources, values = applicable.bind(piped)
        nodes.append(rewire(node_from_function(applicable.fn, name), sources, values))
        piped = name
    return nodes, piped


class pipe_input(InputInjector):
    """Run a chain of steps on a parameter (the first, or ``on_input``) before the function."""

    def __init__(
        self,
        *transforms: Applicable,
        namespace: Any = ...,
        on_input: str | None = None,
        collapse: bool = False,
        _chain: bool = False,
    ) -> None:
        if collapse or _chain:
            raise NotImplementedError(_NOT_SUPPORTED)
        if on_input is not None and not isinstance(on_input, str):
            raise InvalidDecoratorError(
                f"@pipe_input(on_input={on_input!r}): name one parameter, as a string."
            )
        _check_steps(transforms, "pipe_input")
        self.transforms = transforms
        self.namespace = namespace
        self.on_input = on_input

    def validate(self, fn: Callable[..., Any]) -> None:
        who = f"@pipe_input on {origin_of(fn)}"
        params = parameter_names(fn)
        if not params:
            raise InvalidDecoratorError(f"{who}: the function has no parameter to pipe into.")
        if self.on_input is not None and self.on_input not in params:
            raise InvalidDecoratorError(
                f"{who}: on_input={self.on_input!r} is not a parameter (it has: "
                f"{', '.join(params)})."
            )
        for applicable in self.transforms:
            applicable.validate(who, allow_custom_namespace=self.namespace is ...)

    def inject(
        self, params: dict[str, Dependency], fn: Callable[..., Any], config: dict[str, Any]
    ) -> tuple[list[Node], dict[str, str]]:
        target = self.on_input or parameter_names(fn)[0]
        if target not in params:
            raise InvalidDecoratorError(
                f"@pipe_input on {origin_of(fn)}: parameter '{target}' is already fed by another "
                "decorator; pipe into a different parameter with on_input=..."
            )
        nodes, last = chain(target, self.transforms, self.namespace, config, function_node_name(fn))
        return nodes, ({target: last} if last != target else {})


pipe = pipe_input  # Hamilton's older name


class pipe_output(NodeTransformer):
    """Run a chain of steps on the function's result: ``<fn>.raw -> steps -> <fn>``."""

    def __init__(
        self,
        *transforms: Applicable,
        namespace: Any = ...,
        on_output: Any = None,
        collapse: bool = False,
        _chain: bool = False,
    ) -> None:
        if collapse or _chain:
            raise NotImplementedError(_NOT_SUPPORTED)
        if on_output is Ellipsis:
            raise InvalidDecoratorError(
                "@pipe_output(on_output=...) is not allowed; leave it out for the function's final "
                "nodes, or name the nodes."
            )
        check_target(on_output, "pipe_output")
        if on_output is not None and any(t.target is not None for t in transforms):
            raise InvalidDecoratorError(
                "@pipe_output: choose the nodes either with on_output= or per step with "
                ".on_output(...), not both."
            )
        _check_steps(transforms, "pipe_output")
        self.transforms = transforms
        self.namespace = namespace
        self.target = on_output

    def validate(self, fn: Callable[..., Any]) -> None:
        who = f"@pipe_output on {origin_of(fn)}"
        for applicable in self.transforms:
            applicable.validate(who, allow_custom_namespace=self.namespace is ...)

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        chosen = tuple(t for t in self.transforms if _targets(t.target, node.name))
        namespace = node.name if self.namespace is ... else self.namespace
        raw = node.copy(name=f"{node.name}.raw")
        steps, last = chain(raw.name, chosen, namespace, config, function_node_name(fn))
        if not steps:
            return [node]
        final = Node(
            node.name,
            passthrough(last),
            {last: Dependency(steps[-1].type, False)},
            steps[-1].type,
            tags=dict(node.tags),
            doc=node.doc,
            origin=node.origin,
            user_function=node.user_function,
        )
        return [raw, *steps, final]


def _targets(target: Any, name: str) -> bool:
    if target is None:
        return True
    return name == target if isinstance(target, str) else name in target


def _check_steps(transforms: tuple[Any, ...], who: str) -> None:
    if not transforms:
        raise InvalidDecoratorError(f"@{who}() needs at least one step(...).")
    bad = [t for t in transforms if not isinstance(t, Applicable)]
    if bad:
        raise InvalidDecoratorError(
            f"@{who} takes step(fn, ...) items, got {bad[0]!r}; wrap the function: "
            f"step({bad[0]!r})."
            if callable(bad[0])
            else f"@{who} takes step(fn, ...) items, got {bad[0]!r}."
        )


class mutate:
    """Decorate a step function to pipe other functions' outputs through it:
    ``@mutate(orders, customers)`` adds it to the end of their ``pipe_output`` chains."""

    def __init__(
        self,
        *target_functions: Applicable | Callable[..., Any],
        collapse: bool = False,
        _chain: bool = False,
        **mutating_function_kwargs: Any,
    ) -> None:
        if collapse or _chain:
            raise NotImplementedError(_NOT_SUPPORTED)
        if not target_functions:
            raise InvalidDecoratorError("@mutate() needs the functions whose outputs it changes.")
        self.remote_applicables = [
            t if isinstance(t, Applicable) else apply_to(t) for t in target_functions
        ]
        for applicable in self.remote_applicables:
            if not callable(applicable.target_fn) or not hasattr(applicable.target_fn, "__code__"):
                raise InvalidDecoratorError(
                    f"@mutate takes functions (or apply_to(fn, ...)), got {applicable.target_fn!r}."
                )
        self.mutating_function_kwargs = mutating_function_kwargs

    def __call__(self, mutating_fn: Callable[..., Any]) -> Callable[..., Any]:
        for applicable in self.remote_applicables:
            target = applicable.target_fn
            if target.__module__ != mutating_fn.__module__:
                raise InvalidDecoratorError(
                    f"@mutate on {origin_of(mutating_fn)}: {target.__name__} is defined in "
                    f"{target.__module__}, not in {mutating_fn.__module__}; a mutation must live "
                    "in the module of the functions it changes."
                )
        hamilton_exclude(mutating_fn)
        for applicable in self.remote_applicables:
            new_step = applicable._replace(
                fn=mutating_fn, kwargs=applicable.kwargs or self.mutating_function_kwargs
            )
            target = applicable.target_fn
            existing = [m for m in modifiers_of(target) if isinstance(m, pipe_output)]
            if existing:
                new_step.validate(f"@mutate on {origin_of(mutating_fn)}", True)
                existing[-1].transforms = (*existing[-1].transforms, new_step)
            else:
                pipe_output(new_step)(target)
        return mutating_fn
