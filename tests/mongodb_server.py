"""Starts the MongoDB wire-protocol server the mongodb test run uses (SecantusDB, in memory,
on a free loopback port) and stops it when the run ends. A server that cannot start fails
the run saying why (ARCHITECTURE section 7)."""

from __future__ import annotations

import atexit
import socket
import subprocess
import sys
import tempfile
import time

_server = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_secantus() -> str:
    global _server
    try:
        import secantus  # noqa: F401
    except ImportError:
        raise SystemExit(
            "REINHARDT_TEST_BACKEND=mongodb: SecantusDB is not installed and MONGODB_URI is "
            "not set. Run `scripts/setup-env mongodb` (installs the mongodb extra) or point "
            "MONGODB_URI at a mongod replica set."
        ) from None
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="secantus-", suffix=".log", delete=False)
    _server = subprocess.Popen(
        [sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(port),
         "--storage-path", ":memory:"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    atexit.register(_stop)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _server.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return f"mongodb://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.1)
    _stop()
    with open(log.name) as f:
        output = f.read()[-2000:]
    raise SystemExit(
        f"REINHARDT_TEST_BACKEND=mongodb: the SecantusDB server did not start on "
        f"127.0.0.1:{port}. Its output:\n{output}"
    )


def _stop() -> None:
    if _server is not None and _server.poll() is None:
        _server.terminate()
        try:
            _server.wait(10)
        except subprocess.TimeoutExpired:
            _server.kill()
