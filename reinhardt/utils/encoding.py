"""Conversions between str and bytes, and URI/IRI encoding."""

from __future__ import annotations

import datetime
import decimal
from urllib.parse import quote

from reinhardt.utils.functional import Promise

_PROTECTED_TYPES = (type(None), int, float, decimal.Decimal, datetime.datetime, datetime.date,
                    datetime.time)


class DjangoUnicodeDecodeError(UnicodeDecodeError):
    def __str__(self):
        return f"{super().__str__()}. You passed in {self.object!r} ({type(self.object)})"


def is_protected_type(obj) -> bool:
    """Types that force_str(strings_only=True) leaves as they are."""
    return isinstance(obj, _PROTECTED_TYPES)


def force_str(s, encoding: str = "utf-8", strings_only: bool = False, errors: str = "strict"):
    if issubclass(type(s), str):
        return s
    if strings_only and is_protected_type(s):
        return s
    try:
        if isinstance(s, bytes):
            s = str(s, encoding, errors)
        else:
            s = str(s)
    except UnicodeDecodeError as e:
        raise DjangoUnicodeDecodeError(*e.args) from None
    return s


def smart_str(s, encoding="utf-8", strings_only=False, errors="strict"):
    if isinstance(s, Promise):
        return s
    return force_str(s, encoding, strings_only, errors)


def force_bytes(s, encoding: str = "utf-8", strings_only: bool = False, errors: str = "strict"):
    if isinstance(s, bytes):
        if encoding == "utf-8":
            return s
        return s.decode("utf-8", errors).encode(encoding, errors)
    if strings_only and is_protected_type(s):
        return s
    if isinstance(s, memoryview):
        return bytes(s)
    return str(s).encode(encoding, errors)


def smart_bytes(s, encoding="utf-8", strings_only=False, errors="strict"):
    if isinstance(s, Promise):
        return s
    return force_bytes(s, encoding, strings_only, errors)


def iri_to_uri(iri):
    """Percent-encode an IRI into a URI, leaving reserved and already-escaped characters."""
    if iri is None:
        return iri
    if isinstance(iri, Promise):
        iri = str(iri)
    return quote(iri, safe="/#%[]=:;$&()+,!?*@'~")


_HEXDIG = "0123456789ABCDEFabcdef"
_HEXTOBYTE = {
    (fmt % char).encode(): bytes((char,))
    for ascii_range in ((0x2D, 0x2E), (0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A),
                        (0x7E, 0x7E))
    for char in range(ascii_range[0], ascii_range[1] + 1)
    for fmt in ("%02x", "%02X")
}
_HEXTOBYTE.update({
    (a + b).encode(): bytes.fromhex(a + b)
    for a in _HEXDIG[8:] for b in _HEXDIG
})


def uri_to_iri(uri):
    """Decode the percent-escapes of a URI that stand for non-ASCII UTF-8 characters."""
    if uri is None:
        return uri
    uri = force_bytes(uri)
    bits = uri.split(b"%")
    if len(bits) == 1:
        iri = uri
    else:
        parts = [bits[0]]
        for item in bits[1:]:
            hex_ = item[:2]
            if hex_ in _HEXTOBYTE:
                parts.append(_HEXTOBYTE[hex_])
                parts.append(item[2:])
            else:
                parts.append(b"%")
                parts.append(item)
        iri = b"".join(parts)
    return repercent_broken_unicode(iri).decode()


def escape_uri_path(path: str) -> str:
    """Escape the unsafe characters of a URI path (RFC 3986, section 3.3)."""
    return quote(path, safe="/:@&+$,-_.!~*'()")


def punycode(domain: str) -> str:
    return domain.encode("idna").decode("ascii")


def repercent_broken_unicode(path: bytes) -> bytes:
    """Percent-encode the bytes of ``path`` that are not valid UTF-8."""
    changed_parts = []
    while True:
        try:
            path.decode()
        except UnicodeDecodeError as e:
            repercent = quote(path[e.start : e.end], safe=b"/#%[]=:;$&()+,!?*@'~")
            changed_parts.append(path[: e.start] + repercent.encode())
            path = path[e.end :]
        else:
            return b"".join(changed_parts) + path


def filepath_to_uri(path):
    if path is None:
        return path
    return quote(str(path).replace("\\", "/"), safe="/~!*()'")


def get_system_encoding() -> str:
    import codecs
    import locale

    try:
        encoding = locale.getlocale()[1] or "ascii"
        codecs.lookup(encoding)
    except Exception:
        encoding = "ascii"
    return encoding


DEFAULT_LOCALE_ENCODING = get_system_encoding()
