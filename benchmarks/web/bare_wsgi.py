"""The baseline: the smallest WSGI callable that answers the plain page."""

BODY = b"Hello, World!"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


def application_without_length(environ, start_response):
    """A reference variant, not the target's baseline: the same page framed as Django and
    reinhardt frame it. Their responses carry no Content-Length (CommonMiddleware would add
    one), so gunicorn sends them chunked, which costs a little more per request."""
    start_response("200 OK", HEADERS[:1])
    return [BODY]
