"""Text helpers with Django's names and output."""

from __future__ import annotations

import re
import unicodedata

from reinhardt.utils.functional import keep_lazy_text, lazy


@keep_lazy_text
def capfirst(x):
    """Capitalise the first letter of a string."""
    if not x:
        return x
    if not isinstance(x, str):
        x = str(x)
    return x[0].upper() + x[1:]


@keep_lazy_text
def slugify(value, allow_unicode: bool = False) -> str:
    """Lowercase, drop non-word characters, turn spaces and repeated dashes into one dash."""
    value = str(value)
    if allow_unicode:
        value = unicodedata.normalize("NFKC", value)
    else:
        value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")


_camel_re = re.compile(r"(((?<=[a-z])[A-Z])|([A-Z](?![A-Z]|$)))")


def camel_case_to_spaces(value: str) -> str:
    """'CamelCaseName' -> 'camel case name', as Django derives verbose names."""
    return _camel_re.sub(r" \1", value).strip().lower()


def _format_lazy(format_string, *args, **kwargs):
    return format_string.format(*args, **kwargs)


format_lazy = lazy(_format_lazy, str)


@keep_lazy_text
def get_text_list(list_, last_word="or") -> str:
    """['a', 'b', 'c'] -> 'a, b or c'."""
    if not list_:
        return ""
    if len(list_) == 1:
        return str(list_[0])
    return "%s %s %s" % (", ".join(str(i) for i in list_[:-1]), str(last_word), str(list_[-1]))


smart_split_re = re.compile(
    r"""
    ((?:
        [^\s'"]*
        (?:
            (?:"(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*')
            [^\s'"]*
        )+
    ) | \S+)
""",
    re.VERBOSE,
)


def smart_split(text: str):
    """Split on spaces, keeping quoted phrases (with their quotes) together."""
    for bit in smart_split_re.finditer(str(text)):
        yield bit[0]


@keep_lazy_text
def unescape_string_literal(s: str) -> str:
    """Strip the quotes of a string literal and unescape its quotes and backslashes."""
    if not s or s[0] not in "\"'" or s[-1] != s[0]:
        raise ValueError(f"Not a string literal: {s!r}")
    quote = s[0]
    return s[1:-1].replace(r"\%s" % quote, quote).replace(r"\\", "\\")


@keep_lazy_text
def get_valid_filename(name) -> str:
    from reinhardt.core.exceptions import SuspiciousFileOperation

    s = str(name).strip().replace(" ", "_")
    s = re.sub(r"(?u)[^-\w.]", "", s)
    if s in {"", ".", ".."}:
        raise SuspiciousFileOperation(f"Could not derive file name from '{name}'")
    return s
