"""``shell -c`` and code piped into ``shell``."""

import subprocess
import sys
from io import StringIO

from reinhardt.core.management import call_command
from tests.management.test_startproject import REPO_ROOT


def test_shell_command_option_runs_code(capsys):
    call_command("shell", command="print('hello from the shell')")
    assert capsys.readouterr().out == "hello from the shell\n"


def test_shell_reads_code_from_standard_input():
    result = subprocess.run(
        [sys.executable, "-m", "reinhardt", "shell", "--settings", "tests.settings"],
        input="import reinhardt\nprint(reinhardt.__version__)\n",
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == __import__("reinhardt").__version__


def test_shell_namespace_is_empty_with_no_imports():
    command = __import__(
        "reinhardt.core.management.commands.shell", fromlist=["Command"]
    ).Command(stdout=StringIO())
    assert command.get_namespace(no_imports=True, verbosity=1) == {}
