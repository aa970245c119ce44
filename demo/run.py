"""Run the demo: create the database on first use, then serve it.

    python demo/run.py [addr:port]     # the development server (autoreload, static files)
    python demo/run.py --setup-only    # just create the tables and sample data

scripts/demo does this in the project's virtualenv.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("REINHARDT_SETTINGS_MODULE", "blogsite.settings")
    import reinhardt

    reinhardt.setup()
    from blogsite.setup_db import prepare

    # The autoreloader runs this script again in a child process: prepare once.
    if os.environ.get("REINHARDT_AUTORELOAD_CHILD") != "true":
        prepare()
    if "--setup-only" in argv:
        return
    from reinhardt.web.server import run_server

    run_server(argv[0] if argv else "127.0.0.1:8000")


if __name__ == "__main__":
    main(sys.argv[1:])
