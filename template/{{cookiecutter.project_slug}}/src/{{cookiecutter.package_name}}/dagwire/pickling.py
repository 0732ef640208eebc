"""Pickling drivers and builders: modules travel by name and are imported again on arrival.

Apache Hamilton pickles a driver's modules by name so that a driver can be shipped to a process
pool (Ray, Dask, ``concurrent.futures``) and run there. The engine does the same with everything
a driver was built from (config, adapters, executors, settings); the receiving process imports
the modules and builds the graph again, so what travels is small and never holds the functions
decorators made on the fly (which pickle cannot carry). Construction hooks and validators run
again there, as the graph is constructed again.

A module made at run time (``ad_hoc_utils.create_temporary_module``, a notebook cell, the script
run as ``__main__``) has no importable name: pickling refuses it with the module's name and
what to do.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

from .errors import DagwireError


class UnpicklableModuleError(DagwireError):
    """A module of the pipeline cannot be imported again by name in another process."""


def module_names(modules: list[ModuleType], what: str) -> list[str]:
    """The importable names of ``modules``; refuses a module no other process could import."""
    return [_importable_name(module, what) for module in modules]


def import_modules(names: list[str]) -> list[ModuleType]:
    return [importlib.import_module(name) for name in names]


def driver_reduction(driver: Any) -> tuple[Any, ...]:
    """``Driver.__reduce__``: rebuild from the arguments the driver was built with."""
    arguments = dict(driver._arguments)
    cache = driver._cache_adapter()  # bound to this driver's graph: the new one gets its own
    if cache is not None:
        arguments["adapters"] = [
            cache.unbound() if a is cache else a for a in arguments["adapters"]
        ]
    names = module_names(list(arguments.pop("modules")), type(driver).__name__)
    return rebuild_driver, (type(driver), names, arguments)


def rebuild_driver(cls: type, names: list[str], arguments: dict[str, Any]) -> Any:
    config = arguments.pop("config")
    return cls(config, *import_modules(names), **arguments)


def builder_state(builder: Any) -> dict[str, Any]:
    state = dict(vars(builder))
    state["_modules"] = module_names(state["_modules"], type(builder).__name__)
    return state


def restore_builder_state(builder: Any, state: dict[str, Any]) -> None:
    vars(builder).update(state, _modules=import_modules(state["_modules"]))


def _importable_name(module: ModuleType, what: str) -> str:
    spec = getattr(module, "__spec__", None)
    name = spec.name if spec is not None else None
    if name is not None and name != "__main__" and importlib.util.find_spec(name) is not None:
        return name
    if module.__name__ == "__main__":
        why = f"it is the script being run ({getattr(module, '__file__', '?')})"
    elif spec is None:
        why = "it was made at run time (e.g. by ad_hoc_utils.create_temporary_module)"
    else:
        why = f"no module {name!r} is on the import path"
    raise UnpicklableModuleError(
        f"Cannot pickle this {what}: its module {module.__name__!r} cannot be imported by name "
        f"in another process: {why}.\nMove its functions into a module file on the import path "
        "and build the driver from that module."
    )
