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


def _gzip_header(max_random_bytes: int | None) -> bytes:
    """A gzip member header; with max_random_bytes, a random-length file name (BREACH)."""
    import secrets
    import string

    if not max_random_bytes:
        return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    length = secrets.randbelow(max_random_bytes) + 1
    name = "".join(secrets.choice(string.ascii_letters) for _ in range(length)).encode()
    return b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff" + name + b"\x00"


def compress_string(s: bytes, *, max_random_bytes: int | None = None) -> bytes:
    """Gzip ``s`` (level 6, mtime 0)."""
    import zlib

    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(s) + compressor.flush()
    trailer = zlib.crc32(s).to_bytes(4, "little") + (len(s) & 0xFFFFFFFF).to_bytes(4, "little")
    return _gzip_header(max_random_bytes) + body + trailer


def compress_sequence(sequence, *, max_random_bytes: int | None = None):
    """Gzip an iterable of bytes, flushing after each piece so streaming stays streaming."""
    import zlib

    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc = 0
    size = 0
    yield _gzip_header(max_random_bytes)
    for item in sequence:
        crc = zlib.crc32(item, crc)
        size += len(item)
        data = compressor.compress(item) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if data:
            yield data
    yield compressor.flush() + crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
