"""The template API around rendering: backends, loaders, engines, contexts, errors."""

import os
import sys
import time
import types
from pathlib import Path

import pytest

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.test import override_settings
from reinhardt.test.signals import template_rendered
from reinhardt.utils.safestring import SafeString, mark_safe
from reinhardt.web.templates import (
    Context,
    Engine,
    Library,
    Node,
    RequestContext,
    Template,
    TemplateDoesNotExist,
    TemplateSyntaxError,
    engines,
    loader,
)
from reinhardt.web.templates.context import ContextPopException, make_context
from reinhardt.web.templates.loader_tags import BlockNode

HERE = Path(__file__).parent
DIRS = str(HERE / "dirs")
REINHARDT = "reinhardt.web.templates.backends.reinhardt.ReinhardtTemplates"
JINJA2 = "reinhardt.web.templates.backends.jinja2.Jinja2"

TEMPLATES = [
    {
        "BACKEND": REINHARDT,
        "DIRS": [DIRS],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "reinhardt.web.templates.context_processors.request",
                "reinhardt.web.templates.context_processors.static",
                "reinhardt.web.templates.context_processors.tz",
                "reinhardt.web.templates.context_processors.i18n",
                "reinhardt.web.templates.context_processors.debug",
                "tests.templates.test_engine.extra_processor",
            ],
        },
    },
    {"BACKEND": JINJA2, "DIRS": [str(HERE / "jinja2dir")], "APP_DIRS": True},
]


def extra_processor(request):
    return {"from_processor": "processed", "name": "processor name"}


class FakeRequest:
    path = "/some/path/"
    META = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def configured():
    with override_settings(TEMPLATES=TEMPLATES, STATIC_URL="/static/"):
        yield


# ---- backends and loader functions ---------------------------------------------------------
def test_get_template_from_dirs_and_apps(configured):
    assert loader.get_template("page.html").render({"name": "x<"}) == "dir template x&lt;"
    assert loader.get_template("tagapp/app.html").render({"name": "y"}) == "app template y"
    # DIRS come before app directories.
    assert loader.get_template("override.html").render() == "dir override"


def test_backend_template_render_returns_safe_string(configured):
    assert isinstance(loader.get_template("page.html").render({"name": "x"}), SafeString)


def test_render_to_string_and_select_template(configured):
    assert loader.render_to_string("page.html", {"name": "n"}) == "dir template n"
    assert loader.render_to_string(["nope.html", "page.html"], {"name": "n"}) == "dir template n"
    assert loader.select_template(["nope.html", "override.html"]).render() == "dir override"
    with pytest.raises(TypeError, match="select_template"):
        loader.select_template("page.html")


def test_template_does_not_exist_lists_what_was_tried(configured):
    with pytest.raises(TemplateDoesNotExist) as info:
        loader.get_template("missing.html")
    error = info.value
    assert error.args[0] == "missing.html"
    assert len(error.chain) == 2  # one per engine
    tried = error.chain[0].tried
    assert tried[0][0].name == os.path.join(DIRS, "missing.html")
    assert tried[0][1] == "Source does not exist"
    assert error.chain[0].backend is engines["reinhardt"]
    with pytest.raises(TemplateDoesNotExist) as info:
        loader.select_template(["a.html", "b.html"])
    assert info.value.args[0] == "a.html, b.html"


def test_engines_registry(configured):
    assert list(engines) == ["reinhardt", "jinja2"]
    assert [e.name for e in engines.all()] == ["reinhardt", "jinja2"]
    assert Engine.get_default() is engines["reinhardt"].engine
    with pytest.raises(ImproperlyConfigured, match="Could not find config for 'nope'"):
        engines["nope"]


def test_engine_alias_errors():
    with override_settings(TEMPLATES=[{"BACKEND": REINHARDT}, {"BACKEND": REINHARDT}]):
        with pytest.raises(ImproperlyConfigured, match="aren't unique, duplicates: reinhardt"):
            engines.all()
    with override_settings(TEMPLATES=[{"DIRS": []}]):
        with pytest.raises(ImproperlyConfigured, match="Invalid BACKEND"):
            engines.all()
    with override_settings(TEMPLATES=[]):
        with pytest.raises(ImproperlyConfigured, match="No ReinhardtTemplates backend"):
            Engine.get_default()


def test_template_without_engine_uses_the_default(configured):
    assert Template("{{ a|upper }}").render(Context({"a": "b"})) == "B"


def test_using_selects_the_engine(configured):
    assert loader.get_template("hello.html", using="jinja2").render({"name": "J"}) == "Hi J"
    with pytest.raises(TemplateDoesNotExist):
        loader.get_template("hello.html", using="reinhardt")


def test_context_must_be_a_dict(configured):
    template = loader.get_template("page.html")
    with pytest.raises(TypeError, match="context must be a dict rather than Context."):
        template.render(Context({"name": "x"}))


def test_autoescape_option_off():
    tpls = [{"BACKEND": REINHARDT, "DIRS": [DIRS], "OPTIONS": {"autoescape": False}}]
    with override_settings(TEMPLATES=tpls):
        assert loader.get_template("page.html").render({"name": "<b>"}) == "dir template <b>"


def test_libraries_and_builtins_options():
    tpls = [{"BACKEND": REINHARDT, "OPTIONS": {
        "libraries": {"mine": "tests.templates.tagapp.templatetags.custom_tags"},
        "builtins": ["reinhardt.web.templatetags.static"],
    }}]
    with override_settings(TEMPLATES=tpls, STATIC_URL="/s/"):
        backend = engines["reinhardt"]
        assert backend.from_string("{% load mine %}{{ 2|double }}").render() == "4"
        # App libraries are found under their module name too.
        assert backend.from_string("{% load custom_tags %}{{ 2|double }}").render() == "4"
        assert backend.from_string("{% static 'a.css' %}").render() == "/s/a.css"


# ---- request context and context processors ----------------------------------------------
def test_render_with_request_runs_context_processors(configured):
    template = engines["reinhardt"].from_string(
        "{{ request.path }}|{{ STATIC_URL }}|{{ TIME_ZONE }}|{{ LANGUAGE_CODE }}|"
        "{{ LANGUAGE_BIDI }}|{{ from_processor }}|{{ name }}|{{ debug }}"
    )
    out = template.render({"name": "view name"}, request=FakeRequest())
    # The view's context wins over the processors' values.
    assert out == "/some/path/|/static/|America/Chicago|en-us|False|processed|view name|"
    with override_settings(DEBUG=True, INTERNAL_IPS=["127.0.0.1"]):
        template = engines["reinhardt"].from_string("{{ debug }}")
        assert template.render({}, request=FakeRequest()) == "True"


def test_request_context_api():
    engine = Engine(context_processors=["tests.templates.test_engine.extra_processor"])
    template = engine.from_string("{{ from_processor }} {{ own }}")
    context = RequestContext(FakeRequest(), {"own": "mine"})
    assert template.render(context) == "processed mine"
    # Processors apply only while bound to a template.
    assert "from_processor" not in context
    assert "from_processor" not in context.new()


def not_a_dict_processor(request):
    return 42


def test_broken_context_processor():
    engine = Engine(context_processors=["tests.templates.test_engine.not_a_dict_processor"])
    with pytest.raises(TypeError, match="didn't return a dictionary"):
        engine.from_string("x").render(RequestContext(FakeRequest()))


def test_csrf_token_with_request_uses_the_middleware_token(configured):
    from reinhardt.test import RequestFactory
    from reinhardt.web.middleware.csrf import _unmask_cipher_token

    request = RequestFactory().get("/")
    request.COOKIES["csrftoken"] = secret = "s" * 32
    request.META["CSRF_COOKIE"] = secret
    html = engines["reinhardt"].from_string("{% csrf_token %}").render({}, request=request)
    token = html.removeprefix('<input type="hidden" name="csrfmiddlewaretoken" value="')
    assert token.endswith('">')
    # A masked copy of the request's secret, fresh on each render.
    assert _unmask_cipher_token(token[:-2]) == secret
    jinja = engines["jinja2"].from_string("{{ csrf_input }}|{{ csrf_token }}")
    jinja_input, jinja_token = jinja.render({}, request=request).split("|")
    assert _unmask_cipher_token(jinja_token) == secret
    assert jinja_input == (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{jinja_token}">'
    )


def test_url_tag_calls_reverse():
    from reinhardt.web.urls import NoReverseMatch, include, path

    def view(request, *args, **kwargs):
        raise AssertionError("not called")

    urlconf = types.ModuleType("url_tag_urls")
    urlconf.urlpatterns = [
        path("detail/<int:a>/<int:b>/", view, name="detail"),
        path("row/<int:r>/", view, name="row"),
        path("kw/<int:x>/&amp/", view, name="kw"),
        path("ns/", include(([path("in/<slug:s>/", view, name="in")], "app"), namespace="ns")),
    ]
    sys.modules["url_tag_urls"] = urlconf
    try:
        with override_settings(ROOT_URLCONF="url_tag_urls"):
            engine = Engine()
            template = engine.from_string(
                "{% url 'detail' 1 r.id %}|{% for r in rows %}{% url 'row' r %},{% endfor %}|"
                "{% url name x=1 as u %}[{{ u }}]|{% url 'missing' as m %}[{{ m }}]|"
                "{% url 'ns:in' s='a-b' %}"
            )
            out = template.render(Context({"rows": [1, 2], "r": {"id": 7}, "name": "kw"}))
            assert out == ("/detail/1/7/|/row/1/,/row/2/,|[/kw/1/&amp;amp/]|[]|/ns/in/a-b/")
            with pytest.raises(NoReverseMatch):
                engine.from_string("{% url 'missing' %}").render(Context())
    finally:
        del sys.modules["url_tag_urls"]
    with pytest.raises(TemplateSyntaxError, match="takes at least one argument"):
        Engine().from_string("{% url %}")


def test_querystring_tag():
    class QueryDict(dict):
        """Just what {% querystring %} uses of a QueryDict."""

        def copy(self):
            return QueryDict(self)

        def setlist(self, key, values):
            self[key] = list(values)

        def urlencode(self):
            return "&".join(f"{k}={v}" for k, values in self.items()
                            for v in (values if isinstance(values, list) else [values]))

    request = FakeRequest()
    request.GET = QueryDict(page="2", q="x")
    template = Engine().from_string("{% querystring page=3 q=None tags=tags %}|{% querystring %}")
    # Like any simple tag's output, it is escaped.
    assert template.render(RequestContext(request, {"tags": ["a", "b"]})) == (
        "?page=3&amp;tags=a&amp;tags=b|?page=2&amp;q=x"
    )


# ---- loaders -------------------------------------------------------------------------------
def test_cached_loader_caches_and_resets():
    engine = Engine(dirs=[DIRS])
    cached = engine.template_loaders[0]
    first = engine.get_template("page.html")
    assert engine.get_template("page.html") is first
    with pytest.raises(TemplateDoesNotExist):
        engine.get_template("missing.html")
    cached.reset()
    assert engine.get_template("page.html") is not first


def test_cached_loader_reloads_changed_files_in_debug(tmp_path):
    path = tmp_path / "live.html"
    path.write_text("one")
    engine = Engine(dirs=[str(tmp_path)], debug=True)
    assert engine.get_template("live.html").render(Context()) == "one"
    path.write_text("two")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert engine.get_template("live.html").render(Context()) == "two"


def test_locmem_and_explicit_loaders():
    engine = Engine(loaders=[("reinhardt.web.templates.loaders.locmem.Loader", {"a.html": "A"}),
                             ("reinhardt.web.templates.loaders.filesystem.Loader", [DIRS])])
    assert engine.get_template("a.html").render(Context()) == "A"
    assert engine.get_template("override.html").render(Context()) == "dir override"
    with pytest.raises(ImproperlyConfigured, match="app_dirs must not be set"):
        Engine(app_dirs=True, loaders=[])


def test_app_directories_loader():
    engine = Engine(app_dirs=True)
    assert engine.get_template("tagapp/app.html").render(Context({"name": "q"})) == "app template q"


def test_filesystem_loader_refuses_paths_outside_its_dirs():
    engine = Engine(dirs=[DIRS])
    with pytest.raises(TemplateDoesNotExist):
        engine.get_template("../test_engine.py")


def test_extends_within_dirs_and_same_name_recursion(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "base.html").write_text("{% extends 'base.html' %}{% block b %}one+"
                                               "{{ block.super }}{% endblock %}")
    (tmp_path / "two" / "base.html").write_text("[{% block b %}two{% endblock %}]")
    engine = Engine(dirs=[str(tmp_path / "one"), str(tmp_path / "two")])
    assert engine.get_template("base.html").render(Context()) == "[one+two]"
    assert Engine(dirs=[DIRS]).get_template("sub/base_ext.html").render(Context()) == (
        "<from dirs, sub base>"
    )


# ---- errors name the template, the line and the text ---------------------------------------
def test_syntax_error_names_template_line_and_text():
    engine = Engine(dirs=[DIRS], debug=True)
    with pytest.raises(TemplateSyntaxError) as info:
        engine.get_template("broken.html")
    error = info.value
    assert error.args[0] == ("Invalid block tag on line 3: 'bogus_tag', expected 'elif', "
                             "'else' or 'endif'. Did you forget to register or load this tag?")
    assert str(error) == (error.args[0]
                          + " (in template 'broken.html', line 3: {% bogus_tag %})")
    debug = error.template_debug
    assert debug["line"] == 3
    assert debug["during"] == "{% bogus_tag %}"
    assert debug["name"] == os.path.join(DIRS, "broken.html")
    assert debug["source_lines"][0] == (1, "line one\n")


def test_syntax_error_in_string_template():
    with pytest.raises(TemplateSyntaxError) as info:
        Engine().from_string("ok\n\n{{ a|nofilter }}")
    assert str(info.value) == ("Invalid filter: 'nofilter' "
                               "(in template '<unknown source>', line 3: {{ a|nofilter }})")


def test_include_of_missing_template_names_the_including_line():
    engine = Engine(loaders=[("reinhardt.web.templates.loaders.locmem.Loader",
                              {"page.html": "a\n{% include 'gone.html' %}"})])
    with pytest.raises(TemplateDoesNotExist) as info:
        engine.get_template("page.html").render(Context())
    assert info.value.args[0] == "gone.html"
    assert str(info.value) == "gone.html (in template 'page.html', line 2: {% include 'gone.html' %})"


def test_runtime_error_gets_a_note_with_the_line():
    class Boom:
        @property
        def value(self):
            raise ValueError("boom")

    engine = Engine(loaders=[("reinhardt.web.templates.loaders.locmem.Loader",
                              {"base.html": "{% block b %}{% endblock %}",
                               "child.html": "{% extends 'base.html' %}{% block b %}\n\n"
                                             "{{ obj.value }}{% endblock %}"})], debug=True)
    with pytest.raises(ValueError) as info:
        engine.get_template("child.html").render(Context({"obj": Boom()}))
    assert "While rendering template 'child.html', line 3: {{ obj.value }}" in info.value.__notes__
    assert info.value.template_debug["during"] == "{{ obj.value }}"


def test_jinja2_syntax_error_is_a_template_syntax_error(configured):
    with pytest.raises(TemplateSyntaxError) as info:
        engines["jinja2"].get_template("broken.html")
    assert info.value.template_debug["line"] == 2
    assert "line 2" in str(info.value)


# ---- Jinja2 backend --------------------------------------------------------------------------
def test_jinja2_backend(configured):
    backend = engines["jinja2"]
    assert backend.get_template("hello.html").render({"name": "<x>"}) == "Hi &lt;x&gt;"
    assert backend.get_template("app.html").render({"name": "a"}) == "jinja app A"
    assert backend.get_template("hello.html").render({"name": "r"}, request=FakeRequest()) == (
        "Hi r (/some/path/)"
    )
    assert backend.from_string("{{ 1 + 2 }}").render() == "3"
    with pytest.raises(TemplateDoesNotExist):
        backend.get_template("nope.html")


# ---- signal, Context API, nodes ------------------------------------------------------------
def test_template_rendered_signal(configured):
    seen = []

    def receiver(sender, template, context, **kwargs):
        seen.append((template.name, context.get("name")))

    template_rendered.connect(receiver)
    try:
        loader.render_to_string("page.html", {"name": "sig"})
    finally:
        template_rendered.disconnect(receiver)
    assert seen == [("page.html", "sig")]


def test_context_stack():
    context = Context({"a": 1})
    assert context["a"] == 1 and context.get("b", "x") == "x" and "a" in context
    with context.push(a=2, b=3):
        assert context["a"] == 2
        context.set_upward("a", 5)
        assert context["a"] == 5
    assert context["a"] == 1
    context.update({"c": 1})
    assert context.flatten() == {"True": True, "False": False, "None": None, "a": 1, "c": 1}
    context.pop()
    context.pop()
    with pytest.raises(ContextPopException):
        context.pop()
    assert context.setdefault("d", 4) == 4 and context["d"] == 4
    assert Context({"x": 1}) == Context({"x": 1})
    with pytest.raises(TypeError, match="other_dict must be a mapping"):
        context.update(None)
    with pytest.raises(TypeError, match="context must be a dict rather than list"):
        make_context([])


def test_nodelist_api():
    template = Engine().from_string("{% block a %}{% block b %}x{% endblock %}{% endblock %}")
    names = [node.name for node in template.nodelist.get_nodes_by_type(BlockNode)]
    assert names == ["a", "b"]
    assert list(template)[0].name == "a"


def test_node_subclass_of_a_builtin_that_overrides_render_is_called():
    from reinhardt.web.templates.defaulttags import CommentNode

    class Loud(CommentNode):
        def render(self, context):
            return "LOUD"

    library = Library()
    library.tag("loud", lambda parser, token: Loud())
    engine = Engine()
    engine.template_builtins.append(library)
    assert engine.from_string("{% for i in '12' %}{% loud %}{% endfor %}").render(Context()) == (
        "LOUDLOUD"
    )


def test_custom_node_returning_non_string_fails_like_django():
    class Bad(Node):
        def render(self, context):
            return None

    library = Library()
    library.tag("bad", lambda parser, token: Bad())
    engine = Engine()
    engine.template_builtins.append(library)
    with pytest.raises(TypeError):
        engine.from_string("{% bad %}").render(Context())


def test_library_registration_errors():
    library = Library()
    with pytest.raises(ValueError, match="Unsupported arguments to Library.tag"):
        library.tag(None, lambda p, t: None) if False else library.tag(None, object())
    with pytest.raises(ValueError, match="Invalid arguments provided to simple_tag"):
        library.simple_tag(1)


def test_length_is_filter_kept_for_older_templates():
    template = Engine().from_string("{{ a|length_is:2 }} {{ a|length_is:'x' }}")
    assert template.render(Context({"a": [1, 2]})) == "True "


def test_safe_string_stays_safe_through_variables():
    template = Engine().from_string("{{ s }}{{ s|upper }}{{ s|cut:'b' }}")
    # upper is not is_safe: its result is escaped; cut keeps safety.
    assert template.render(Context({"s": mark_safe("<b>")})) == "<b>&lt;B&gt;<>"


def test_compiled_once_per_autoescape_setting():
    template = Engine().from_string("{{ a }}")
    template.render(Context({"a": "<"}))
    template.render(Context({"a": "<"}, autoescape=False))
    template.render(Context({"a": "<"}))
    assert len(template.nodelist._compiled) == 2


def test_now_tag():
    import datetime

    year = str(datetime.date.today().year)
    template = Engine().from_string('{% now "Y" %}|{% now "Y" as y %}[{{ y }}]')
    assert template.render(Context()) == f"{year}|[{year}]"
    with pytest.raises(TemplateSyntaxError, match="'now' statement takes one argument"):
        Engine().from_string("{% now %}")


def test_lorem_random_shapes():
    template = Engine().from_string("{% lorem 5 w random %}|{% lorem 2 p random %}")
    words, paragraphs = template.render(Context()).split("|")
    assert len(words.split()) == 5
    assert paragraphs.count("<p>") == 2


def test_debug_tag():
    template = Engine().from_string("{% debug %}")
    assert template.render(Context({"a": 1})) == ""
    with override_settings(DEBUG=True):
        out = template.render(Context({"secret_value": 1}))
    assert "'secret_value': 1" in out


def test_render_to_string_on_engine_and_get_default():
    engine = Engine(dirs=[DIRS])
    assert engine.render_to_string("page.html", {"name": "e"}) == "dir template e"
    assert engine.render_to_string(["x.html", "page.html"], Context({"name": "c"})) == (
        "dir template c"
    )


def test_engine_configuration_errors_repr_and_select_template(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="app_dirs must not be set when loaders"):
        Engine(app_dirs=True, loaders=[])
    engine = Engine(loaders=[object()])
    with pytest.raises(ImproperlyConfigured,
                       match="Invalid value in template loaders configuration: <object"):
        engine.template_loaders
    (tmp_path / "b.html").write_text("B{{ x }}")
    engine = Engine(dirs=[str(tmp_path)], string_if_invalid="?")
    assert repr(engine).startswith(f"<Engine: dirs=[{str(tmp_path)!r}] app_dirs=False debug=False "
                                   "loaders=[('reinhardt.web.templates.loaders.cached.Loader'")
    assert repr(engine).endswith("string_if_invalid='?' file_charset='utf-8' builtins=["
                                 "'reinhardt.web.templates.defaulttags', "
                                 "'reinhardt.web.templates.defaultfilters', "
                                 "'reinhardt.web.templates.loader_tags'] autoescape=True>")
    assert engine.render_to_string(["a.html", "b.html"], {"x": 1}) == "B1"
    assert engine.render_to_string("b.html", Context({"x": 2})) == "B2"
    assert engine.render_to_string("b.html") == "B?"
    with pytest.raises(TemplateDoesNotExist, match="No template names provided"):
        engine.select_template([])
    with pytest.raises(TemplateDoesNotExist) as info:
        engine.select_template(["a.html", "a.html", "c.html"])
    assert info.value.args[0] == "a.html, c.html"
    with pytest.raises(TemplateDoesNotExist) as info:
        engine.find_template("zzz.html")
    assert [origin.name for origin, _ in info.value.tried] == [str(tmp_path / "zzz.html")]
    locmem = Engine(loaders=[("reinhardt.web.templates.loaders.locmem.Loader", {"t": "T"})])
    assert locmem.get_template("t").render(Context()) == "T"
