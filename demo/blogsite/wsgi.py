"""WSGI entry point: ``gunicorn blogsite.wsgi:application`` (run from demo/)."""

import os

from reinhardt.core.wsgi import get_wsgi_application

os.environ.setdefault("REINHARDT_SETTINGS_MODULE", "blogsite.settings")
application = get_wsgi_application()
