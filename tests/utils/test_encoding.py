"""reinhardt.utils.encoding, with expected values taken from Django 5.2."""

import datetime
import decimal

import pytest

from reinhardt.utils.encoding import (
    DjangoUnicodeDecodeError,
    escape_uri_path,
    filepath_to_uri,
    force_bytes,
    force_str,
    iri_to_uri,
    punycode,
    repercent_broken_unicode,
    smart_bytes,
    smart_str,
    uri_to_iri,
)
from reinhardt.utils.functional import Promise
from reinhardt.utils.translation import gettext_lazy


def test_force_str_and_bytes():
    assert force_str(b"caf\xc3\xa9") == "café"
    assert force_str(7) == "7" and force_str(7, strings_only=True) == 7
    assert force_str(None, strings_only=True) is None
    day = datetime.date(2020, 1, 2)
    assert force_bytes(day, strings_only=True) is day
    assert force_bytes(decimal.Decimal("1.5")) == b"1.5"
    assert force_bytes(memoryview(b"xy")) == b"xy"
    assert force_bytes("é", "latin-1") == b"\xe9"
    assert force_bytes(b"\xc3\xa9", "latin-1") == b"\xe9"
    assert force_str(gettext_lazy("Hello")) == "Hello"


def test_decode_error_names_the_object():
    with pytest.raises(DjangoUnicodeDecodeError, match=r"You passed in b'\\xff' \(<class 'bytes'>\)"):
        force_str(b"\xff")


def test_smart_versions_keep_lazy_strings_lazy():
    lazy = gettext_lazy("Hello")
    assert isinstance(smart_str(lazy), Promise) and isinstance(smart_bytes(lazy), Promise)
    assert smart_bytes("a") == b"a"


def test_iri_and_uri():
    assert iri_to_uri("/héllo wörld/?a=1&b=%20#x") == "/h%C3%A9llo%20w%C3%B6rld/?a=1&b=%20#x"
    assert iri_to_uri(None) is None
    # Unreserved letters and UTF-8 sequences are unescaped; digits, reserved characters and
    # broken UTF-8 stay escaped.
    assert uri_to_iri("/%4a%41%7e%30%2F%25/%C3%A9%E2%82") == "/JA~%30%2F%25/é%E2%82"
    assert uri_to_iri("%zz%") == "%zz%"
    assert uri_to_iri(None) is None
    assert repercent_broken_unicode(b"a\xffb\xc3\xa9") == b"a%FFb\xc3\xa9"


def test_paths_and_domains():
    assert escape_uri_path("/a b;c?d/é") == "/a%20b%3Bc%3Fd/%C3%A9"
    assert filepath_to_uri("dir\\sub file~(1).txt") == "dir/sub%20file~(1).txt"
    assert filepath_to_uri(None) is None
    assert punycode("bücher.de") == "xn--bcher-kva.de"
