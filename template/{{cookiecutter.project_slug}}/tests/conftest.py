# Yours: generated once by dagwire; `copier update` never changes it.
"""Fixtures shared by your tests.

pytest loads this file before your test modules; add fixtures here as your pipeline grows.
dagwire's own tests keep theirs in ``tests/dagwire/conftest.py`` (template-owned), so nothing you
write here conflicts with a template update.
"""
