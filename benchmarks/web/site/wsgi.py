import os

from reinhardt.core.wsgi import get_wsgi_application

os.environ.setdefault("REINHARDT_SETTINGS_MODULE", "benchsite.settings")
application = get_wsgi_application()
