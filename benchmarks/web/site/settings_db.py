"""The database page: the middleware stack, templates and a SQLite database (BENCH_DB)."""

import os
from pathlib import Path

from benchsite.settings_mw import *  # noqa: F403

INSTALLED_APPS = ["benchsite"]
DATABASES = {
    "default": {
        "ENGINE": "reinhardt.backends.sqlite3",
        "NAME": os.environ.get("BENCH_DB", "/tmp/benchsite.sqlite3"),
    },
}
DEFAULT_AUTO_FIELD = "reinhardt.orm.models.AutoField"
TEMPLATES = [{
    "BACKEND": "reinhardt.web.templates.backends.reinhardt.ReinhardtTemplates",
    "DIRS": [Path(__file__).resolve().parent / "templates"],
}]
