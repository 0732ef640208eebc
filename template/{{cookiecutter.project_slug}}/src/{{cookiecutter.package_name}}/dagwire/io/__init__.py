"""Reading and writing values: which paths are URLs (``urls``), files that appear whole
(``atomic``), how a value becomes bytes (``serializers``), the named formats of
``@load_from``/``@save_to`` (``formats``, the one registry), Apache Hamilton's adapter classes
(``data_adapters``, ``default_data_loaders``) and metadata shapes (``utils``), and ``to``/``from_``
(``materialization``). The package imports none of them itself: each loads when first used.

Both the engine's data loaders and the project runtime's artifact store write through this package,
so a value saved by either one is read back the same way.
"""
