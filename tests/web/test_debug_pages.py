"""DEBUG pages show what went wrong; without DEBUG nothing leaks."""

from reinhardt.test import Client, override_settings
from tests.web.compat import cases

SETTINGS = cases.settings_for("reinhardt.web.middleware")


def test_debug_500_page_shows_traceback_and_locals_but_masks_secrets():
    with override_settings(**{**SETTINGS, "DEBUG": True}):
        response = Client(raise_request_exception=False).get("/boom/", HTTP_COOKIE="sessionid=s3cr3t")
    assert response.status_code == 500
    body = response.content.decode()
    assert "ValueError" in body and "boom" in body
    assert "Local vars" in body
    assert "cmp-secret" not in body  # SECRET_KEY is masked
    text = Client(raise_request_exception=False, HTTP_ACCEPT="text/plain")
    with override_settings(**{**SETTINGS, "DEBUG": True}):
        plain = text.get("/boom/")
    assert plain["Content-Type"] == "text/plain; charset=utf-8"
    assert "Traceback (most recent call last):" in plain.content.decode()


def test_debug_404_page_lists_patterns_tried():
    with override_settings(**{**SETTINGS, "DEBUG": True}):
        response = Client().get("/nope/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "blog/" in body and "tried these URL patterns" in body


def test_without_debug_error_pages_leak_nothing():
    with override_settings(**SETTINGS):
        response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert b"boom" not in response.content and b"Traceback" not in response.content
