"""``@load_from.<format>`` and ``@save_to.<format>``: files in and out of the dataflow.

    @load_from.csv(path=source("orders_path"), sep=";")
    def orders(df: pd.DataFrame) -> pd.DataFrame: ...

    @save_to.parquet(path=value("out/report.parquet"), output_name_="report_saved")
    def report(orders: pd.DataFrame) -> pd.DataFrame: ...

``path`` and the options may be literals, ``value(...)`` or ``source("node")``. Loading adds the
nodes ``<fn>.load_data.<param>`` (value and file metadata) and ``<fn>.select_data.<param>`` (the
value); saving adds ``output_name_`` (default ``save.<node>``), which writes the file and returns
its metadata and runs only when requested. The formats come from ``dagwire.io.formats`` (csv,
json, parquet, pickle, npy, file); ``register_format`` and ``registry.register_adapter`` add more.
``loader_nodes`` and ``saver_node`` also build the nodes of ``from_.<format>`` and ``to.<format>``
(``io/materialization.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import Dependency, Node, origin_of, type_name
from .base import function_node_name
from .dependencies import GroupedDependency, LiteralDependency, UpstreamDependency
from .transformers import (
    SIDE_OUTPUT_TAG,
    InputInjector,
    NodeTransformer,
    check_target,
    parameter_names,
)


def split_arguments(
    who: str, kwargs: dict[str, Any], required: frozenset[str]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Arguments read from other nodes (argument -> node name), and fixed ones."""
    check_required(who, kwargs, required)
    sources, fixed = {}, {}
    for name, spec in kwargs.items():
        if isinstance(spec, UpstreamDependency):
            sources[name] = spec.source
        elif isinstance(spec, LiteralDependency):
            fixed[name] = spec.value
        elif isinstance(spec, GroupedDependency):
            raise InvalidDecoratorError(
                f"@{who}: {name}=group(...) is not supported; pass one source(...) or value(...)."
            )
        else:
            fixed[name] = spec
    return sources, fixed


def check_required(who: str, given: Any, required: frozenset[str]) -> None:
    missing = sorted(required.difference(given))
    if missing:
        needs = ", ".join(f"{name}=..." for name in missing)
        raise InvalidDecoratorError(
            f"@{who} needs {needs} (a literal, value(...) or source('node_with_the_value'))."
        )


def _required(name: str, action: str) -> frozenset[str]:
    from ..io import formats

    return formats.required_arguments(name, action)


def format_for(name: str, tp: Any, action: str, who: str, what: str) -> Any:
    """The format ``name`` uses for ``tp``, or an error that says what to change."""
    from ..io import formats

    try:
        return formats.format_for(name, tp, action)
    except LookupError as exc:
        raise InvalidDecoratorError(
            f"@{who} cannot {action} {what} (annotated {type_name(tp)}): {exc}. Change the "
            "annotation, pick another format (pickle handles anything), or register one with "
            "dagwire.formats.register_format() or dagwire.registry.register_adapter()."
        ) from None


class LoadFromDecorator(InputInjector):
    def __init__(self, format_name: str, inject_: str | None = None, **kwargs: Any) -> None:
        self.format_name = format_name
        self.display_name = f"load_from.{format_name}"
        self.inject_ = inject_
        self.sources, self.fixed = split_arguments(
            self.display_name, kwargs, _required(format_name, "load")
        )

    def _parameter(self, fn: Callable[..., Any]) -> str:
        params = parameter_names(fn)
        who = f"@{self.display_name} on {origin_of(fn)}"
        if self.inject_ is None:
            if len(params) != 1:
                raise InvalidDecoratorError(
                    f"{who}: the function has {len(params)} parameters, so say which one receives "
                    f"the loaded data with inject_='name' (one of: {', '.join(params) or 'none'})."
                )
            return params[0]
        if self.inject_ not in params:
            raise InvalidDecoratorError(
                f"{who}: inject_={self.inject_!r} is not a parameter of the function "
                f"(it has: {', '.join(params) or 'none'})."
            )
        return self.inject_

    def validate(self, fn: Callable[..., Any]) -> None:
        self._parameter(fn)

    def inject(
        self, params: dict[str, Dependency], fn: Callable[..., Any], config: dict[str, Any]
    ) -> tuple[list[Node], dict[str, str]]:
        param = self._parameter(fn)
        if param not in params:
            raise InvalidDecoratorError(
                f"@{self.display_name} on {origin_of(fn)}: parameter '{param}' is already fed by "
                "another decorator; load into a different parameter (inject_=...)."
            )
        base = function_node_name(fn)
        nodes = loader_nodes(
            f"{base}.load_data.{param}",
            f"{base}.select_data.{param}",
            params[param].type,
            self,
            what=f"parameter '{param}' of {origin_of(fn)}",
            tags={"hamilton.data_loader.node": param},
            doc=f"Loads '{param}' of {fn.__name__} with {self.display_name}.",
            user_function=fn,
        )
        return nodes, {param: nodes[1].name}


def loader_nodes(
    loader_name: str,
    select_name: str,
    load_type: Any,
    spec: Any,
    *,
    what: str,
    tags: dict[str, Any],
    doc: str,
    user_function: Callable[..., Any] | None = None,
    origin: str | None = None,
) -> list[Node]:
    """The two nodes of a load: ``loader_name`` gives (value, metadata), ``select_name`` the value.

    ``spec`` says how: its ``format_name``, ``display_name``, ``sources`` and ``fixed``.
    """
    fmt = format_for(spec.format_name, load_type, "load", spec.display_name, what)
    check_required(spec.display_name, {**spec.sources, **spec.fixed}, fmt.required_arguments())
    origin = origin or (origin_of(user_function) if user_function else None)
    tags = {
        "hamilton.data_loader": True,
        "hamilton.data_loader.source": spec.format_name,
        "hamilton.data_loader.classname": _classname(fmt),
        **tags,
    }
    loader = Node(
        loader_name,
        _loader(fmt, load_type, spec.sources, spec.fixed),
        {src: Dependency(Any, False) for src in spec.sources.values()},
        tuple[load_type, dict[str, Any]],
        tags={**tags, "hamilton.data_loader.has_metadata": True},
        doc=doc,
        origin=origin,
        user_function=user_function,
    )
    select = Node(
        select_name,
        _first(loader.name),
        {loader.name: Dependency(loader.type, False)},
        load_type,
        tags={**tags, "hamilton.data_loader.has_metadata": False},
        origin=origin,
        user_function=user_function,
    )
    return [loader, select]


def _classname(fmt: Any) -> str:
    adapter = getattr(fmt, "adapter", None)
    return adapter.__qualname__ if adapter is not None else f"DataFormat({fmt.name})"


def _loader(
    fmt: Any, load_type: Any, sources: dict[str, str], fixed: dict[str, Any]
) -> Callable[..., Any]:
    def load(**kwargs: Any) -> tuple[Any, dict[str, Any]]:
        options = _arguments(fixed, sources, kwargs)
        return fmt.load_value(load_type, options)

    return load


def _arguments(
    fixed: dict[str, Any], sources: dict[str, str], values: dict[str, Any]
) -> dict[str, Any]:
    """The fixed arguments plus those read from upstream nodes (argument -> node name)."""
    arguments = dict(fixed)
    arguments.update((arg, values[src]) for arg, src in sources.items())
    return arguments


def _first(name: str) -> Callable[..., Any]:
    def select(**kwargs: Any) -> Any:
        return kwargs[name][0]

    return select


class SaveToDecorator(NodeTransformer):
    single_target = True

    def __init__(
        self,
        format_name: str,
        output_name_: str | None = None,
        target_: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.format_name = format_name
        self.display_name = f"save_to.{format_name}"
        if output_name_ is not None and not isinstance(output_name_, str):
            raise InvalidDecoratorError(
                f"@{self.display_name}: output_name_ must be a node name, got {output_name_!r}."
            )
        check_target(target_, self.display_name)
        self.output_name = output_name_
        self.target = target_
        self.sources, self.fixed = split_arguments(
            self.display_name, kwargs, _required(format_name, "save")
        )

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        return [saver_node(self.output_name or f"save.{node.name}", node, self), node]


def saver_node(name: str, data: Node, spec: Any, origin: str | None = None) -> Node:
    """The node ``name`` that saves ``data``'s value as ``spec`` says and returns the metadata.

    ``spec`` gives the ``format_name``, ``display_name``, ``sources`` and ``fixed`` arguments.
    """
    fmt = format_for(spec.format_name, data.type, "save", spec.display_name, f"node '{data.name}'")
    check_required(spec.display_name, {**spec.sources, **spec.fixed}, fmt.required_arguments())
    return Node(
        name,
        _saver(fmt, data.name, spec.sources, spec.fixed),
        {
            data.name: Dependency(data.type, False),
            **{src: Dependency(Any, False) for src in spec.sources.values()},
        },
        dict[str, Any],
        tags={
            SIDE_OUTPUT_TAG: True,
            "hamilton.data_saver.sink": spec.format_name,
            "hamilton.data_saver.classname": _classname(fmt),
        },
        doc=f"Saves '{data.name}' with {spec.display_name}; returns the file's metadata.",
        origin=origin or data.origin,
        user_function=None if origin else data.user_function,
    )


def _saver(
    fmt: Any, data: str, sources: dict[str, str], fixed: dict[str, Any]
) -> Callable[..., Any]:
    def save(**kwargs: Any) -> dict[str, Any]:
        options = _arguments(fixed, sources, kwargs)
        return fmt.save_value(kwargs[data], options)

    return save


class _FormatNamespace:
    """``load_from.csv(...)``: attribute access looks the format up in ``dagwire.formats``."""

    def __init__(self, action: str, decorator: type, label: str) -> None:
        self._action = action
        self._decorator = decorator
        self._label = label

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        from ..io import formats

        if name not in formats.format_names(self._action):
            raise AttributeError(
                f"{self._label}.{name}: no data format named '{name}' can {self._action}. "
                f"Available: {', '.join(formats.format_names(self._action))}. Register one with "
                "dagwire.registry.register_adapter(<a DataLoader/DataSaver dataclass>) or "
                "dagwire.formats.register_format(DataFormat(...))."
            )
        decorator = self._decorator

        def make(**kwargs: Any) -> Any:
            return decorator(name, **kwargs)

        make.__name__ = make.__qualname__ = f"{self._label}.{name}"
        return make

    def __dir__(self) -> list[str]:
        from ..io import formats

        return formats.format_names(self._action)

    def __repr__(self) -> str:
        return f"<{self._label}: {', '.join(self.__dir__())}>"


load_from = _FormatNamespace("load", LoadFromDecorator, "load_from")
save_to = _FormatNamespace("save", SaveToDecorator, "save_to")
