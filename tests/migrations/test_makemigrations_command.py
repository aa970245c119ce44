# ruff: noqa: F811  (tests take the imported ``polls`` fixture as a parameter)
"""makemigrations' less travelled paths: argument errors, --scriptable, --merge --dry-run,
the --update refusals, and the "no changes" wording for several apps."""

import pytest

from reinhardt.core.management import CommandError
from reinhardt.orm import connection
from reinhardt.orm.migrations.recorder import MigrationRecorder
from tests.migrations.test_commands import polls, run  # noqa: F401

pytestmark = pytest.mark.transactional


def test_argument_errors(polls, capsys):
    with pytest.raises(CommandError, match="The migration name must be a valid Python "
                                           "identifier."):
        run("makemigrations", "polls_app", name="not-valid")
    with pytest.raises(SystemExit) as info:
        run("makemigrations", "zzz", "aaa", "polls_app")
    assert info.value.code == 2
    with pytest.raises(CommandError, match="at least one app label when using --empty"):
        run("makemigrations", empty=True)


def test_unknown_labels_are_all_named_on_stderr(polls):
    from io import StringIO

    from reinhardt.core.management import call_command

    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("makemigrations", "zzz", "aaa", stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 2 and "'aaa'" in lines[0] and "'zzz'" in lines[1]


def test_scriptable_prints_only_paths_on_stdout(polls):
    out, err = run("makemigrations", "polls_app", scriptable=True)
    assert out.strip().endswith("0001_initial.py") and len(out.strip().splitlines()) == 1
    assert "Migrations for 'polls_app':" in err and "+ Create model Question" in err
    assert "\x1b[" not in err


def test_no_changes_wording(polls):
    from io import StringIO

    from reinhardt.core.management.commands.makemigrations import Command

    run("makemigrations", "polls_app")
    assert run("makemigrations", "polls_app", verbosity=0)[0] == ""
    assert run("makemigrations", "polls_app")[0] == "No changes detected in app 'polls_app'\n"
    out = StringIO()
    command = Command(stdout=out)
    command.verbosity, command.scriptable = 1, False
    command._say_no_changes({"zeta", "alpha"})
    command._say_no_changes(set())
    assert out.getvalue() == "No changes detected in apps 'alpha', 'zeta'\nNo changes detected\n"


def write_branches(polls_dir):
    for name in ("first", "second"):
        (polls_dir / f"0002_{name}.py").write_text(
            "from reinhardt.orm import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("polls_app", "0001_initial")]\n'
        )


def test_merge_without_conflicts_and_as_a_dry_run(polls):
    run("makemigrations", "polls_app")
    assert run("makemigrations", "polls_app", merge=True)[0] == (
        "No conflicts detected to merge.\n"
    )
    write_branches(polls)
    out, _ = run("makemigrations", "polls_app", merge=True, interactive=False, dry_run=True,
                 verbosity=3)
    assert "Merging polls_app\n  Branch 0002_first\n  Branch 0002_second\n" in out
    assert "Full merge migrations file '0003_merge_0002_first_0002_second.py':" in out
    assert not (polls / "0003_merge_0002_first_0002_second.py").exists()
    out, _ = run("makemigrations", "polls_app", merge=True, interactive=False, name="joined")
    assert (polls / "0003_joined.py").exists()


def test_update_refuses_applied_squashed_and_depended_on_migrations(polls):
    run("makemigrations", "polls_app", empty=True, name="start")
    MigrationRecorder(connection).record_applied("polls_app", "0001_start")
    try:
        with pytest.raises(CommandError, match="Cannot update applied migration "
                                               "'polls_app.0001_start'."):
            run("makemigrations", "polls_app", update=True)
    finally:
        MigrationRecorder(connection).record_unapplied("polls_app", "0001_start")
    (polls / "0002_next.py").write_text(
        "from reinhardt.orm import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    replaces = [("polls_app", "0001_start")]\n'
    )
    with pytest.raises(CommandError, match="Cannot update squash migration "
                                           "'polls_app.0002_next'."):
        run("makemigrations", "polls_app", update=True)
    (polls / "0002_next.py").unlink()
    (polls / "0002_other.py").write_text(
        "from reinhardt.orm import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("polls_app", "0001_start")]\n'
        '    run_before = []\n'
    )
    (polls / "0003_last.py").write_text(
        "from reinhardt.orm import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("polls_app", "0002_other"), ("polls_app", "0001_start")]\n'
    )
    out, _ = run("makemigrations", "polls_app", update=True)
    assert "Deleted" in out and not (polls / "0003_last.py").exists()
