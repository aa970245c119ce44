"""The WSGI handler and WSGIRequest.

WSGIRequest does the least it can up front: the path and method. GET, COOKIES, POST, FILES,
headers and the body stream are built the first time something reads them.
"""

from __future__ import annotations

from io import IOBase
from typing import Any

from reinhardt.conf import settings
from reinhardt.core import signals
from reinhardt.utils.datastructures import MultiValueDict
from reinhardt.utils.encoding import repercent_broken_unicode
from reinhardt.utils.functional import cached_property
from reinhardt.utils.script_prefix import set_script_prefix
from reinhardt.web.handlers import base
from reinhardt.web.http import HttpRequest, QueryDict, parse_cookie
from reinhardt.web.http.request import _content_length


class LimitedStream(IOBase):
    """Read at most ``limit`` bytes of the WSGI input, whatever the client sent beyond it."""

    def __init__(self, stream, limit: int):
        self._read = stream.read
        self._readline = stream.readline
        self._pos = 0
        self.limit = limit

    def read(self, size: int = -1, /) -> bytes:
        pos, limit = self._pos, self.limit
        if pos >= limit:
            return b""
        if size == -1 or size is None:
            size = limit - pos
        else:
            size = min(size, limit - pos)
        data = self._read(size)
        self._pos += len(data)
        return data

    def readline(self, size: int = -1, /) -> bytes:
        pos, limit = self._pos, self.limit
        if pos >= limit:
            return b""
        if size == -1 or size is None:
            size = limit - pos
        else:
            size = min(size, limit - pos)
        line = self._readline(size)
        self._pos += len(line)
        return line


class WSGIRequest(HttpRequest):
    """A request from a WSGI server; META is the WSGI environ."""

    def __init__(self, environ: dict[str, Any], script_name: str | None = None):
        if script_name is None:
            script_name = get_script_name(environ)
        path_info = get_path_info(environ) or "/"
        self.environ = environ
        self.path_info = path_info
        if script_name:
            self.path = f"{script_name.rstrip('/')}/{path_info.replace('/', '', 1)}"
        else:
            self.path = path_info if path_info[:1] == "/" else "/" + path_info
        self.META = environ
        environ["PATH_INFO"] = path_info
        environ["SCRIPT_NAME"] = script_name
        self.method = environ["REQUEST_METHOD"].upper()
        content_type = environ.get("CONTENT_TYPE")
        if content_type:
            self._set_content_type_params(environ)
        else:
            self.content_type = ""
            self.content_params = {}
        self.resolver_match = None

    @cached_property
    def _stream(self):
        return LimitedStream(self.environ["wsgi.input"], _content_length(self.environ))

    def _get_scheme(self) -> str:
        return self.environ.get("wsgi.url_scheme", "http")

    @cached_property
    def GET(self) -> QueryDict:
        raw = self.environ.get("QUERY_STRING", "")
        if not raw:
            return QueryDict(encoding=self._encoding)
        return QueryDict(raw.encode("latin-1"), encoding=self._encoding)

    def _get_post(self):
        if not hasattr(self, "_post"):
            self._load_post_and_files()
        return self._post

    def _set_post(self, post) -> None:
        self._post = post

    @cached_property
    def COOKIES(self) -> dict[str, str]:
        raw = self.environ.get("HTTP_COOKIE", "")
        if not raw:
            return {}
        return parse_cookie(_wsgi_str(raw))

    @property
    def FILES(self) -> MultiValueDict:
        if not hasattr(self, "_files"):
            self._load_post_and_files()
        return self._files

    POST = property(_get_post, _set_post)


class WSGIHandler(base.BaseHandler):
    """The WSGI application: ``application = WSGIHandler()`` (see get_wsgi_application())."""

    request_class = WSGIRequest

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.load_middleware()

    def __call__(self, environ, start_response):
        script_name = get_script_name(environ)
        set_script_prefix(script_name)
        signals.request_started.send(sender=self.__class__, environ=environ)
        request = self.request_class(environ, script_name)
        response = self.get_response(request)
        response._handler_class = self.__class__

        headers = list(response.headers._store.values())
        if response.cookies:
            headers.extend(("Set-Cookie", c.OutputString()) for c in response.cookies.values())
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        if getattr(response, "file_to_stream", None) is not None and environ.get(
            "wsgi.file_wrapper"
        ):
            # The server can send the file efficiently (e.g. sendfile()).
            response.file_to_stream.close = response.close
            response = environ["wsgi.file_wrapper"](response.file_to_stream,
                                                    response.block_size)
        return response


def get_path_info(environ: dict[str, Any]) -> str:
    """PATH_INFO as text; bytes that are not UTF-8 stay percent-encoded."""
    path_info = environ.get("PATH_INFO", "/")
    if path_info.isascii():
        return path_info
    raw = path_info.encode("latin-1", "replace")
    return repercent_broken_unicode(raw).decode()


def get_script_name(environ: dict[str, Any]) -> str:
    """The mount point of the application: FORCE_SCRIPT_NAME, or what the server says."""
    if settings.FORCE_SCRIPT_NAME is not None:
        return settings.FORCE_SCRIPT_NAME
    script_url = environ.get("SCRIPT_URL", "") or environ.get("REDIRECT_URL", "")
    if script_url:
        if "//" in script_url:
            # mod_wsgi squashes repeated slashes in PATH_INFO but not in SCRIPT_URL.
            import re

            script_url = re.sub(b"/+", b"/", script_url.encode("latin-1")).decode("latin-1")
        path_info = environ.get("PATH_INFO", "")
        script_name = script_url.removesuffix(path_info) if path_info else script_url
    else:
        script_name = environ.get("SCRIPT_NAME", "")
    if not script_name:
        return ""
    return _wsgi_str(script_name)


def _wsgi_str(value: str) -> str:
    """A WSGI "native string" (bytes as Latin-1) decoded as the UTF-8 the client sent."""
    if value.isascii():
        return value
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def get_str_from_wsgi(environ: dict[str, Any], key: str, default: str) -> str:
    return _wsgi_str(environ.get(key, default))


def get_bytes_from_wsgi(environ: dict[str, Any], key: str, default: str) -> bytes:
    return environ.get(key, default).encode("latin-1")


# For type checkers and readers: QueryDict is also importable from here, as in Django.
__all__ = ["WSGIHandler", "WSGIRequest", "LimitedStream", "get_path_info", "get_script_name",
           "get_str_from_wsgi", "get_bytes_from_wsgi", "QueryDict"]
