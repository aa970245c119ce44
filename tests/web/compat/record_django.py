"""Record what Django answers to the compatibility cases (run by hand, not by pytest).

    python -m venv /tmp/dj && /tmp/dj/bin/pip install Django==5.2.19 gunicorn==23.0.0
    /tmp/dj/bin/python tests/web/compat/record_django.py

It copies the site to a temporary package with the import prefixes mapped back to Django's
(the reverse of a port), runs the cases with Django's test client and writes
django_expected.json beside this file; then serves the site with gunicorn, sends the same
cases over HTTP (compat/live.py) and writes django_expected_live.json. Use the gunicorn
version the dev extra installs (pyproject.toml): gunicorn itself answers some malformed
requests (a raw non-ASCII byte in the request line), and its versions differ there.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PREFIXES = [
    ("reinhardt.web.templates.backends.reinhardt.ReinhardtTemplates",
     "django.template.backends.django.DjangoTemplates"),
    ("reinhardt.web.templates", "django.template"),
    ("reinhardt.orm.models", "django.db.models"), ("reinhardt.orm", "django.db"),
    ("tests.web.dbapp", "dbapp"), ("reinhardt.backends", "django.db.backends"),
    ("REINHARDT_SETTINGS_MODULE", "DJANGO_SETTINGS_MODULE"),
    ("reinhardt.web.http", "django.http"), ("reinhardt.web.urls", "django.urls"),
    ("reinhardt.web.views", "django.views"), ("reinhardt.web.middleware", "django.middleware"),
    ("reinhardt.web.shortcuts", "django.shortcuts"), ("reinhardt.core", "django.core"),
    ("reinhardt.test", "django.test"), ("reinhardt.utils", "django.utils"),
    ("reinhardt.conf", "django.conf"), ("tests.web.compat.", "djsite."),
]


def to_django(text: str) -> str:
    for ours, theirs in PREFIXES:
        text = re.sub(rf"\b{re.escape(ours)}", theirs, text)
    return text


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    pkg = tmp / "djsite"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in ("app_urls.py", "site_urls.py", "db_urls.py", "cases.py", "live.py",
                 "live_settings.py", "live_wsgi.py", "live_setup.py"):
        (pkg / name).write_text(to_django((HERE / name).read_text()))
    shutil.copytree(HERE / "templates", pkg / "templates")
    # The blog app, under the same app label (so the same table and template names).
    app = tmp / "dbapp"
    shutil.copytree(HERE.parent / "dbapp", app,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (app / "models.py").write_text(to_django((app / "models.py").read_text()))
    sys.path.insert(0, str(tmp))
    import django
    from django.conf import settings
    from djsite import cases

    conf = cases.settings_for("django.middleware")
    conf["ROOT_URLCONF"] = "djsite.site_urls"
    settings.configure(
        INSTALLED_APPS=["dbapp"], TIME_ZONE="America/Chicago",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField", **conf)
    django.setup()
    import logging

    logging.disable(logging.CRITICAL if not os.environ.get("RECORD_DEBUG") else logging.NOTSET)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    out = cases.run(Client, SimpleUploadedFile)
    (HERE / "django_expected.json").write_text(
        json.dumps(out, indent=1, sort_keys=True, default=str) + "\n"
    )
    print(f"recorded {len(out)} responses with Django {django.get_version()}")
    live = record_live(tmp, cases, SimpleUploadedFile)
    (HERE / "django_expected_live.json").write_text(
        json.dumps(live, indent=1, sort_keys=True, default=str) + "\n"
    )
    print(f"recorded {len(live)} responses with Django {django.get_version()} under gunicorn")


def record_live(tmp: Path, cases, SimpleUploadedFile) -> dict:
    from djsite.live import LiveClient

    env = {**os.environ, "COMPAT_DB": str(tmp / "compat.sqlite3"),
           "DJANGO_SETTINGS_MODULE": "djsite.live_settings", "PYTHONPATH": str(tmp)}
    subprocess.run([sys.executable, "-m", "djsite.live_setup"], cwd=tmp, env=env, check=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1", "djsite.live_wsgi:application"], cwd=tmp,
                              env=env, start_new_session=True)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        return cases.run(LiveClient(port), SimpleUploadedFile, setup=False)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


if __name__ == "__main__":
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    main()
