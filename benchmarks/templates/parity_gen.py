"""Records Django's output for tests/templates/parity_cases.py into parity_expected.py.

Run with a Python that has Django installed (not the project's test environment):
    python benchmarks/templates/parity_gen.py
The tests never import Django: they compare reinhardt's output with these recorded values.
"""

import os
import pprint
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

import django  # noqa: E402
from django.conf import settings  # noqa: E402

sys.path.insert(0, ROOT)
from tests.templates import parity_cases as _cases  # noqa: E402

settings.configure(USE_TZ=True, TIME_ZONE="America/Chicago", LANGUAGE_CODE="en-us",
                   INSTALLED_APPS=[], TEMPLATES=[], STATIC_URL=_cases.STATIC_URL,
                   MEDIA_URL=_cases.MEDIA_URL)
django.setup()

from django.template import Context, Engine  # noqa: E402

from tests.templates import fixtures, parity_cases  # noqa: E402


def django_twin_of_custom_library() -> str:
    """Write the custom tag library with django.* imports; return its module name."""
    source_path = os.path.join(ROOT, *parity_cases.CUSTOM_LIBRARY.split(".")) + ".py"
    with open(source_path) as fh:
        source = fh.read()
    for ours, theirs in (("from reinhardt.web import templates as template",
                          "from django import template"),
                         ("reinhardt.web.templates.", "django.template."),
                         ("reinhardt.utils.", "django.utils.")):
        source = source.replace(ours, theirs)
    twin_dir = tempfile.mkdtemp(prefix="parity-")
    with open(os.path.join(twin_dir, "django_custom_tags.py"), "w") as fh:
        fh.write(source)
    sys.path.insert(0, twin_dir)
    return "django_custom_tags"


def render_all(engine_factory, context_class):
    results = {}
    cases = [(name, source, "") for name, source in (
        parity_cases.CASES + parity_cases.CUSTOM_CASES + parity_cases.LIBRARY_CASES)]
    cases += [(name, source, parity_cases.STRING_IF_INVALID)
              for name, source in parity_cases.SII_CASES]
    for name, source, string_if_invalid in cases:
        engine = engine_factory(string_if_invalid)
        try:
            template = engine.from_string(source)
            results[name] = ("ok", str(template.render(context_class(fixtures.context()))))
        except Exception as e:
            results[name] = ("error", type(e).__name__, str(e.args[0]) if e.args else "")
    return results


def main():
    library = django_twin_of_custom_library()

    def engine(string_if_invalid=""):
        return Engine(string_if_invalid=string_if_invalid,loaders=[("django.template.loaders.locmem.Loader",
                                parity_cases.TEMPLATES)],
                      libraries={"custom_tags": library, **{
                          name: f"django.templatetags.{name}"
                          for name in parity_cases.BUILTIN_LIBRARIES}})

    results = render_all(engine, Context)
    path = os.path.join(ROOT, "tests", "templates", "parity_expected.py")
    with open(path, "w") as fh:
        fh.write('"""Django 5.2\'s output for parity_cases.py (written by '
                 'benchmarks/templates/parity_gen.py)."""\n\n')
        fh.write("EXPECTED = ")
        fh.write(pprint.pformat(results, width=100))
        fh.write("\n")
    print(f"wrote {len(results)} cases to {path}")


if __name__ == "__main__":
    main()
