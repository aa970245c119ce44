"""Restart the development server when a Python file it imported changes.

The first process only supervises: it runs the server in a child process and starts a new
one whenever the child exits with RESTART_CODE, which the child does when its file watcher
sees a change. A syntax error therefore never kills the supervisor: the next save restarts.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

logger = logging.getLogger("reinhardt.utils.autoreload")

ENV_FLAG = "REINHARDT_AUTORELOAD_CHILD"
RESTART_CODE = 3
POLL_SECONDS = 1.0


def watched_files(extra=()) -> set[Path]:
    files = set()
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if filename:
            files.add(Path(filename))
    files.update(Path(f) for f in extra)
    return {f for f in files if f.suffix in (".py", ".html", ".txt", ".toml", ".json")
            or f in extra}


def _snapshot(files) -> dict[Path, float]:
    mtimes = {}
    for f in files:
        try:
            mtimes[f] = f.stat().st_mtime
        except OSError:
            continue
    return mtimes


def watch_and_exit(extra_files=(), poll: float = POLL_SECONDS) -> None:
    """In the child: poll the imported files; exit with RESTART_CODE when one changes."""
    previous = _snapshot(watched_files(extra_files))
    while True:
        time.sleep(poll)
        current = _snapshot(watched_files(extra_files))
        for path, mtime in current.items():
            old = previous.get(path)
            if old is not None and old != mtime:
                logger.info("%s changed, reloading.", path)
                os._exit(RESTART_CODE)
        previous.update(current)


def restart_with_reloader() -> int:
    """In the supervisor: run this program again as a child until it stops for good."""
    args = [sys.executable, *(f"-W{o}" for o in sys.warnoptions), *sys.argv]
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name and not spec.name.startswith("__"):
        module = spec.parent if spec.name.endswith(".__main__") else spec.name
        args = [sys.executable, "-m", module, *sys.argv[1:]]
    env = {**os.environ, ENV_FLAG: "true"}
    while True:
        process = subprocess.Popen(args, env=env)
        try:
            code = process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            return process.wait()
        if code != RESTART_CODE:
            return code


def run_with_reloader(main_func, *args, extra_files=(), **kwargs) -> None:
    """Run ``main_func`` restarting on code changes."""
    if os.environ.get(ENV_FLAG) == "true":
        watcher = threading.Thread(target=watch_and_exit, args=(extra_files,), daemon=True,
                                   name="reinhardt-autoreload")
        watcher.start()
        main_func(*args, **kwargs)
        return
    try:
        sys.exit(restart_with_reloader())
    except KeyboardInterrupt:
        pass
