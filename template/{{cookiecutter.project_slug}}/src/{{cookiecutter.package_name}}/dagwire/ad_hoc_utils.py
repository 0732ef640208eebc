"""Build a module from functions at run time (for notebooks and tests), like Hamilton's helper."""

from __future__ import annotations

import types
import uuid
from collections.abc import Callable
from typing import Any


def create_temporary_module(
    *functions: Callable[..., Any], module_name: str | None = None
) -> types.ModuleType:
    """A module holding ``functions``; every public one becomes a node wherever it was defined."""
    module = types.ModuleType(module_name or f"temporary_module_{uuid.uuid4().hex[:12]}")
    module.__dagwire_temporary__ = True  # type: ignore[attr-defined]
    for fn in functions:
        setattr(module, fn.__name__, fn)
    return module
