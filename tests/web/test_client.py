"""The test client follows redirects as a browser would, as Django's does."""

import inspect
import sys
import types

import pytest
from asgiref.sync import async_to_sync

from reinhardt.test import AsyncClient, Client, RequestFactory, override_settings
from reinhardt.test.client import RedirectCycleError
from reinhardt.web.http import HttpResponse, HttpResponseRedirect
from reinhardt.web.urls import path


def echo(request):
    body = request.body.decode()
    return HttpResponse(f"{request.method} {request.path}?{request.GET.urlencode()} [{body}]")


def redirect_to(location, status=302):
    def view(request):
        response = HttpResponseRedirect(location)
        response.status_code = status
        return response

    return view


urls = types.ModuleType("client_test_urls")
urls.urlpatterns = [
    path("echo/", echo),
    path("permanent/echo/", echo),
    path("found/", redirect_to("/echo/?from=found")),
    path("temporary/", redirect_to("/echo/?from=temporary", 307)),
    path("permanent/", redirect_to("echo/", 308)),  # relative to /permanent/
    path("elsewhere/", redirect_to("https://other.example:8443/echo/")),
    path("loop-a/", redirect_to("/loop-b/")),
    path("loop-b/", redirect_to("/loop-a/")),
    path("hop/<int:n>/", lambda request, n: redirect_to(f"/hop/{n + 1}/")(request)),
]
sys.modules[urls.__name__] = urls

pytestmark = pytest.mark.usefixtures("urlconf")


@pytest.fixture
def urlconf():
    with override_settings(ROOT_URLCONF=urls.__name__, ALLOWED_HOSTS=["*"]):
        yield


def test_302_after_a_post_becomes_a_get_of_the_new_location():
    response = Client().post("/found/", {"a": "1"}, follow=True)
    assert response.content == b"GET /echo/?from=found []"
    assert response.redirect_chain == [("/echo/?from=found", 302)]


def test_307_repeats_the_method_and_body():
    response = Client().post("/temporary/", "raw", content_type="text/plain", follow=True)
    assert response.content == b"POST /echo/?from=temporary [raw]"
    assert response.redirect_chain == [("/echo/?from=temporary", 307)]


def test_307_after_a_get_repeats_the_get_with_its_own_query():
    response = Client().get("/temporary/", {"mine": "x"}, follow=True)
    assert response.content == b"GET /echo/?mine=x []"
    response = Client().head("/temporary/", follow=True)
    assert response.wsgi_request.method == "HEAD"


def test_relative_locations_resolve_against_the_request_path():
    response = Client().put("/permanent/", "body", follow=True)
    assert response.content == b"PUT /permanent/echo/? [body]"
    assert response.redirect_chain == [("echo/", 308)]


def test_absolute_locations_switch_host_scheme_and_port():
    response = Client().get("/elsewhere/", follow=True)
    request = response.wsgi_request
    # As in Django: the Host header becomes the location's host name, without the port.
    assert (request.get_host(), request.get_port(), request.scheme) == (
        "other.example", "8443", "https"
    )
    assert response.content == b"GET /echo/? []"


def test_without_follow_the_redirect_is_returned():
    response = Client().get("/found/")
    assert response.status_code == 302
    assert not hasattr(response, "redirect_chain")


def test_loops_and_long_chains_raise():
    with pytest.raises(RedirectCycleError, match="Redirect loop detected.") as info:
        Client().get("/loop-a/", follow=True)
    assert info.value.redirect_chain == [("/loop-b/", 302), ("/loop-a/", 302), ("/loop-b/", 302)]
    with pytest.raises(RedirectCycleError, match="Too many redirects."):
        Client().get("/hop/0/", follow=True)


def test_async_client_follows_redirects_the_same_way():
    client = AsyncClient()
    assert inspect.iscoroutinefunction(AsyncClient.get)
    response = async_to_sync(client.post)("/temporary/", "raw", content_type="text/plain",
                                          follow=True)
    assert response.content == b"POST /echo/?from=temporary [raw]"
    response = async_to_sync(client.get)("/found/", follow=True)
    assert response.content == b"GET /echo/?from=found []"
    assert response.redirect_chain == [("/echo/?from=found", 302)]


def test_data_and_query_params_are_exclusive():
    with pytest.raises(ValueError, match="mutually exclusive"):
        RequestFactory().get("/", {"a": 1}, query_params={"b": 2})


def test_post_encodes_lists_files_and_json():
    from reinhardt.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    request = RequestFactory().post("/", {"tag": ["a", "b"], "file": upload})
    assert request.POST.getlist("tag") == ["a", "b"]
    assert request.FILES["file"].read() == b"hello"
    request = RequestFactory().post("/", {"x": [1, 2]}, content_type="application/json")
    assert request.body == b'{"x": [1, 2]}'
    with pytest.raises(TypeError, match="Cannot encode None for key 'x'"):
        RequestFactory().post("/", {"x": None})
