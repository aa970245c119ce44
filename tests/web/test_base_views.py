"""View, RedirectView and TemplateView: as_view() checks, dispatch, OPTIONS, redirects."""

import asyncio

import pytest

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.test import RequestFactory
from reinhardt.web.http import HttpResponse
from reinhardt.web.views.generic import RedirectView, TemplateView, View
from reinhardt.web.views.generic.base import ContextMixin

rf = RequestFactory()


class Greeting(View):
    greeting = "hello"

    def get(self, request, *args, **kwargs):
        return HttpResponse(f"{self.greeting} {kwargs.get('name', '')}")


class AsyncGreeting(View):
    async def get(self, request):
        return HttpResponse("async")


def test_as_view_rejects_verbs_and_unknown_keywords():
    with pytest.raises(TypeError, match="The method name get is not accepted"):
        Greeting.as_view(get="x")
    with pytest.raises(TypeError, match=r"Greeting\(\) received an invalid keyword 'colour'"):
        Greeting.as_view(colour="red")
    view = Greeting.as_view(greeting="hi")
    assert view(rf.get("/"), name="bob").content == b"hi bob"
    assert view.view_class is Greeting and view.view_initkwargs == {"greeting": "hi"}


def test_instances_are_fresh_per_request_and_setup_must_run():
    class Broken(Greeting):
        def setup(self, request, *args, **kwargs):
            pass

    with pytest.raises(AttributeError, match="forget to call super"):
        Broken.as_view()(rf.get("/"))


def test_decorator_attributes_on_dispatch_reach_the_view():
    class Exempt(Greeting):
        def dispatch(self, *args, **kwargs):
            return super().dispatch(*args, **kwargs)

        dispatch.csrf_exempt = True

    assert Exempt.as_view().csrf_exempt is True


def test_head_falls_back_to_get_and_unknown_verbs_get_405():
    view = Greeting.as_view()
    assert view(rf.head("/")).status_code == 200
    refused = view(rf.post("/"))
    assert refused.status_code == 405
    assert refused["Allow"] == "GET, HEAD, OPTIONS"
    request = rf.get("/")
    request.method = "BREW"
    assert view(request).status_code == 405


def test_options_lists_allowed_methods():
    response = Greeting.as_view()(rf.options("/"))
    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Content-Length"] == "0"


def test_async_views():
    assert AsyncGreeting.view_is_async is True
    assert Greeting.view_is_async is False
    assert View.view_is_async is False
    view = AsyncGreeting.as_view()
    assert asyncio.iscoroutinefunction(view)
    assert asyncio.run(view(rf.get("/"))).content == b"async"
    # Refusals and OPTIONS come back awaitable too.
    assert asyncio.run(view(rf.post("/"))).status_code == 405
    assert asyncio.run(view(rf.options("/")))["Allow"] == "GET, HEAD, OPTIONS"


def test_mixed_sync_and_async_handlers_are_an_error():
    class Mixed(AsyncGreeting):
        def post(self, request):
            return HttpResponse()

    with pytest.raises(ImproperlyConfigured, match="must either be all sync or all async"):
        Mixed.as_view()


def test_context_mixin():
    class WithExtra(ContextMixin):
        extra_context = {"title": "T"}

    mixin = WithExtra()
    assert mixin.get_context_data(a=1) == {"a": 1, "view": mixin, "title": "T"}
    assert mixin.get_context_data(view="mine")["view"] == "mine"


def test_template_view_needs_a_template_name():
    with pytest.raises(ImproperlyConfigured, match="requires either a definition of 'template_name'"):
        TemplateView.as_view()(rf.get("/")).render()


def test_redirect_view_url_formatting_and_query_string():
    request = rf.get("/old/?a=1&b=2")
    response = RedirectView.as_view(url="/new/%(pk)s/")(request, pk=7)
    assert (response.status_code, response["Location"]) == (302, "/new/7/")
    response = RedirectView.as_view(url="/new/", query_string=True, permanent=True)(request)
    assert (response.status_code, response["Location"]) == (301, "/new/?a=1&b=2")
    response = RedirectView.as_view(url="/new/", query_string=True)(rf.get("/old/"))
    assert response["Location"] == "/new/"


def test_redirect_view_every_verb_and_gone():
    view = RedirectView.as_view(url="/to/")
    for method in ("get", "head", "post", "put", "patch", "delete", "options"):
        assert getattr(rf, method)("/").method  # the factory knows the verb
        assert view(getattr(rf, method)("/")).status_code == 302, method
    assert RedirectView.as_view()(rf.get("/")).status_code == 410


def test_redirect_view_subclass_overriding_get_changes_every_verb():
    class Custom(RedirectView):
        def get(self, request, *args, **kwargs):
            return HttpResponse("custom")

    assert Custom.as_view()(rf.post("/")).content == b"custom"
