"""The per-thread script prefix that reverse() prepends (set by handlers from SCRIPT_NAME)."""

from asgiref.local import Local

_prefixes = Local()


def set_script_prefix(prefix: str) -> None:
    if not prefix.endswith("/"):
        prefix += "/"
    _prefixes.value = prefix


def get_script_prefix() -> str:
    return getattr(_prefixes, "value", "/")


def clear_script_prefix() -> None:
    try:
        del _prefixes.value
    except AttributeError:
        pass
