"""RequestFactory, Client, AsyncRequestFactory and AsyncClient (``django.test.client``).

The clients run requests through the real handlers and middleware in-process, keep cookies
between requests, follow redirects on request, and attach to each response what the test
may want to check: the request, templates rendered, their contexts, the resolver match.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import sys
from copy import copy
from functools import partial
from http import HTTPStatus
from http.cookies import SimpleCookie
from importlib import import_module
from io import BytesIO, IOBase
from typing import Any
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from asgiref.sync import sync_to_async

from reinhardt.conf import settings
from reinhardt.core.serializers.json import DjangoJSONEncoder
from reinhardt.core.signals import got_request_exception, request_finished, request_started
from reinhardt.test import signals as test_signals
from reinhardt.test.utils import ContextList
from reinhardt.utils.encoding import force_bytes
from reinhardt.utils.functional import SimpleLazyObject
from reinhardt.utils.http import urlencode
from reinhardt.web.handlers.asgi import ASGIRequest
from reinhardt.web.handlers.base import BaseHandler
from reinhardt.web.handlers.wsgi import LimitedStream, WSGIRequest
from reinhardt.web.http import HttpHeaders, HttpRequest, QueryDict
from reinhardt.web.urls import resolve

__all__ = ["AsyncClient", "AsyncRequestFactory", "Client", "RedirectCycleError",
           "RequestFactory", "encode_file", "encode_multipart"]

BOUNDARY = "BoUnDaRyStRiNg"
CONTENT_TYPE_RE = re.compile(r".*; charset=([\w-]+);?")
# application/json and application/<anything>+json (RFC 6838 structured suffix).
JSON_CONTENT_TYPE_RE = re.compile(r"^application\/(.+\+)?json")
MULTIPART_CONTENT = f"multipart/form-data; boundary={BOUNDARY}"


class RedirectCycleError(Exception):
    """Following redirects went round in a loop, or went on too long."""

    def __init__(self, message: str, last_response):
        super().__init__(message)
        self.last_response = last_response
        self.redirect_chain = last_response.redirect_chain


class FakePayload(IOBase):
    """A wsgi.input that refuses to be read past its length, like a real socket stream."""

    def __init__(self, initial_bytes: bytes | str | None = None):
        self.__content = BytesIO()
        self.__len = 0
        self.read_started = False
        if initial_bytes is not None:
            self.write(initial_bytes)

    def __len__(self) -> int:
        return self.__len

    def read(self, size: int = -1, /) -> bytes:
        if not self.read_started:
            self.__content.seek(0)
            self.read_started = True
        if size == -1 or size is None:
            size = self.__len
        assert self.__len >= size, (
            "Cannot read more than the available bytes from the HTTP incoming data."
        )
        content = self.__content.read(size)
        self.__len -= len(content)
        return content

    def readline(self, size: int = -1, /) -> bytes:
        if not self.read_started:
            self.__content.seek(0)
            self.read_started = True
        if size == -1 or size is None:
            size = self.__len
        assert self.__len >= size, (
            "Cannot read more than the available bytes from the HTTP incoming data."
        )
        content = self.__content.readline(size)
        self.__len -= len(content)
        return content

    def write(self, b) -> None:
        if self.read_started:
            raise ValueError("Unable to write a payload after it's been read")
        content = force_bytes(b)
        self.__content.write(content)
        self.__len += len(content)


def _close_old_connections_receiver():
    """The ORM's receiver that closes connections between requests, if the ORM has one."""
    try:
        from reinhardt.orm import close_old_connections
    except ImportError:
        return None
    return close_old_connections


def closing_iterator_wrapper(iterable, close):
    try:
        yield from iterable
    finally:
        _send_finished_without_db_close(close)


async def aclosing_iterator_wrapper(iterable, close):
    try:
        async for chunk in iterable:
            yield chunk
    finally:
        await sync_to_async(_send_finished_without_db_close)(close)


def _send_finished_without_db_close(close) -> None:
    # Closing the test database connection would end the test's transaction.
    receiver = _close_old_connections_receiver()
    if receiver is not None:
        request_finished.disconnect(receiver)
    try:
        close()
    finally:
        if receiver is not None:
            request_finished.connect(receiver)


def conditional_content_removal(request, response):
    """Drop the body where HTTP says there is none (1xx, 204, 304, HEAD), as servers do."""
    if 100 <= response.status_code < 200 or response.status_code in (204, 304):
        if response.streaming:
            response.streaming_content = []
        else:
            response.content = b""
    if request.method == "HEAD":
        if response.streaming:
            response.streaming_content = []
        else:
            response.content = b""
    return response


class ClientHandler(BaseHandler):
    """A WSGI-like handler that returns the response object itself, for inspection."""

    def __init__(self, enforce_csrf_checks: bool = True, *args, **kwargs):
        self.enforce_csrf_checks = enforce_csrf_checks
        super().__init__(*args, **kwargs)

    def __call__(self, environ):
        if self._middleware_chain is None:
            self.load_middleware()
        receiver = _close_old_connections_receiver()
        if receiver is not None:
            request_started.disconnect(receiver)
        try:
            request_started.send(sender=self.__class__, environ=environ)
        finally:
            if receiver is not None:
                request_started.connect(receiver)
        request = WSGIRequest(environ)
        # The test client skips CSRF checks unless asked not to.
        request._dont_enforce_csrf_checks = not self.enforce_csrf_checks
        response = self.get_response(request)
        conditional_content_removal(request, response)
        response.wsgi_request = request
        if response.streaming:
            if response.is_async:
                response.streaming_content = aclosing_iterator_wrapper(
                    response.streaming_content, response.close)
            else:
                response.streaming_content = closing_iterator_wrapper(
                    response.streaming_content, response.close)
        else:
            _send_finished_without_db_close(response.close)
        return response


class AsyncClientHandler(BaseHandler):
    """The ASGI counterpart of ClientHandler."""

    def __init__(self, enforce_csrf_checks: bool = True, *args, **kwargs):
        self.enforce_csrf_checks = enforce_csrf_checks
        super().__init__(*args, **kwargs)

    async def __call__(self, scope):
        if self._middleware_chain is None:
            self.load_middleware(is_async=True)
        if "_body_file" in scope:
            body_file = scope.pop("_body_file")
        else:
            body_file = FakePayload("")
        await request_started.asend(sender=self.__class__, scope=scope)
        request = ASGIRequest(scope, LimitedStream(body_file, len(body_file)))
        request._dont_enforce_csrf_checks = not self.enforce_csrf_checks
        response = await self.get_response_async(request)
        conditional_content_removal(request, response)
        response.asgi_request = request
        if response.streaming:
            if response.is_async:
                response.streaming_content = aclosing_iterator_wrapper(
                    response.streaming_content, response.close)
            else:
                response.streaming_content = closing_iterator_wrapper(
                    response.streaming_content, response.close)
        else:
            await sync_to_async(_send_finished_without_db_close)(response.close)
        # Attributes the tests check, as the WSGI client sets them.
        response.wsgi_request = request
        return response


def store_rendered_templates(store: dict, signal, sender, template, context, **kwargs) -> None:
    """Record each template rendered and a copy of its context (template_rendered signal)."""
    store.setdefault("templates", []).append(template)
    if "context" not in store:
        store["context"] = ContextList()
    store["context"].append(copy(context))


def encode_multipart(boundary: str, data: dict) -> bytes:
    """Encode ``data`` (values: str, lists, files) as a multipart/form-data body."""
    lines = []

    def to_bytes(s):
        return force_bytes(s, settings.DEFAULT_CHARSET)

    def is_file(thing):
        return hasattr(thing, "read") and callable(thing.read)

    for key, value in data.items():
        if value is None:
            raise TypeError(
                f"Cannot encode None for key '{key}' as POST data. Did you mean to pass an "
                "empty string or omit the value?"
            )
        if is_file(value):
            lines.extend(encode_file(boundary, key, value))
        elif not isinstance(value, (str, bytes)) and hasattr(value, "__iter__"):
            for item in value:
                if is_file(item):
                    lines.extend(encode_file(boundary, key, item))
                else:
                    if item is None:
                        raise TypeError(
                            f"Cannot encode None for key '{key}' as POST data. Did you mean to "
                            "pass an empty string or omit the value?"
                        )
                    lines.extend(to_bytes(val) for val in [
                        f"--{boundary}", f'Content-Disposition: form-data; name="{key}"', "",
                        item,
                    ])
        else:
            lines.extend(to_bytes(val) for val in [
                f"--{boundary}", f'Content-Disposition: form-data; name="{key}"', "", value,
            ])
    lines.extend([to_bytes(f"--{boundary}--"), b""])
    return b"\r\n".join(lines)


def encode_file(boundary: str, key: str, file) -> list[bytes]:
    def to_bytes(s):
        return force_bytes(s, settings.DEFAULT_CHARSET)

    # A file that was read before would otherwise be sent empty.
    if hasattr(file, "seekable") and file.seekable():
        file.seek(0)
    filename = ""
    if hasattr(file, "name") and isinstance(file.name, str):
        filename = os.path.basename(file.name)
    if hasattr(file, "content_type"):
        content_type = file.content_type
    elif filename:
        content_type = mimetypes.guess_type(filename)[0]
    else:
        content_type = None
    if content_type is None:
        content_type = "application/octet-stream"
    filename = filename or key
    return [
        to_bytes(f"--{boundary}"),
        to_bytes(f'Content-Disposition: form-data; name="{key}"; filename="{filename}"'),
        to_bytes(f"Content-Type: {content_type}"),
        b"",
        to_bytes(file.read()),
    ]


class RequestFactory:
    """Build request objects to pass to a view directly, without middleware or URLs."""

    def __init__(self, *, json_encoder=DjangoJSONEncoder, headers: dict | None = None,
                 query_params: dict | None = None, **defaults):
        self.json_encoder = json_encoder
        self.defaults = defaults
        self.cookies = SimpleCookie()
        self.errors = BytesIO()
        if headers:
            self.defaults.update(HttpHeaders.to_wsgi_names(headers))
        if query_params:
            self.defaults["QUERY_STRING"] = urlencode(query_params, doseq=True)

    def _base_environ(self, **request) -> dict[str, Any]:
        return {
            "HTTP_COOKIE": "; ".join(
                sorted(f"{morsel.key}={morsel.coded_value}" for morsel in self.cookies.values())
            ),
            "PATH_INFO": "/",
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": FakePayload(b""),
            "wsgi.errors": self.errors,
            "wsgi.multiprocess": True,
            "wsgi.multithread": False,
            "wsgi.run_once": False,
            **self.defaults,
            **request,
        }

    def request(self, **request) -> HttpRequest:
        """A request built from a WSGI environ: the defaults updated with ``request``."""
        return WSGIRequest(self._base_environ(**request))

    def _encode_data(self, data, content_type: str) -> bytes:
        if content_type is MULTIPART_CONTENT:
            return encode_multipart(BOUNDARY, data)
        match = CONTENT_TYPE_RE.match(content_type)
        charset = match[1] if match else settings.DEFAULT_CHARSET
        return force_bytes(data, encoding=charset)

    def _encode_json(self, data, content_type: str):
        """JSON-encode dicts, lists and tuples when the content type is JSON."""
        should_encode = JSON_CONTENT_TYPE_RE.match(content_type) and isinstance(
            data, (dict, list, tuple)
        )
        return json.dumps(data, cls=self.json_encoder) if should_encode else data

    def _get_path(self, parsed) -> str:
        # WSGI wants the path as Latin-1-decoded bytes.
        return unquote_to_bytes(parsed.path).decode("iso-8859-1")

    def get(self, path: str, data=None, secure: bool = False, *, headers=None,
            query_params=None, **extra):
        if query_params and data:
            raise ValueError("query_params and data arguments are mutually exclusive.")
        query_params = data or query_params
        return self.generic("GET", path, secure=secure, headers=headers,
                            query_params=query_params, **extra)

    def post(self, path: str, data=None, content_type: str = MULTIPART_CONTENT,
             secure: bool = False, *, headers=None, query_params=None, **extra):
        data = self._encode_json({} if data is None else data, content_type)
        post_data = self._encode_data(data, content_type)
        return self.generic("POST", path, post_data, content_type, secure=secure,
                            headers=headers, query_params=query_params, **extra)

    def head(self, path: str, data=None, secure: bool = False, *, headers=None,
             query_params=None, **extra):
        if query_params and data:
            raise ValueError("query_params and data arguments are mutually exclusive.")
        query_params = data or query_params
        return self.generic("HEAD", path, secure=secure, headers=headers,
                            query_params=query_params, **extra)

    def trace(self, path: str, secure: bool = False, *, headers=None, query_params=None,
              **extra):
        return self.generic("TRACE", path, secure=secure, headers=headers,
                            query_params=query_params, **extra)

    def options(self, path: str, data="", content_type: str = "application/octet-stream",
                secure: bool = False, *, headers=None, query_params=None, **extra):
        return self.generic("OPTIONS", path, data, content_type, secure=secure,
                            headers=headers, query_params=query_params, **extra)

    def put(self, path: str, data="", content_type: str = "application/octet-stream",
            secure: bool = False, *, headers=None, query_params=None, **extra):
        data = self._encode_json(data, content_type)
        return self.generic("PUT", path, data, content_type, secure=secure, headers=headers,
                            query_params=query_params, **extra)

    def patch(self, path: str, data="", content_type: str = "application/octet-stream",
              secure: bool = False, *, headers=None, query_params=None, **extra):
        data = self._encode_json(data, content_type)
        return self.generic("PATCH", path, data, content_type, secure=secure, headers=headers,
                            query_params=query_params, **extra)

    def delete(self, path: str, data="", content_type: str = "application/octet-stream",
               secure: bool = False, *, headers=None, query_params=None, **extra):
        data = self._encode_json(data, content_type)
        return self.generic("DELETE", path, data, content_type, secure=secure,
                            headers=headers, query_params=query_params, **extra)

    def generic(self, method: str, path: str, data="",
                content_type: str | None = "application/octet-stream", secure: bool = False,
                *, headers=None, query_params=None, **extra):
        """A request of any method, with ``data`` as its body."""
        parsed = urlsplit(str(path))
        data = force_bytes(data, settings.DEFAULT_CHARSET)
        r = {
            "PATH_INFO": self._get_path(parsed),
            "REQUEST_METHOD": method,
            "SERVER_PORT": "443" if secure else "80",
            "wsgi.url_scheme": "https" if secure else "http",
        }
        if data:
            r.update({
                "CONTENT_LENGTH": str(len(data)),
                "CONTENT_TYPE": content_type,
                "wsgi.input": FakePayload(data),
            })
        if headers:
            extra.update(HttpHeaders.to_wsgi_names(headers))
        if query_params:
            extra["QUERY_STRING"] = urlencode(query_params, doseq=True)
        r.update(extra)
        if not r.get("QUERY_STRING"):
            # The query string is Latin-1 bytes in WSGI, like the path.
            r["QUERY_STRING"] = parsed.query.encode().decode("iso-8859-1")
        return self.request(**r)


class AsyncRequestFactory(RequestFactory):
    """Build ASGIRequest objects, for calling async views directly."""

    def _base_scope(self, **request) -> dict[str, Any]:
        return {
            "asgi": {"version": "3.0"},
            "type": "http",
            "http_version": "1.1",
            "client": ["127.0.0.1", 0],
            "server": ("testserver", "80"),
            "scheme": "http",
            "method": "GET",
            "headers": [],
            **self.defaults,
            **request,
        }

    def request(self, **request) -> ASGIRequest:
        if "_body_file" in request:
            body_file = request.pop("_body_file")
        else:
            body_file = FakePayload("")
        return ASGIRequest(self._base_scope(**request), LimitedStream(body_file, len(body_file)))

    def generic(self, method: str, path: str, data="",
                content_type: str | None = "application/octet-stream", secure: bool = False,
                *, headers=None, query_params=None, **extra):
        parsed = urlsplit(str(path))
        data = force_bytes(data, settings.DEFAULT_CHARSET)
        s = {
            "method": method,
            "path": self._get_path(parsed).encode("latin-1").decode("utf-8", "replace"),
            "server": ("127.0.0.1", "443" if secure else "80"),
            "scheme": "https" if secure else "http",
            "headers": [(b"host", b"testserver")],
        }
        if self.defaults:
            extra = {**self.defaults, **extra}
        if data:
            s["headers"].extend([
                (b"content-length", str(len(data)).encode("ascii")),
                (b"content-type", content_type.encode("ascii")),
            ])
            s["_body_file"] = FakePayload(data)
        if query_params:
            s["query_string"] = urlencode(query_params, doseq=True)
        elif query_string := extra.pop("QUERY_STRING", None):
            s["query_string"] = query_string
        else:
            s["query_string"] = parsed.query
        if isinstance(s["query_string"], str):
            s["query_string"] = s["query_string"].encode("latin-1", "replace")
        if headers:
            extra.update(HttpHeaders.to_asgi_names(headers))
        s["headers"] += [
            (key.lower().replace("_", "-").encode("latin-1"), str(value).encode("latin-1"))
            for key, value in extra.items()
            if key.isupper()
        ]
        return self.request(**s)


class ClientMixin:
    """What Client and AsyncClient share: exceptions, JSON, redirects, sessions, login."""

    def store_exc_info(self, **kwargs) -> None:
        self.exc_info = sys.exc_info()

    def check_exception(self, response) -> None:
        """Re-raise the view's exception in the test, when raise_request_exception is set."""
        if self.exc_info:
            _, exc_value, _ = self.exc_info
            self.exc_info = None
            if self.raise_request_exception:
                raise exc_value

    @property
    def session(self):
        """The session of the client's session cookie (needs reinhardt.contrib.sessions)."""
        try:
            engine = import_module(settings.SESSION_ENGINE)
        except ImportError as e:
            raise RuntimeError(
                "Client.session needs a session engine: add reinhardt.contrib.sessions to "
                f"INSTALLED_APPS and set SESSION_ENGINE ({settings.SESSION_ENGINE!r} could not "
                "be imported)."
            ) from e
        cookie = self.cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie:
            return engine.SessionStore(cookie.value)
        session = engine.SessionStore()
        session.save()
        self.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        return session

    def login(self, **credentials):
        raise NotImplementedError(
            "Client.login() needs reinhardt.contrib.auth and reinhardt.contrib.sessions, "
            "which reinhardt does not provide yet."
        )

    def force_login(self, user, backend=None):
        raise NotImplementedError(
            "Client.force_login() needs reinhardt.contrib.auth and reinhardt.contrib.sessions, "
            "which reinhardt does not provide yet."
        )

    def logout(self) -> None:
        """Forget the client's cookies (sessions, once they exist, go with them)."""
        self.cookies = SimpleCookie()

    def _parse_json(self, response, **extra):
        if not hasattr(response, "_json"):
            if not JSON_CONTENT_TYPE_RE.match(response.get("Content-Type")):
                raise ValueError(
                    f'Content-Type header is "{response.get("Content-Type")}", not '
                    '"application/json"'
                )
            response._json = json.loads(response.content.decode(response.charset), **extra)
        return response._json

    def _follow_state(self, response, extra: dict):
        """The next request of a redirect chain: (method name, path, data, content_type)."""
        response_url = response.url
        redirect_chain = response.redirect_chain
        redirect_chain.append((response_url, response.status_code))
        url = urlsplit(response_url)
        if url.scheme:
            extra["wsgi.url_scheme"] = url.scheme
        if url.hostname:
            extra["SERVER_NAME"] = url.hostname
        if url.port:
            extra["SERVER_PORT"] = str(url.port)
        path = url.path
        if not path.startswith("/"):
            path = urljoin(response.request["PATH_INFO"], path)
        if response.status_code in (HTTPStatus.TEMPORARY_REDIRECT,
                                    HTTPStatus.PERMANENT_REDIRECT):
            # 307/308 repeat the request with its method and body.
            method = response.request["REQUEST_METHOD"].lower()
            if method not in ("get", "head"):
                extra["QUERY_STRING"] = url.query
            return method, path, None, None, True
        return "get", path, QueryDict(url.query), None, False

    @staticmethod
    def _check_redirect_loop(response, redirect_chain) -> None:
        response.redirect_chain = redirect_chain
        if redirect_chain[-1] in redirect_chain[:-1]:
            raise RedirectCycleError("Redirect loop detected.", last_response=response)
        if len(redirect_chain) > 20:
            raise RedirectCycleError("Too many redirects.", last_response=response)


_REDIRECT_CODES = (301, 302, 303, 307, 308)


class Client(ClientMixin, RequestFactory):
    """A browser for tests: sends requests through the middleware, keeps cookies."""

    def __init__(self, enforce_csrf_checks: bool = False, raise_request_exception: bool = True,
                 *, headers=None, query_params=None, **defaults):
        super().__init__(headers=headers, query_params=query_params, **defaults)
        self.handler = ClientHandler(enforce_csrf_checks)
        self.raise_request_exception = raise_request_exception
        self.exc_info = None
        self.extra = None
        self.headers = None

    def request(self, **request):
        """Run a request through the handler; the response carries what tests inspect."""
        environ = self._base_environ(**request)
        data: dict = {}
        on_template_render = partial(store_rendered_templates, data)
        signal_uid = f"template-render-{id(request)}"
        test_signals.template_rendered.connect(on_template_render, dispatch_uid=signal_uid)
        exception_uid = f"request-exception-{id(request)}"
        got_request_exception.connect(self.store_exc_info, dispatch_uid=exception_uid)
        try:
            response = self.handler(environ)
        finally:
            test_signals.template_rendered.disconnect(dispatch_uid=signal_uid)
            got_request_exception.disconnect(dispatch_uid=exception_uid)
        self.check_exception(response)
        response.client = self
        response.request = request
        response.templates = data.get("templates", [])
        response.context = data.get("context")
        response.json = partial(self._parse_json, response)
        urlconf = getattr(response.wsgi_request, "urlconf", None)
        response.resolver_match = SimpleLazyObject(
            lambda: resolve(request["PATH_INFO"], urlconf=urlconf)
        )
        if response.context and len(response.context) == 1:
            response.context = response.context[0]
        if response.cookies:
            self.cookies.update(response.cookies)
        return response

    def _maybe_follow(self, response, follow, data="", content_type="", headers=None,
                      query_params=None, **extra):
        self.extra = extra
        self.headers = headers
        if follow:
            response = self._handle_redirects(response, data=data, content_type=content_type,
                                              headers=headers, query_params=query_params,
                                              **extra)
        return response

    def get(self, path, data=None, follow=False, secure=False, *, headers=None,
            query_params=None, **extra):
        response = super().get(path, data=data, secure=secure, headers=headers,
                               query_params=query_params, **extra)
        return self._maybe_follow(response, follow, data=data, headers=headers,
                                  query_params=query_params, **extra)

    def post(self, path, data=None, content_type=MULTIPART_CONTENT, follow=False, secure=False,
             *, headers=None, query_params=None, **extra):
        response = super().post(path, data=data, content_type=content_type, secure=secure,
                                headers=headers, query_params=query_params, **extra)
        return self._maybe_follow(response, follow, data=data, content_type=content_type,
                                  headers=headers, query_params=query_params, **extra)

    def head(self, path, data=None, follow=False, secure=False, *, headers=None,
             query_params=None, **extra):
        response = super().head(path, data=data, secure=secure, headers=headers,
                                query_params=query_params, **extra)
        return self._maybe_follow(response, follow, data=data, headers=headers,
                                  query_params=query_params, **extra)

    def options(self, path, data="", content_type="application/octet-stream", follow=False,
                secure=False, *, headers=None, query_params=None, **extra):
        response = super().options(path, data=data, content_type=content_type, secure=secure,
                                   headers=headers, query_params=query_params, **extra)
        return self._maybe_follow(response, follow, data=data, content_type=content_type,
                                  headers=headers, query_params=query_params, **extra)

    def put(self, path, data="", content_type="application/octet-stream", follow=False,
            secure=False, *, headers=None, query_params=None, **extra):
        response = super().put(path, data=data, content_type=content_type, secure=secure,
                               headers=headers, query_params=query_params, **extra)
        return self._maybe_follow(response, follow, data=data, content_type=content_type,
                                  headers=headers, query_params=query_params, **extra)

    def patch(self, path, data="", content_type="application/octet-stream", follow=False,
              secure=False, *, headers=None, query_params=None, **extra):
        response = super().patch(path, data=data, content_type=content_type, secure=secure,
                                 headers=headers, query_params=query_params, **extra)
        return self._maybe_follow(response, follow, data=data, content_type=content_type,
                                  headers=headers, query_params=query_params, **extra)

    def delete(self, path, data="", content_type="application/octet-stream", follow=False,
               secure=False, *, headers=None, query_params=None, **extra):
        response = super().delete(path, data=data, content_type=content_type, secure=secure,
                                  headers=headers, query_params=query_params, **extra)
        return self._maybe_follow(response, follow, data=data, content_type=content_type,
                                  headers=headers, query_params=query_params, **extra)

    def trace(self, path, data="", follow=False, secure=False, *, headers=None,
              query_params=None, **extra):
        response = super().trace(path, secure=secure, headers=headers,
                                 query_params=query_params, **extra)
        return self._maybe_follow(response, follow, data=data, headers=headers,
                                  query_params=query_params, **extra)

    def _handle_redirects(self, response, data="", content_type="", headers=None,
                          query_params=None, **extra):
        response.redirect_chain = []
        while response.status_code in _REDIRECT_CODES:
            redirect_chain = response.redirect_chain
            method, path, new_data, new_ct, keep = self._follow_state(response, extra)
            if keep:
                request_method = getattr(self, method)
                response = request_method(path, data=data, content_type=content_type,
                                          follow=False, headers=headers,
                                          query_params=query_params, **extra)
            else:
                response = self.get(path, data=new_data, follow=False, headers=headers,
                                    **extra)
            self._check_redirect_loop(response, redirect_chain)
        return response


class AsyncClient(ClientMixin, AsyncRequestFactory):
    """The async test client: ``await self.async_client.get("/")``."""

    def __init__(self, enforce_csrf_checks: bool = False, raise_request_exception: bool = True,
                 *, headers=None, query_params=None, **defaults):
        super().__init__(headers=headers, query_params=query_params, **defaults)
        self.handler = AsyncClientHandler(enforce_csrf_checks)
        self.raise_request_exception = raise_request_exception
        self.exc_info = None
        self.extra = None
        self.headers = None

    async def request(self, **request):
        if "follow" in request:
            raise NotImplementedError("AsyncClient request methods do not accept the follow "
                                      "parameter.")
        scope = self._base_scope(**request)
        cookies = "; ".join(
            sorted(f"{morsel.key}={morsel.coded_value}" for morsel in self.cookies.values())
        )
        if cookies:
            scope["headers"] = [*scope["headers"], (b"cookie", cookies.encode("latin-1"))]
        data: dict = {}
        on_template_render = partial(store_rendered_templates, data)
        signal_uid = f"template-render-{id(request)}"
        test_signals.template_rendered.connect(on_template_render, dispatch_uid=signal_uid)
        exception_uid = f"request-exception-{id(request)}"
        got_request_exception.connect(self.store_exc_info, dispatch_uid=exception_uid)
        try:
            response = await self.handler(scope)
        finally:
            test_signals.template_rendered.disconnect(dispatch_uid=signal_uid)
            got_request_exception.disconnect(dispatch_uid=exception_uid)
        self.check_exception(response)
        response.client = self
        response.request = request
        response.templates = data.get("templates", [])
        response.context = data.get("context")
        response.json = partial(self._parse_json, response)
        urlconf = getattr(response.asgi_request, "urlconf", None)
        response.resolver_match = SimpleLazyObject(
            lambda: resolve(request["path"], urlconf=urlconf)
        )
        if response.context and len(response.context) == 1:
            response.context = response.context[0]
        if response.cookies:
            self.cookies.update(response.cookies)
        return response

    async def _maybe_follow(self, response, follow, data="", content_type="", headers=None,
                            query_params=None, **extra):
        self.extra = extra
        self.headers = headers
        if follow:
            response = await self._ahandle_redirects(
                response, data=data, content_type=content_type, headers=headers,
                query_params=query_params, **extra)
        return response

    async def get(self, path, data=None, follow=False, secure=False, *, headers=None,
                  query_params=None, **extra):
        response = await super().get(path, data=data, secure=secure, headers=headers,
                                     query_params=query_params, **extra)
        return await self._maybe_follow(response, follow, data=data, headers=headers,
                                        query_params=query_params, **extra)

    async def post(self, path, data=None, content_type=MULTIPART_CONTENT, follow=False,
                   secure=False, *, headers=None, query_params=None, **extra):
        response = await super().post(path, data=data, content_type=content_type,
                                      secure=secure, headers=headers,
                                      query_params=query_params, **extra)
        return await self._maybe_follow(response, follow, data=data, content_type=content_type,
                                        headers=headers, query_params=query_params, **extra)

    async def head(self, path, data=None, follow=False, secure=False, *, headers=None,
                   query_params=None, **extra):
        response = await super().head(path, data=data, secure=secure, headers=headers,
                                      query_params=query_params, **extra)
        return await self._maybe_follow(response, follow, data=data, headers=headers,
                                        query_params=query_params, **extra)

    async def options(self, path, data="", content_type="application/octet-stream",
                      follow=False, secure=False, *, headers=None, query_params=None, **extra):
        response = await super().options(path, data=data, content_type=content_type,
                                         secure=secure, headers=headers,
                                         query_params=query_params, **extra)
        return await self._maybe_follow(response, follow, data=data, content_type=content_type,
                                        headers=headers, query_params=query_params, **extra)

    async def put(self, path, data="", content_type="application/octet-stream", follow=False,
                  secure=False, *, headers=None, query_params=None, **extra):
        response = await super().put(path, data=data, content_type=content_type, secure=secure,
                                     headers=headers, query_params=query_params, **extra)
        return await self._maybe_follow(response, follow, data=data, content_type=content_type,
                                        headers=headers, query_params=query_params, **extra)

    async def patch(self, path, data="", content_type="application/octet-stream", follow=False,
                    secure=False, *, headers=None, query_params=None, **extra):
        response = await super().patch(path, data=data, content_type=content_type,
                                       secure=secure, headers=headers,
                                       query_params=query_params, **extra)
        return await self._maybe_follow(response, follow, data=data, content_type=content_type,
                                        headers=headers, query_params=query_params, **extra)

    async def delete(self, path, data="", content_type="application/octet-stream",
                     follow=False, secure=False, *, headers=None, query_params=None, **extra):
        response = await super().delete(path, data=data, content_type=content_type,
                                        secure=secure, headers=headers,
                                        query_params=query_params, **extra)
        return await self._maybe_follow(response, follow, data=data, content_type=content_type,
                                        headers=headers, query_params=query_params, **extra)

    async def trace(self, path, data="", follow=False, secure=False, *, headers=None,
                    query_params=None, **extra):
        response = await super().trace(path, secure=secure, headers=headers,
                                       query_params=query_params, **extra)
        return await self._maybe_follow(response, follow, data=data, headers=headers,
                                        query_params=query_params, **extra)

    async def _ahandle_redirects(self, response, data="", content_type="", headers=None,
                                 query_params=None, **extra):
        response.redirect_chain = []
        while response.status_code in _REDIRECT_CODES:
            redirect_chain = response.redirect_chain
            response.request.setdefault("PATH_INFO", response.request.get("path", "/"))
            response.request.setdefault("REQUEST_METHOD",
                                        response.request.get("method", "GET"))
            method, path, new_data, new_ct, keep = self._follow_state(response, extra)
            extra = {k: v for k, v in extra.items() if not k.startswith("wsgi.")}
            if keep:
                response = await getattr(self, method)(
                    path, data=data, content_type=content_type, follow=False, headers=headers,
                    query_params=query_params, **extra)
            else:
                response = await self.get(path, data=new_data, follow=False, headers=headers,
                                          **extra)
            self._check_redirect_loop(response, redirect_chain)
        return response

