"""str/bytes conversion (``force_str``, ``force_bytes`` and their lazy-preserving ``smart_``
forms) and URI/IRI percent-encoding helpers."""

from __future__ import annotations

import codecs
import datetime
import locale
from decimal import Decimal
from urllib.parse import quote

from reinhardt.utils.functional import Promise

# Values the ``strings_only=True`` conversions hand back untouched.
_PROTECTED_TYPES = (
    type(None), int, float, Decimal, datetime.datetime, datetime.date, datetime.time,
)

# Characters left alone when quoting: RFC 3986 reserved characters plus '%' (existing
# escapes) and '~'.
_IRI_SAFE = "/#%[]=:;$&()+,!?*@'~"


class DjangoUnicodeDecodeError(UnicodeDecodeError):
    """A UnicodeDecodeError whose message also shows the offending object."""

    def __str__(self):
        reason = UnicodeDecodeError.__str__(self)
        return f"{reason}. You passed in {self.object!r} ({type(self.object)})"


def is_protected_type(obj) -> bool:
    """Whether ``force_str(obj, strings_only=True)`` keeps *obj* as it is."""
    return isinstance(obj, _PROTECTED_TYPES)


def force_str(s, encoding: str = "utf-8", strings_only: bool = False, errors: str = "strict"):
    """*s* as a str: bytes are decoded with *encoding*, anything else goes through str().

    Lazy translations are evaluated. With *strings_only*, None, numbers and dates/times are
    returned unchanged.
    """
    if issubclass(type(s), str):  # the type, not isinstance(): a lazy proxy must convert
        return s
    if strings_only and isinstance(s, _PROTECTED_TYPES):
        return s
    try:
        return str(s, encoding, errors) if isinstance(s, bytes) else str(s)
    except UnicodeDecodeError as failure:
        raise DjangoUnicodeDecodeError(*failure.args) from None


def smart_str(s, encoding="utf-8", strings_only=False, errors="strict"):
    """Like force_str, but a lazy translation stays lazy."""
    return s if isinstance(s, Promise) else force_str(s, encoding, strings_only, errors)


def force_bytes(s, encoding: str = "utf-8", strings_only: bool = False, errors: str = "strict"):
    """*s* as bytes in *encoding*. Bytes are taken to be UTF-8 and re-encoded only when
    another encoding is asked for; a memoryview is copied out; anything else goes through
    str() first. With *strings_only*, None, numbers and dates/times are returned unchanged.
    """
    if isinstance(s, bytes):
        return s if encoding == "utf-8" else s.decode("utf-8", errors).encode(encoding, errors)
    if strings_only and isinstance(s, _PROTECTED_TYPES):
        return s
    return bytes(s) if isinstance(s, memoryview) else str(s).encode(encoding, errors)


def smart_bytes(s, encoding="utf-8", strings_only=False, errors="strict"):
    """Like force_bytes, but a lazy translation stays lazy."""
    return s if isinstance(s, Promise) else force_bytes(s, encoding, strings_only, errors)


def iri_to_uri(iri):
    """Percent-encode an IRI into a URI (RFC 3987 section 3.1), leaving reserved characters
    and existing escapes alone. None is returned as is."""
    if iri is None:
        return None
    return quote(str(iri) if isinstance(iri, Promise) else iri, safe=_IRI_SAFE)


def _build_unescape_table():
    """{b"xx": byte} for the escapes uri_to_iri decodes: '-', '.', '_', '~' and ASCII
    letters (either hex case), and every byte from 0x80 up (parts of UTF-8 sequences).
    Everything else (digits, reserved characters, control bytes) stays escaped."""
    wanted = [*b"-._~", *range(ord("A"), ord("Z") + 1), *range(ord("a"), ord("z") + 1)]
    table = {}
    for byte in wanted:
        for spelled in (f"{byte:02x}", f"{byte:02X}"):
            table[spelled.encode()] = bytes((byte,))
    # Hex digits of either case, mixed too, for the high bytes.
    for high in "89abcdefABCDEF":
        for low in "0123456789abcdefABCDEF":
            table[(high + low).encode()] = bytes((int(high + low, 16),))
    return table


_UNESCAPE = _build_unescape_table()


def uri_to_iri(uri):
    """Turn a URI into an IRI (RFC 3987 section 3.2): decode the escapes of unreserved ASCII
    letters/marks and of UTF-8 sequences, keep the rest escaped, and re-escape bytes that do
    not form valid UTF-8. None is returned as is."""
    if uri is None:
        return None
    raw = force_bytes(uri)
    head, *escaped = raw.split(b"%")
    out = [head]
    for chunk in escaped:
        byte = _UNESCAPE.get(chunk[:2])
        if byte is None:
            out += (b"%", chunk)
        else:
            out += (byte, chunk[2:])
    return repercent_broken_unicode(b"".join(out)).decode()


def escape_uri_path(path: str) -> str:
    """Escape what may not appear in a URI path (RFC 3986 section 3.3); ';' and '?' are
    escaped as well, '/' is not."""
    return quote(path, safe="/:@&+$,-_.!~*'()")


def punycode(domain: str) -> str:
    """The IDNA (punycode) ASCII form of *domain*."""
    return domain.encode("idna").decode("ascii")


def repercent_broken_unicode(path: bytes) -> bytes:
    """Percent-encode the bytes of *path* that are not part of valid UTF-8 (looping rather
    than recursing, so long runs of bad bytes stay cheap)."""
    done = []
    rest = path
    while True:
        try:
            rest.decode()
        except UnicodeDecodeError as bad:
            start, end = bad.start, bad.end
            done += (rest[:start], quote(rest[start:end], safe=_IRI_SAFE.encode()).encode())
            rest = rest[end:]
            continue
        done.append(rest)
        return b"".join(done)


def filepath_to_uri(path):
    """A file system path as a URL path: backslashes become '/', unsafe characters are
    escaped (but '~!*()'' and '/' are kept). None is returned as is."""
    if path is None:
        return None
    return quote(str(path).replace("\\", "/"), safe="/~!*()'")


def get_system_encoding() -> str:
    """The locale's encoding if Python knows it, else 'ascii'."""
    try:
        name = locale.getlocale()[1] or "ascii"
        codecs.lookup(name)
    except Exception:
        return "ascii"
    return name


DEFAULT_LOCALE_ENCODING = get_system_encoding()
