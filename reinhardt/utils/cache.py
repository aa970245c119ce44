"""HTTP caching helpers: Cache-Control, Vary, ETag and conditional responses."""

from __future__ import annotations

import logging
import re
import time
from hashlib import md5

from reinhardt.conf import settings
from reinhardt.utils.http import http_date, parse_etags, parse_http_date_safe, quote_etag
from reinhardt.utils.log import log_response

cc_delim_re = re.compile(r"\s*,\s*")
logger = logging.getLogger("reinhardt.request")


def patch_cache_control(response, **kwargs) -> None:
    """Merge ``kwargs`` (``max_age=3600``, ``private=True``...) into Cache-Control."""

    def parse(item: str):
        key, sep, value = item.partition("=")
        return (key.strip().lower(), value.strip() if sep else True)

    directives: dict = {}
    if response.get("Cache-Control"):
        for field in cc_delim_re.split(response.headers["Cache-Control"]):
            directive, value = parse(field)
            if directive == "no-cache":
                directives.setdefault(directive, set()).add(value)
            else:
                directives[directive] = value
    if "max-age" in directives and "max_age" in kwargs:
        kwargs["max_age"] = min(int(directives["max-age"]), kwargs["max_age"])
    if "private" in kwargs and "public" in directives:
        del directives["public"]
    elif "public" in kwargs and "private" in directives:
        del directives["private"]
    for key, value in kwargs.items():
        directive = key.replace("_", "-")
        if directive == "no-cache":
            directives.setdefault(directive, set()).add(value)
        else:
            directives[directive] = value
    parts = []
    for directive, values in directives.items():
        if directive == "no-cache":
            if True in values:
                parts.append(directive)
            else:
                parts.append(f'{directive}="{", ".join(sorted(v for v in values if v is not True))}"')
            continue
        if values is True:
            parts.append(directive)
        elif values is False:
            continue
        else:
            parts.append(f"{directive}={values}")
    response.headers["Cache-Control"] = ", ".join(parts)


def get_max_age(response) -> int | None:
    if not response.has_header("Cache-Control"):
        return None
    for field in cc_delim_re.split(response.headers["Cache-Control"]):
        key, sep, value = field.partition("=")
        if key.strip().lower() == "max-age" and sep:
            try:
                return int(value)
            except (ValueError, TypeError):
                return None
    return None


def set_response_etag(response):
    if not response.streaming and response.content:
        response.headers["ETag"] = quote_etag(
            md5(response.content, usedforsecurity=False).hexdigest()
        )
    return response


def _precondition_failed(request):
    from reinhardt.web.http import HttpResponse

    response = HttpResponse(status=412)
    log_response("Precondition Failed: %s", request.path, response=response, request=request)
    return response


_NOT_MODIFIED_HEADERS = ("Cache-Control", "Content-Location", "Date", "ETag", "Expires",
                         "Last-Modified", "Vary")


def _not_modified(request, response=None):
    from reinhardt.web.http import HttpResponseNotModified

    new_response = HttpResponseNotModified()
    if response:
        for header in _NOT_MODIFIED_HEADERS:
            if header in response:
                new_response.headers[header] = response.headers[header]
        new_response.cookies = response.cookies
    return new_response


def get_conditional_response(request, etag=None, last_modified=None, response=None):
    """Apply RFC 9110's precondition rules; return 304/412 or ``response``."""
    if response and not (200 <= response.status_code < 300):
        return response
    meta = request.META
    if_match_etags = parse_etags(meta.get("HTTP_IF_MATCH", ""))
    if_unmodified_since = meta.get("HTTP_IF_UNMODIFIED_SINCE")
    if_unmodified_since = if_unmodified_since and parse_http_date_safe(if_unmodified_since)
    if_none_match_etags = parse_etags(meta.get("HTTP_IF_NONE_MATCH", ""))
    if_modified_since = meta.get("HTTP_IF_MODIFIED_SINCE")
    if_modified_since = if_modified_since and parse_http_date_safe(if_modified_since)

    if if_match_etags and not _if_match_passes(etag, if_match_etags):
        return _precondition_failed(request)
    if (not if_match_etags and if_unmodified_since
            and not _if_unmodified_since_passes(last_modified, if_unmodified_since)):
        return _precondition_failed(request)
    if if_none_match_etags and not _if_none_match_passes(etag, if_none_match_etags):
        if request.method in ("GET", "HEAD"):
            return _not_modified(request, response)
        return _precondition_failed(request)
    if (not if_none_match_etags and if_modified_since
            and not _if_modified_since_passes(last_modified, if_modified_since)
            and request.method in ("GET", "HEAD")):
        return _not_modified(request, response)
    return response


def _if_match_passes(target_etag, etags) -> bool:
    if not target_etag:
        return False
    if etags == ["*"]:
        return True
    if target_etag.startswith("W/"):
        # If-Match uses the strong comparison: a weak ETag never matches.
        return False
    return target_etag in etags


def _if_unmodified_since_passes(last_modified, if_unmodified_since) -> bool:
    return bool(last_modified and last_modified <= if_unmodified_since)


def _if_none_match_passes(target_etag, etags) -> bool:
    if not target_etag:
        return True
    if etags == ["*"]:
        return False
    # If-None-Match uses the weak comparison.
    target = target_etag.removeprefix("W/")
    return target not in (etag.removeprefix("W/") for etag in etags)


def _if_modified_since_passes(last_modified, if_modified_since) -> bool:
    return not last_modified or last_modified > if_modified_since


def patch_response_headers(response, cache_timeout: int | None = None) -> None:
    """Set Expires and Cache-Control max-age to ``cache_timeout`` seconds from now."""
    if cache_timeout is None:
        cache_timeout = settings.CACHE_MIDDLEWARE_SECONDS
    if cache_timeout < 0:
        cache_timeout = 0
    if not response.has_header("Expires"):
        response.headers["Expires"] = http_date(time.time() + cache_timeout)
    patch_cache_control(response, max_age=cache_timeout)


def add_never_cache_headers(response) -> None:
    """Tell every cache never to store this response."""
    patch_response_headers(response, cache_timeout=-1)
    patch_cache_control(response, no_cache=True, no_store=True, must_revalidate=True,
                        private=True)


def patch_vary_headers(response, newheaders) -> None:
    """Add ``newheaders`` to Vary, keeping existing ones and their order."""
    if response.has_header("Vary"):
        vary_headers = cc_delim_re.split(response.headers["Vary"])
    else:
        vary_headers = []
    existing = {header.lower() for header in vary_headers}
    for header in newheaders:
        if header.lower() not in existing:
            vary_headers.append(header)
            existing.add(header.lower())
    if "*" in vary_headers:
        response.headers["Vary"] = "*"
    else:
        response.headers["Vary"] = ", ".join(vary_headers)


def has_vary_header(response, header_query: str) -> bool:
    if not response.has_header("Vary"):
        return False
    vary_headers = cc_delim_re.split(response.headers["Vary"])
    return header_query.lower() in {header.lower() for header in vary_headers}
