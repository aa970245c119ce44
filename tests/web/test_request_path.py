"""The request path's shortcuts must not change what a request sees: remembered resolver
matches, signals sent only when someone listens, the URLconf reset after each request, and
content negotiation as Django 5.2 does it."""

import io

import pytest

from reinhardt.core.signals import request_finished, request_started
from reinhardt.test import RequestFactory, override_settings
from reinhardt.web.handlers.wsgi import WSGIHandler
from reinhardt.web.http import HttpResponse
from reinhardt.web.urls import get_resolver, get_urlconf, include, path, re_path


def view(request, **kwargs):
    text = f"{request.resolver_match.view_name} {sorted(kwargs.items())}"
    # A view may change its match; the next request must not see that.
    request.resolver_match.kwargs["changed_by_view"] = True
    request.resolver_match.namespaces.append("changed")
    return HttpResponse(text)


urlpatterns = [
    path("static/", view, {"extra": 1}, name="static"),
    path("item/<int:pk>/", view, name="item"),
    path("ns/", include(([path("inner/", view, name="inner")], "app"), namespace="ns")),
    re_path(r"^free/.*$", view, name="free"),
]


@pytest.fixture(autouse=True)
def site():
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"], MIDDLEWARE=[]):
        yield


def wsgi_get(handler, path_info):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path_info, "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http"}
    statuses = []
    response = handler(environ, lambda status, headers: statuses.append(status))
    body = b"".join(response)
    response.close()
    return statuses[0], body


def test_a_remembered_match_is_a_fresh_object_each_time():
    resolver = get_resolver()
    first = resolver.resolve("/static/")
    first.kwargs["x"] = 1
    first.namespaces.append("x")
    second = resolver.resolve("/static/")
    assert second is not first
    assert second.kwargs == {"extra": 1} and second.namespaces == []
    assert second.url_name == "static" and second.route == "static/"
    inner = resolver.resolve("/ns/inner/")
    assert resolver.resolve("/ns/inner/").namespaces == ["ns"] == inner.namespaces
    assert resolver.resolve("/ns/inner/").view_name == "ns:inner"


def test_only_paths_that_capture_nothing_are_remembered():
    resolver = get_resolver()
    assert resolver.resolve("/item/5/").kwargs == {"pk": 5}
    assert resolver.resolve("/item/6/").kwargs == {"pk": 6}
    assert "/item/5/" not in resolver._static_hits
    resolver.resolve("/free/anything/")
    assert "/free/anything/" in resolver._static_hits  # a regex with no groups


def test_views_changing_their_match_do_not_leak_into_the_next_request():
    handler = WSGIHandler()
    for _ in range(3):
        status, body = wsgi_get(handler, "/static/")
        assert status == "200 OK"
        assert body == b"static [('extra', 1)]"
        status, body = wsgi_get(handler, "/ns/inner/")
        assert body == b"ns:inner []"


def test_request_signals_reach_receivers_connected_at_any_time():
    handler = WSGIHandler()
    wsgi_get(handler, "/static/")  # a request with nobody listening
    seen = []

    def started(sender, environ, **kwargs):
        seen.append(("started", sender, environ["PATH_INFO"]))

    def finished(sender, **kwargs):
        seen.append(("finished", sender))

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        wsgi_get(handler, "/static/")
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert seen == [("started", WSGIHandler, "/static/"), ("finished", WSGIHandler)]
    wsgi_get(handler, "/static/")
    assert len(seen) == 2


def test_the_urlconf_is_forgotten_after_each_request():
    handler = WSGIHandler()
    wsgi_get(handler, "/static/")
    assert get_urlconf() is None


@pytest.mark.parametrize("accept, offered, preferred", [
    ("text/html;q=0, application/json", ["text/html", "application/json"], "application/json"),
    ("text/html, application/json", ["application/json", "text/html"], "text/html"),
    ("text/*;q=0.5, text/plain", ["text/html", "text/plain"], "text/plain"),
    ("text/html; level=1", ["text/html"], None),
    ("text/html", ["text/html; level=1"], "text/html; level=1"),
    ("image/png", ["text/html"], None),
])
def test_content_negotiation_follows_django_5_2(accept, offered, preferred):
    request = RequestFactory().get("/", HTTP_ACCEPT=accept)
    assert request.get_preferred_type(offered) == preferred
    assert request.accepts(offered[-1]) == (request.accepted_type(offered[-1]) is not None)


def test_ranges_with_q_zero_are_not_accepted():
    request = RequestFactory().get("/", HTTP_ACCEPT="text/html;q=0, */*;q=0.1")
    assert [str(media) for media in request.accepted_types] == ["*/*; q=0.1"]
    assert request.accepts("text/html")  # through */*


def test_a_handler_overriding_resolve_request_is_still_asked():
    asked = []

    class Handler(WSGIHandler):
        def resolve_request(self, request):
            asked.append(request.path_info)
            return super().resolve_request(request)

    status, body = wsgi_get(Handler(), "/static/")
    assert status == "200 OK" and asked == ["/static/"]


def test_a_request_urlconf_set_by_middleware_is_used():
    class Handler(WSGIHandler):
        def _get_response(self, request):
            request.urlconf = __name__ + "_other"
            return super()._get_response(request)

    import sys
    import types

    other = types.ModuleType(__name__ + "_other")
    other.urlpatterns = [path("static/", lambda request: HttpResponse("other urlconf"))]
    sys.modules[other.__name__] = other
    try:
        assert wsgi_get(Handler(), "/static/") == ("200 OK", b"other urlconf")
        assert get_urlconf() is None
    finally:
        del sys.modules[other.__name__]
