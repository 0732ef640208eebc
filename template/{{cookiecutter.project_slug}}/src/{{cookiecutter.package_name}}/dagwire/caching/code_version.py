"""A function's code version: a hash of its source without docstrings and comments.

Apache Hamilton's rule, used for ``HamiltonNode.version`` and by the cache alike: parse the source
(decorators included), drop every function's docstring, print it back with ``ast.unparse`` (which
drops comments and normalises the layout) and take the SHA-256. Editing a comment, a docstring or
the layout keeps the version; editing code, a decorator, an annotation or a default changes it.

Parsing costs about 0.3 ms per function, so versions are remembered per function object (a new
driver over the same module pays nothing) and per digest of the source text (a re-imported,
unchanged module pays one hash per function). The cache keeps the versions of its nodes' sources in
its folder (``source_digest``, ``remember_versions``), so a new process re-running a pipeline
parses only the functions that changed.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import linecache
import re
import textwrap
import threading
import types
import weakref
from collections.abc import Callable
from typing import Any

#: function -> (version, source digest)
_BY_FUNCTION: weakref.WeakKeyDictionary[Any, tuple[str | None, str]] = weakref.WeakKeyDictionary()
#: source digest -> version, for every function versioned in this process or read from a cache
_BY_SOURCE: dict[str, str] = {}
_parses = [0]  # how many sources this process has parsed (a list: changed in place)


def code_version(fn: Callable[..., Any]) -> str | None:
    """The version of ``fn``'s code, or None when its source cannot be found (built in, typed
    into a REPL, or its file is gone)."""
    return _versioned(fn)[0]


def source_digest(fn: Callable[..., Any]) -> str:
    """The digest of ``fn``'s source lines, under which its version is remembered ("" if none)."""
    return _versioned(fn)[1]


def version_with_helpers(
    fn: Callable[..., Any], own: Callable[[Any], str | None] = code_version
) -> str | None:
    """``fn``'s version combined with those of the helpers it calls (``helper_functions``) and
    of the module constants they read (``constants_read``): the version the cache keys on, so
    that editing a helper or a constant recomputes the nodes reading it (resume compares only
    ``code_version``: see the project runtime's ``runs._code_hash``). ``own`` versions one
    function (the cache's also notes what it versioned)."""
    version = own(fn)
    helpers = helper_functions(fn)
    constants = [c for f in (fn, *helpers) for c in constants_read(f)]
    if version is None or not (helpers or constants):
        return version
    parts = [version, *(f"{h.__qualname__}={own(h)}" for h in helpers), *constants]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


#: Values whose repr is their content, the same in every process (sets are left out: the order
#: of their items varies between processes).
_LITERALS = (int, float, complex, str, bytes, bool, type(None))


def constants_read(fn: Callable[..., Any]) -> list[str]:
    """``name=repr`` for each module-level constant ``fn``'s code reads by a global name: a
    number, a string, or a list, tuple or dict of them (``THRESHOLD = 5``, ``COLUMNS = [...]``).
    Editing one changes what ``fn`` computes as much as editing its lines."""
    scope = getattr(fn, "__globals__", {})
    found = []
    for name in sorted(_global_names(getattr(fn, "__code__", None))):
        value = scope.get(name, _MISSING)
        if value is not _MISSING and _is_literal(value, 1000):
            found.append(f"{name}={value!r}")
    return found


_MISSING = object()


def _is_literal(value: Any, budget: int) -> bool:
    """Whether ``value`` is a literal of at most ``budget`` items (a huge table is data, read
    from a file more often than written in code)."""
    if type(value) in _LITERALS:
        return True
    if type(value) in (list, tuple):
        return len(value) <= budget and all(_is_literal(v, budget - len(value)) for v in value)
    if type(value) is dict:
        return len(value) <= budget and all(
            _is_literal(k, 0) and _is_literal(v, budget - len(value)) for k, v in value.items()
        )
    return False


def helper_functions(fn: Callable[..., Any]) -> list[Any]:
    """The functions of ``fn``'s own package that its code calls, by a global name or as an
    attribute of one of the package's modules (``helpers.clean(x)``), or that its decorators
    name (``@does(_sum)``), and theirs in turn, in a stable order.

    A node's value depends on the helpers it calls as much as on its own lines (Apache Hamilton's
    cache looks at the node's source only, so editing a helper serves stale values): the cache
    key covers them. Functions of other packages (pandas, the standard library) are left out:
    they change with an upgrade, not with an edit. A name that is no call (an attribute read)
    may add a function: that only recomputes more, never serves a stale value.
    """
    package = _package(getattr(fn, "__module__", None))
    found: dict[int, Any] = {}
    pending = [fn]
    while pending:
        current = pending.pop()
        names = _global_names(getattr(current, "__code__", None))
        if current is fn:
            names |= _decorator_names(fn)
        for helper in _package_functions(current, names, package):
            if helper is not fn and id(helper) not in found:
                found[id(helper)] = helper
                pending.append(helper)
    return sorted(found.values(), key=lambda h: (h.__module__, h.__qualname__))


def _package(module_name: str | None) -> str:
    return (module_name or "").partition(".")[0]


def _package_functions(fn: Any, names: set[str], package: str) -> list[Any]:
    """The functions of ``package`` that ``names`` reach from ``fn``'s globals: directly, or as
    attributes of a module of the package that one of them names."""
    scope = getattr(fn, "__globals__", {})
    ordered = sorted(names)
    reached = []
    for name in ordered:
        value = scope.get(name)
        if isinstance(value, types.ModuleType) and _package(value.__name__) == package:
            reached += [getattr(value, attribute, None) for attribute in ordered]
        else:
            reached.append(value)
    return [
        f
        for f in reached
        if isinstance(f, types.FunctionType) and _package(f.__module__) == package
    ]


def _decorator_names(fn: Any) -> set[str]:
    """The names written in ``fn``'s decorator lines, which its code object does not hold."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return set()
    lines = linecache.getlines(code.co_filename)
    first = code.co_firstlineno - 1
    if first >= len(lines) or not lines[first].lstrip().startswith("@"):
        return set()
    names: set[str] = set()
    for line in itertools.islice(lines, first, None):  # not a slice: no copy of the file
        if line.lstrip().startswith(("def ", "async def ")):
            break
        names.update(re.findall(r"[A-Za-z_]\w*", line))
    return names


def _global_names(code: Any) -> set[str]:
    if code is None:
        return set()
    names = set(code.co_names)
    for const in code.co_consts:  # nested functions, lambdas and comprehensions
        if hasattr(const, "co_names"):
            names |= _global_names(const)
    return names


def is_known(fn: Callable[..., Any]) -> bool:
    """Whether ``fn``'s version is already known in this process (asking costs nothing then)."""
    try:
        return fn in _BY_FUNCTION
    except TypeError:
        return False


def parse_count() -> int:
    """How many sources this process has parsed: when it has not grown, nothing new is known."""
    return _parses[0]


def _versioned(fn: Any) -> tuple[str | None, str]:
    try:
        return _BY_FUNCTION[fn]
    except (KeyError, TypeError):
        pass
    source = _source_lines(fn)
    digest = hashlib.blake2b(source.encode(), digest_size=16).hexdigest() if source else ""
    version = _BY_SOURCE.get(digest) if digest else None
    if version is None:
        _parses[0] += 1
        version = _version_of(source, fn)
        if digest and version:
            _BY_SOURCE[digest] = version
    try:
        _BY_FUNCTION[fn] = (version, digest)
    except TypeError:  # not weak-referenceable: not remembered
        pass
    return version, digest


def remember_versions(versions: dict[str, str]) -> None:
    """Versions computed elsewhere (by another process, read from a cache), by source digest."""
    _BY_SOURCE.update(versions)


def _source_lines(fn: Any) -> str:
    """The lines of ``fn``'s file from its first decorator to the last line its code spans.

    Read from the code object's positions: much cheaper than ``inspect.getsource``, which
    tokenizes the file to find where the function ends.
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    linecache.checkcache(code.co_filename)  # the file may have been edited since it was read
    lines = linecache.getlines(code.co_filename)
    last = _last_line(code)
    if not lines or last < code.co_firstlineno or last > len(lines):
        return ""
    return "".join(lines[code.co_firstlineno - 1 : last])


def _last_line(code: Any) -> int:
    last = code.co_firstlineno
    for _, end, _, _ in code.co_positions():
        if end is not None and end > last:
            last = end
    for const in code.co_consts:  # nested functions, lambdas and comprehensions
        if hasattr(const, "co_positions"):
            last = max(last, _last_line(const))
    return last


def _version_of(source: str, fn: Any) -> str | None:
    tree = _parsed(source)
    if tree is None:
        import inspect

        try:
            tree = _parsed(inspect.getsource(fn))
        except (OSError, TypeError):
            return None
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _has_docstring(node):
            node.body = node.body[1:]
    return hashlib.sha256(ast.unparse(tree).encode()).hexdigest()


#: ``ast.parse`` is not thread-safe on CPython 3.11 (two threads parsing at once can raise
#: "SystemError: AST constructor recursion depth mismatch"); Prefect's tasks version code from
#: several threads of one process. Each source is parsed once, so the lock costs nothing.
_PARSE_LOCK = threading.Lock()


def _parsed(source: str) -> ast.Module | None:
    if not source:
        return None
    try:
        with _PARSE_LOCK:
            return ast.parse(textwrap.dedent(source).strip())
    except SyntaxError:  # the lines are not a whole statement: let inspect find them
        return None


def _has_docstring(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    first = node.body[0] if node.body else None
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
