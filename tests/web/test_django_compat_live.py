"""The compatibility site under gunicorn answers as it does on Django 5.2 under gunicorn.

The same cases as test_django_compat.py, sent over HTTP to a real server (see
compat/live.py for what that changes); Django's answers, recorded the same way by
``record_django.py --live``, are in compat/django_expected_live.json.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reinhardt.core.files.uploadedfile import SimpleUploadedFile
from tests.web.compat import cases
from tests.web.compat.live import LiveClient
from tests.web.servers import Server, free_port, require
from tests.web.test_django_compat import DELIBERATE_400

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((ROOT / "tests/web/compat/django_expected_live.json").read_text())
OWN_BODY = {name for name, record in EXPECTED.items() if record["body"] == "<csrf failure page>"}


@pytest.fixture(scope="module")
def responses(tmp_path_factory):
    require("gunicorn")
    tmp = tmp_path_factory.mktemp("compat-live")
    env = {**os.environ, "COMPAT_DB": str(tmp / "compat.sqlite3"),
           "REINHARDT_SETTINGS_MODULE": "tests.web.compat.live_settings"}
    setup = subprocess.run([sys.executable, "-m", "tests.web.compat.live_setup"], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    port = free_port()
    server = Server("gunicorn", [sys.executable, "-m", "gunicorn", "--bind",
                                 f"127.0.0.1:{port}", "--workers", "1",
                                 "tests.web.compat.live_wsgi:application"],
                    env, port, tmp, ROOT)
    try:
        return json.loads(json.dumps(
            cases.run(LiveClient(port), SimpleUploadedFile, setup=False), default=str))
    finally:
        server.stop()


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - DELIBERATE_400))
def test_same_response_as_django_under_gunicorn(responses, name):
    ours, theirs = responses[name], EXPECTED[name]
    assert ours["status"] == theirs["status"]
    if name in OWN_BODY:
        assert ours["body"] == theirs["body"]
        ours = {k: v for k, v in ours["headers"].items() if k != "Content-Length"}
        theirs = {k: v for k, v in theirs["headers"].items() if k != "Content-Length"}
        assert ours == theirs
        return
    assert ours["headers"] == theirs["headers"]
    assert ours["body"] == theirs["body"]
    assert ours["cookies"] == theirs["cookies"]
    assert ours.get("chain") == theirs.get("chain")


@pytest.mark.parametrize("name", sorted(DELIBERATE_400))
def test_broken_multipart_is_a_bad_request_under_gunicorn(responses, name):
    assert EXPECTED[name]["status"] == 200
    assert responses[name]["status"] == 400
