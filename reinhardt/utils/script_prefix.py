"""The script prefix that reverse() prepends (set by handlers from SCRIPT_NAME).

Held in a context variable: per thread and per async task, and read in well under a
microsecond (asgiref's Local costs several on every request).
"""

from contextvars import ContextVar

_prefix: ContextVar[str] = ContextVar("reinhardt_script_prefix", default="/")


def set_script_prefix(prefix: str) -> None:
    if not prefix.endswith("/"):
        prefix += "/"
    _prefix.set(prefix)


def get_script_prefix() -> str:
    return _prefix.get()


def clear_script_prefix() -> None:
    _prefix.set("/")
