"""The compatibility site's settings for serving it with gunicorn (COMPAT_DB: SQLite file)."""

import os

from tests.web.compat.cases import settings_for

globals().update(settings_for("reinhardt.web.middleware"))

INSTALLED_APPS = ["tests.web.dbapp"]
DATABASES = {"default": {"ENGINE": "reinhardt.backends.sqlite3",
                         "NAME": os.environ.get("COMPAT_DB", "compat.sqlite3")}}
DEFAULT_AUTO_FIELD = "reinhardt.orm.models.AutoField"
TIME_ZONE = "America/Chicago"
