"""Cross-site request forgery protection.

The CSRF cookie holds a secret. Pages get the token from get_token(): the secret masked
with a fresh random mask on every call, so the token in a page differs on each request
(which defeats BREACH-style compression attacks) while any of them unmasks to the secret.
An unsafe request passes when its Origin (or, over HTTPS, its Referer) is trusted and the
token it sends — the ``csrfmiddlewaretoken`` form field or the CSRF_HEADER_NAME header —
unmasks to the cookie's secret.
"""

from __future__ import annotations

import logging
import secrets
import string
from collections import defaultdict
from urllib.parse import urlsplit

from reinhardt.conf import settings
from reinhardt.core.exceptions import DisallowedHost, ImproperlyConfigured
from reinhardt.utils.cache import patch_vary_headers
from reinhardt.utils.crypto import constant_time_compare
from reinhardt.utils.functional import cached_property
from reinhardt.utils.http import is_same_domain
from reinhardt.utils.log import log_response
from reinhardt.utils.module_loading import import_string
from reinhardt.web.http.request import HttpHeaders, UnreadablePostError
from reinhardt.web.middleware.base import NonBlockingMiddleware

logger = logging.getLogger("reinhardt.security.csrf")

REASON_BAD_ORIGIN = "Origin checking failed - %s does not match any trusted origins."
REASON_NO_REFERER = "Referer checking failed - no Referer."
REASON_BAD_REFERER = "Referer checking failed - %s does not match any trusted origins."
REASON_NO_CSRF_COOKIE = "CSRF cookie not set."
REASON_CSRF_TOKEN_MISSING = "CSRF token missing."
REASON_MALFORMED_REFERER = "Referer checking failed - Referer is malformed."
REASON_INSECURE_REFERER = "Referer checking failed - Referer is insecure while host is secure."
REASON_INCORRECT_LENGTH = "has incorrect length"
REASON_INVALID_CHARACTERS = "has invalid characters"

CSRF_SECRET_LENGTH = 32
CSRF_TOKEN_LENGTH = 2 * CSRF_SECRET_LENGTH
CSRF_ALLOWED_CHARS = string.ascii_letters + string.digits
_CHAR_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}
_ALLOWED = frozenset(CSRF_ALLOWED_CHARS)
CSRF_SESSION_KEY = "_csrftoken"


def _get_failure_view():
    """The view that renders the rejection page (CSRF_FAILURE_VIEW)."""
    return import_string(settings.CSRF_FAILURE_VIEW)


# Random bytes below this bound map uniformly onto the 62 allowed characters (4 * 62).
_UNBIASED_BOUND = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def _random_indexes(count: int) -> list[int]:
    """``count`` uniform random indexes into CSRF_ALLOWED_CHARS, from the OS's CSPRNG.

    One ``secrets.token_bytes`` call instead of one ``secrets.choice`` per character
    (a page with ``{% csrf_token %}`` needs 32 or 64 of them); bytes that would bias the
    distribution are dropped and drawn again.
    """
    n = len(CSRF_ALLOWED_CHARS)
    indexes: list[int] = []
    while len(indexes) < count:
        indexes.extend(b % n for b in secrets.token_bytes(count + 8) if b < _UNBIASED_BOUND)
    return indexes[:count]


def _get_new_csrf_string() -> str:
    chars = CSRF_ALLOWED_CHARS
    return "".join([chars[i] for i in _random_indexes(CSRF_SECRET_LENGTH)])


def _mask_cipher_secret(secret: str) -> str:
    """Mask ``secret`` with a fresh random mask: mask + (secret + mask) per character."""
    chars = CSRF_ALLOWED_CHARS
    n = len(chars)
    mask_indexes = _random_indexes(CSRF_SECRET_LENGTH)
    index = _CHAR_INDEX
    cipher = "".join([chars[(index[s] + m) % n]
                      for s, m in zip(secret, mask_indexes, strict=True)])
    return "".join([chars[m] for m in mask_indexes]) + cipher


def _unmask_cipher_token(token: str) -> str:
    """Recover the secret from a masked token (the reverse of _mask_cipher_secret)."""
    mask, cipher = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    n = len(CSRF_ALLOWED_CHARS)
    return "".join(
        CSRF_ALLOWED_CHARS[(_CHAR_INDEX[c] - _CHAR_INDEX[m]) % n]
        for c, m in zip(cipher, mask, strict=True)
    )


def _add_new_csrf_cookie(request) -> str:
    """Make a new secret and mark the cookie for sending."""
    csrf_secret = _get_new_csrf_string()
    request.META.update({"CSRF_COOKIE": csrf_secret, "CSRF_COOKIE_NEEDS_UPDATE": True})
    return csrf_secret


def get_token(request) -> str:
    """A masked CSRF token for a page; sets the CSRF cookie on the response if needed.

    ``{% csrf_token %}`` and the csrf context processor call this.
    """
    if "CSRF_COOKIE" in request.META:
        csrf_secret = request.META["CSRF_COOKIE"]
        # The cookie is in use: resend it so its expiry moves forward.
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    else:
        csrf_secret = _add_new_csrf_cookie(request)
    return _mask_cipher_secret(csrf_secret)


def rotate_token(request) -> None:
    """Change the secret, e.g. on login, so that tokens seen before stop working."""
    _add_new_csrf_cookie(request)


class InvalidTokenFormat(Exception):
    def __init__(self, reason: str):
        self.reason = reason


def _check_token_format(token: str) -> None:
    if len(token) not in (CSRF_TOKEN_LENGTH, CSRF_SECRET_LENGTH):
        raise InvalidTokenFormat(REASON_INCORRECT_LENGTH)
    if not _ALLOWED.issuperset(token):
        raise InvalidTokenFormat(REASON_INVALID_CHARACTERS)


def _does_token_match(request_csrf_token: str, csrf_secret: str) -> bool:
    if len(request_csrf_token) == CSRF_TOKEN_LENGTH:
        request_csrf_token = _unmask_cipher_token(request_csrf_token)
    return constant_time_compare(request_csrf_token, csrf_secret)


class RejectRequest(Exception):
    def __init__(self, reason: str):
        self.reason = reason


class CsrfViewMiddleware(NonBlockingMiddleware):
    """Require a valid CSRF token on unsafe requests, unless the view is csrf_exempt."""

    @cached_property
    def csrf_trusted_origins_hosts(self) -> list[str]:
        return [urlsplit(origin).netloc.lstrip("*") for origin in settings.CSRF_TRUSTED_ORIGINS]

    @cached_property
    def allowed_origins_exact(self) -> set[str]:
        return {origin for origin in settings.CSRF_TRUSTED_ORIGINS if "*" not in origin}

    @cached_property
    def allowed_origin_subdomains(self) -> dict[str, list[str]]:
        """Trusted origins with a wildcard, by scheme: {'https': ['.example.com']}."""
        allowed = defaultdict(list)
        for parsed in (urlsplit(origin) for origin in settings.CSRF_TRUSTED_ORIGINS
                       if "*" in origin):
            allowed[parsed.scheme].append(parsed.netloc.lstrip("*"))
        return allowed

    def _accept(self, request):
        # Views decorated with csrf_protect inside this middleware skip the checks.
        request.csrf_processing_done = True
        return None

    def _reject(self, request, reason: str):
        response = _get_failure_view()(request, reason=reason)
        log_response("Forbidden (%s): %s", reason, request.path, response=response,
                     request=request, logger=logger)
        return response

    def _get_secret(self, request) -> str | None:
        """The secret from the cookie (or session); raise InvalidTokenFormat if malformed."""
        if settings.CSRF_USE_SESSIONS:
            try:
                csrf_secret = request.session.get(CSRF_SESSION_KEY)
            except AttributeError:
                raise ImproperlyConfigured(
                    "CSRF_USE_SESSIONS is enabled, but request.session is not set. "
                    "SessionMiddleware must appear before CsrfViewMiddleware in MIDDLEWARE."
                )
        else:
            try:
                csrf_secret = request.COOKIES[settings.CSRF_COOKIE_NAME]
            except KeyError:
                csrf_secret = None
            else:
                _check_token_format(csrf_secret)
        if csrf_secret is None:
            return None
        if len(csrf_secret) == CSRF_TOKEN_LENGTH:
            # Cookies from before the secret was stored unmasked.
            csrf_secret = _unmask_cipher_token(csrf_secret)
        return csrf_secret

    def _set_csrf_cookie(self, request, response) -> None:
        if settings.CSRF_USE_SESSIONS:
            if request.session.get(CSRF_SESSION_KEY) != request.META["CSRF_COOKIE"]:
                request.session[CSRF_SESSION_KEY] = request.META["CSRF_COOKIE"]
        else:
            response.set_cookie(
                settings.CSRF_COOKIE_NAME, request.META["CSRF_COOKIE"],
                max_age=settings.CSRF_COOKIE_AGE, domain=settings.CSRF_COOKIE_DOMAIN,
                path=settings.CSRF_COOKIE_PATH, secure=settings.CSRF_COOKIE_SECURE,
                httponly=settings.CSRF_COOKIE_HTTPONLY, samesite=settings.CSRF_COOKIE_SAMESITE,
            )
            # Caches must not serve one visitor's cookie to another.
            patch_vary_headers(response, ("Cookie",))

    def _origin_verified(self, request) -> bool:
        request_origin = request.META["HTTP_ORIGIN"]
        try:
            good_host = request.get_host()
        except DisallowedHost:
            pass
        else:
            good_origin = f"{'https' if request.is_secure() else 'http'}://{good_host}"
            if request_origin == good_origin:
                return True
        if request_origin in self.allowed_origins_exact:
            return True
        try:
            parsed_origin = urlsplit(request_origin)
        except ValueError:
            return False
        return any(
            is_same_domain(parsed_origin.netloc, host)
            for host in self.allowed_origin_subdomains.get(parsed_origin.scheme, ())
        )

    def _check_referer(self, request) -> None:
        referer = request.META.get("HTTP_REFERER")
        if referer is None:
            raise RejectRequest(REASON_NO_REFERER)
        try:
            referer = urlsplit(referer)
        except ValueError:
            raise RejectRequest(REASON_MALFORMED_REFERER)
        if "" in (referer.scheme, referer.netloc):
            raise RejectRequest(REASON_MALFORMED_REFERER)
        if referer.scheme != "https":
            raise RejectRequest(REASON_INSECURE_REFERER)
        if any(is_same_domain(referer.netloc, host) for host in self.csrf_trusted_origins_hosts):
            return
        good_referer = (settings.SESSION_COOKIE_DOMAIN if settings.CSRF_USE_SESSIONS
                        else settings.CSRF_COOKIE_DOMAIN)
        if good_referer is None:
            try:
                good_referer = request.get_host()
            except DisallowedHost:
                raise RejectRequest(REASON_BAD_REFERER % referer.geturl())
        else:
            server_port = request.get_port()
            if server_port not in ("443", "80"):
                good_referer = f"{good_referer}:{server_port}"
        if not is_same_domain(referer.netloc, good_referer):
            raise RejectRequest(REASON_BAD_REFERER % referer.geturl())

    def _bad_token_message(self, reason: str, token_source: str) -> str:
        if token_source != "POST":
            header_name = HttpHeaders.parse_header_name(token_source)
            token_source = f"the {header_name!r} HTTP header"
        return f"CSRF token from {token_source} {reason}."

    def _check_token(self, request) -> None:
        try:
            csrf_secret = self._get_secret(request)
        except InvalidTokenFormat as exc:
            raise RejectRequest(f"CSRF cookie {exc.reason}.")
        if csrf_secret is None:
            raise RejectRequest(REASON_NO_CSRF_COOKIE)
        request_csrf_token = ""
        if request.method == "POST":
            try:
                request_csrf_token = request.POST.get("csrfmiddlewaretoken", "")
            except UnreadablePostError:
                # The client went away; the token check below fails cleanly.
                pass
        if request_csrf_token == "":
            try:
                request_csrf_token = request.META[settings.CSRF_HEADER_NAME]
            except KeyError:
                raise RejectRequest(REASON_CSRF_TOKEN_MISSING)
            token_source = settings.CSRF_HEADER_NAME
        else:
            token_source = "POST"
        try:
            _check_token_format(request_csrf_token)
        except InvalidTokenFormat as exc:
            raise RejectRequest(self._bad_token_message(exc.reason, token_source))
        if not _does_token_match(request_csrf_token, csrf_secret):
            raise RejectRequest(self._bad_token_message("incorrect", token_source))

    def process_request(self, request):
        try:
            csrf_secret = self._get_secret(request)
        except InvalidTokenFormat:
            _add_new_csrf_cookie(request)
        else:
            if csrf_secret is not None:
                request.META["CSRF_COOKIE"] = csrf_secret

    def process_view(self, request, callback, callback_args, callback_kwargs):
        if getattr(request, "csrf_processing_done", False):
            return None
        if getattr(callback, "csrf_exempt", False):
            return None
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return self._accept(request)
        if getattr(request, "_dont_enforce_csrf_checks", False):
            # The test client asks for this unless enforce_csrf_checks=True.
            return self._accept(request)
        if "HTTP_ORIGIN" in request.META:
            if not self._origin_verified(request):
                return self._reject(request, REASON_BAD_ORIGIN % request.META["HTTP_ORIGIN"])
        elif request.is_secure():
            try:
                self._check_referer(request)
            except RejectRequest as exc:
                return self._reject(request, exc.reason)
        try:
            self._check_token(request)
        except RejectRequest as exc:
            return self._reject(request, exc.reason)
        return self._accept(request)

    def process_response(self, request, response):
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            self._set_csrf_cookie(request, response)
            # Set the cookie once, even if process_response runs again (decorator + middleware).
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        return response
