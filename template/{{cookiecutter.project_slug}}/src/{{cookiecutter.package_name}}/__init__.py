# Yours: generated once by dagwire; `copier update` never changes it.
"""The pipeline package: transforms in ``transforms/``, wiring in ``pipeline.toml``.

The dataflow engine is vendored as the ``dagwire`` subpackage (template-owned).
"""
