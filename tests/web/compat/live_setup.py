"""Create the compatibility site's tables and rows in COMPAT_DB, before a server starts."""

import os

os.environ.setdefault("REINHARDT_SETTINGS_MODULE", "tests.web.compat.live_settings")

from reinhardt.core.wsgi import get_wsgi_application  # noqa: E402

get_wsgi_application()

from tests.web.compat.cases import create_tables_and_data  # noqa: E402

create_tables_and_data()
