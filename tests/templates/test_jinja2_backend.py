"""The Jinja2 backend built directly from a TEMPLATES entry: options, context, errors."""

from pathlib import Path

import jinja2
import pytest

from reinhardt.test import RequestFactory, override_settings
from reinhardt.web.templates.backends.jinja2 import Jinja2, get_exception_info
from reinhardt.web.templates.exceptions import TemplateSyntaxError

HERE = Path(__file__).parent


def backend(**options):
    return Jinja2({"NAME": "j", "DIRS": [str(HERE / "jinja2dir")], "APP_DIRS": False,
                   "OPTIONS": options})


def processor(request):
    return {"from_processor": request.path}


def environment(**options):
    env = jinja2.Environment(**options)
    env.globals["shout"] = str.upper
    return env


def test_defaults_follow_debug():
    with override_settings(DEBUG=False):
        quiet = backend()
    assert quiet.env.autoescape is True and quiet.env.auto_reload is False
    assert quiet.from_string("[{{ missing }}]").render() == "[]"
    with override_settings(DEBUG=True):
        loud = backend()
    assert loud.env.auto_reload is True
    assert loud.from_string("[{{ missing }}]").render() == "[{{ missing }}]"


def test_options_override_defaults_and_reach_the_environment():
    custom = backend(autoescape=False, undefined=jinja2.StrictUndefined,
                     environment=f"{__name__}.environment", trim_blocks=True)
    assert custom.from_string("{{ '<b>' }}").render() == "<b>"
    assert custom.from_string("{{ shout('x') }}").render() == "X"
    assert custom.env.trim_blocks is True
    with pytest.raises(jinja2.UndefinedError):
        custom.from_string("{{ missing }}").render()
    loader = jinja2.DictLoader({"only.html": "dict loader"})
    assert backend(loader=loader).get_template("only.html").render() == "dict loader"


def test_request_context_and_processors():
    engine = backend(context_processors=[f"{__name__}.processor"])
    request = RequestFactory().get("/here/")
    out = engine.from_string("{{ request.path }} {{ from_processor }}").render({}, request)
    assert out == "/here/ /here/"
    # Without a request there is no request context, and processors do not run.
    assert engine.from_string("{{ from_processor }}|{{ csrf_token }}").render() == "|"


def test_csrf_token_is_lazy():
    request = RequestFactory().get("/")
    backend().from_string("no token here").render({}, request)
    assert "CSRF_COOKIE" not in request.META
    backend().from_string("{{ csrf_token }}").render({}, request)
    assert "CSRF_COOKIE" in request.META


def test_syntax_error_at_load_carries_the_excerpt():
    with pytest.raises(TemplateSyntaxError) as info:
        backend().get_template("broken.html")
    debug = info.value.template_debug
    assert debug["name"].endswith("broken.html")
    assert (debug["line"], debug["during"], debug["total"]) == (2, "{% for x in %}", 2)
    assert (debug["top"], debug["bottom"]) == (0, 2)
    assert debug["source_lines"] == [(1, "line 1"), (2, "{% for x in %}")]
    assert isinstance(info.value.__cause__, jinja2.TemplateSyntaxError)


def test_syntax_error_while_rendering_an_include():
    template = backend().from_string("{% include 'broken.html' %}")
    with pytest.raises(TemplateSyntaxError) as info:
        template.render()
    assert info.value.template_debug["line"] == 2


def test_exception_info_window_and_missing_source(tmp_path):
    source = "\n".join(f"line {n}" for n in range(1, 31))
    error = jinja2.TemplateSyntaxError("bad", 15, name="t", filename="t.html")
    error.source = source
    info = get_exception_info(error)
    assert (info["top"], info["bottom"], info["total"]) == (4, 25, 30)
    assert info["source_lines"][0] == (5, "line 5") and info["during"] == "line 15"
    gone = jinja2.TemplateSyntaxError("bad", 3, name="t", filename=str(tmp_path / "none.html"))
    info = get_exception_info(gone)
    assert (info["source_lines"], info["during"], info["total"], info["bottom"]) == ([], "", 0, 0)
    on_disk = tmp_path / "disk.html"
    on_disk.write_text("a\nb\n")
    info = get_exception_info(jinja2.TemplateSyntaxError("bad", 2, filename=str(on_disk)))
    assert info["during"] == "b" and info["total"] == 2
