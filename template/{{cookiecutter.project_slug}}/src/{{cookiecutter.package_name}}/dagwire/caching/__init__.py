"""Caching across runs, as Apache Hamilton's ``Builder().with_cache()`` offers it.

A node's result is reused when its code version and the data versions of its inputs are unchanged.
``code_version`` versions code, ``fingerprinting`` versions data, ``stores`` keep results and the
cache-key -> data-version metadata in a local folder or behind an fsspec URL, ``behaviors`` decides
per node whether to reuse, recompute or leave a node out, and ``adapter`` ties them together as the
adapter ``dr.cache`` returns. Nothing here loads until a driver asks for a cache.
"""
