"""Reading and writing values: which paths are URLs (``urls``), files that appear whole
(``atomic``), how a value becomes bytes (``serializers``), and the named formats of
``@load_from``/``@save_to`` (``formats``).

Both the engine's data loaders and the project runtime's artifact store write through this package,
so a value saved by either one is read back the same way.
"""
