"""The validators accept and reject what Django's documented validators do, with the same
codes and params, compare by configuration, and serialise into migrations."""

from decimal import Decimal

import pytest

from reinhardt.core import validators as v
from reinhardt.core.exceptions import ValidationError
from reinhardt.orm.migrations.serializer import serializer_factory


def rejection(validator, value):
    """(code, params) of the ValidationError, or None when the value is accepted."""
    try:
        validator(value)
    except ValidationError as e:
        return e.code, e.params
    return None


GOOD_URLS = [
    "http://example.com",
    "https://user:pw@ex.com:8080/p?q#f",
    "http://[::1]:80/",
    "http://localhost",
    "http://127.0.0.1",
    "http://0.0.0.0",
    "ftp://a.b.c.d.museum.",
    "http://ex.xn--p1ai",
    "http://例え.テスト",
    "HTTP://EXAMPLE.COM",
    "http://us?er@host.com",  # "us?er" is a user name to the pattern; the host is host.com
]
BAD_URLS = [
    "http://[::1",
    "http://[gg::1]/",
    "http://256.0.0.1",
    "http://01.2.3.4",
    "http://ex-.com",
    "http://-ex.com",
    "http://ex.c",
    "http://" + "a" * 64 + ".com",  # a label longer than 63
    "http://" + "a." * 130 + "com",  # a host longer than 253
    "http://ex.com\n",
    "http://ex.com/ path",
    "http://ex.com:123456",
    "mailto:x@y.com",
    "http:/ex.com",
    "http://ex..com",
    "http://ex.123",
    "http://example.com/" + "a" * 2048,
    12,
]


@pytest.mark.parametrize("url", GOOD_URLS)
def test_url_validator_accepts(url):
    assert rejection(v.URLValidator(), url) is None


@pytest.mark.parametrize("url", BAD_URLS)
def test_url_validator_rejects(url):
    assert rejection(v.URLValidator(), url) == ("invalid", {"value": url})


def test_url_validator_schemes_are_configurable():
    only_git = v.URLValidator(schemes=["git"])
    assert rejection(only_git, "git://example.com/repo") is None
    assert rejection(only_git, "http://example.com") == ("invalid", {"value": "http://example.com"})


@pytest.mark.parametrize(
    "domain, idna_ok, ascii_ok",
    [
        ("example.com", True, True),
        ("a.b.c.museum.", True, True),
        ("例え.テスト", True, False),
        ("xn--r8jz45g.xn--zckzah", True, True),
        ("ab.c0m", False, True),  # ASCII-only TLDs may hold digits
        ("-a.com", False, False),
        ("a", False, False),
        ("example.com\n", False, False),
        ("a" * 250 + ".com", False, False),
    ],
)
def test_domain_name_validator(domain, idna_ok, ascii_ok):
    assert (rejection(v.validate_domain_name, domain) is None) is idna_ok
    assert (rejection(v.DomainNameValidator(accept_idna=False), domain) is None) is ascii_ok


@pytest.mark.parametrize(
    "email, ok",
    [
        ("a@b.com", True),
        ("a+tag@b.co.uk", True),
        ('"a!b"@c.com', True),
        ('"a b"@c.com', False),  # a space is not allowed unescaped in the quoted local part
        ('"a\\"b"@c.com', True),
        ("a@localhost", True),
        ("a@[127.0.0.1]", True),
        ("a@[::1]", True),
        ("a@例え.テスト", True),
        (".a@b.com", False),
        ("a..b@c.com", False),
        ("a@[ggg]", False),
        ("a@b", False),
        ("a@b.c", False),
        ("a" * 330 + "@b.com", False),
        ("", False),
        ("a@", False),
        ("a@b@c.com", False),
        # As Django 5.2: no trailing dot, no digits in the TLD, no retry through IDNA
        # encoding ("ß" would become "ss").
        ("a@b.com.", False),
        ("a@b.com1", False),
        ("a@www.ß", False),
        ("a@münchen.de", True),
        ("a@b.xn--p1ai", True),
    ],
)
def test_email_validator(email, ok):
    assert (rejection(v.validate_email, email) is None) is ok


def test_email_allowlist():
    assert rejection(v.EmailValidator(allowlist=["intranet"]), "me@intranet") is None
    assert rejection(v.validate_email, "me@intranet") == ("invalid", {"value": "me@intranet"})


@pytest.mark.parametrize(
    "value, v4, v6, both",
    [
        ("1.2.3.4", True, False, True),
        ("01.2.3.4", False, False, False),
        ("::1", False, True, True),
        ("::ffff:1.2.3.4", False, True, True),
        ("1::2::3", False, False, False),
        ("256.1.1.1", False, False, False),
        ("", False, False, False),
    ],
)
def test_ip_validators(value, v4, v6, both):
    assert (rejection(v.validate_ipv4_address, value) is None) is v4
    assert (rejection(v.validate_ipv6_address, value) is None) is v6
    assert (rejection(v.validate_ipv46_address, value) is None) is both


def test_ip_validator_names_the_protocol():
    code, params = rejection(v.validate_ipv46_address, "nope")
    assert code == "invalid"
    assert str(params["protocol"]) == "IPv4 or IPv6"


def test_ip_address_validators_options():
    assert v.ip_address_validators("IPv4", False) == [v.validate_ipv4_address]
    with pytest.raises(ValueError, match="unpack_ipv4"):
        v.ip_address_validators("ipv4", True)
    with pytest.raises(ValueError, match="'bogus' is unknown"):
        v.ip_address_validators("bogus", False)


@pytest.mark.parametrize(
    "value, integer, int_list",
    [("1", True, True), ("-1", True, False), ("1,2,3", False, True), ("1,,2", False, False),
     ("", False, False), ("١٢", True, True)],
)
def test_integer_validators(value, integer, int_list):
    assert (rejection(v.validate_integer, value) is None) is integer
    assert (rejection(v.validate_comma_separated_integer_list, value) is None) is int_list


def test_int_list_validator_separator_and_negatives():
    semi = v.int_list_validator(sep=";", allow_negative=True)
    assert rejection(semi, "1;-2") is None
    assert rejection(semi, "1,2") is not None


@pytest.mark.parametrize(
    "value, slug, unicode_slug",
    [("a-b_c", True, True), ("a b", False, False), ("é", False, True), ("", False, False)],
)
def test_slugs(value, slug, unicode_slug):
    assert (rejection(v.validate_slug, value) is None) is slug
    assert (rejection(v.validate_unicode_slug, value) is None) is unicode_slug


def test_regex_validator_inverse_match_and_flags():
    no_leading_a = v.RegexValidator(r"^a", inverse_match=True)
    assert rejection(no_leading_a, "b") is None
    assert rejection(no_leading_a, "abc") == ("invalid", {"value": "abc"})
    case_blind = v.RegexValidator(r"^a", flags=2)  # re.IGNORECASE
    assert rejection(case_blind, "ABC") is None
    with pytest.raises(TypeError, match="flags"):
        v.RegexValidator(case_blind.regex, flags=2)


def test_limit_validators():
    assert rejection(v.MaxValueValidator(5), 5) is None
    assert rejection(v.MaxValueValidator(5), 6) == (
        "max_value", {"limit_value": 5, "show_value": 6, "value": 6}
    )
    assert rejection(v.MinValueValidator(lambda: 5), 4)[0] == "min_value"
    assert rejection(v.MaxLengthValidator(3), "abcd") == (
        "max_length", {"limit_value": 3, "show_value": 4, "value": "abcd"}
    )
    assert rejection(v.MinLengthValidator(3), "abc") is None


def test_step_value_validator():
    assert rejection(v.StepValueValidator(0.1), 0.3) is None  # float noise tolerated
    assert rejection(v.StepValueValidator(5), 11) == (
        "step_size", {"limit_value": 5, "show_value": 11, "value": 11}
    )
    assert rejection(v.StepValueValidator(3, offset=1), 7) is None
    assert rejection(v.StepValueValidator(3, offset=1), 5) == (
        "step_size", {"limit_value": 3, "offset": 1, "valid_value1": 4, "valid_value2": 7}
    )


@pytest.mark.parametrize(
    "value, code",
    [
        ("123.45", None),
        ("1234.5", "max_whole_digits"),
        ("1.234", "max_decimal_places"),
        ("123456", "max_digits"),
        ("1E+5", "max_digits"),
        ("0E+3", None),
        ("0.001", "max_decimal_places"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
    ],
)
def test_decimal_validator(value, code):
    got = rejection(v.DecimalValidator(5, 2), Decimal(value))
    assert (got and got[0]) == code


class Upload:
    def __init__(self, name):
        self.name = name


def test_file_extension_validator():
    txt = v.FileExtensionValidator(["TXT"])
    assert rejection(txt, Upload("notes.Txt")) is None
    code, params = rejection(txt, Upload("archive.tar.gz"))
    assert code == "invalid_extension"
    assert (params["extension"], params["allowed_extensions"]) == ("gz", "txt")
    assert rejection(v.FileExtensionValidator(), Upload("anything.exe")) is None


def test_null_characters():
    assert rejection(v.ProhibitNullCharactersValidator(), "a\x00b")[0] == (
        "null_characters_not_allowed"
    )
    assert rejection(v.ProhibitNullCharactersValidator(), "ab") is None


def test_custom_message_and_code():
    validator = v.RegexValidator(r"^x", message="Needs an x.", code="no_x")
    with pytest.raises(ValidationError) as info:
        validator("y")
    assert (info.value.message, info.value.code) == ("Needs an x.", "no_x")


def test_equality_follows_configuration():
    assert v.RegexValidator("a") == v.RegexValidator("a")
    assert v.RegexValidator("a") != v.RegexValidator("b")
    assert v.EmailValidator(allowlist=["a", "b"]) == v.EmailValidator(allowlist=["b", "a"])
    assert v.MaxValueValidator(3) == v.MaxValueValidator(3)
    assert v.MaxValueValidator(3) != v.MinValueValidator(3)
    assert v.DecimalValidator(1, 2) == v.DecimalValidator(1, 2)
    assert v.FileExtensionValidator(["a"]) == v.FileExtensionValidator(["A"])
    assert v.URLValidator(message="x") != v.URLValidator()


@pytest.mark.parametrize(
    "validator",
    [
        v.validate_ipv4_address,
        v.MaxValueValidator(10),
        v.RegexValidator(r"^\d+$", flags=2),
        v.validate_slug,
        v.EmailValidator(allowlist=["intranet"]),
        v.FileExtensionValidator(["pdf"], message="PDF only"),
        v.StepValueValidator(3, offset=1),
        v.DecimalValidator(5, 2),
    ],
)
def test_validators_serialise_into_migrations(validator):
    written, imports = serializer_factory(validator).serialize()
    namespace = {}
    for line in imports:
        exec(line, namespace)
    assert "reinhardt.core.validators" in written
    assert eval(written, namespace) == validator
