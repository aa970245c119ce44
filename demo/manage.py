#!/usr/bin/env python
"""Command-line entry point for the demo's administrative tasks (as startproject writes it)."""
import os
import sys


def main():
    """Run a management command with the demo's settings."""
    os.environ.setdefault("REINHARDT_SETTINGS_MODULE", "blogsite.settings")
    try:
        from reinhardt.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import reinhardt. Is it installed and on your PYTHONPATH? "
            "Did you forget to activate a virtual environment? (scripts/demo sets one up.)"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
