"""The demo (demo/) served by the real servers the docs show: gunicorn (WSGI), uvicorn
(ASGI) and the development server, each started once on a free loopback port.

Part of the default run (and so of CI). gunicorn and uvicorn come with the ``dev`` extra;
if they are missing the tests fail saying so, rather than skipping.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.servers import Server, free_port, require

pytestmark = pytest.mark.servers

DEMO = Path(__file__).resolve().parents[2] / "demo"


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory):
    """A demo database with the sample posts, and the environment to serve it."""
    env = {
        **os.environ,
        "DEMO_DATABASE": str(tmp_path_factory.mktemp("demo") / "demo.sqlite3"),
        "DEMO_DEBUG": "0",
        "PYTHONPATH": str(DEMO),
    }
    env.pop("REINHARDT_SETTINGS_MODULE", None)  # the demo's own settings, not the tests'
    # What scripts/demo runs before serving.
    outputs = []
    for command in (["migrate", "--noinput"], ["load_sample_posts"]):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=DEMO, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        outputs.append(done.stdout)
    assert "Applying blog.0001_initial... OK" in outputs[0]
    assert "Loaded the sample posts." in outputs[1]
    return env


def check_demo_site(server: Server) -> None:
    """What every server must give: the pages, the headers, and 4xx for bad input."""
    response, body = server.request("GET", "/")
    assert response.status == 200
    assert b"<h1>Latest posts</h1>" in body
    assert b'<a href="/2025/4/1/swing-42/">Swing 42</a>' in body
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("X-Content-Type-Options") == "nosniff"

    response, body = server.request("GET", "/2024/3/12/minor-swing/")
    assert response.status == 200
    assert b"<h1>Minor Swing</h1>" in body and b"2 comments" in body

    response, body = server.request("GET", "/api/posts/")
    assert response.status == 200 and response.getheader("Content-Type") == "application/json"
    assert b'"title": "Swing 42"' in body

    response, body = server.request("GET", "/2024/3/13/minor-swing/")
    assert response.status == 404 and b"There is nothing at" in body  # the project's 404.html

    response, _ = server.request("GET", "/about")  # APPEND_SLASH
    assert response.status == 301 and response.getheader("Location") == "/about/"

    # Malformed requests get a 4xx, never a 500.
    response, _ = server.request("GET", "/", headers={"Host": "evil.example"})
    assert response.status == 400
    response, _ = server.request("GET", "/%FF%FE/?q=%FF")
    assert response.status == 404
    response, _ = server.request(
        "POST", "/", body=b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalu',
        headers={"Content-Type": "multipart/form-data; boundary=XyZ",
                 "Cookie": "csrftoken=" + "a" * 32})
    assert response.status == 400
    response, _ = server.request("POST", "/", body=b"x=1",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 403  # no CSRF cookie
    # Each server has its own header limit (gunicorn 8 KiB a field, the development server
    # 64 KiB, uvicorn's h11 somewhat more); none accepts 300 KB.
    reply = server.raw(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 300_000
                       + b"\r\nConnection: close\r\n\r\n")
    assert reply == b"" or reply.split(b" ", 2)[1][:1] == b"4", reply[:200]


def test_gunicorn_serves_the_demo(demo_env, tmp_path):
    require("gunicorn")
    port = free_port()
    server = Server("gunicorn", [sys.executable, "-m", "gunicorn", "--bind",
                                 f"127.0.0.1:{port}", "--workers", "1",
                                 "blogsite.wsgi:application"], demo_env, port, tmp_path, DEMO)
    try:
        check_demo_site(server)
    finally:
        server.stop()


def test_uvicorn_serves_the_demo(demo_env, tmp_path):
    require("uvicorn")
    port = free_port()
    server = Server("uvicorn", [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1",
                                "--port", str(port), "blogsite.asgi:application"],
                    demo_env, port, tmp_path, DEMO)
    try:
        check_demo_site(server)
    finally:
        server.stop()


def test_development_server_serves_the_demo_and_its_static_files(demo_env, tmp_path):
    port = free_port()
    env = {**demo_env, "DEMO_DEBUG": "1"}
    server = Server("runserver", [sys.executable, "manage.py", "runserver",
                                  f"127.0.0.1:{port}"], env, port, tmp_path, DEMO)
    try:
        response, body = server.request("GET", "/")
        assert response.status == 200 and b"Served by reinhardt" in body
        response, body = server.request("GET", "/static/blog.css")
        assert response.status == 200 and body.startswith(b"body {")
    finally:
        server.stop()
