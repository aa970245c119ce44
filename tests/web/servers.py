"""Starting real servers (gunicorn, uvicorn, the development server) for tests."""

import http.client
import importlib.util
import os
import signal
import socket
import subprocess
import time

import pytest

START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is not installed: install the dev extra "
                    f"(pip install -e '.[dev]', which scripts/test does) to run this test.")


class Server:
    """A server process (and its children) in its own process group, stopped together."""

    def __init__(self, name, command, env, port, log_dir, cwd):
        self.name = name
        self.port = port
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"{name} exited with {self.process.returncode}:\n"
                                     f"{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"{name} did not listen on {port} within "
                                         f"{START_TIMEOUT}s:\n{self.output()}") from None
                time.sleep(0.2)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data

    def raw(self, payload: bytes) -> bytes:
        """Send raw bytes; the reply (b"" if the server reset the connection first)."""
        chunks = []
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            try:
                sock.sendall(payload)
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            except (ConnectionResetError, BrokenPipeError):
                # The server answered and closed while the request was still arriving;
                # the answer may be lost in the reset, but the request was refused.
                pass
        return b"".join(chunks)

    def stop(self):
        """SIGTERM to the server's process group (the dev server's reloader has a child)."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()
