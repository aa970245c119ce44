"""The baseline: the smallest WSGI callable that answers the plain page."""

BODY = b"Hello, World!"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
