"""The development server serves the site over real sockets and refuses malformed input."""

import http.client
import socket
import threading

import pytest

from reinhardt.test import override_settings
from reinhardt.web.handlers.wsgi import WSGIHandler
from reinhardt.web.server.basehttp import WSGIRequestHandler, WSGIServer
from reinhardt.web.server.runserver import parse_addrport
from tests.web.compat import cases


@pytest.fixture(scope="module")
def server():
    with override_settings(**cases.settings_for("reinhardt.web.middleware")):
        httpd = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
        httpd.set_app(WSGIHandler())
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield httpd.server_port
        httpd.shutdown()
        httpd.server_close()


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request(method, path, body=body, headers={"Host": "testserver", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def raw_request(port, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_serves_pages(server):
    response, body = request(server, "GET", "/blog/12/")
    assert response.status == 200
    assert body == b"detail 12 blog:detail"
    assert response.getheader("X-Frame-Options") == "DENY"


def test_invalid_utf8_in_path_and_query_is_a_client_error(server):
    reply = raw_request(server, b"GET /bl\xffog/?q=\xff HTTP/1.1\r\nHost: testserver\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 404")
    reply = raw_request(server, b"GET /req/?q=%ff\xfe HTTP/1.1\r\nHost: testserver\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200")


def test_host_not_allowed_is_400(server):
    response, _ = request(server, "GET", "/req/", headers={"Host": "evil.example"})
    assert response.status == 400


def test_oversized_headers_are_refused(server):
    reply = raw_request(server, b"GET / HTTP/1.1\r\nHost: testserver\r\n"
                        + b"X-Big: " + b"a" * 70000 + b"\r\n\r\n")
    assert reply.split(b" ", 2)[1] in (b"400", b"431")


def test_oversized_body_is_400(server):
    response, _ = request(server, "POST", "/exempt/", body=b"a=" + b"x" * 20000,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 400


def test_broken_multipart_is_not_a_server_error(server):
    response, _ = request(server, "POST", "/exempt/", body=b"--XyZ\r\nContent-Disp",
                          headers={"Content-Type": "multipart/form-data; boundary=XyZ"})
    assert response.status < 500
    response, _ = request(server, "POST", "/exempt/", body=b"abc",
                          headers={"Content-Type": "multipart/form-data"})
    assert response.status == 400


@pytest.mark.parametrize("given, expected", [
    (None, ("127.0.0.1", 8000, False)),
    ("9000", ("127.0.0.1", 9000, False)),
    ("0.0.0.0:8001", ("0.0.0.0", 8001, False)),
    ("[::1]:8002", ("::1", 8002, True)),
    ("localhost:8003", ("localhost", 8003, False)),
])
def test_parse_addrport(given, expected):
    assert parse_addrport(given) == expected
