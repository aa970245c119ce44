import os

os.environ.setdefault("REINHARDT_SETTINGS_MODULE", "tests.settings")

import reinhardt  # noqa: E402

reinhardt.setup()
