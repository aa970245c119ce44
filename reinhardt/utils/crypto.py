"""Cryptographic helpers built on the standard library (hmac, hashlib, secrets)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from reinhardt.utils.encoding import force_bytes

RANDOM_STRING_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class InvalidAlgorithm(ValueError):
    """The requested hashlib algorithm is not available."""


def salted_hmac(key_salt, value, secret=None, *, algorithm: str = "sha1"):
    """HMAC of ``value`` keyed by a hash of ``key_salt + secret`` (SECRET_KEY by default)."""
    if secret is None:
        from reinhardt.conf import settings

        secret = settings.SECRET_KEY
    key_salt = force_bytes(key_salt)
    secret = force_bytes(secret)
    try:
        hasher = getattr(hashlib, algorithm)
    except AttributeError as e:
        raise InvalidAlgorithm(f"{algorithm!r} is not an algorithm accepted by the hashlib module.") from e
    key = hasher(key_salt + secret).digest()
    return hmac.new(key, msg=force_bytes(value), digestmod=hasher)


def get_random_string(length: int, allowed_chars: str = RANDOM_STRING_CHARS) -> str:
    return "".join(secrets.choice(allowed_chars) for _ in range(length))


def constant_time_compare(val1, val2) -> bool:
    return secrets.compare_digest(force_bytes(val1), force_bytes(val2))


def pbkdf2(password, salt, iterations: int, dklen: int = 0, digest=None) -> bytes:
    if digest is None:
        digest = hashlib.sha256
    dklen = dklen or None
    password = force_bytes(password)
    salt = force_bytes(salt)
    return hashlib.pbkdf2_hmac(digest().name, password, salt, iterations, dklen)
