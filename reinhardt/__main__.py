"""``python -m reinhardt``: the same as the ``reinhardt-admin`` script."""

from reinhardt.core.management import execute_from_command_line

if __name__ == "__main__":
    execute_from_command_line()
