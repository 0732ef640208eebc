"""Helpers shared by the engine tests."""


def user_tags(node):
    """A node's tags without the ``module`` tag every node carries, as in Apache Hamilton."""
    return {k: v for k, v in node.tags.items() if k != "module"}
