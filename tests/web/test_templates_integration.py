"""Templates in the web layer: TemplateResponse, render(), TemplateView, the template
assertions, error templates, {% url %} and {% csrf_token %} against the real URL resolver and
CSRF middleware, and the DEBUG page's template excerpt."""

import pickle
import re

import pytest

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.test import Client, RequestFactory, SimpleTestCase, override_settings
from reinhardt.web.http import HttpResponse
from reinhardt.web.middleware.csrf import get_token
from reinhardt.web.shortcuts import render
from reinhardt.web.templates import TemplateDoesNotExist, engines, loader
from reinhardt.web.templates.response import (
    ContentNotRenderedError,
    SimpleTemplateResponse,
    TemplateResponse,
)
from reinhardt.web.urls import NoReverseMatch, include, path
from reinhardt.web.views.decorators.csrf import csrf_exempt
from reinhardt.web.views.generic import TemplateView

TEMPLATE_SOURCES = {
    "base.html": "<title>{% block title %}base{% endblock %}</title>{% block body %}{% endblock %}",
    "page.html": ('{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}'
                  "{% block body %}[{{ value }}|{{ request.path }}|{{ view.template_name }}]"
                  "{% endblock %}"),
    "item.html": "<li>{{ item }}</li>",
    "list.html": "{% for item in items %}{% include 'item.html' %}{% endfor %}",
    "simple.html": "{{ value }}",
    "links.html": ("{% url 'app:detail' pk %}|{% url 'app:detail' pk=pk %}|{% url 'top' %}|"
                   "{% url 'app:index' %}|{% url 'nope' as missing %}[{{ missing }}]"),
    "broken_url.html": "before {% url 'does-not-exist' %} after",
    "form.html": '<form method="post">{% csrf_token %}</form>',
    "token_only.html": "[{% csrf_token %}]",
    "404.html": "missing {{ request_path }} ({{ exception }})",
    "500.html": "oops [{{ request.path }}]",
    "render_error.html": "line one\nline two {{ thing.explode }} end\nline three",
    "syntax_error.html": "fine\n{% if %}\nmore",
    "includes_missing.html": "x {% include 'no_such_template.html' %}",
}

TEMPLATES = [
    {
        "BACKEND": "reinhardt.web.templates.backends.reinhardt.ReinhardtTemplates",
        "OPTIONS": {
            "loaders": [("reinhardt.web.templates.loaders.locmem.Loader", TEMPLATE_SOURCES)],
            "context_processors": ["reinhardt.web.templates.context_processors.request"],
        },
    },
    {
        "BACKEND": "reinhardt.web.templates.backends.jinja2.Jinja2",
        "NAME": "jinja",
        "DIRS": [],
    },
]
MIDDLEWARE = [
    "reinhardt.web.middleware.common.CommonMiddleware",
    "reinhardt.web.middleware.csrf.CsrfViewMiddleware",
    "tests.web.test_templates_integration.EditTemplateResponses",
]


class EditTemplateResponses:
    """process_template_response may change the context before the template renders."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_template_response(self, request, response):
        if response.context_data and "value" in response.context_data:
            response.context_data["value"] = f"{response.context_data['value']}+mw"
        return response


class Exploding:
    def explode(self):
        raise ZeroDivisionError("template data went wrong")


def page_view(request):
    return TemplateResponse(request, "page.html", {"title": "T", "value": "v"})


def render_view(request):
    return render(request, "page.html", {"title": "R", "value": "<b>"}, status=203)


def form_view(request):
    if request.method == "POST":
        return HttpResponse("accepted")
    return render(request, "form.html")


@csrf_exempt
def exempt_form_view(request):
    return render(request, "token_only.html")


def links_view(request, pk=5):
    return render(request, "links.html", {"pk": pk})


def current_app_view(request):
    request.current_app = "other"
    return render(request, "links.html", {"pk": 1})


def error_view(request, name):
    return render(request, name, {"thing": Exploding()})


def missing_template_view(request):
    return render(request, "not_there.html")


app_patterns = ([
    path("", page_view, name="index"),
    path("<int:pk>/", page_view, name="detail"),
    path("links/", links_view, name="links"),
    path("current/", current_app_view, name="current"),
], "app")

urlpatterns = [
    path("", TemplateView.as_view(template_name="page.html",
                                  extra_context={"title": "Home", "value": "x"}), name="top"),
    path("kw/<str:value>/", TemplateView.as_view(template_name="page.html")),
    path("no-template/", TemplateView.as_view()),
    path("page/", page_view),
    path("render/", render_view),
    path("form/", form_view),
    path("exempt/", exempt_form_view),
    path("links/", links_view),
    path("err/<str:name>/", error_view),
    path("missing-template/", missing_template_view),
    path("app/", include(app_patterns)),
    path("other/", include(app_patterns, namespace="other")),
]


@pytest.fixture(autouse=True)
def site():
    with override_settings(ROOT_URLCONF=__name__, TEMPLATES=TEMPLATES, MIDDLEWARE=MIDDLEWARE):
        yield


# SimpleTemplateResponse / TemplateResponse ------------------------------------------------


def test_content_is_not_available_before_rendering():
    response = SimpleTemplateResponse("simple.html", {"value": "x"})
    assert not response.is_rendered
    with pytest.raises(ContentNotRenderedError, match="must be rendered before it can be accessed"):
        response.content  # noqa: B018
    with pytest.raises(ContentNotRenderedError, match="iterated"):
        iter(response)
    with pytest.raises(ContentNotRenderedError, match="pickled"):
        pickle.dumps(response)
    assert response.render() is response
    assert response.is_rendered and response.content == b"x"


def test_render_happens_once_but_rendered_content_is_fresh():
    response = SimpleTemplateResponse("simple.html", {"value": "first"})
    response.render()
    response.context_data["value"] = "second"
    response.render()
    assert response.content == b"first"
    assert response.rendered_content == "second"


def test_setting_content_counts_as_rendering():
    response = SimpleTemplateResponse("simple.html", {"value": "template"})
    response.content = "set by hand"
    assert response.is_rendered
    assert response.render().content == b"set by hand"


def test_template_can_be_a_list_a_template_object_or_another_engine():
    assert SimpleTemplateResponse(["nope.html", "simple.html"], {"value": 1}).render().content == b"1"
    template = engines["reinhardt"].from_string("obj {{ value }}")
    assert SimpleTemplateResponse(template, {"value": 2}).render().content == b"obj 2"
    with pytest.raises(TemplateDoesNotExist):
        SimpleTemplateResponse("simple.html", using="jinja").render()
    with pytest.raises(TemplateDoesNotExist, match="nope.html, nope2.html"):
        SimpleTemplateResponse(["nope.html", "nope2.html"]).render()


def test_post_render_callbacks_run_in_order_and_may_replace_the_response():
    calls = []
    response = SimpleTemplateResponse("simple.html", {"value": "v"})
    response.add_post_render_callback(lambda r: calls.append(("first", r.content)))
    replacement = HttpResponse("replaced")
    response.add_post_render_callback(lambda r: replacement)
    assert response.render() is replacement
    assert calls == [("first", b"v")]
    # Added after rendering: runs at once.
    response.add_post_render_callback(lambda r: calls.append("late"))
    assert calls[-1] == "late"


def test_rendered_response_pickles_without_its_template():
    response = SimpleTemplateResponse("simple.html", {"value": "p"}, status=202,
                                      headers={"X-A": "1"})
    response.render()
    unpickled = pickle.loads(pickle.dumps(response))
    assert unpickled.content == b"p" and unpickled.status_code == 202
    assert unpickled["X-A"] == "1"
    assert not hasattr(unpickled, "template_name") and not hasattr(unpickled, "context_data")


def test_response_arguments():
    response = SimpleTemplateResponse("simple.html", {"value": "é"}, content_type="text/plain",
                                      status=201, charset="latin-1")
    response.render()
    assert response.status_code == 201
    assert response["Content-Type"] == "text/plain"
    assert response.content == "é".encode("latin-1")


def test_template_response_renders_with_the_request():
    request = RequestFactory().get("/some/where/")
    response = TemplateResponse(request, "page.html", {"title": "t", "value": "v"})
    assert response.render().content == b"<title>t</title>[v|/some/where/|]"


def test_handler_renders_after_process_template_response():
    response = Client().get("/page/")
    assert response.content == b"<title>T</title>[v+mw|/page/|]"
    assert response.context["value"] == "v+mw"


def test_render_shortcut_uses_the_request_and_status():
    response = Client().get("/render/")
    assert response.status_code == 203
    assert response.content == b"<title>R</title>[&lt;b&gt;|/render/|]"
    assert not isinstance(response, SimpleTemplateResponse)


# TemplateView -----------------------------------------------------------------------------


def test_template_view_context_has_view_url_kwargs_and_extra_context():
    response = Client().get("/")
    assert response.content == b"<title>Home</title>[x+mw|/|page.html]"
    response = Client().get("/kw/from-url/")
    assert response.content == b"<title></title>[from-url+mw|/kw/from-url/|page.html]"
    assert response.context["view"].kwargs == {"value": "from-url"}


def test_template_view_without_template_name():
    with pytest.raises(ImproperlyConfigured, match="template_name"):
        Client().get("/no-template/")


def test_template_view_head_and_post():
    client = Client()
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert client.post("/").status_code == 405


# Template assertions -----------------------------------------------------------------------


def test_response_lists_every_template_rendered():
    response = Client().get("/page/")
    assert [t.name for t in response.templates] == ["page.html", "base.html"]


class TemplateAssertions(SimpleTestCase):
    def test_assert_template_used(self):
        response = self.client.get("/page/")
        self.assertTemplateUsed(response, "page.html")
        self.assertTemplateUsed(response, "base.html", count=1)
        self.assertTemplateNotUsed(response, "item.html")
        with self.assertRaisesMessage(AssertionError, "Template 'item.html' was not a template "
                                      "used to render the response. Actual template(s) used: "
                                      "page.html, base.html"):
            self.assertTemplateUsed(response, "item.html")
        with self.assertRaisesMessage(AssertionError, "Template 'page.html' was used "
                                      "unexpectedly in rendering the response"):
            self.assertTemplateNotUsed(response, "page.html")

    def test_as_context_manager_with_counts(self):
        with self.assertTemplateUsed("item.html", count=3):
            loader.render_to_string("list.html", {"items": [1, 2, 3]})
        with self.assertRaisesMessage(AssertionError, "expected to be rendered 2 time(s) but "
                                      "was actually rendered 3 time(s)"):
            with self.assertTemplateUsed("item.html", count=2):
                loader.render_to_string("list.html", {"items": [1, 2, 3]})
        with self.assertTemplateNotUsed("base.html"):
            loader.render_to_string("simple.html")

    def test_no_templates(self):
        response = self.client.get("/form/", follow=False)
        self.assertTemplateUsed(response, "form.html")
        plain = HttpResponse("x")
        plain.templates = []
        with self.assertRaisesMessage(AssertionError, "No templates used to render the response"):
            self.assertTemplateUsed(plain, "x.html")

    def test_only_test_client_responses(self):
        with self.assertRaisesMessage(ValueError, "only usable on responses fetched using the "
                                      "test Client"):
            self.assertTemplateUsed(HttpResponse(), "x.html")

    def test_assert_contains_renders_template_responses(self):
        response = TemplateResponse(RequestFactory().get("/"), "simple.html", {"value": "hi"})
        self.assertContains(response, "hi")


def test_template_assertions_in_a_test_case():
    import unittest

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(TemplateAssertions).run(result)
    assert result.errors == [] and result.failures == [], result.errors + result.failures
    assert result.testsRun == 5


# Error templates ---------------------------------------------------------------------------


def test_404_template_gets_the_path_and_the_reason():
    response = Client().get("/no/such/<page>/")
    assert response.status_code == 404
    assert response.content == b"missing /no/such/%3Cpage%3E/ (Resolver404)"


def test_500_template_is_rendered_without_the_request():
    response = Client(raise_request_exception=False).get("/err/render_error.html/")
    assert response.status_code == 500
    assert response.content == b"oops []"


def custom_404(request, exception):
    return HttpResponse(f"custom 404 for {request.path}", status=404)


def custom_500(request):
    return HttpResponse("custom 500", status=500)


def test_custom_error_handlers_in_the_root_urlconf():
    import types

    urlconf = types.ModuleType("custom_handlers_urls")
    urlconf.urlpatterns = urlpatterns
    urlconf.handler404 = f"{__name__}.custom_404"
    urlconf.handler500 = custom_500
    import sys

    sys.modules["custom_handlers_urls"] = urlconf
    try:
        with override_settings(ROOT_URLCONF="custom_handlers_urls"):
            client = Client(raise_request_exception=False)
            assert client.get("/nowhere/").content == b"custom 404 for /nowhere/"
            assert client.get("/err/render_error.html/").content == b"custom 500"
    finally:
        del sys.modules["custom_handlers_urls"]


def test_broken_404_template_is_a_server_error():
    templates = [{**TEMPLATES[0], "OPTIONS": {**TEMPLATES[0]["OPTIONS"], "loaders": [
        ("reinhardt.web.templates.loaders.locmem.Loader",
         {**TEMPLATE_SOURCES, "404.html": "{% if %}"})]}}]
    with override_settings(TEMPLATES=templates):
        response = Client(raise_request_exception=False).get("/nowhere/")
    assert response.status_code == 500


# {% url %} against the real resolver -------------------------------------------------------


def test_url_tag_reverses_with_namespaces():
    response = Client().get("/links/")
    assert response.content == b"/app/5/|/app/5/|/|/app/|[]"


def test_url_tag_uses_the_current_namespace_instance():
    # Rendered under the "other" instance of the app: app:... reverses inside it.
    response = Client().get("/other/links/")
    assert response.content == b"/other/5/|/other/5/|/|/other/|[]"
    # request.current_app wins over the resolver match.
    response = Client().get("/app/current/")
    assert response.content == b"/other/1/|/other/1/|/|/other/|[]"


def test_url_tag_without_match_raises_no_reverse_match():
    template = engines["reinhardt"].get_template("broken_url.html")
    with pytest.raises(NoReverseMatch, match="does-not-exist"):
        template.render({})


# {% csrf_token %} against the real middleware -----------------------------------------------


def test_csrf_token_round_trip_through_the_middleware():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/form/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)[1].decode()
    assert len(token) == 64
    assert "csrftoken" in client.cookies
    assert client.post("/form/", {"csrfmiddlewaretoken": token}).content == b"accepted"
    assert client.post("/form/", {"csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert client.post("/form/", {}).status_code == 403


def test_each_render_masks_the_token_differently():
    request = RequestFactory().get("/")
    first = loader.render_to_string("form.html", request=request)
    second = loader.render_to_string("form.html", request=request)
    assert first != second
    assert get_token(request)  # both unmask to the secret in the request's cookie


def test_csrf_token_without_a_request_renders_nothing_but_exempt_views_get_one():
    assert loader.render_to_string("token_only.html") == "[]"
    # As in Django: exemption skips the check, not the token.
    assert b'name="csrfmiddlewaretoken"' in Client().get("/exempt/").content


def test_jinja2_csrf_input():
    request = RequestFactory().get("/")
    template = engines["jinja"].from_string("{{ csrf_input }}|{{ csrf_token|length }}")
    html, length = template.render({}, request).split("|")
    assert html.startswith('<input type="hidden" name="csrfmiddlewaretoken" value="')
    assert length == "64"


# The DEBUG page and template errors ----------------------------------------------------------


def test_debug_page_shows_the_template_lines_around_a_render_error():
    with override_settings(DEBUG=True):
        response = Client(raise_request_exception=False).get("/err/render_error.html/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Error during template rendering" in body
    assert "In template <code>render_error.html</code>, error at line <strong>2</strong>" in body
    assert '<span class="specific">{{ thing.explode }}</span>' in body
    assert "line three" in body
    assert "template data went wrong" in body


def test_debug_page_for_a_template_syntax_error():
    with override_settings(DEBUG=True):
        response = Client(raise_request_exception=False).get("/err/syntax_error.html/")
    body = response.content.decode()
    assert "TemplateSyntaxError" in body
    assert "error at line <strong>2</strong>" in body
    assert '<span class="specific">{% if %}</span>' in body


def test_debug_page_lists_where_a_missing_template_was_looked_for():
    with override_settings(DEBUG=True):
        response = Client(raise_request_exception=False).get("/missing-template/")
    body = response.content.decode()
    assert "Template-loader postmortem" in body
    assert "ReinhardtTemplates" in body


def test_debug_text_page_has_the_template_excerpt():
    with override_settings(DEBUG=True):
        client = Client(raise_request_exception=False, HTTP_ACCEPT="text/plain")
        text = client.get("/err/render_error.html/").content.decode()
    assert "Template error:\nIn template render_error.html, error at line 2" in text
    assert "   2>: line two {{ thing.explode }} end" in text


def test_without_debug_no_template_excerpt():
    response = Client(raise_request_exception=False).get("/err/syntax_error.html/")
    assert response.content == b"oops []"
