"""Which database each test backend name means.

The tests run against whichever backend REINHARDT_TEST_BACKEND names. A backend whose server
cannot be reached fails the run with a message saying why: it is never skipped silently.
"""

from __future__ import annotations

import os

BACKENDS = ("sqlite",)


def database_settings(name: str) -> dict:
    if name == "sqlite":
        return {
            "default": {"ENGINE": "reinhardt.backends.sqlite3", "NAME": ":memory:"},
            "other": {"ENGINE": "reinhardt.backends.sqlite3", "NAME": ":memory:"},
        }
    raise SystemExit(
        f"REINHARDT_TEST_BACKEND={name!r} is not a known test backend; choose one of "
        + ", ".join(BACKENDS)
    )


def selected_backend() -> str:
    return os.environ.get("REINHARDT_TEST_BACKEND", "sqlite")
