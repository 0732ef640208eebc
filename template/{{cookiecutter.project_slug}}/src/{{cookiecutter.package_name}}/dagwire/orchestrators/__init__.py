"""Moved in 0.2.0 to ``dagwire.runtime.orchestrators``; the modules here are kept so code written
for 0.1.0 keeps importing (a project ships only the wrapper it chose, under both paths)."""
