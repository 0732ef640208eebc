"""Data validation for ``@check_output``: validators, their results, and what happens on failure."""
