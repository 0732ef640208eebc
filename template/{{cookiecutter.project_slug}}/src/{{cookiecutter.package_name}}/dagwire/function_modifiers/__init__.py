"""Apache Hamilton's function modifiers (decorators), with the same names and arguments.

    from dagwire.function_modifiers import config, extract_columns, parameterize, source, value

Only ``config`` is loaded with the engine; every other decorator is imported on first use, so a
pipeline that does not use one does not pay for it.
"""

from typing import Any

from .base import NodeModifier, Phase
from .config import config, hamilton_exclude

_LAZY = {
    "value": "dependencies",
    "source": "dependencies",
    "group": "dependencies",
    "configuration": "dependencies",
    "LiteralDependency": "dependencies",
    "UpstreamDependency": "dependencies",
    "parameterize": "expanders",
    "parameterize_sources": "expanders",
    "parameterize_values": "expanders",
    "inject": "expanders",
    "extract_columns": "extractors",
    "extract_fields": "extractors",
    "unpack_fields": "extractors",
    "tag": "metadata",
    "tag_outputs": "metadata",
    "cache": "metadata",
    "check_output": "validation",
    "check_output_custom": "validation",
    "IS_DATA_VALIDATOR_TAG": "validation",
    "DATA_VALIDATOR_ORIGINAL_OUTPUT_TAG": "validation",
    "load_from": "data_io",
    "save_to": "data_io",
    "dataloader": "adapters",
    "datasaver": "adapters",
    "does": "macros",
    "step": "pipes",
    "pipe_input": "pipes",
    "pipe_output": "pipes",
    "pipe": "pipes",
    "mutate": "pipes",
    "apply_to": "pipes",
    "subdag": "recursive",
    "parameterized_subdag": "recursive",
    "parameterize_extract_columns": "expanders",
    "ParameterizedExtract": "expanders",
    "schema": "metadata",
    "resolve": "delayed",
    "resolve_from_config": "delayed",
    "ResolveAt": "delayed",
    "InvalidDecoratorException": "base",
}

__all__ = ["NodeModifier", "Phase", "config", "hamilton_exclude", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
