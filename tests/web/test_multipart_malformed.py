"""Broken multipart bodies are a 400, never a 500 and never a half-parsed form.

This is a deliberate difference from Django (docs/web.md), which hands the view whatever
parts it could read from a truncated or junk body.
"""

import io
import logging

import pytest

from reinhardt.core.exceptions import SuspiciousMultipartForm
from reinhardt.test import Client, RequestFactory, override_settings
from reinhardt.web.http import HttpResponse, JsonResponse
from reinhardt.web.urls import path

CT = "multipart/form-data; boundary=XyZ"
PART = b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue\r\n'
FILE_PART = (b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
             b"Content-Type: text/plain\r\n\r\nfile body\r\n")
END = b"--XyZ--\r\n"


def echo(request):
    files = {k: [f.read().decode() for f in v] for k, v in request.FILES.lists()}
    return JsonResponse({"POST": dict(request.POST.lists()), "FILES": files})


def seen(request):
    return HttpResponse(f"view ran with {dict(request.POST)}")


urlpatterns = [path("echo/", echo), path("seen/", seen)]


@pytest.fixture(autouse=True)
def site():
    with override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=[
        "reinhardt.web.middleware.common.CommonMiddleware",
        "reinhardt.web.middleware.csrf.CsrfViewMiddleware",
    ]):
        logging.disable(logging.CRITICAL)
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)


def post(body: bytes):
    return Client(raise_request_exception=False).post("/echo/", body, content_type=CT)


@pytest.mark.parametrize("body", [
    PART + END,
    b"preamble the RFC allows\r\n" + PART + END,
    PART + END + b"epilogue after the end",
    FILE_PART + PART + END,
    END,  # a form with no fields, as browsers send it
])
def test_complete_bodies_parse(body):
    response = post(body)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("body", [
    b"garbage",                            # junk only: no boundary anywhere
    b"\r\n\r\n",
    PART,                                  # no closing boundary
    PART + b"--XyZ",                       # cut inside the closing boundary
    PART[:-10],                            # cut inside a value
    FILE_PART[:-4],                        # cut inside a file
    b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n',  # cut in the headers
    b"--XyZ\r\nno colon in this header line\r\n\r\nx\r\n" + END,
])
def test_broken_bodies_are_a_bad_request(body):
    response = post(body)
    assert response.status_code == 400


def test_parser_raises_suspicious_multipart_form():
    request = RequestFactory().post("/echo/", PART, content_type=CT)
    with pytest.raises(SuspiciousMultipartForm, match="closing boundary"):
        request.POST  # noqa: B018
    # Error pages that look at POST afterwards find it empty instead of parsing again.
    assert not request.POST and not request.FILES


def test_the_view_never_sees_a_partial_form():
    response = Client(raise_request_exception=False).post("/seen/", PART, content_type=CT)
    assert response.status_code == 400
    assert b"view ran" not in response.content


def test_broken_body_over_asgi_is_a_bad_request():
    from asgiref.sync import async_to_sync

    from reinhardt.test import AsyncClient

    async def go():
        return await AsyncClient(raise_request_exception=False).post(
            "/echo/", PART, content_type=CT)

    assert async_to_sync(go)().status_code == 400


def test_body_shorter_than_its_content_length_is_a_bad_request():
    # A WSGI input that ends early, as when a client disconnects mid-upload.
    body = FILE_PART + END
    environ = {
        "REQUEST_METHOD": "POST", "CONTENT_TYPE": CT, "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body[: len(body) // 2]),
    }
    request = RequestFactory().request(**environ)
    with pytest.raises(SuspiciousMultipartForm):
        request.POST  # noqa: B018
