"""Signing: tamper-proof values for cookies, URLs and tokens (``django.core.signing``).

Signatures are HMAC-SHA256 keyed by SECRET_KEY (with SECRET_KEY_FALLBACKS accepted when
verifying). The wire format and the default salts are the ones Django documents and uses,
so signed cookies and tokens a Django site issued stay valid after porting it.
"""

from __future__ import annotations

import base64
import datetime
import json
import time
import zlib
from typing import Any

from reinhardt.conf import settings
from reinhardt.utils.crypto import constant_time_compare, salted_hmac
from reinhardt.utils.encoding import force_bytes
from reinhardt.utils.module_loading import import_string

_SEP_UNSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="
BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Default salts: the names Django gives them, so that signatures interoperate.
_DEFAULT_DUMPS_SALT = "django.core.signing"
_COOKIE_SIGNER_SALT = "django.core.signing.get_cookie_signer"
_COOKIE_KEY_PREFIX = b"django.http.cookies"


class BadSignature(Exception):
    """The signature does not match: the value was tampered with or signed with another key."""


class SignatureExpired(BadSignature):
    """The signature is valid but older than max_age."""


def b62_encode(s: int) -> str:
    if s == 0:
        return "0"
    sign = "-" if s < 0 else ""
    s = abs(s)
    digits = ""
    while s > 0:
        s, remainder = divmod(s, 62)
        digits = BASE62_ALPHABET[remainder] + digits
    return sign + digits


def b62_decode(s: str) -> int:
    if s == "0":
        return 0
    sign = 1
    if s[0] == "-":
        s = s[1:]
        sign = -1
    decoded = 0
    for digit in s:
        decoded = decoded * 62 + BASE62_ALPHABET.index(digit)
    return sign * decoded


def b64_encode(s: bytes) -> bytes:
    return base64.urlsafe_b64encode(s).strip(b"=")


def b64_decode(s: bytes) -> bytes:
    pad = b"=" * (-len(s) % 4)
    return base64.urlsafe_b64decode(s + pad)


def base64_hmac(salt: str, value, key, algorithm: str = "sha1") -> str:
    return b64_encode(salted_hmac(salt, value, key, algorithm=algorithm).digest()).decode()


def _cookie_signer_key(key) -> bytes:
    return _COOKIE_KEY_PREFIX + force_bytes(key)


def get_cookie_signer(salt: str = _COOKIE_SIGNER_SALT) -> Signer:
    """The signer behind set_signed_cookie()/get_signed_cookie() (SIGNING_BACKEND)."""
    signer_class = import_string(settings.SIGNING_BACKEND)
    return signer_class(
        key=_cookie_signer_key(settings.SECRET_KEY),
        fallback_keys=map(_cookie_signer_key, settings.SECRET_KEY_FALLBACKS),
        salt=salt,
    )


class JSONSerializer:
    """Compact JSON, as bytes."""

    def dumps(self, obj) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode("latin-1")

    def loads(self, data: bytes):
        return json.loads(data.decode("latin-1"))


def dumps(obj, key=None, salt: str = _DEFAULT_DUMPS_SALT, serializer=JSONSerializer,
          compress: bool = False) -> str:
    """A URL-safe, signed, timestamped string of ``obj`` (JSON by default)."""
    return TimestampSigner(key=key, salt=salt).sign_object(obj, serializer=serializer,
                                                           compress=compress)


def loads(s: str, key=None, salt: str = _DEFAULT_DUMPS_SALT, serializer=JSONSerializer,
          max_age=None, fallback_keys=None):
    """Reverse dumps(); raise BadSignature (or SignatureExpired past ``max_age``)."""
    return TimestampSigner(key=key, salt=salt, fallback_keys=fallback_keys).unsign_object(
        s, serializer=serializer, max_age=max_age
    )


class Signer:
    """Append an HMAC of a value to it; unsign() checks it and returns the value."""

    def __init__(self, *, key=None, sep: str = ":", salt: str | None = None,
                 algorithm: str | None = None, fallback_keys=None):
        self.key = key or settings.SECRET_KEY
        self.fallback_keys = (
            fallback_keys if fallback_keys is not None else settings.SECRET_KEY_FALLBACKS
        )
        self.sep = sep
        # The default salt names the class as Django spells it, for interoperability.
        module = type(self).__module__.replace("reinhardt.core.signing", "django.core.signing")
        self.salt = salt or f"{module}.{type(self).__name__}"
        self.algorithm = algorithm or "sha256"
        if sep in _SEP_UNSAFE:
            raise ValueError(
                f"Unsafe Signer separator: {sep!r} (cannot be empty or consist of only "
                "A-z0-9-_=)"
            )

    def signature(self, value, key=None) -> str:
        key = key or self.key
        return base64_hmac(self.salt + "signer", value, key, algorithm=self.algorithm)

    def sign(self, value) -> str:
        return f"{value}{self.sep}{self.signature(value)}"

    def unsign(self, signed_value: str) -> str:
        if self.sep not in signed_value:
            raise BadSignature(f'No "{self.sep}" found in value')
        value, sig = signed_value.rsplit(self.sep, 1)
        for key in [self.key, *self.fallback_keys]:
            if constant_time_compare(sig, self.signature(value, key)):
                return value
        raise BadSignature(f'Signature "{sig}" does not match')

    def sign_object(self, obj, serializer=JSONSerializer, compress: bool = False) -> str:
        data = serializer().dumps(obj)
        is_compressed = False
        if compress:
            compressed = zlib.compress(data)
            if len(compressed) < len(data) - 1:
                data = compressed
                is_compressed = True
        base64d = b64_encode(data).decode()
        if is_compressed:
            base64d = "." + base64d
        return self.sign(base64d)

    def unsign_object(self, signed_obj: str, serializer=JSONSerializer, **kwargs) -> Any:
        base64d = self.unsign(signed_obj, **kwargs).encode()
        decompress = base64d[:1] == b"."
        if decompress:
            base64d = base64d[1:]
        data = b64_decode(base64d)
        if decompress:
            data = zlib.decompress(data)
        return serializer().loads(data)


class TimestampSigner(Signer):
    """A Signer that also signs the time, so unsign() can enforce a max_age."""

    def timestamp(self) -> str:
        return b62_encode(int(time.time()))

    def sign(self, value) -> str:
        value = f"{value}{self.sep}{self.timestamp()}"
        return super().sign(value)

    def unsign(self, value: str, max_age: int | float | datetime.timedelta | None = None) -> str:
        result = super().unsign(value)
        value, timestamp = result.rsplit(self.sep, 1)
        try:
            timestamp_int = b62_decode(timestamp)
        except ValueError as e:
            raise BadSignature(f"Malformed timestamp: {timestamp!r}") from e
        if max_age is not None:
            if isinstance(max_age, datetime.timedelta):
                max_age = max_age.total_seconds()
            age = time.time() - timestamp_int
            if age > max_age:
                raise SignatureExpired(f"Signature age {age} > {max_age} seconds")
        return value
