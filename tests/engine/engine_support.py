"""Helpers shared by the engine tests."""

#: Tags the engine adds to nodes itself, as Apache Hamilton does.
ENGINE_TAGS = ("module", "hamilton.config")


def user_tags(node):
    """A node's tags without the ones the engine adds."""
    return {k: v for k, v in node.tags.items() if k not in ENGINE_TAGS}
