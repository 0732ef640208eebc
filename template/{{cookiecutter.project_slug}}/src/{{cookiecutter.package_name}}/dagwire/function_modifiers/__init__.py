"""Apache Hamilton's function modifiers (decorators), with the same names and arguments."""

from .base import NodeModifier, Phase
from .config import config

__all__ = ["NodeModifier", "Phase", "config"]
