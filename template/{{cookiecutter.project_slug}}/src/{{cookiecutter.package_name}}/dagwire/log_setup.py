"""Apache Hamilton's one-call console logging: ``log_setup.setup_logging(logging.INFO)``.

Scripts written for Hamilton call it first thing; it sends log records to standard output with the
level, time, logger and line, unless the root logger already has a handler (someone configured
logging already, and their choice wins). Hamilton also silences numpy's divide warnings here; the
engine does not import numpy for that, so numpy keeps its own settings.
"""

from __future__ import annotations

import logging
import sys

#: Level names to levels, as Hamilton's module offers them (``logging`` has no public mapping).
LOG_LEVELS = {
    "CRITICAL": logging.CRITICAL,
    "ERROR": logging.ERROR,
    "WARNING": logging.WARNING,
    "INFO": logging.INFO,
    "DEBUG": logging.DEBUG,
}

_FORMAT = "[%(levelname)s] %(asctime)s %(name)s(%(lineno)s): %(message)s"


def setup_logging(log_level: int = logging.INFO) -> None:
    """Log to standard output at ``log_level``, if logging is not configured yet."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(log_level)
