"""How a run is repeated: the one place that turns what a run was asked into the command that
resumes it, for the CLI's failure message and for the report alike.

The command line records its request in run.json (``request``): the ``--set`` texts as typed (a
value rebuilt from the config would not always read back the same: an inline table, nan), the
stage or outputs, and the cache choice. Runs an orchestrator started have no request: their
``--set`` values are rebuilt from the config they ran with, as TOML.
"""

from __future__ import annotations

import functools
import math
import re
import shlex
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def run_request(
    set_texts: Iterable[str],
    *,
    stage: str | None = None,
    outputs: Sequence[str] = (),
    cache: bool | None = None,
) -> dict[str, Any]:
    """What ``run`` was asked, as run.json keeps it; only what was given."""
    request: dict[str, Any] = {"set": list(set_texts)}
    if stage:
        request["stage"] = stage
    if outputs:
        request["outputs"] = list(outputs)
    if cache is not None:
        request["cache"] = cache
    return request


def request_from_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The request of a run no command line started: its config values that differ from
    pipeline.toml, as ``--set`` reads them back."""
    return run_request(f"{key}={toml_value(value)}" for key, value in overrides.items())


def resume_command(run_id: str, request: Mapping[str, Any], *, artifacts: str | None) -> str:
    """``run --run-id ID ...``: the arguments that resume ``run_id`` as it was asked."""
    words = ["run", "--run-id", run_id]
    for text in request.get("set", ()):
        words += ["--set", text]
    if request.get("stage"):
        words += ["--stage", request["stage"]]
    if request.get("outputs"):
        words += ["--outputs", ",".join(request["outputs"])]
    if artifacts:
        words += ["--artifacts", artifacts]
    if request.get("cache") is not None:
        words.append("--cache" if request["cache"] else "--no-cache")
    return " ".join(shlex.quote(w) for w in words)


@functools.lru_cache(maxsize=8)
def program(package: str) -> str:
    """How the project's docs call its command line: ``uv run <script>`` when the package's
    distribution installs a console script for its CLI, else ``python -m <package>``."""
    from importlib import metadata

    try:
        scripts = metadata.entry_points(group="console_scripts")
        names = [entry.name for entry in scripts if entry.value == f"{package}.cli:main"]
    except Exception:  # noqa: BLE001 - broken metadata only costs the short form
        names = []
    return f"uv run {names[0]}" if names else f"python -m {package}"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_value(value: Any) -> str:
    """``value`` as a TOML value that ``--set`` reads back equal: ``{a = 1}`` for a dict, ``nan``
    and ``inf`` for those floats; a plain string stays unquoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value if value and value == value.strip() and not _is_toml(value) else _quoted(value)
    if isinstance(value, Mapping):
        pairs = (f"{_key(k)} = {_nested(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_nested(v) for v in value) + "]"
    return _quoted(str(value))


def _nested(value: Any) -> str:
    """A value inside a table or array, where a string is always quoted."""
    return _quoted(value) if isinstance(value, str) else toml_value(value)


def _key(key: Any) -> str:
    return key if _BARE_KEY.fullmatch(str(key)) else _quoted(str(key))


def _quoted(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _is_toml(text: str) -> bool:
    """Whether ``--set k=text`` would read ``text`` as something other than this string."""
    try:
        tomllib.loads(f"value = {text}")
    except tomllib.TOMLDecodeError:
        return False
    return True
