"""``@with_columns``, the part every DataFrame library shares: run per-column functions on a
DataFrame's columns and hand the decorated function the DataFrame with their results appended.

    @with_columns(column_ops, columns_to_pass=["a", "b"], select=["a_plus_b"])
    def final_df(initial_df: pd.DataFrame) -> pd.DataFrame: ...

For function ``final_df`` (or ``namespace=``) this adds, all under ``final_df.``: a node per
passed column (read from ``initial_df``), the nodes of ``column_ops`` (their parameters read those
columns and each other), and ``_append``, the DataFrame with the ``select``\\ ed columns
assigned; ``final_df`` then receives ``_append`` as ``initial_df``. It reuses ``@subdag``'s
namespacing; a library plugin (``plugins.h_pandas``) says only how columns are appended.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import Dependency, Node, origin_of, type_name
from ..settings import ENABLE_POWER_USER_MODE
from .base import config_values, function_node_name, passthrough
from .extractors import column_type, dataframe_class, extract_columns
from .recursive import collect_functions, inner_nodes, namespaced
from .transformers import InputInjector, parameter_names

#: The node holding the DataFrame with the selected columns appended, as Hamilton names it.
APPENDED = "_append"


class with_columns_base(InputInjector):
    """Subclasses implement ``append_columns`` for their DataFrame library."""

    def __init__(
        self,
        *load_from: ModuleType | Callable[..., Any],
        columns_to_pass: list[str] | None = None,
        pass_dataframe_as: str | None = None,
        on_input: str | None = None,
        select: list[str] | None = None,
        namespace: str | None = None,
        config_required: list[str] | None = None,
    ) -> None:
        modes = {
            "columns_to_pass": columns_to_pass,
            "pass_dataframe_as": pass_dataframe_as,
            "on_input": on_input,
        }
        given = [mode for mode, v in modes.items() if v is not None]
        if len(given) != 1:
            raise InvalidDecoratorError(
                "@with_columns takes exactly one of columns_to_pass, pass_dataframe_as and "
                f"on_input (it got {' and '.join(given) or 'none'}): columns_to_pass=[...] to have "
                "those columns extracted for your functions, on_input='param' to have your "
                "functions read that DataFrame parameter themselves, or pass_dataframe_as='name' "
                "to have them read the first parameter's DataFrame under that name."
            )
        self.functions = collect_functions(load_from, "@with_columns")
        self.columns_to_pass = list(columns_to_pass or ())
        self.pass_dataframe_as = pass_dataframe_as
        self.on_input = on_input
        self.select = select
        self.namespace = namespace
        self.config_required = config_required

    def append_columns(self, frame: Any, columns: dict[str, Any]) -> Any:
        """``frame`` with ``columns`` (name -> column) added, replacing any of the same name."""
        raise NotImplementedError

    def required_config(self) -> list[str]:
        return list(self.config_required or ())

    def validate(self, fn: Callable[..., Any]) -> None:
        self._frame_parameter(fn)

    def _frame_parameter(self, fn: Callable[..., Any]) -> str:
        """The decorated function's parameter that receives the DataFrame with columns added."""
        params = parameter_names(fn)
        frame = self.on_input or (params[0] if params else None)
        if frame not in params:
            raise InvalidDecoratorError(
                f"@with_columns on {origin_of(fn)} works on the DataFrame parameter "
                f"{frame or '(none: the function takes no parameters)'!r}, which the function "
                "does not take. Add the parameter, or name it with on_input='param'."
            )
        return frame

    def inject(
        self, params: dict[str, Dependency], fn: Callable[..., Any], config: dict[str, Any]
    ) -> tuple[list[Node], dict[str, str]]:
        frame = self._frame_parameter(fn)
        frame_type = params[frame].type
        if dataframe_class(frame_type) is None:
            raise InvalidDecoratorError(
                f"@with_columns on {origin_of(fn)} appends columns to parameter '{frame}', which "
                f"is annotated {type_name(frame_type)}. Annotate it as a DataFrame (e.g. "
                "pd.DataFrame), or pick the DataFrame parameter with on_input='param'."
            )
        nodes = _upstream_of(self.select, self._column_nodes(frame, frame_type, fn, config), fn)
        series = column_type(frame_type, fn)
        select = (
            self.select if self.select is not None else [n.name for n in nodes if n.type is series]
        )
        nodes.append(self._appended(frame, frame_type, series, select, fn))
        namespace = self.namespace or function_node_name(fn)
        inside = {n.name for n in nodes}
        return (
            [namespaced(n, namespace, inside) for n in nodes],
            {frame: f"{namespace}.{APPENDED}"},
        )

    def _column_nodes(
        self, frame: str, frame_type: Any, fn: Callable[..., Any], config: dict[str, Any]
    ) -> list[Node]:
        """The entry nodes and the column functions' nodes, which must not share a name."""
        nodes = self._entry_nodes(frame, frame_type, fn)
        entry = {n.name for n in nodes}
        for node in inner_nodes(self.functions, self._inner_config(fn, config)):
            if node.name in entry:
                raise InvalidDecoratorError(
                    f"@with_columns on {origin_of(fn)}: '{node.name}' is both a passed column "
                    f"and a function ({node.origin}); passed columns can only be read. To replace "
                    "a column, use on_input='param', compute it, and list it in select=."
                )
            nodes.append(node)
        return nodes

    def _entry_nodes(self, frame: str, frame_type: Any, fn: Callable[..., Any]) -> list[Node]:
        """What the column functions start from: the passed columns, or the DataFrame itself
        under ``pass_dataframe_as``; nothing with ``on_input`` (they read ``frame`` directly)."""
        source = Node(
            self.pass_dataframe_as or frame,
            passthrough(frame),
            {frame: Dependency(frame_type, False)},
            frame_type,
            origin=origin_of(fn),
            user_function=fn,
        )
        if self.pass_dataframe_as is not None:
            return [source]
        if not self.columns_to_pass:
            return []
        return _passed_columns(*self.columns_to_pass).transform_node(source, fn, {})[1:]

    def _inner_config(self, fn: Callable[..., Any], config: dict[str, Any]) -> dict[str, Any]:
        """The config the column functions see: all of it, or only ``config_required``."""
        if self.config_required is None:
            return config
        who = f"@with_columns on {origin_of(fn)} (config_required)"
        inner = config_values(config, self.config_required, who, "drop them from config_required")
        inner.setdefault(ENABLE_POWER_USER_MODE, config.get(ENABLE_POWER_USER_MODE, False))
        return inner

    def _appended(
        self, frame: str, frame_type: Any, series: Any, select: list[str], fn: Callable[..., Any]
    ) -> Node:
        append = self.append_columns

        def appended(**kwargs: Any) -> Any:
            return append(kwargs[frame], {name: kwargs[name] for name in select})

        inputs = {name: Dependency(series, False) for name in select}
        inputs[frame] = Dependency(frame_type, False)
        return Node(APPENDED, appended, inputs, frame_type, origin=origin_of(fn), user_function=fn)


class _passed_columns(extract_columns):
    """The columns ``columns_to_pass`` names, each a node read from the DataFrame parameter."""

    display_name = "with_columns"
    missing_fix = "Fix columns_to_pass, or add the column to the DataFrame upstream."


def _upstream_of(select: list[str] | None, nodes: list[Node], fn: Callable[..., Any]) -> list[Node]:
    """The nodes ``select`` needs (all of them when nothing is selected)."""
    if select is None:
        return nodes
    by_name = {n.name: n for n in nodes}
    unknown = [name for name in select if name not in by_name]
    if unknown:
        from ..messages import did_you_mean

        raise InvalidDecoratorError(
            f"@with_columns on {origin_of(fn)} selects {', '.join(map(repr, unknown))}, which no "
            f"column function computes.{did_you_mean(unknown[0], by_name)} Its nodes: "
            f"{', '.join(by_name) or 'none'}."
        )
    needed, stack = set(select), list(select)
    while stack:
        for dep in by_name[stack.pop()].inputs:
            if dep in by_name and dep not in needed:
                needed.add(dep)
                stack.append(dep)
    return [n for n in nodes if n.name in needed]
