# ruff: noqa: F811  (tests take the imported ``polls`` fixture as a parameter)
"""migrate's less travelled paths: --plan text, --check, --prune, target errors, the
run_syncdb checks, progress output at verbosity 2, and describe_operation."""

import re

import pytest

from reinhardt.core.management import CommandError
from reinhardt.core.management.commands.migrate import Command
from reinhardt.orm import migrations
from reinhardt.orm.migrations.recorder import MigrationRecorder
from tests.migrations.test_commands import polls, run  # noqa: F401
from tests.orm.capabilities import needs

pytestmark = pytest.mark.transactional

DATA_MIGRATION = '''from reinhardt.orm import migrations


def forwards(apps, schema_editor):
    """Fill in the data."""


class Migration(migrations.Migration):
    dependencies = [("polls_app", "0001_initial")]
    operations = [
        migrations.RunPython(forwards),
        migrations.RunSQL("SELECT 1", reverse_sql="SELECT 2"),
    ]
'''


def with_data_migration(polls_dir):
    run("makemigrations", "polls_app")
    (polls_dir / "0002_data.py").write_text(DATA_MIGRATION)


@needs("supports_raw_queries")  # the planned migration is applied, and it runs SQL
def test_plan_lists_operations_with_their_code_and_sql(polls):
    with_data_migration(polls)
    out, _ = run("migrate", "polls_app", plan=True)
    assert out.startswith("Planned operations:\npolls_app.0001_initial\n"
                          "    Create model Question\n")
    assert ("polls_app.0002_data\n    Raw Python operation -> Fill in the data.\n"
            "    Raw SQL operation -> SELECT 1\n") in out
    run("migrate", "polls_app", verbosity=0)
    assert run("migrate", "polls_app", plan=True)[0] == (
        "Planned operations:\n  No planned migration operations.\n"
    )
    out, _ = run("migrate", "polls_app", "0001", plan=True)
    assert "    Raw Python operation -> IRREVERSIBLE\n" in out
    assert "    Raw SQL operation -> SELECT 2\n" in out
    out, _ = run("migrate", "polls_app", "zero", plan=True)
    assert "    Undo Create model Question\n" in out
    # 0002 cannot be unapplied for real; the fixture unapplies 0001 afterwards.
    run("migrate", "polls_app", "0001", fake=True, verbosity=0)


def test_check_exits_only_when_migrations_wait(polls):
    run("makemigrations", "polls_app")
    with pytest.raises(SystemExit) as info:
        run("migrate", "polls_app", check_unapplied=True)
    assert info.value.code == 1
    with pytest.raises(SystemExit):
        run("migrate", "polls_app", check_unapplied=True, plan=True)
    run("migrate", "polls_app", verbosity=0)
    assert run("migrate", "polls_app", check_unapplied=True) == ("", "")


def test_prune_forgets_records_of_deleted_migrations(polls):
    run("makemigrations", "polls_app")
    run("migrate", "polls_app", verbosity=0)
    from reinhardt.orm import connection

    MigrationRecorder(connection).record_applied("polls_app", "0009_deleted")
    with pytest.raises(CommandError, match="pruned only when an app is specified"):
        run("migrate", prune=True)
    out, _ = run("migrate", "polls_app", prune=True)
    assert out == "Pruning migrations:\n  Pruning polls_app.0009_deleted OK\n"
    assert ("polls_app", "0009_deleted") not in MigrationRecorder(connection).applied_migrations()
    out, _ = run("migrate", "polls_app", prune=True)
    assert out == "Pruning migrations:\n  No migrations to prune.\n"


def test_target_errors(polls):
    run("makemigrations", "polls_app")
    run("makemigrations", "polls_app", empty=True, name="a")
    run("makemigrations", "polls_app", empty=True, name="b")
    (polls / "0003_b.py").rename(polls / "0002_b.py")
    text = (polls / "0002_b.py").read_text().replace('"0002_a"', '"0001_initial"')
    (polls / "0002_b.py").write_text(text)
    (polls / "0003_merge.py").write_text(
        "from reinhardt.orm import migrations\n\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("polls_app", "0002_a"), ("polls_app", "0002_b")]\n'
    )
    with pytest.raises(CommandError, match="More than one migration matches '0002' in app "
                                           "'polls_app'. Please be more specific."):
        run("migrate", "polls_app", "0002")
    with pytest.raises(CommandError, match="Can't use run_syncdb with app 'polls_app' as it "
                                           "has migrations."):
        run("migrate", "polls_app", run_syncdb=True)
    with pytest.raises(CommandError, match="App 'orm' does not have migrations."):
        run("migrate", "orm")


def test_verbosity_two_times_each_step_and_zero_prints_nothing(polls):
    run("makemigrations", "polls_app")
    out, _ = run("migrate", "polls_app", verbosity=2)
    assert re.search(r"  Applying polls_app\.0001_initial\.\.\. OK \(\d+\.\d{3}s\)\n", out)
    assert "Operations to perform:\n  Target" not in out
    assert "  Apply all migrations: polls_app\n" in out
    out, _ = run("migrate", "polls_app", "zero", verbosity=0)
    assert out == ""
    out, _ = run("migrate", "polls_app", "0001")
    assert "  Target specific migration: 0001_initial, from polls_app\n" in out


def test_describe_operation_truncates_to_forty_characters():
    long_sql = migrations.RunSQL("UPDATE something SET a_long_column_name = 1\nWHERE x")
    line, error = Command.describe_operation(long_sql, False)
    assert line == "Raw SQL operation -> UPDATE something SET a_long_column_…" and not error
    assert len(line) - len("Raw SQL operation") == 40
    line, error = Command.describe_operation(migrations.RunSQL("X"), True)
    assert (line, error) == ("Raw SQL operation -> IRREVERSIBLE", True)
    add = migrations.AddField("question", "x", None)
    assert Command.describe_operation(add, False) == ("Add field x to question", False)
    assert Command.describe_operation(add, True) == ("Undo Add field x to question", False)
