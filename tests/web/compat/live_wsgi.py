"""gunicorn tests.web.compat.live_wsgi:application (from the repository root)."""

import os

from reinhardt.core.wsgi import get_wsgi_application

os.environ.setdefault("REINHARDT_SETTINGS_MODULE", "tests.web.compat.live_settings")
application = get_wsgi_application()
