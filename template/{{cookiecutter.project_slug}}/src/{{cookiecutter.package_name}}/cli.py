# Template-owned: `copier update` keeps this file in step with dagwire; see docs/dagwire.md.
"""Console entry point; the runner itself lives in the vendored ``dagwire.runtime.cli``."""

from .dagwire.runtime import cli as _cli


def main(argv: list[str] | None = None) -> int:
    """Run ``run``, ``list``, ``graph`` or ``runs`` for the pipeline defined in this package."""
    return _cli.main(argv, package=__package__)
