"""Adapters: hooks that observe execution and methods that change it.

The built-in adapters (``PrintLn``, ``NodeTimer``, ...) live in ``lifecycle.default`` and are loaded
the first time one is asked for, so importing the engine does not pay for them.
"""

from typing import Any

from .api import (
    DictResult,
    GraphConstructionHook,
    GraphExecutionHook,
    NodeExecutionHook,
    NodeExecutionMethod,
    NoEdgeAndInputTypeChecking,
    ResultBuilder,
    StaticValidator,
    TaskExecutionHook,
)

_BUILT_INS = (
    "FunctionInputOutputTypeChecker",
    "GracefulErrorAdapter",
    "NodeRecord",
    "NodeTimer",
    "PDBDebugger",
    "PrintLn",
    "ProgressBar",
    "accept_error_sentinels",
)

__all__ = [
    "DictResult",
    "GraphConstructionHook",
    "GraphExecutionHook",
    "NodeExecutionHook",
    "NodeExecutionMethod",
    "NoEdgeAndInputTypeChecking",
    "ResultBuilder",
    "StaticValidator",
    "TaskExecutionHook",
    *_BUILT_INS,
]


def __getattr__(name: str) -> Any:
    if name in _BUILT_INS:
        from . import default

        return getattr(default, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
