"""Turning exceptions raised by views and middleware into responses.

Every layer of the middleware chain is wrapped, so a middleware always receives a response
from the layer below, never an exception. Client errors become 4xx pages; anything else a
500 page (the technical page when DEBUG is on).
"""

from __future__ import annotations

import logging
import sys
from functools import wraps

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async

from reinhardt.conf import settings
from reinhardt.core import signals
from reinhardt.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousMultipartForm,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from reinhardt.utils.log import log_response
from reinhardt.web.http import Http404
from reinhardt.web.http.multipartparser import MultiPartParserError
from reinhardt.web.urls import get_resolver, get_urlconf

logger = logging.getLogger("reinhardt.request")


def convert_exception_to_response(get_response):
    """Wrap ``get_response`` so that it returns a response for any exception."""
    if iscoroutinefunction(get_response):

        @wraps(get_response)
        async def inner(request):
            try:
                return await get_response(request)
            except Exception as exc:
                return await sync_to_async(response_for_exception, thread_sensitive=False)(
                    request, exc
                )

        return inner

    @wraps(get_response)
    def inner(request):
        try:
            return get_response(request)
        except Exception as exc:
            return response_for_exception(request, exc)

    return inner


def response_for_exception(request, exc: Exception):
    if isinstance(exc, Http404):
        if settings.DEBUG:
            from reinhardt.web.views import debug

            response = debug.technical_404_response(request, exc)
        else:
            response = get_exception_response(request, get_resolver(get_urlconf()), 404, exc)
    elif isinstance(exc, PermissionDenied):
        response = get_exception_response(request, get_resolver(get_urlconf()), 403, exc)
        log_response("Forbidden (Permission denied): %s", request.path, response=response,
                     request=request, exception=exc)
    elif isinstance(exc, MultiPartParserError):
        response = get_exception_response(request, get_resolver(get_urlconf()), 400, exc)
        log_response("Bad request (Unable to parse request body): %s", request.path,
                     response=response, request=request, exception=exc)
    elif isinstance(exc, BadRequest):
        if settings.DEBUG:
            from reinhardt.web.views import debug

            response = debug.technical_500_response(request, *sys.exc_info(), status_code=400)
        else:
            response = get_exception_response(request, get_resolver(get_urlconf()), 400, exc)
        log_response("%s: %s", str(exc), request.path, response=response, request=request,
                     exception=exc)
    elif isinstance(exc, SuspiciousOperation):
        if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent,
                            SuspiciousMultipartForm)):
            # POST could not be read; keep error pages from trying again.
            mark = getattr(request, "_mark_post_parse_error", None)
            if mark is not None:
                mark()
        security_logger = logging.getLogger(f"reinhardt.security.{type(exc).__name__}")
        security_logger.error(str(exc), exc_info=exc, extra={"status_code": 400,
                                                              "request": request})
        if settings.DEBUG:
            from reinhardt.web.views import debug

            response = debug.technical_500_response(request, *sys.exc_info(), status_code=400)
        else:
            response = get_exception_response(request, get_resolver(get_urlconf()), 400, exc)
    else:
        signals.got_request_exception.send(sender=None, request=request)
        response = handle_uncaught_exception(request, get_resolver(get_urlconf()),
                                             sys.exc_info())
        log_response("%s: %s", response.reason_phrase, request.path, response=response,
                     request=request, exception=exc)
    return response


def get_exception_response(request, resolver, status_code: int, exception):
    try:
        callback = resolver.resolve_error_handler(status_code)
        return callback(request, exception=exception)
    except Exception:
        signals.got_request_exception.send(sender=None, request=request)
        return handle_uncaught_exception(request, resolver, sys.exc_info())


def handle_uncaught_exception(request, resolver, exc_info):
    if settings.DEBUG_PROPAGATE_EXCEPTIONS:
        raise
    if settings.DEBUG:
        from reinhardt.web.views import debug

        return debug.technical_500_response(request, *exc_info)
    callback = resolver.resolve_error_handler(500)
    return callback(request)


__all__ = ["convert_exception_to_response", "response_for_exception",
           "get_exception_response", "handle_uncaught_exception", "markcoroutinefunction"]
