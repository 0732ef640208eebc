"""``@load_from.<format>`` and ``@save_to.<format>``: files in and out of the dataflow.

    @load_from.csv(path=source("orders_path"), sep=";")
    def orders(df: pd.DataFrame) -> pd.DataFrame: ...

    @save_to.parquet(path=value("out/report.parquet"), output_name_="report_saved")
    def report(orders: pd.DataFrame) -> pd.DataFrame: ...

``path`` and the options may be literals, ``value(...)`` or ``source("node")``. Loading adds the
nodes ``<fn>.load_data.<param>`` (value and file metadata) and ``<fn>.select_data.<param>`` (the
value); saving adds ``output_name_`` (default ``save.<node>``), which writes the file and returns
its metadata and runs only when requested. The formats come from ``dagwire.formats`` (csv, json,
parquet, pickle, npy, file) and ``register_format`` adds more.
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


def _split(who: str, kwargs: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Arguments read from other nodes (argument -> node name), and fixed ones."""
    if "path" not in kwargs:
        raise InvalidDecoratorError(
            f"@{who} needs path=... (a literal, value(...) or source('node_with_the_path'))."
        )
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


def _format_for(name: str, tp: Any, action: str, who: str, what: str) -> Any:
    from ..io import formats

    try:
        return formats.format_for(name, tp, action)
    except LookupError as exc:
        raise InvalidDecoratorError(
            f"@{who} cannot {action} {what} (annotated {type_name(tp)}): {exc}. Change the "
            "annotation, pick another format (pickle handles anything), or register one with "
            "dagwire.formats.register_format()."
        ) from None


class LoadFromDecorator(InputInjector):
    def __init__(self, format_name: str, inject_: str | None = None, **kwargs: Any) -> None:
        self.format_name = format_name
        self.display_name = f"load_from.{format_name}"
        self.inject_ = inject_
        self.sources, self.fixed = _split(self.display_name, kwargs)

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
        load_type = params[param].type
        fmt = _format_for(
            self.format_name,
            load_type,
            "load",
            self.display_name,
            f"parameter '{param}' of {origin_of(fn)}",
        )
        base = function_node_name(fn)
        tags = {
            "hamilton.data_loader": True,
            "hamilton.data_loader.source": self.format_name,
            "hamilton.data_loader.node": param,
        }
        loader = Node(
            f"{base}.load_data.{param}",
            _loader(fmt, self.sources, self.fixed),
            {src: Dependency(Any, False) for src in self.sources.values()},
            tuple[load_type, dict[str, Any]],
            tags={**tags, "hamilton.data_loader.has_metadata": True},
            doc=f"Loads '{param}' of {fn.__name__} with {self.display_name}.",
            origin=origin_of(fn),
            user_function=fn,
        )
        select = Node(
            f"{base}.select_data.{param}",
            _first(loader.name),
            {loader.name: Dependency(loader.type, False)},
            load_type,
            tags={**tags, "hamilton.data_loader.has_metadata": False},
            origin=origin_of(fn),
            user_function=fn,
        )
        return [loader, select], {param: select.name}


def _loader(fmt: Any, sources: dict[str, str], fixed: dict[str, Any]) -> Callable[..., Any]:
    from ..io import formats

    def load(**kwargs: Any) -> tuple[Any, dict[str, Any]]:
        options = {**fixed, **{arg: kwargs[src] for arg, src in sources.items()}}
        return formats.read(fmt, options.pop("path"), options)

    return load


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
        self.sources, self.fixed = _split(self.display_name, kwargs)

    def transform_node(
        self, node: Node, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        fmt = _format_for(
            self.format_name, node.type, "save", self.display_name, f"node '{node.name}'"
        )
        saver = Node(
            self.output_name or f"save.{node.name}",
            _saver(fmt, node.name, self.sources, self.fixed),
            {
                node.name: Dependency(node.type, False),
                **{src: Dependency(Any, False) for src in self.sources.values()},
            },
            dict[str, Any],
            tags={SIDE_OUTPUT_TAG: True, "hamilton.data_saver.sink": self.format_name},
            doc=f"Saves '{node.name}' with {self.display_name}; returns the file's metadata.",
            origin=node.origin,
            user_function=node.user_function,
        )
        return [saver, node]


def _saver(
    fmt: Any, data: str, sources: dict[str, str], fixed: dict[str, Any]
) -> Callable[..., Any]:
    from ..io import formats

    def save(**kwargs: Any) -> dict[str, Any]:
        options = {**fixed, **{arg: kwargs[src] for arg, src in sources.items()}}
        return formats.write(fmt, kwargs[data], options.pop("path"), options)

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
