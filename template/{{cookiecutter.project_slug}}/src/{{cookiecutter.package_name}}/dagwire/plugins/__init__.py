"""Integrations under the module names Apache Hamilton's ``plugins`` package gives them."""
