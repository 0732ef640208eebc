"""Plain functions (no Hamilton import): a module both engines pickle by name."""


def raw(x: int, scale: int = 10) -> int:
    return x * scale


def doubled(raw: int) -> int:
    return raw * 2
