"""The Firestore emulator in Datastore mode, started on a free loopback port for a test run.

It comes from Debian's google-cloud-cli-firestore-emulator package (scripts/setup-env
datastore installs it, and Java). When DATASTORE_EMULATOR_HOST is already set, that
emulator is used instead. If the emulator cannot start, the run fails saying why.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

JAR = "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar"
MAIN = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"

_host = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fail(reason: str):
    raise SystemExit(
        f"REINHARDT_TEST_BACKEND=datastore: cannot start the Firestore emulator in Datastore "
        f"mode: {reason}. Run scripts/setup-env datastore (installs Java and Debian's "
        "google-cloud-cli-firestore-emulator), or set DATASTORE_EMULATOR_HOST to a running "
        "emulator."
    )


def _ready(host: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}/", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def emulator_host() -> str:
    """host:port of a running emulator (started now, stopped when the run ends)."""
    global _host
    if _host:
        return _host
    configured = os.environ.get("DATASTORE_EMULATOR_HOST")
    if configured:
        if not _ready(configured):
            _fail(f"DATASTORE_EMULATOR_HOST={configured} does not answer")
        _host = configured
        return _host
    java = shutil.which("java")
    if java is None:
        _fail("java is not installed")
    if not os.path.exists(JAR):
        _fail(f"{JAR} is missing")
    port = _free_port()
    host = f"127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [java, "-cp", JAR, MAIN, "start", "--host=127.0.0.1", f"--port={port}",
         "--database-mode=datastore-mode"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )

    def stop():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()

    atexit.register(stop)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            _fail(f"it exited with status {process.returncode}: "
                  f"{log.read().decode(errors='replace')[-2000:]}")
        if _ready(host):
            _host = host
            return host
        time.sleep(0.2)
    stop()
    _fail("it did not answer within 60 seconds")


def reset() -> None:
    """Wipe every entity (POST /reset)."""
    request = urllib.request.Request(f"http://{emulator_host()}/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).read()
