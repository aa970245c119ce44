"""Settings of the demo blog. Everything a Django project would write, under reinhardt's
import prefixes.

Environment variables, so the same project runs under the development server, gunicorn and
uvicorn and in the tests: DEMO_DATABASE (the SQLite file, default demo/db.sqlite3) and
DEMO_DEBUG ("1" by default; "0" for production-like serving).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# A fixed key is fine for a demo on the loopback interface; real projects read it from
# the environment and keep it secret.
SECRET_KEY = os.environ.get("DEMO_SECRET_KEY", "demo-only-not-secret-7f3c9b1e2d")
DEBUG = os.environ.get("DEMO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "blog",
]

MIDDLEWARE = [
    "reinhardt.web.middleware.security.SecurityMiddleware",
    "reinhardt.web.middleware.common.CommonMiddleware",
    "reinhardt.web.middleware.csrf.CsrfViewMiddleware",
    "reinhardt.web.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "blogsite.urls"
WSGI_APPLICATION = "blogsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "reinhardt.web.templates.backends.reinhardt.ReinhardtTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "reinhardt.web.templates.context_processors.debug",
                "reinhardt.web.templates.context_processors.request",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "reinhardt.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DATABASE", str(BASE_DIR / "db.sqlite3")),
    },
}
DEFAULT_AUTO_FIELD = "reinhardt.orm.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "Europe/Paris"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
