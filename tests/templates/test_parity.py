"""reinhardt renders every parity case exactly as Django 5.2 does (output or error)."""

import pytest

from reinhardt.web.templates import Context, Engine
from tests.templates import fixtures, parity_cases
from tests.templates.parity_expected import EXPECTED


def render(source):
    engine = Engine(loaders=[("reinhardt.web.templates.loaders.locmem.Loader",
                              parity_cases.TEMPLATES)])
    try:
        template = engine.from_string(source)
        return ("ok", str(template.render(Context(fixtures.context()))))
    except Exception as e:
        return ("error", type(e).__name__, str(e.args[0]) if e.args else "")


@pytest.mark.parametrize("name,source", parity_cases.CASES, ids=[c[0] for c in parity_cases.CASES])
def test_same_as_django(name, source):
    assert render(source) == EXPECTED[name]
