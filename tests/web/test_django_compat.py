"""The same site answers as it does on Django 5.2: statuses, headers, cookies and bodies.

tests/web/compat/ holds a site written against reinhardt (its Django twin differs only in
import prefixes) and the responses Django gave to each request (django_expected.json, made
by compat/record_django.py). Dates, random tokens and signatures are normalized away.
"""

import json
from pathlib import Path

import pytest

from reinhardt.core.files.uploadedfile import SimpleUploadedFile
from reinhardt.test import Client, override_settings
from tests.web.compat import cases
from tests.web.dbapp.models import Article, Author, Book

EXPECTED = json.loads((Path(__file__).parent / "compat" / "django_expected.json").read_text())

# Our CSRF failure page is our own wording; status and headers must still match.
OWN_BODY = {name for name, record in EXPECTED.items() if record["body"] == "<csrf failure page>"}
# Deliberate differences (docs/web.md): a multipart body that is only junk, or that ends
# before its closing boundary, is a 400 here; Django hands the view what it could parse.
DELIBERATE_400 = {"mp-garbage", "mp-truncated"}


@pytest.fixture(scope="module")
def responses(dbapp_tables):
    try:
        with override_settings(**cases.settings_for("reinhardt.web.middleware")):
            # Through JSON, as the expectations were stored.
            return json.loads(json.dumps(cases.run(Client, SimpleUploadedFile), default=str))
    finally:
        # Leave the blog's tables empty (and their ids from 1) for the other tests.
        cases.create_tables_and_data()
        cases.drop_tables()
        from reinhardt.orm import connection

        with connection.schema_editor() as editor:
            for model in (Author, Article, Book):
                editor.create_model(model)


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - DELIBERATE_400))
def test_same_response_as_django(responses, name):
    ours, theirs = responses[name], EXPECTED[name]
    assert ours["status"] == theirs["status"]
    if name in OWN_BODY:
        ours_headers = {k: v for k, v in ours["headers"].items() if k != "Content-Length"}
        theirs_headers = {k: v for k, v in theirs["headers"].items() if k != "Content-Length"}
        assert ours_headers == theirs_headers
        assert ours["body"] == theirs["body"]  # both normalized to the page's marker
    else:
        assert ours["headers"] == theirs["headers"]
        assert ours["body"] == theirs["body"]
    assert ours["cookies"] == theirs["cookies"]
    assert ours.get("chain") == theirs.get("chain")


def test_malformed_requests_never_get_a_server_error(responses):
    malformed = [name for name in EXPECTED if name.startswith(("mp-", "bad-", "urlencoded-",
                                                                "body-too", "get-too"))]
    assert malformed
    for name in malformed:
        assert responses[name]["status"] < 500, name


@pytest.mark.parametrize("name", sorted(DELIBERATE_400))
def test_broken_multipart_is_a_bad_request(responses, name):
    assert EXPECTED[name]["status"] == 200  # Django's lenient answer
    ours = responses[name]
    assert ours["status"] == 400
    # The project's 400 template, as for any other bad request.
    assert ours["body"] == EXPECTED["mp-no-boundary"]["body"]
