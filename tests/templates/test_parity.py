"""reinhardt renders every parity case exactly as Django 5.2 does (output or error)."""

import pytest

from reinhardt.test import override_settings
from reinhardt.web.templates import Context, Engine
from tests.templates import fixtures, parity_cases
from tests.templates.parity_expected import EXPECTED


def render(source, string_if_invalid=""):
    engine = Engine(string_if_invalid=string_if_invalid, loaders=[("reinhardt.web.templates.loaders.locmem.Loader",
                              parity_cases.TEMPLATES)],
                    libraries={"custom_tags": parity_cases.CUSTOM_LIBRARY, **{
                        name: f"reinhardt.web.templatetags.{name}"
                        for name in parity_cases.BUILTIN_LIBRARIES}})
    try:
        template = engine.from_string(source)
        return ("ok", str(template.render(Context(fixtures.context()))))
    except Exception as e:
        return ("error", type(e).__name__, str(e.args[0]) if e.args else "")


ALL_CASES = parity_cases.CASES + parity_cases.CUSTOM_CASES + parity_cases.LIBRARY_CASES


@pytest.mark.parametrize("name,source", ALL_CASES, ids=[c[0] for c in ALL_CASES])
@override_settings(STATIC_URL=parity_cases.STATIC_URL, MEDIA_URL=parity_cases.MEDIA_URL)
def test_same_as_django(name, source):
    assert render(source) == EXPECTED[name]


@pytest.mark.parametrize("name,source", parity_cases.SII_CASES,
                         ids=[c[0] for c in parity_cases.SII_CASES])
def test_same_as_django_with_string_if_invalid(name, source):
    assert render(source, parity_cases.STRING_IF_INVALID) == EXPECTED[name]
