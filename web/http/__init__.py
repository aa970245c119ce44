"""Requests and responses (``django.http``)."""

from reinhardt.web.http.cookie import SimpleCookie, parse_cookie
from reinhardt.web.http.request import (
    HttpHeaders,
    HttpRequest,
    QueryDict,
    RawPostDataException,
    UnreadablePostError,
)
from reinhardt.web.http.response import (
    BadHeaderError,
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseForbidden,
    HttpResponseGone,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    HttpResponseNotModified,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
    ResponseHeaders,
    StreamingHttpResponse,
)

__all__ = [
    "SimpleCookie", "parse_cookie", "HttpHeaders", "HttpRequest", "QueryDict",
    "RawPostDataException", "UnreadablePostError", "HttpResponse", "HttpResponseBase",
    "StreamingHttpResponse", "HttpResponseRedirect", "HttpResponsePermanentRedirect",
    "HttpResponseNotModified", "HttpResponseBadRequest", "HttpResponseForbidden",
    "HttpResponseNotFound", "HttpResponseNotAllowed", "HttpResponseGone",
    "HttpResponseServerError", "Http404", "BadHeaderError", "JsonResponse", "FileResponse",
    "ResponseHeaders",
]
