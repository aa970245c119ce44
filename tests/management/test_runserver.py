"""``manage.py runserver`` hands over to reinhardt.web.server and serves the project."""

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.migrations.project import Project

pytestmark = pytest.mark.transactional


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_runserver_serves_the_new_project(tmp_path):
    project = Project(tmp_path).create()
    try:
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=project.path, env=project.environment(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        try:
            status = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and status is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                        status = r.status
                except OSError:
                    time.sleep(0.2)
            assert status == 200
        finally:
            server.terminate()
            output, _ = server.communicate(timeout=10)
        assert "Performing system checks..." in output
        assert "System check identified no issues (0 silenced)." in output
        assert f"http://127.0.0.1:{port}/" in output
    finally:
        project.destroy()


def test_runserver_rejects_a_bad_port(tmp_path):
    project = Project(tmp_path).create()
    try:
        result = project.manage("runserver", "--noreload", "not-a-port:x", check=False)
        assert result.returncode == 1
        assert "is not a valid port number or address:port pair" in result.stderr
    finally:
        project.destroy()
