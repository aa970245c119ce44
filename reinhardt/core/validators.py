"""Validators: callables that raise ValidationError when a value is not acceptable.

The names, messages, codes and ``params`` are those of Django's documented validators, so
model fields, forms and migrations that name them work unchanged. Every validator is
deconstructible (migrations serialise it) and compares equal to one configured the same way.
"""

from __future__ import annotations

import ipaddress
import math
import operator
import re
from pathlib import Path
from urllib.parse import urlsplit

from reinhardt.core.exceptions import ValidationError
from reinhardt.utils.deconstruct import deconstructible
from reinhardt.utils.ipv6 import is_valid_ipv6_address
from reinhardt.utils.translation import gettext_lazy as _
from reinhardt.utils.translation import ngettext_lazy

# Values that count as "no value" for required checks.
EMPTY_VALUES = (None, "", [], (), {})


class _Configurable:
    """Shared plumbing: ``message``/``code`` overridable per instance, equality by the
    attributes listed in ``_same_when``, and one way to reject a value."""

    message = _("Enter a valid value.")
    code = "invalid"
    _same_when: tuple[str, ...] = ("message", "code")

    def _override(self, message=None, code=None):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code

    def _reject(self, value, message=None, code=None, **params):
        params.setdefault("value", value)
        raise ValidationError(message or self.message, code=code or self.code, params=params)

    def _identity(self):
        return tuple(getattr(self, name) for name in self._same_when)

    def __eq__(self, other):
        if not isinstance(other, self._equal_to()):
            return NotImplemented
        return self._identity() == other._identity()

    def _equal_to(self):
        return type(self)


# --- regular expressions -------------------------------------------------------------------

@deconstructible
class RegexValidator(_Configurable):
    """Accepts values whose ``str()`` contains a match (or, with inverse_match, none)."""

    regex = ""
    inverse_match = False
    flags = 0
    _same_when = ("_pattern_key", "message", "code", "inverse_match")

    def __init__(self, regex=None, message=None, code=None, inverse_match=None, flags=None):
        source = self.regex if regex is None else regex
        if inverse_match is not None:
            self.inverse_match = inverse_match
        if flags is not None:
            self.flags = flags
        if self.flags and not isinstance(source, str):
            raise TypeError("If the flags are set, regex must be a regular expression string.")
        self._override(message, code)
        self.regex = source if isinstance(source, re.Pattern) else re.compile(source, self.flags)

    @property
    def _pattern_key(self):
        return self.regex.pattern, self.regex.flags

    def _equal_to(self):
        return RegexValidator

    def __call__(self, value):
        found = self.regex.search(str(value)) is not None
        if found is self.inverse_match:
            self._reject(value)


def _dns_label(chars: str, shortest: int = 1) -> str:
    """A DNS label made of ``chars`` and hyphens, 63 characters at most, that neither starts
    nor ends with a hyphen."""
    return rf"(?!-)[{chars}-]{{{shortest},63}}(?<!-)"


_NON_ASCII = "\u00a1-\uffff"
_IDNA_LABEL = _dns_label("a-z0-9" + _NON_ASCII)
# A top-level domain: letters only (any script), or an ASCII punycode ("xn--") label.
_IDNA_TLD = rf"(?:{_dns_label('a-z' + _NON_ASCII, shortest=2)}|xn--[a-z0-9]{{1,59}})"
_ASCII_LABEL = _dns_label("a-z0-9")
_ASCII_TLD = _dns_label("a-z0-9", shortest=2)


def _domain(label: str, tld: str) -> str:
    """At least two labels, the last one a TLD, with an optional trailing dot."""
    return rf"{label}(?:\.{label})*\.{tld}\.?"


_IDNA_DOMAIN = _domain(_IDNA_LABEL, _IDNA_TLD)


@deconstructible
class DomainNameValidator(RegexValidator):
    """A fully qualified domain name; internationalised labels unless accept_idna=False."""

    message = _("Enter a valid domain name.")
    max_length = 255

    def __init__(self, **kwargs):
        self.accept_idna = kwargs.pop("accept_idna", True)
        body = _IDNA_DOMAIN if self.accept_idna else _domain(_ASCII_LABEL, _ASCII_TLD)
        super().__init__(regex=re.compile(rf"^{body}\Z", re.IGNORECASE), **kwargs)

    def __call__(self, value):
        usable = isinstance(value, str) and len(value) <= self.max_length
        if not usable or not (self.accept_idna or value.isascii()):
            self._reject(value)
        super().__call__(value)


validate_domain_name = DomainNameValidator()

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_URL_PATTERN = re.compile(
    "".join((
        r"^[a-z0-9.+-]*://",                              # scheme (checked again below)
        r"(?:[^\s:@/]+(?::[^\s:@/]*)?@)?",                 # user[:password]@
        rf"(?:{_OCTET}(?:\.{_OCTET}){{3}}",                 # host: IPv4,
        r"|\[[0-9a-f:.]+\]",                               #   [IPv6] (checked again below),
        rf"|{_IDNA_DOMAIN}|localhost)",                    #   or a domain name
        r"(?::[0-9]{1,5})?",                               # :port
        r"(?:[/?#]\S*)?\Z",                                # path, query, fragment
    )),
    re.IGNORECASE,
)
_BRACKETED_HOST = re.compile(r"^\[(.+)\](?::[0-9]{1,5})?$")


@deconstructible
class URLValidator(RegexValidator):
    """An absolute URL with one of ``schemes``, a real host and nothing unsafe in it."""

    regex = _URL_PATTERN
    message = _("Enter a valid URL.")
    schemes = ["http", "https", "ftp", "ftps"]
    unsafe_chars = frozenset("\t\r\n")
    max_length = 2048

    def __init__(self, schemes=None, **kwargs):
        super().__init__(**kwargs)
        if schemes is not None:
            self.schemes = schemes

    def __call__(self, value):
        if not self._plausible(value):
            self._reject(value)
        try:
            parts = urlsplit(value)
        except ValueError:
            self._reject(value)
        super().__call__(value)
        if not self._host_ok(parts):
            self._reject(value)

    def _plausible(self, value) -> bool:
        return (
            isinstance(value, str)
            and len(value) <= self.max_length
            and self.unsafe_chars.isdisjoint(value)
            and value.partition("://")[0].lower() in self.schemes
        )

    @staticmethod
    def _host_ok(parts) -> bool:
        bracketed = _BRACKETED_HOST.match(parts.netloc)
        if bracketed and not is_valid_ipv6_address(bracketed.group(1)):
            return False
        return parts.hostname is not None and len(parts.hostname) <= 253


integer_validator = RegexValidator(
    re.compile(r"^-?\d+\Z"), message=_("Enter a valid integer."), code="invalid"
)


def validate_integer(value):
    return integer_validator(value)


# --- e-mail ----------------------------------------------------------------------------------

# The local part: a dot-atom of RFC 5322 atext, or a quoted string of printable/escaped bytes.
_ATEXT = r"[-!#$%&'*+/=?^_`{}|~0-9a-z]+"
_QUOTED_CHAR = r"[\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177]"
_EMAIL_USER = re.compile(
    rf'(^{_ATEXT}(?:\.{_ATEXT})*\Z|^"(?:{_QUOTED_CHAR})*"\Z)', re.IGNORECASE
)
# As Django 5.2: no trailing dot after the TLD, unlike a bare domain name.
_EMAIL_DOMAIN = re.compile(rf"^{_IDNA_LABEL}(?:\.{_IDNA_LABEL})*\.{_IDNA_TLD}\Z", re.IGNORECASE)
_EMAIL_LITERAL = re.compile(r"\[([a-f0-9:.]+)\]\Z", re.IGNORECASE)


@deconstructible
class EmailValidator(_Configurable):
    """user@domain, where domain is a domain name, an [IP literal] or in the allowlist."""

    message = _("Enter a valid email address.")
    user_regex = _EMAIL_USER
    domain_regex = _EMAIL_DOMAIN
    literal_regex = _EMAIL_LITERAL
    domain_allowlist = ["localhost"]
    _same_when = ("_allowed", "message", "code")

    def __init__(self, message=None, code=None, allowlist=None):
        self._override(message, code)
        if allowlist is not None:
            self.domain_allowlist = allowlist

    @property
    def _allowed(self):
        return set(self.domain_allowlist)

    def _equal_to(self):
        return EmailValidator

    def __call__(self, value):
        if not value or "@" not in value or len(value) > 320:
            self._reject(value)
        user, _at, domain = value.rpartition("@")
        if not self.user_regex.match(user):
            self._reject(value)
        if domain not in self.domain_allowlist and not self.validate_domain_part(domain):
            self._reject(value)

    def validate_domain_part(self, domain_part) -> bool:
        if self.domain_regex.match(domain_part):
            return True
        # No retry through IDNA encoding: Django 5.2 dropped it ("www.ß" would become
        # "www.ss" and pass although "ß" is no valid top-level domain).
        literal = self.literal_regex.match(domain_part)
        return bool(literal and _is_ip(literal.group(1)))


validate_email = EmailValidator()

# --- slugs, IP addresses, integer lists ------------------------------------------------------

slug_re = re.compile(r"^[-a-zA-Z0-9_]+\Z")
validate_slug = RegexValidator(
    slug_re,
    _("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
    "invalid",
)

slug_unicode_re = re.compile(r"^[-\w]+\Z")
validate_unicode_slug = RegexValidator(
    slug_unicode_re,
    _("Enter a valid “slug” consisting of Unicode letters, numbers, underscores, or hyphens."),
    "invalid",
)

_IP_MESSAGE = _("Enter a valid %(protocol)s address.")


def _is_ipv4(value) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def _is_ip(value) -> bool:
    return _is_ipv4(value) or is_valid_ipv6_address(value)


def _reject_ip(value, protocol):
    raise ValidationError(
        _IP_MESSAGE, code="invalid", params={"protocol": protocol, "value": value}
    )


def validate_ipv4_address(value):
    if not _is_ipv4(value):
        _reject_ip(value, _("IPv4"))


def validate_ipv6_address(value):
    if not is_valid_ipv6_address(value):
        _reject_ip(value, _("IPv6"))


def validate_ipv46_address(value):
    if not _is_ip(value):
        _reject_ip(value, _("IPv4 or IPv6"))


ip_address_validator_map = {
    "both": [validate_ipv46_address],
    "ipv4": [validate_ipv4_address],
    "ipv6": [validate_ipv6_address],
}


def ip_address_validators(protocol, unpack_ipv4):
    """The validators a GenericIPAddressField with these options runs."""
    if unpack_ipv4 and protocol != "both":
        raise ValueError("You can only use `unpack_ipv4` if `protocol` is set to 'both'")
    found = ip_address_validator_map.get(protocol.lower())
    if found is None:
        raise ValueError(
            f"The protocol '{protocol}' is unknown. Supported: {list(ip_address_validator_map)}"
        )
    return found


def int_list_validator(sep=",", message=None, code="invalid", allow_negative=False):
    """A RegexValidator for integers joined by ``sep``."""
    number = ("(-)?" if allow_negative else "") + r"\d+"
    pattern = re.compile(rf"^{number}(?:{re.escape(sep)}{number})*\Z")
    return RegexValidator(pattern, message=message, code=code)


validate_comma_separated_integer_list = int_list_validator(
    message=_("Enter only digits separated by commas."),
)

# --- limits ------------------------------------------------------------------------------------


@deconstructible
class BaseValidator(_Configurable):
    """Compares ``clean(value)`` with ``limit_value`` (or its result, when callable) and
    rejects the value when ``compare`` says so."""

    message = _("Ensure this value is %(limit_value)s (it is %(show_value)s).")
    code = "limit_value"
    _same_when = ("limit_value", "message", "code")

    def __init__(self, limit_value, message=None):
        self.limit_value = limit_value
        if message:
            self.message = message

    def _limit(self):
        return self.limit_value() if callable(self.limit_value) else self.limit_value

    def __call__(self, value):
        measured, limit = self.clean(value), self._limit()
        if self.compare(measured, limit):
            self._reject(value, limit_value=limit, show_value=measured)

    def compare(self, a, b):
        return a is not b

    def clean(self, x):
        return x


@deconstructible
class MaxValueValidator(BaseValidator):
    message = _("Ensure this value is less than or equal to %(limit_value)s.")
    code = "max_value"

    compare = staticmethod(operator.gt)


@deconstructible
class MinValueValidator(BaseValidator):
    message = _("Ensure this value is greater than or equal to %(limit_value)s.")
    code = "min_value"

    compare = staticmethod(operator.lt)


@deconstructible
class StepValueValidator(BaseValidator):
    """A multiple of ``limit_value``, counted from ``offset`` when one is given."""

    message = _("Ensure this value is a multiple of step size %(limit_value)s.")
    offset_message = _(
        "Ensure this value is a multiple of step size %(limit_value)s, starting from "
        "%(offset)s, e.g. %(offset)s, %(valid_value1)s, %(valid_value2)s, and so on."
    )
    code = "step_size"

    def __init__(self, limit_value, message=None, offset=None):
        super().__init__(limit_value, message)
        self.offset = offset
        if offset is not None:
            self.message = self.offset_message

    def __call__(self, value):
        if self.offset is None:
            return super().__call__(value)
        step = self._limit()
        if self.compare(value, step):
            start = type(value)(self.offset)
            examples = {"offset": start, "valid_value1": start + step,
                        "valid_value2": start + 2 * step}
            # As in Django, these params carry no "value".
            raise ValidationError(
                self.message, code=self.code, params={"limit_value": step, **examples}
            )

    def compare(self, a, b):
        # Floats: a remainder within rounding noise of zero still counts as a multiple.
        distance = math.remainder(a - (self.offset or 0), b)
        return not math.isclose(distance, 0, abs_tol=1e-9)


class _LengthValidator(BaseValidator):
    def clean(self, x):
        return len(x)


@deconstructible
class MinLengthValidator(_LengthValidator):
    message = ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    )
    code = "min_length"

    compare = staticmethod(operator.lt)


@deconstructible
class MaxLengthValidator(_LengthValidator):
    message = ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    )
    code = "max_length"

    compare = staticmethod(operator.gt)


def _decimal_shape(value):
    """(total digits, digits after the point) of a finite Decimal, as a DecimalField stores it,
    or None for NaN and infinities."""
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return None
    if exponent >= 0:
        significant = 0 if digits == (0,) else exponent
        return len(digits) + significant, 0
    places = -exponent
    return max(len(digits), places), places


@deconstructible
class DecimalValidator(_Configurable):
    """A Decimal that fits ``max_digits`` in all and ``decimal_places`` after the point."""

    messages = {
        "invalid": _("Enter a number."),
        "max_digits": ngettext_lazy(
            "Ensure that there are no more than %(max)s digit in total.",
            "Ensure that there are no more than %(max)s digits in total.",
            "max",
        ),
        "max_decimal_places": ngettext_lazy(
            "Ensure that there are no more than %(max)s decimal place.",
            "Ensure that there are no more than %(max)s decimal places.",
            "max",
        ),
        "max_whole_digits": ngettext_lazy(
            "Ensure that there are no more than %(max)s digit before the decimal point.",
            "Ensure that there are no more than %(max)s digits before the decimal point.",
            "max",
        ),
    }
    _same_when = ("max_digits", "decimal_places")

    def __init__(self, max_digits, decimal_places):
        self.max_digits = max_digits
        self.decimal_places = decimal_places

    def __call__(self, value):
        shape = _decimal_shape(value)
        if shape is None:
            self._fail(value, "invalid")
        total, places = shape
        if self.max_digits is not None and total > self.max_digits:
            self._fail(value, "max_digits", self.max_digits)
        if self.decimal_places is not None and places > self.decimal_places:
            self._fail(value, "max_decimal_places", self.decimal_places)
        if self.max_digits is not None and self.decimal_places is not None:
            whole_limit = self.max_digits - self.decimal_places
            if total - places > whole_limit:
                self._fail(value, "max_whole_digits", whole_limit)

    def _fail(self, value, code, limit=None):
        params = {} if limit is None else {"max": limit}
        self._reject(value, message=self.messages[code], code=code, **params)


# --- files and text ----------------------------------------------------------------------------


@deconstructible
class FileExtensionValidator(_Configurable):
    """A file whose name ends in one of ``allowed_extensions`` (any case); None allows all."""

    message = _(
        "File extension “%(extension)s” is not allowed. "
        "Allowed extensions are: %(allowed_extensions)s."
    )
    code = "invalid_extension"
    _same_when = ("_allowed", "message", "code")

    def __init__(self, allowed_extensions=None, message=None, code=None):
        self.allowed_extensions = (
            None if allowed_extensions is None else [ext.lower() for ext in allowed_extensions]
        )
        self._override(message, code)

    @property
    def _allowed(self):
        return set(self.allowed_extensions or ())

    def __call__(self, value):
        if self.allowed_extensions is None:
            return
        extension = Path(value.name).suffix[1:].lower()
        if extension not in self.allowed_extensions:
            self._reject(
                value,
                extension=extension,
                allowed_extensions=", ".join(self.allowed_extensions),
            )


@deconstructible
class ProhibitNullCharactersValidator(_Configurable):
    """Text without NUL characters (most databases cannot store them)."""

    message = _("Null characters are not allowed.")
    code = "null_characters_not_allowed"

    def __init__(self, message=None, code=None):
        self._override(message, code)

    def __call__(self, value):
        if "\x00" in str(value):
            self._reject(value)
