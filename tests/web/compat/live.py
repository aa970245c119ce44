"""A stand-in for the test Client that sends the compatibility cases to a real server.

Framework-neutral, like cases.py: the requests are built by the framework's own
RequestFactory (so bodies, multipart encoding and headers are exactly what the test client
would send), then written to a socket as HTTP/1.1; the reply is read back into an object
with what cases.run() looks at. Used by test_django_compat_live.py (reinhardt under
gunicorn) and record_django.py --live (Django under gunicorn).

What a real server changes: CSRF is always checked (the test client skips it unless asked),
so a case that did not ask sends a valid token (cookie and X-CSRFToken header); ``secure``
requests say so with X-Forwarded-Proto, which gunicorn trusts from 127.0.0.1.
"""

import http.client
import socket
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

from reinhardt.test import RequestFactory

CSRF_SECRET = "L" * 32
REDIRECTS = (301, 302, 303, 307, 308)


class LiveResponse:
    streaming = False

    def __init__(self, status, headers, body, url=None):
        self.status_code = status
        self.content = body
        self.cookies = SimpleCookie()
        self.headers = {}
        for name, value in headers:
            if name.lower() == "set-cookie":
                self.cookies.load(value)
            else:
                self.headers[name] = value
        self.url = self.headers.get("Location", url)


class LiveClient:
    """``LiveClient(port)(enforce_csrf_checks=..., raise_request_exception=...)``."""

    def __init__(self, port):
        self.port = port

    def __call__(self, enforce_csrf_checks=False, raise_request_exception=True):
        return _Client(self.port, enforce_csrf_checks)


class _Client:
    def __init__(self, port, enforce_csrf_checks):
        self.port = port
        self.enforce_csrf_checks = enforce_csrf_checks
        self.cookies = SimpleCookie()
        self.factory = RequestFactory()

    def __getattr__(self, method):
        if method not in ("get", "post", "head", "put", "patch", "delete", "options"):
            raise AttributeError(method)

        def send(path, *args, follow=False, **kwargs):
            response = self._send(getattr(self.factory, method)(path, *args, **kwargs))
            if follow:
                chain = []
                while response.status_code in REDIRECTS:
                    chain.append([response.url, response.status_code])
                    target = urlsplit(response.url)
                    path = target.path + (f"?{target.query}" if target.query else "")
                    response = self._send(self.factory.get(path))
                response.redirect_chain = chain
            return response

        return send

    def _send(self, request):
        environ = request.environ
        headers = {"Host": environ.get("HTTP_HOST", "testserver"), "Connection": "close"}
        for key, value in environ.items():
            if key.startswith("HTTP_") and key not in ("HTTP_HOST", "HTTP_COOKIE"):
                headers[key[5:].replace("_", "-").title()] = value
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        body = b""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            body = environ["wsgi.input"].read(length)
        headers["Content-Length"] = str(len(body))
        if environ.get("wsgi.url_scheme") == "https":
            headers["X-Forwarded-Proto"] = "https"
        cookies = {key: morsel.coded_value for key, morsel in self.cookies.items()}
        if not self.enforce_csrf_checks:
            # What skipping the check amounts to on a real server: a valid token.
            cookies.setdefault("csrftoken", CSRF_SECRET)
            headers.setdefault("X-Csrftoken", cookies["csrftoken"])
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in sorted(cookies.items()))
        # PATH_INFO is the unquoted path as Latin-1 text (WSGI): quote it back.
        target = quote(environ["PATH_INFO"].encode("latin-1"), safe="/:@!$&'()*+,;=~")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        method = environ["REQUEST_METHOD"]
        head = f"{method} {target} HTTP/1.1\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(head.encode("latin-1") + body)
            reply = http.client.HTTPResponse(sock, method=method)
            reply.begin()
            data = reply.read()
            response = LiveResponse(reply.status, reply.getheaders(), data)
        for key, morsel in response.cookies.items():
            self.cookies[key] = morsel.value
        return response
