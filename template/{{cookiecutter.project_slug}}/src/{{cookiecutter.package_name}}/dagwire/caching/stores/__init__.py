"""Where the cache keeps its data: ``file`` (results and metadata in a folder or behind an fsspec
URL, Apache Hamilton's ``stores.file``), ``sqlite`` (Hamilton's metadata store name), ``memory``
(Hamilton's in-memory stores, for notebooks and tests), ``base`` (the interfaces, to write
another store) and ``folder`` (the atomic files both are made of)."""
