"""Data versions: a short hash of a value's content, and the bytes the cache stores it as.

A value is pickled once; the hash of those bytes is its data version and the bytes are what the
result store keeps, so versioning a result and storing it cost one pickling. Equal bytes mean equal
values, so a reused result always equals a recomputed one. Equal values may pickle differently (a
set's order varies between processes): that costs a recomputation, never a wrong result.

A value that cannot be pickled (a lock, a connection, a generator) has no data version: Apache
Hamilton's ``"<unhashable>"``. The cache then recomputes the node and what reads it, and its logs
say why.
"""

from __future__ import annotations

import hashlib
import pickle
from typing import Any, NamedTuple

UNHASHABLE = "<unhashable>"


class Fingerprint(NamedTuple):
    """A value's data version and its pickled bytes; ``data`` is None (and ``version``
    ``UNHASHABLE``) when it cannot be pickled, ``problem`` then says why."""

    version: str
    data: bytes | None
    problem: str = ""


def fingerprint(value: Any) -> Fingerprint:
    """The data version of ``value`` and the bytes to store it as."""
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means "cannot be stored"
        return Fingerprint(UNHASHABLE, None, f"{type(exc).__name__}: {exc}")
    return Fingerprint(hashlib.blake2b(data, digest_size=16).hexdigest(), data)


def hash_value(value: Any, *args: Any, **kwargs: Any) -> str:
    """Apache Hamilton's name: the data version of ``value`` (``UNHASHABLE`` if it has none)."""
    return fingerprint(value).version
