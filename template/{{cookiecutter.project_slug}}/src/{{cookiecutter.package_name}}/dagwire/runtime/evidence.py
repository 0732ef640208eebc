"""What a node's record keeps beyond its status, for a person reading the run later: for a failed
node the traceback, its function's source and the inputs it got; for a check its result.

Records are small JSON documents every task writes and every reader downloads, so each piece is
bounded here; nothing is gathered for a node that succeeded except a check's verdict.
"""

from __future__ import annotations

import inspect
import os
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Characters kept of a traceback (its end: the frames nearest the failure).
TRACEBACK_CHARS = 8_000
#: Characters kept of the failed function's source (its beginning: the signature and first lines).
SOURCE_CHARS = 6_000
#: Inputs previewed for a failed node, and characters per preview.
INPUTS_SHOWN = 20
INPUT_CHARS = 600


def failure_details(error: BaseException, fn: Any, inputs: Mapping[str, Any] | None) -> dict:
    """The traceback of ``error``, the source of ``fn`` (file, first line, text) and a preview of
    each of ``inputs``: what a person needs to see which function failed on what."""
    from .report.previews import summary  # loaded only when a node fails

    shown = list((inputs or {}).items())[:INPUTS_SHOWN]
    details: dict[str, Any] = {
        "traceback": _tail(_traceback_text(error), TRACEBACK_CHARS),
        "inputs": {name: summary(value, INPUT_CHARS) for name, value in shown},
    }
    if inputs and len(inputs) > INPUTS_SHOWN:
        details["inputs_left_out"] = len(inputs) - INPUTS_SHOWN
    source = source_of(fn)
    if source is not None:
        details["source"] = source
    return details


def source_of(fn: Any) -> dict[str, Any] | None:
    """``{"file", "line", "text"}`` of the function a node runs, or None when Python has no
    source for it (a builtin, a lambda made at run time, a function from a .pyc only)."""
    target = inspect.unwrap(fn) if callable(fn) else fn
    try:
        lines, first = inspect.getsourcelines(target)
        file = inspect.getsourcefile(target) or inspect.getfile(target)
    except (OSError, TypeError):
        return None
    text = "".join(lines)
    if len(text) > SOURCE_CHARS:
        text = text[:SOURCE_CHARS] + "\n# ... (cut: the function is longer)\n"
    return {"file": file, "line": first, "text": text}


def check_result(result: Any, tags: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A ``@check_output`` validator node's verdict (passes, message, the node it checks), or
    None when ``result`` is not one."""
    from ..data_quality.base import ValidationResult

    if not isinstance(result, ValidationResult):
        return None
    from ..function_modifiers.validation import DATA_VALIDATOR_ORIGINAL_OUTPUT_TAG
    from .report.previews import summary

    return {
        "passes": bool(result.passes),
        "message": _tail(str(result.message), INPUT_CHARS),
        "of": (tags or {}).get(DATA_VALIDATOR_ORIGINAL_OUTPUT_TAG),
        "diagnostics": summary(result.diagnostics, INPUT_CHARS) if result.diagnostics else None,
    }


def _traceback_text(error: BaseException) -> str:
    """The traceback without the engine's own frames (how it called the node), which every
    failure shares and no reader needs: the frames left are the user's code."""
    trace = traceback.TracebackException.from_exception(error)
    engine = str(Path(__file__).resolve().parents[1]) + os.sep
    kept = [frame for frame in trace.stack if not frame.filename.startswith(engine)]
    if kept:
        trace.stack = traceback.StackSummary.from_list(kept)
    return "".join(trace.format())


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else "... (cut)\n" + text[-limit:]
