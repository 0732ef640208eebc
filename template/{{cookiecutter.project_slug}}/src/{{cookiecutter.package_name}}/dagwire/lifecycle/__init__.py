"""Adapters: hooks that observe execution and methods that change it."""

from .api import (
    DictResult,
    GraphConstructionHook,
    GraphExecutionHook,
    NodeExecutionHook,
    NodeExecutionMethod,
    ResultBuilder,
    StaticValidator,
)

__all__ = [
    "DictResult",
    "GraphConstructionHook",
    "GraphExecutionHook",
    "NodeExecutionHook",
    "NodeExecutionMethod",
    "ResultBuilder",
    "StaticValidator",
]
