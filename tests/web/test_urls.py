"""URL resolving and reversing, as Django documents them."""

import uuid

import pytest

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.web.urls import (
    NoReverseMatch,
    Resolver404,
    include,
    path,
    resolve,
    reverse,
    reverse_lazy,
)
from tests.web import urlconf_for_tests as conf

URLCONF = "tests.web.urlconf_for_tests"


def r(name, **kwargs):
    return reverse(name, urlconf=URLCONF, **kwargs)


def test_converters_turn_path_parts_into_python_values():
    match = resolve("/articles/2024/hello-world/", urlconf=URLCONF)
    assert match.kwargs == {"year": 2024, "slug": "hello-world"}
    assert match.url_name == "article"
    assert match.route == "articles/<int:year>/<slug:slug>/"
    uid = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert resolve(f"/uuid/{uid}/", urlconf=URLCONF).kwargs == {"uid": uid}
    assert resolve("/files/a/b/c.txt", urlconf=URLCONF).kwargs == {"rest": "a/b/c.txt"}


def test_custom_converter_resolves_and_reverses():
    assert resolve("/articles/1999/", urlconf=URLCONF).kwargs == {"year": 1999}
    assert r("year", kwargs={"year": 2001}) == "/articles/2001/"
    # to_url() raising ValueError means "no match", so reverse fails cleanly.
    with pytest.raises(NoReverseMatch):
        r("year", kwargs={"year": 99})


def test_unmatched_path_raises_resolver404_with_tried_patterns():
    with pytest.raises(Resolver404) as info:
        resolve("/articles/abc/", urlconf=URLCONF)
    tried = info.value.args[0]["tried"]
    assert len(tried) == len(conf.urlpatterns)  # an include whose prefix fails: one entry
    assert info.value.args[0]["path"] == "articles/abc/"


def test_extra_kwargs_and_resolver_match_attributes():
    match = resolve("/extra/", urlconf=URLCONF)
    assert match.kwargs == {"flag": True}
    assert match.captured_kwargs == {}
    assert match.extra_kwargs == {"flag": True}
    func, args, kwargs = match
    assert func is conf.view and args == () and kwargs == {"flag": True}
    assert match.view_name == "extra"
    assert resolve("/callable/", urlconf=URLCONF)._func_path == \
        "tests.web.urlconf_for_tests.CallableView"


def test_regex_groups_positional_and_optional():
    assert resolve("/re/1/2/", urlconf=URLCONF).args == ("1", "2")
    assert r("positional", args=[3, 4]) == "/re/3/4/"
    assert resolve("/opt/", urlconf=URLCONF).kwargs == {}
    assert resolve("/opt/7/", urlconf=URLCONF).kwargs == {"page": "7"}
    assert r("optional") == "/opt/"
    assert r("optional", kwargs={"page": 3}) == "/opt/3/"


def test_namespaces_app_name_and_instances():
    assert r("shop:detail", args=[5]) == "/shop/5/"
    assert r("shop2:detail", args=[5]) == "/shop2/5/"
    # The application namespace picks the current instance, else the default one.
    assert r("shop:index", current_app="shop2") == "/shop2/"
    assert r("shop:index") == "/shop/"
    match = resolve("/shop2/5/", urlconf=URLCONF)
    assert match.app_name == "shop"
    assert match.namespace == "shop2"
    assert match.view_name == "shop2:detail"
    with pytest.raises(NoReverseMatch, match="'nope' is not a registered namespace"):
        r("nope:index")


def test_captured_prefix_of_an_include_is_passed_and_reversed():
    match = resolve("/lang/fr/page/", urlconf=URLCONF)
    assert match.kwargs == {"lang": "fr"}
    assert r("page", kwargs={"lang": "de"}) == "/lang/de/page/"


def test_reverse_arguments_and_errors():
    assert r("article", kwargs={"year": 2020, "slug": "a-b"}) == "/articles/2020/a-b/"
    assert r("article", args=[2020, "a-b"]) == "/articles/2020/a-b/"
    with pytest.raises(ValueError, match="Don't mix"):
        r("article", args=[1], kwargs={"slug": "x"})
    with pytest.raises(NoReverseMatch, match="is not a valid view function or pattern name"):
        r("missing")
    with pytest.raises(NoReverseMatch, match="with keyword arguments"):
        r("article", kwargs={"year": "x", "slug": "a"})
    assert r(conf.view, kwargs={"flag": True}) == "/extra/"


def test_reverse_quotes_and_query_fragment():
    assert r("files", kwargs={"rest": "a b/ü"}) == "/files/a%20b/%C3%BC"
    assert r("percent") == "/percent%2520/"
    assert r("extra", query={"a": ["1", "2"], "b": "x y"}, fragment="top") == \
        "/extra/?a=1&a=2&b=x+y#top"


def test_reverse_lazy_and_script_prefix():
    from reinhardt.web.urls import clear_script_prefix, set_script_prefix

    lazy = reverse_lazy("extra", urlconf=URLCONF)
    set_script_prefix("/mount/")
    try:
        assert str(lazy) == "/mount/extra/"
    finally:
        clear_script_prefix()


def test_include_and_path_validation():
    with pytest.raises(ImproperlyConfigured, match="without providing an app_name"):
        include([path("x/", conf.view)], namespace="ns")
    with pytest.raises(TypeError, match="view must be a callable"):
        path("x/", "not.a.view")
    with pytest.raises(ImproperlyConfigured, match="invalid converter 'nope'"):
        path("<nope:x>/", conf.view)
    with pytest.raises(ImproperlyConfigured, match="isn't a valid Python identifier"):
        path("<int:2x>/", conf.view)
    from reinhardt.web.views import View

    with pytest.raises(TypeError, match=r"should pass in 'View.as_view\(\)'"):
        path("v/", View)


def test_first_match_wins_in_urlconf_order():
    from reinhardt.web.urls.resolvers import RegexPattern, URLResolver

    first, second, third = (lambda r: 1), (lambda r: 2), (lambda r: 3)
    patterns = [
        path("<slug:any>/", first),       # can match every segment
        path("fixed/", second),           # indexed under "fixed", but after the wildcard
        path("other/<int:n>/", third),
    ]
    resolver = URLResolver(RegexPattern(r"^/"), patterns)
    assert resolver.resolve("/fixed/").func is first
    assert resolver.resolve("/other/4/").func is third


def test_duplicate_names_reverse_to_the_last_pattern_as_in_django():
    assert r("dup") == "/dup-two/"
