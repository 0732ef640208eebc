"""``from hamilton.plugins import h_tqdm`` becomes ``from <package>.dagwire.plugins import h_tqdm``.

The bar uses tqdm when it is installed and falls back to plain text when it is not.
"""

from ..lifecycle.default import ProgressBar

__all__ = ["ProgressBar"]
