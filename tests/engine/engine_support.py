"""Helpers shared by the engine tests."""

import textwrap
import uuid

from dagwire import driver
from dagwire.ad_hoc_utils import create_temporary_module

#: Tags the engine adds to nodes itself, as Apache Hamilton does.
ENGINE_TAGS = ("module", "hamilton.config")


def build(*fns, cfg=None, adapters=(), dynamic=False):
    """A driver over a temporary module of ``fns``, with config, adapters and dynamic execution
    when asked."""
    builder = driver.Builder().with_modules(create_temporary_module(*fns))
    builder = builder.with_config(cfg or {}).with_adapters(*adapters)
    if dynamic:
        builder = builder.enable_dynamic_execution(allow_experimental_mode=True)
    return builder.build()


def user_tags(node):
    """A node's tags without the ones the engine adds."""
    return {k: v for k, v in node.tags.items() if k not in ENGINE_TAGS}


def write_package(root, toml, modules, prefix="pkg_"):
    """A throwaway package under ``root``: ``pipeline.toml`` (unless None) and a ``transforms``
    subpackage with one module per ``{name: source}``; returns the package's name."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    package = root / name
    (package / "transforms").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "transforms" / "__init__.py").write_text("")
    if toml is not None:
        (package / "pipeline.toml").write_text(textwrap.dedent(toml))
    for module, code in modules.items():
        (package / "transforms" / f"{module}.py").write_text(textwrap.dedent(code))
    return name
