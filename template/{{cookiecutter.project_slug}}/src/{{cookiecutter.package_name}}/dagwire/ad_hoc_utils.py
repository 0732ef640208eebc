"""Build a module from functions at run time (for notebooks and tests), like Hamilton's helper."""

from __future__ import annotations

import sys
import types
import uuid
from collections.abc import Callable
from typing import Any

from .errors import DagwireError


def create_temporary_module(
    *functions: Callable[..., Any], module_name: str | None = None
) -> types.ModuleType:
    """A module holding copies of ``functions`` that belong to it, as in Apache Hamilton.

    The copies share the originals' code but name this module as theirs, so its nodes carry its
    name (the ``module`` tag, module overrides), and it is registered in ``sys.modules`` so that
    process executors can pickle its functions by reference.
    """
    name = module_name or f"temporary_module_{uuid.uuid4().hex}"
    if name in sys.modules:
        raise DagwireError(f"A module named {name!r} already exists; choose another module_name.")
    module = types.ModuleType(name)
    for fn in functions:
        if fn.__name__.startswith("_"):
            raise DagwireError(
                f"{fn.__name__} starts with '_', which marks a helper, so it would not become a "
                "node; leave it out of the temporary module."
            )
        if hasattr(module, fn.__name__):
            raise DagwireError(f"Two functions are named {fn.__name__!r}; rename one of them.")
        setattr(module, fn.__name__, _copy_into(fn, name))
    sys.modules[name] = module
    return module


def _copy_into(fn: Callable[..., Any], module_name: str) -> Callable[..., Any]:
    code = getattr(fn, "__code__", None)
    if code is None:  # not a plain function (a partial, a callable object): keep it as it is
        return fn
    copy = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__dict__.update(fn.__dict__)  # modifiers and __wrapped__ travel with the function
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__annotations__ = fn.__annotations__
    copy.__qualname__ = fn.__qualname__
    copy.__doc__ = fn.__doc__
    copy.__module__ = module_name
    return copy
