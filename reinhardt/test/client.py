"""RequestFactory, Client, AsyncRequestFactory and AsyncClient (``django.test.client``).

The factories build request objects to hand to a view. The clients send requests through the
real handler and middleware in process, keep cookies between requests, follow redirects on
request, and attach to each response what a test checks: the request, the templates rendered
with their contexts, the resolver match, the parsed JSON.

Every request method goes through one path: the method records a ``_Call`` (what the test
asked for), ``_issue`` turns it into a request, and the clients repeat or adapt the call when
they follow redirects. The sync and async clients share that logic; only the awaiting differs.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import sys
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass, field, replace
from functools import partial, wraps
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
MULTIPART_CONTENT = f"multipart/form-data; boundary={BOUNDARY}"
OCTET_STREAM = "application/octet-stream"
CONTENT_TYPE_RE = re.compile(r".*; charset=([\w-]+);?")
# application/json and application/<anything>+json (RFC 6838 structured suffix).
JSON_CONTENT_TYPE_RE = re.compile(r"^application\/(.+\+)?json")
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_REPEATING_REDIRECTS = frozenset({307, 308})  # same method, same body
_MAX_REDIRECTS = 20


class RedirectCycleError(Exception):
    """Following redirects went round in a loop, or went on too long."""

    def __init__(self, message: str, last_response):
        super().__init__(message)
        self.last_response = last_response
        self.redirect_chain = last_response.redirect_chain


class FakePayload(IOBase):
    """An in-memory wsgi.input that, like a socket, cannot be read past its length."""

    def __init__(self, initial_bytes: bytes | str | None = None):
        self._buffer = BytesIO()
        self._unread = 0
        self.read_started = False
        if initial_bytes is not None:
            self.write(initial_bytes)

    def __len__(self) -> int:
        return self._unread

    def _take(self, reader, size):
        if not self.read_started:
            self.read_started = True
            self._buffer.seek(0)
        wanted = self._unread if size is None or size == -1 else size
        assert wanted <= self._unread, (
            "Cannot read more than the available bytes from the HTTP incoming data."
        )
        chunk = reader(wanted)
        self._unread -= len(chunk)
        return chunk

    def read(self, size: int = -1, /) -> bytes:
        return self._take(self._buffer.read, size)

    def readline(self, size: int = -1, /) -> bytes:
        return self._take(self._buffer.readline, size)

    def write(self, b) -> None:
        if self.read_started:
            raise ValueError("Unable to write a payload after it's been read")
        data = force_bytes(b)
        self._buffer.write(data)
        self._unread += len(data)


# --- the handlers ------------------------------------------------------------------------------

@contextmanager
def _keeping_db_connections(signal):
    """Send ``signal`` without the ORM's close_old_connections receiver: closing the test
    database connection would end the test's transaction."""
    try:
        from reinhardt.orm import close_old_connections as receiver
    except ImportError:
        receiver = None
    if receiver is not None:
        signal.disconnect(receiver)
    try:
        yield
    finally:
        if receiver is not None:
            signal.connect(receiver)


def _finish(close) -> None:
    """Close the response (which sends request_finished) with the connections kept open."""
    with _keeping_db_connections(request_finished):
        close()


def closing_iterator_wrapper(iterable, close):
    """Stream ``iterable``, then finish the response, as a server does after the last chunk."""
    try:
        yield from iterable
    finally:
        _finish(close)


async def aclosing_iterator_wrapper(iterable, close):
    try:
        async for chunk in iterable:
            yield chunk
    finally:
        await sync_to_async(_finish)(close)


def conditional_content_removal(request, response):
    """Drop the body where HTTP says there is none (1xx, 204, 304, HEAD), as servers do."""
    status = response.status_code
    if request.method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        if response.streaming:
            response.streaming_content = []
        else:
            response.content = b""
    return response


def _prepare(handler, request, response):
    """What both client handlers do to a response before handing it to the test. Returns
    whether the response is finished already (a streaming one finishes when consumed)."""
    conditional_content_removal(request, response)
    if not response.streaming:
        return False
    wrap = aclosing_iterator_wrapper if response.is_async else closing_iterator_wrapper
    response.streaming_content = wrap(response.streaming_content, response.close)
    return True


class ClientHandler(BaseHandler):
    """Runs a WSGI environ through the middleware and returns the response object itself."""

    def __init__(self, enforce_csrf_checks: bool = True, *args, **kwargs):
        self.enforce_csrf_checks = enforce_csrf_checks
        super().__init__(*args, **kwargs)

    def __call__(self, environ):
        if self._middleware_chain is None:
            self.load_middleware()
        with _keeping_db_connections(request_started):
            request_started.send(sender=type(self), environ=environ)
        request = WSGIRequest(environ)
        # CSRF checks are off in tests unless the client enforces them.
        request._dont_enforce_csrf_checks = not self.enforce_csrf_checks
        response = self.get_response(request)
        response.wsgi_request = request
        if not _prepare(self, request, response):
            _finish(response.close)
        return response


class AsyncClientHandler(BaseHandler):
    """The ASGI counterpart of ClientHandler."""

    def __init__(self, enforce_csrf_checks: bool = True, *args, **kwargs):
        self.enforce_csrf_checks = enforce_csrf_checks
        super().__init__(*args, **kwargs)

    async def __call__(self, scope):
        if self._middleware_chain is None:
            self.load_middleware(is_async=True)
        body = scope.pop("_body_file", None) or FakePayload(b"")
        await request_started.asend(sender=type(self), scope=scope)
        request = ASGIRequest(scope, LimitedStream(body, len(body)))
        request._dont_enforce_csrf_checks = not self.enforce_csrf_checks
        response = await self.get_response_async(request)
        # Both names, so that tests can read the request the same way for either client.
        response.asgi_request = response.wsgi_request = request
        if not _prepare(self, request, response):
            await sync_to_async(_finish)(response.close)
        return response


def store_rendered_templates(store: dict, signal, sender, template, context, **kwargs) -> None:
    """template_rendered receiver: record the template and a copy of its context."""
    store.setdefault("templates", []).append(template)
    store.setdefault("context", ContextList()).append(copy(context))


# --- request bodies ----------------------------------------------------------------------------

def _bytes(text) -> bytes:
    return force_bytes(text, settings.DEFAULT_CHARSET)


def _is_file(value) -> bool:
    return callable(getattr(value, "read", None))


def _field_part(boundary: str, key: str, value) -> list[bytes]:
    if value is None:
        raise TypeError(
            f"Cannot encode None for key '{key}' as POST data. Did you mean to pass an "
            "empty string or omit the value?"
        )
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n'
    return [_bytes(head), _bytes(value)]


def encode_multipart(boundary: str, data: dict) -> bytes:
    """``data`` (values: text, files, or lists of either) as a multipart/form-data body."""
    parts: list[bytes] = []
    for key, value in data.items():
        many = not isinstance(value, (str, bytes)) and hasattr(value, "__iter__")
        for item in (value if many and not _is_file(value) else [value]):
            parts += encode_file(boundary, key, item) if _is_file(item) else _field_part(
                boundary, key, item
            )
    parts += [_bytes(f"--{boundary}--"), b""]
    return b"\r\n".join(parts)


def _upload_name_and_type(key: str, file) -> tuple[str, str]:
    name = getattr(file, "name", None)
    base = os.path.basename(name) if isinstance(name, str) else ""
    if hasattr(file, "content_type"):
        guessed = file.content_type
    else:
        guessed = mimetypes.guess_type(base)[0] if base else None
    return base or key, guessed or OCTET_STREAM


def encode_file(boundary: str, key: str, file) -> list[bytes]:
    """The lines of one file part of a multipart body."""
    if getattr(file, "seekable", None) and file.seekable():
        file.seek(0)  # a file read before would otherwise be sent empty
    filename, content_type = _upload_name_and_type(key, file)
    return [
        _bytes(f"--{boundary}"),
        _bytes(f'Content-Disposition: form-data; name="{key}"; filename="{filename}"'),
        _bytes(f"Content-Type: {content_type}"),
        b"",
        _bytes(file.read()),
    ]


# --- what a test asked for ---------------------------------------------------------------------

@dataclass
class _Call:
    """One request as the test wrote it, kept so that following a redirect can repeat it."""

    method: str
    path: str
    data: Any = ""
    content_type: str | None = None
    secure: bool = False
    headers: dict | None = None
    query_params: Any = None
    extra: dict = field(default_factory=dict)


def _query_call(method, path, data, secure, headers, query_params, extra) -> _Call:
    """GET and HEAD: ``data`` is the query string."""
    if data and query_params:
        raise ValueError("query_params and data arguments are mutually exclusive.")
    return _Call(method, path, None, None, secure, headers, data or query_params, extra)


class RequestFactory:
    """Builds request objects to pass to a view directly, without middleware or URLs."""

    def __init__(self, *, json_encoder=DjangoJSONEncoder, headers: dict | None = None,
                 query_params: dict | None = None, **defaults):
        self.json_encoder = json_encoder
        self.defaults = defaults
        self.cookies = SimpleCookie()
        self.errors = BytesIO()
        if headers:
            defaults.update(HttpHeaders.to_wsgi_names(headers))
        if query_params:
            defaults["QUERY_STRING"] = urlencode(query_params, doseq=True)

    # The request methods. The clients add ``follow`` to each.

    def get(self, path: str, data=None, secure: bool = False, *, headers=None,
            query_params=None, **extra):
        return self._send(_query_call("GET", path, data, secure, headers, query_params, extra))

    def head(self, path: str, data=None, secure: bool = False, *, headers=None,
             query_params=None, **extra):
        return self._send(_query_call("HEAD", path, data, secure, headers, query_params, extra))

    def post(self, path: str, data=None, content_type: str = MULTIPART_CONTENT,
             secure: bool = False, *, headers=None, query_params=None, **extra):
        return self._send(_Call("POST", path, {} if data is None else data, content_type,
                                     secure, headers, query_params, extra))

    def put(self, path: str, data="", content_type: str = OCTET_STREAM, secure: bool = False,
            *, headers=None, query_params=None, **extra):
        return self._send(_Call("PUT", path, data, content_type, secure, headers,
                                     query_params, extra))

    def patch(self, path: str, data="", content_type: str = OCTET_STREAM, secure: bool = False,
              *, headers=None, query_params=None, **extra):
        return self._send(_Call("PATCH", path, data, content_type, secure, headers,
                                     query_params, extra))

    def delete(self, path: str, data="", content_type: str = OCTET_STREAM,
               secure: bool = False, *, headers=None, query_params=None, **extra):
        return self._send(_Call("DELETE", path, data, content_type, secure, headers,
                                     query_params, extra))

    def options(self, path: str, data="", content_type: str = OCTET_STREAM,
                secure: bool = False, *, headers=None, query_params=None, **extra):
        return self._send(_Call("OPTIONS", path, data, content_type, secure, headers,
                                     query_params, extra))

    def trace(self, path: str, secure: bool = False, *, headers=None, query_params=None,
              **extra):
        return self._send(_Call("TRACE", path, "", None, secure, headers, query_params, extra))

    # From a call to a request.

    def _send(self, call: _Call):
        return self._issue(call)

    def _issue(self, call: _Call):
        """Encode the call's data as its method carries it, then build the request."""
        if call.method in ("GET", "HEAD"):
            body, query = "", call.query_params
        else:
            body, query = self._body(call), call.query_params
        return self.generic(
            call.method, call.path, body, call.content_type or OCTET_STREAM, call.secure,
            headers=call.headers, query_params=query, **call.extra
        )

    def _body(self, call: _Call):
        data = call.data
        if call.method in ("POST", "PUT", "PATCH", "DELETE"):
            data = self._encode_json(data, call.content_type)
        if call.method == "POST":
            data = self._encode_data(data, call.content_type)
        return data

    def _encode_json(self, data, content_type: str):
        """JSON-encode dicts, lists and tuples when the content type is JSON."""
        if isinstance(data, (dict, list, tuple)) and JSON_CONTENT_TYPE_RE.match(content_type):
            return json.dumps(data, cls=self.json_encoder)
        return data

    def _encode_data(self, data, content_type: str) -> bytes:
        if content_type is MULTIPART_CONTENT:
            return encode_multipart(BOUNDARY, data)
        charset = CONTENT_TYPE_RE.match(content_type)
        return force_bytes(data, encoding=charset[1] if charset else settings.DEFAULT_CHARSET)

    def _get_path(self, parsed) -> str:
        # WSGI carries the path as bytes decoded as Latin-1.
        return unquote_to_bytes(parsed.path).decode("iso-8859-1")

    def _cookie_header(self) -> str:
        return "; ".join(sorted(f"{m.key}={m.coded_value}" for m in self.cookies.values()))

    def _base_environ(self, **request) -> dict[str, Any]:
        environ = {
            "HTTP_COOKIE": self._cookie_header(),
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
        }
        environ.update(self.defaults)
        environ.update(request)
        return environ

    def request(self, **request) -> HttpRequest:
        """A request from a WSGI environ: the defaults updated with ``request``."""
        return WSGIRequest(self._base_environ(**request))

    def generic(self, method: str, path: str, data="",
                content_type: str | None = OCTET_STREAM, secure: bool = False,
                *, headers=None, query_params=None, **extra):
        """A request of any method, with ``data`` as its body."""
        url = urlsplit(str(path))
        body = _bytes(data)
        environ = {
            "PATH_INFO": self._get_path(url),
            "REQUEST_METHOD": method,
            "SERVER_PORT": "443" if secure else "80",
            "wsgi.url_scheme": "https" if secure else "http",
        }
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["CONTENT_TYPE"] = content_type
            environ["wsgi.input"] = FakePayload(body)
        if headers:
            extra.update(HttpHeaders.to_wsgi_names(headers))
        if query_params:
            extra["QUERY_STRING"] = urlencode(query_params, doseq=True)
        environ.update(extra)
        if not environ.get("QUERY_STRING"):
            # Like the path, the query string is Latin-1-decoded bytes in WSGI.
            environ["QUERY_STRING"] = url.query.encode().decode("iso-8859-1")
        return self.request(**environ)


class AsyncRequestFactory(RequestFactory):
    """Builds ASGIRequest objects, for calling async views directly."""

    def _base_scope(self, **request) -> dict[str, Any]:
        scope = {
            "asgi": {"version": "3.0"},
            "type": "http",
            "http_version": "1.1",
            "client": ["127.0.0.1", 0],
            "server": ("testserver", "80"),
            "scheme": "http",
            "method": "GET",
            "headers": [],
        }
        scope.update(self.defaults)
        scope.update(request)
        return scope

    def request(self, **request) -> ASGIRequest:
        body = request.pop("_body_file", None) or FakePayload(b"")
        return ASGIRequest(self._base_scope(**request), LimitedStream(body, len(body)))

    def generic(self, method: str, path: str, data="",
                content_type: str | None = OCTET_STREAM, secure: bool = False,
                *, headers=None, query_params=None, **extra):
        url = urlsplit(str(path))
        body = _bytes(data)
        extra = {**self.defaults, **extra}
        raw_headers = [(b"host", b"testserver")]
        scope = {
            "method": method,
            "path": self._get_path(url).encode("latin-1").decode("utf-8", "replace"),
            "server": ("127.0.0.1", "443" if secure else "80"),
            "scheme": "https" if secure else "http",
            "headers": raw_headers,
        }
        if body:
            raw_headers.append((b"content-length", str(len(body)).encode("ascii")))
            raw_headers.append((b"content-type", content_type.encode("ascii")))
            scope["_body_file"] = FakePayload(body)
        scope["query_string"] = _asgi_query(query_params, extra.pop("QUERY_STRING", None), url)
        if headers:
            extra.update(HttpHeaders.to_asgi_names(headers))
        # Upper-case keys are header names in META style (HTTP_X_FOO or X_FOO).
        raw_headers += [
            (key.lower().replace("_", "-").encode("latin-1"), str(value).encode("latin-1"))
            for key, value in extra.items()
            if key.isupper()
        ]
        return self.request(**scope)


def _asgi_query(query_params, query_string, url) -> bytes:
    if query_params:
        text = urlencode(query_params, doseq=True)
    else:
        text = query_string or url.query
    return text.encode("latin-1", "replace") if isinstance(text, str) else text


# --- the clients -------------------------------------------------------------------------------

class ClientMixin:
    """What Client and AsyncClient share: the request methods with ``follow``, redirects,
    exceptions, JSON, sessions."""

    def _setup_client(self, enforce_csrf_checks, raise_request_exception, handler_class):
        self.handler = handler_class(enforce_csrf_checks)
        self.raise_request_exception = raise_request_exception
        self.exc_info = None
        self.extra = None
        self.headers = None

    def get(self, path, data=None, follow=False, secure=False, *, headers=None,
            query_params=None, **extra):
        call = _query_call("GET", path, data, secure, headers, query_params, extra)
        return self._send(call, follow)

    def head(self, path, data=None, follow=False, secure=False, *, headers=None,
             query_params=None, **extra):
        call = _query_call("HEAD", path, data, secure, headers, query_params, extra)
        return self._send(call, follow)

    def post(self, path, data=None, content_type=MULTIPART_CONTENT, follow=False, secure=False,
             *, headers=None, query_params=None, **extra):
        call = _Call("POST", path, {} if data is None else data, content_type, secure,
                          headers, query_params, extra)
        return self._send(call, follow)

    def put(self, path, data="", content_type=OCTET_STREAM, follow=False, secure=False, *,
            headers=None, query_params=None, **extra):
        call = _Call("PUT", path, data, content_type, secure, headers, query_params, extra)
        return self._send(call, follow)

    def patch(self, path, data="", content_type=OCTET_STREAM, follow=False, secure=False, *,
              headers=None, query_params=None, **extra):
        call = _Call("PATCH", path, data, content_type, secure, headers, query_params,
                          extra)
        return self._send(call, follow)

    def delete(self, path, data="", content_type=OCTET_STREAM, follow=False, secure=False, *,
               headers=None, query_params=None, **extra):
        call = _Call("DELETE", path, data, content_type, secure, headers, query_params,
                          extra)
        return self._send(call, follow)

    def options(self, path, data="", content_type=OCTET_STREAM, follow=False, secure=False, *,
                headers=None, query_params=None, **extra):
        call = _Call("OPTIONS", path, data, content_type, secure, headers, query_params,
                          extra)
        return self._send(call, follow)

    def trace(self, path, data="", follow=False, secure=False, *, headers=None,
              query_params=None, **extra):
        # Like Django, TRACE sends no body whatever ``data`` says.
        call = _Call("TRACE", path, "", None, secure, headers, query_params, extra)
        return self._send(call, follow)

    def _remember(self, call: _Call) -> None:
        self.extra = call.extra
        self.headers = call.headers

    # Following redirects: a generator that yields each next call and is sent its response,
    # so that the sync and the async client drive the same logic.

    def _redirects(self, response, call: _Call):
        chain = response.redirect_chain = []
        while response.status_code in _REDIRECT_CODES:
            chain.append((response.url, response.status_code))
            call = self._redirected_call(response, call)
            response = yield call
            response.redirect_chain = chain
            if chain[-1] in chain[:-1]:
                raise RedirectCycleError("Redirect loop detected.", last_response=response)
            if len(chain) > _MAX_REDIRECTS:
                raise RedirectCycleError("Too many redirects.", last_response=response)
        return response

    def _redirected_call(self, response, call: _Call) -> _Call:
        """The request a browser makes next: the same one again (method, data) for a 307 or
        308, otherwise a GET of the new location with its query string."""
        target = urlsplit(response.url)
        extra = {key: value for key, value in call.extra.items() if key != "QUERY_STRING"}
        if target.scheme:
            extra["wsgi.url_scheme"] = target.scheme
        if target.hostname:
            extra["SERVER_NAME"] = extra["HTTP_HOST"] = target.hostname
        if target.port:
            extra["SERVER_PORT"] = str(target.port)
        path = target.path or ("/" if target.netloc else "")
        if not path.startswith("/"):
            path = urljoin(self._requested_path(response), path)
        if response.status_code not in _REPEATING_REDIRECTS:
            return _Call("GET", path, None, None, False, call.headers,
                         QueryDict(target.query), extra)
        if call.method not in ("GET", "HEAD"):
            # The body goes again; the query string is the new location's.
            extra["QUERY_STRING"] = target.query
        return replace(call, path=path, secure=False, extra=extra)

    @staticmethod
    def _requested_path(response) -> str:
        request = response.request
        return request.get("PATH_INFO") or request.get("path", "/")

    # What the handler's response gets before the test sees it.

    @contextmanager
    def _watching(self, request: dict):
        """Collect the templates rendered and any exception the view raised."""
        rendered: dict = {}
        template_uid = f"template-render-{id(request)}"
        exception_uid = f"request-exception-{id(request)}"
        # Held here: the signal keeps only a weak reference to its receivers.
        on_render = partial(store_rendered_templates, rendered)
        test_signals.template_rendered.connect(on_render, dispatch_uid=template_uid)
        got_request_exception.connect(self.store_exc_info, dispatch_uid=exception_uid)
        try:
            yield rendered
        finally:
            test_signals.template_rendered.disconnect(dispatch_uid=template_uid)
            got_request_exception.disconnect(dispatch_uid=exception_uid)

    def _annotate(self, response, request: dict, rendered: dict, path: str):
        self.check_exception(response)
        contexts = rendered.get("context")
        response.client = self
        response.request = request
        response.templates = rendered.get("templates", [])
        response.context = contexts[0] if contexts and len(contexts) == 1 else contexts
        response.json = partial(self._parse_json, response)
        urlconf = getattr(response.wsgi_request, "urlconf", None)
        response.resolver_match = SimpleLazyObject(lambda: resolve(path, urlconf=urlconf))
        if response.cookies:
            self.cookies.update(response.cookies)
        return response

    def store_exc_info(self, **kwargs) -> None:
        self.exc_info = sys.exc_info()

    def check_exception(self, response) -> None:
        """Re-raise the view's exception in the test when raise_request_exception is set."""
        if self.exc_info is None:
            return
        error = self.exc_info[1]
        self.exc_info = None
        if self.raise_request_exception:
            raise error

    def _parse_json(self, response, **extra):
        if not hasattr(response, "_json"):
            content_type = response.get("Content-Type")
            if not JSON_CONTENT_TYPE_RE.match(content_type):
                raise ValueError(
                    f'Content-Type header is "{content_type}", not "application/json"'
                )
            response._json = json.loads(response.content.decode(response.charset), **extra)
        return response._json

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


class Client(ClientMixin, RequestFactory):
    """A browser for tests: sends requests through the middleware and keeps cookies."""

    def __init__(self, enforce_csrf_checks: bool = False, raise_request_exception: bool = True,
                 *, headers=None, query_params=None, **defaults):
        super().__init__(headers=headers, query_params=query_params, **defaults)
        self._setup_client(enforce_csrf_checks, raise_request_exception, ClientHandler)

    def request(self, **request):
        """Run a request through the handler; the response carries what tests inspect."""
        environ = self._base_environ(**request)
        with self._watching(request) as rendered:
            response = self.handler(environ)
        return self._annotate(response, request, rendered, request["PATH_INFO"])

    def _send(self, call: _Call, follow: bool = False):
        response = self._issue(call)
        self._remember(call)
        if not follow:
            return response
        steps = self._redirects(response, call)
        try:
            next_call = next(steps)
            while True:
                next_call = steps.send(self._issue(next_call))
        except StopIteration as done:
            return done.value


class AsyncClient(ClientMixin, AsyncRequestFactory):
    """The async test client: ``await self.async_client.get("/")``."""

    def __init__(self, enforce_csrf_checks: bool = False, raise_request_exception: bool = True,
                 *, headers=None, query_params=None, **defaults):
        super().__init__(headers=headers, query_params=query_params, **defaults)
        self._setup_client(enforce_csrf_checks, raise_request_exception, AsyncClientHandler)

    async def request(self, **request):
        if "follow" in request:
            raise NotImplementedError(
                "AsyncClient request methods do not accept the follow parameter."
            )
        scope = self._base_scope(**request)
        cookies = self._cookie_header()
        if cookies:
            scope["headers"] = [*scope["headers"], (b"cookie", cookies.encode("latin-1"))]
        with self._watching(request) as rendered:
            response = await self.handler(scope)
        return self._annotate(response, request, rendered, request["path"])

    async def _send(self, call: _Call, follow: bool = False):
        response = await self._issue(call)
        self._remember(call)
        if not follow:
            return response
        steps = self._redirects(response, call)
        try:
            next_call = next(steps)
            while True:
                next_call = steps.send(await self._issue(self._for_asgi(next_call)))
        except StopIteration as done:
            return done.value

    @staticmethod
    def _for_asgi(call: _Call) -> _Call:
        # WSGI environ keys mean nothing to an ASGI scope.
        extra = {k: v for k, v in call.extra.items() if not k.startswith("wsgi.")}
        return replace(call, extra=extra)


def _awaitable_method(name: str):
    """AsyncClient's version of a ClientMixin request method: a real coroutine function, as
    in Django (``inspect.iscoroutinefunction(AsyncClient.get)`` holds)."""
    shared = getattr(ClientMixin, name)

    @wraps(shared)
    async def method(self, *args, **kwargs):
        return await shared(self, *args, **kwargs)

    return method


for _name in ("get", "head", "post", "put", "patch", "delete", "options", "trace"):
    setattr(AsyncClient, _name, _awaitable_method(_name))
del _name
