"""``@dataloader`` and ``@datasaver``: a plain function that loads or saves, marked as such.

    @dataloader()
    def orders(path: str) -> tuple[pd.DataFrame, dict]:
        df = pd.read_csv(path)
        return df, get_file_and_dataframe_metadata(path, df)

    @datasaver()
    def save_report(report: dict, report_path: str) -> dict:
        ...  # write it
        return get_file_metadata(report_path)

As in Apache Hamilton, a data loader gives two nodes: ``<fn>.loader`` returns the (value, metadata)
pair and ``<fn>`` the value; a data saver stays one node that returns its metadata. Both get the
tags trackers look for (``hamilton.data_loader``/``hamilton.data_saver`` and friends).
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

from ..errors import InvalidDecoratorError
from ..node import Dependency, Node, annotations_of, node_from_function, origin_of
from .base import NodeModifier, Phase
from .data_io import load_from, save_to  # noqa: F401 - where Apache Hamilton defines them too


def _return_type(fn: Callable[..., Any], who: str, shape: str) -> Any:
    hints = annotations_of(fn)
    if "return" not in hints:
        raise InvalidDecoratorError(
            f"@{who} on {origin_of(fn)}: annotate the return type, {shape}."
        )
    return hints["return"]


class dataloader(NodeModifier):  # noqa: N801 - Hamilton's name
    """The function returns ``(value, metadata)``; the node ``<fn>`` is the value."""

    phase = Phase.CREATE
    _SHAPE = "tuple[<the loaded type>, dict]"

    def validate(self, fn: Callable[..., Any]) -> None:
        self._value_type(fn)

    def _value_type(self, fn: Callable[..., Any]) -> Any:
        returned = _return_type(fn, "dataloader", self._SHAPE)
        args = typing.get_args(returned)
        metadata = args[1] if len(args) == 2 else None
        if (
            typing.get_origin(returned) is not tuple
            or metadata is None
            or (typing.get_origin(metadata) or metadata) is not dict
            or typing.get_args(metadata)[:1] not in ((), (str,))
        ):
            raise InvalidDecoratorError(
                f"@dataloader on {origin_of(fn)}: the function must return {self._SHAPE} (the "
                f"value and its metadata, dict or dict[str, ...]), but it is annotated "
                f"{returned!r}."
            )
        return args[0]

    def create(self, fn: Callable[..., Any], name: str, config: dict[str, Any]) -> list[Node]:
        loader = node_from_function(fn, f"{name}.loader")
        tags = {
            "hamilton.data_loader": True,
            "hamilton.data_loader.node": name,
            "hamilton.data_loader.classname": f"{name}()",
        }
        loader.tags = {
            **loader.tags,
            **tags,
            "hamilton.data_loader.has_metadata": True,
            "hamilton.data_loader.source": "loader",
        }
        value = Node(
            name,
            _first(loader.name),
            {loader.name: Dependency(loader.type, False)},
            self._value_type(fn),
            tags={
                **tags,
                "hamilton.data_loader.has_metadata": False,
                "hamilton.data_loader.source": name,
            },
            origin=loader.origin,
            user_function=fn,
        )
        return [loader, value]


def _first(name: str) -> Callable[..., Any]:
    def value(**kwargs: Any) -> Any:
        return kwargs[name][0]

    return value


class datasaver(NodeModifier):  # noqa: N801 - Hamilton's name
    """The function saves its inputs and returns metadata (a dict)."""

    phase = Phase.CREATE

    def validate(self, fn: Callable[..., Any]) -> None:
        returned = _return_type(fn, "datasaver", "dict")
        if (typing.get_origin(returned) or returned) is not dict:
            raise InvalidDecoratorError(
                f"@datasaver on {origin_of(fn)}: the function must return a dict (metadata about "
                f"what it saved), but it is annotated {returned!r}."
            )

    def create(self, fn: Callable[..., Any], name: str, config: dict[str, Any]) -> list[Node]:
        node = node_from_function(fn, name)
        node.tags = {
            **node.tags,
            "hamilton.data_saver": True,
            "hamilton.data_saver.sink": name,
            "hamilton.data_saver.classname": f"{name}()",
        }
        return [node]
