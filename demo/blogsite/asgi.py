"""ASGI entry point: ``uvicorn blogsite.asgi:application`` (run from demo/)."""

import os

from reinhardt.core.asgi import get_asgi_application

os.environ.setdefault("REINHARDT_SETTINGS_MODULE", "blogsite.settings")
application = get_asgi_application()
