"""makemigrations, migrate, showmigrations, sqlmigrate and squashmigrations through
call_command, in process."""

import sys
import uuid
from io import StringIO

import pytest

from reinhardt.core.management import CommandError, call_command
from reinhardt.orm import connection
from reinhardt.test import override_settings

pytestmark = pytest.mark.transactional


@pytest.fixture
def polls(tmp_path):
    """polls_app installed, its migrations going to a fresh package under tmp_path."""
    package = f"migs_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    settings = override_settings(
        INSTALLED_APPS=["tests.orm", "tests.migrations.polls_app"],
        MIGRATION_MODULES={"polls_app": f"{package}.migrations"},
    )
    settings.enable()
    try:
        yield tmp_path / package / "migrations"
    finally:
        try:
            call_command("migrate", "polls_app", "zero", verbosity=0)
        except Exception:
            pass
        settings.disable()
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]


def run(*args, **options):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def tables():
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def test_makemigrations_writes_the_initial_migration(polls):
    out, _ = run("makemigrations", "polls_app")
    assert "Migrations for 'polls_app':" in out
    assert "    + Create model Question\n    + Create model Choice\n" in out
    assert sorted(p.name for p in polls.iterdir() if p.suffix == ".py") == [
        "0001_initial.py", "__init__.py",
    ]
    out, _ = run("makemigrations", "polls_app")
    assert out == "No changes detected in app 'polls_app'\n"


def test_dry_run_writes_nothing_and_verbosity_3_shows_the_file(polls):
    out, _ = run("makemigrations", "polls_app", dry_run=True, verbosity=3)
    assert "Full migrations file '0001_initial.py':" in out
    assert "class Migration(migrations.Migration):" in out
    assert not polls.exists()


def test_check_exits_non_zero_when_migrations_are_missing(polls):
    with pytest.raises(SystemExit) as info:
        run("makemigrations", "polls_app", check_changes=True)
    assert info.value.code == 1
    assert not polls.exists()


def test_migrate_showmigrations_sqlmigrate_and_back(polls):
    run("makemigrations", "polls_app")
    out, _ = run("showmigrations", "polls_app")
    assert out == "polls_app\n [ ] 0001_initial\n"
    out, _ = run("sqlmigrate", "polls_app", "0001")
    # SQL databases show the statements; MongoDB the commands, in the same layout.
    create = "CREATE TABLE" if connection.features.supports_raw_queries else "create_collection"
    assert create in out and "polls_app_choice" in out
    if connection.features.can_rollback_ddl:
        assert out.startswith("BEGIN;") and out.rstrip().endswith("COMMIT;")
    out, _ = run("migrate", "polls_app")
    assert "  Applying polls_app.0001_initial... OK\n" in out
    assert {"polls_app_question", "polls_app_choice"} <= tables()
    out, _ = run("showmigrations", "polls_app")
    assert out == "polls_app\n [X] 0001_initial\n"
    out, _ = run("showmigrations", format="plan")
    assert "[X]  polls_app.0001_initial\n" in out
    out, _ = run("migrate", "polls_app", "zero")
    assert "  Unapplying polls_app.0001_initial... OK\n" in out
    assert "polls_app_question" not in tables()


def test_migrate_errors_name_the_app_and_migration(polls):
    run("makemigrations", "polls_app")
    with pytest.raises(CommandError, match="Cannot find a migration matching '0007' from app "
                                           "'polls_app'."):
        run("migrate", "polls_app", "0007")
    with pytest.raises(CommandError, match="No installed app with label 'nope'"):
        run("migrate", "nope")


def test_squashmigrations_replaces_a_run_of_migrations(polls):
    run("makemigrations", "polls_app")
    run("makemigrations", "polls_app", empty=True, name="nothing")
    out, _ = run("squashmigrations", "polls_app", "0002", interactive=False)
    assert "Created new squashed migration" in out
    squashed = polls / "0001_squashed_0002_nothing.py"
    text = squashed.read_text()
    assert '    replaces = [("polls_app", "0001_initial"), ("polls_app", "0002_nothing")]' \
        in text or '("polls_app", "0002_nothing"),' in text
    out, _ = run("migrate", "polls_app")
    assert "Applying polls_app.0001_squashed_0002_nothing... OK" in out
    out, _ = run("showmigrations", "polls_app")
    assert "[X] 0001_squashed_0002_nothing (2 squashed migrations)" in out


def test_squashmigrations_options_and_errors(polls, monkeypatch):
    run("makemigrations", "polls_app")
    for name in ("two", "three", "four"):
        run("makemigrations", "polls_app", empty=True, name=name)
    with pytest.raises(CommandError, match="The migration 'polls_app.0003_three' cannot be "
                                           "found. Maybe it comes after the migration "
                                           "'polls_app.0002_two'"):
        run("squashmigrations", "polls_app", "0003", "0002", interactive=False)
    with pytest.raises(CommandError, match="More than one migration matches '000' in app "
                                           "'polls_app'. Please be more specific."):
        run("squashmigrations", "polls_app", "000", interactive=False)
    with pytest.raises(CommandError, match="does not have migrations"):
        run("squashmigrations", "orm", "0001", interactive=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "")
    out, _ = run("squashmigrations", "polls_app", "0002")
    assert "Will squash the following migrations:\n - 0001_initial\n - 0002_two\n" in out
    assert not list(polls.glob("*squashed*"))
    answers = iter(["maybe", "yes"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    out, _ = run("squashmigrations", "polls_app", "0002", "0003", squashed_name="mid",
                 no_optimize=True)
    assert "(Skipping optimization.)" in out
    text = (polls / "0002_mid.py").read_text()
    assert "0002_two" in text and "0003_three" in text and "0001_initial" in text
    assert "initial = True" not in text
    # The run up to 0004 now goes through the squashed 0002_mid.
    with pytest.raises(CommandError, match="You cannot squash squashed migrations!"):
        run("squashmigrations", "polls_app", "0004", interactive=False, verbosity=0)


def test_run_syncdb_creates_tables_of_apps_without_migrations():
    with override_settings(INSTALLED_APPS=["tests.orm", "tests.migrations.polls_app"],
                           MIGRATION_MODULES={"polls_app": None}):
        try:
            out, _ = run("migrate", run_syncdb=True)
            assert "  Synchronize unmigrated apps:" in out
            assert "    Creating table polls_app_question\n" in out
            assert "polls_app_choice" in tables()
        finally:
            from reinhardt.apps import apps

            with connection.schema_editor() as editor:
                for model in (apps.get_model("polls_app", "Choice"),
                              apps.get_model("polls_app", "Question")):
                    if model._meta.db_table in tables():
                        editor.delete_model(model)


def test_merge_joins_two_branches(polls):
    run("makemigrations", "polls_app")
    (polls / "0002_first.py").write_text(
        "from reinhardt.orm import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("polls_app", "0001_initial")]\n'
        "    operations = [migrations.AddField('choice', 'a', models.IntegerField(null=True))]\n"
    )
    (polls / "0002_second.py").write_text(
        "from reinhardt.orm import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("polls_app", "0001_initial")]\n'
        "    operations = [migrations.AddField('choice', 'b', models.IntegerField(null=True))]\n"
    )
    with pytest.raises(CommandError, match="Conflicting migrations detected; multiple leaf "
                                           "nodes in the migration graph: \\(0002_first, "
                                           "0002_second in polls_app\\)"):
        run("migrate", "polls_app")
    out, _ = run("makemigrations", "polls_app", merge=True, interactive=False)
    assert "Merging polls_app" in out
    assert "  Branch 0002_first\n    + Add field a to choice\n" in out
    merge = polls / "0003_merge_0002_first_0002_second.py"
    assert '("polls_app", "0002_first"),' in merge.read_text()
    out, _ = run("migrate", "polls_app")
    assert "Applying polls_app.0003_merge_0002_first_0002_second... OK" in out


def test_squashing_run_python_from_a_migration_needs_manual_porting(polls):
    run("makemigrations", "polls_app")
    (polls / "0002_data.py").write_text(
        "from reinhardt.orm import migrations\n\n\n"
        "def forwards(apps, schema_editor):\n"
        "    pass\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("polls_app", "0001_initial")]\n'
        "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n"
    )
    out, _ = run("squashmigrations", "polls_app", "0002", interactive=False)
    assert "Manual porting required" in out
    text = (polls / "0001_squashed_0002_data.py").read_text()
    assert "# Functions from the following migrations need manual copying." in text
    assert "0002_data" in text


def test_fake_and_fake_initial(polls):
    run("makemigrations", "polls_app")
    out, _ = run("migrate", "polls_app", fake=True)
    assert "  Applying polls_app.0001_initial... FAKED\n" in out
    assert "polls_app_question" not in tables()
    run("migrate", "polls_app", "zero", fake=True)
    # Tables that already exist make the initial migration count as applied.
    run("migrate", "polls_app")
    run("migrate", "polls_app", "zero", fake=True)
    out, _ = run("migrate", "polls_app", fake_initial=True)
    assert "  Applying polls_app.0001_initial... FAKED\n" in out


def test_sqlmigrate_shows_the_table_rebuild(polls):
    run("makemigrations", "polls_app")
    run("makemigrations", "polls_app", empty=True, name="votes")
    migration = polls / "0002_votes.py"
    migration.write_text(migration.read_text().replace(
        "operations = []",
        "operations = [\n        migrations.AlterField(\"choice\", \"votes\", "
        "models.BigIntegerField(default=0)),\n    ]",
    ).replace("from reinhardt.orm import migrations\n",
              "from reinhardt.orm import migrations, models\n"))
    out, _ = run("sqlmigrate", "polls_app", "0002")
    assert "--\n-- ~ Alter field votes on choice\n--\n" in out
    if connection.vendor == "sqlite":
        assert 'CREATE TABLE "new__polls_app_choice"' in out
        assert 'INSERT INTO "new__polls_app_choice"' in out
        assert 'ALTER TABLE "new__polls_app_choice" RENAME TO "polls_app_choice"' in out


def test_migrate_another_database(polls):
    from reinhardt.orm import connections

    run("makemigrations", "polls_app")
    try:
        out, _ = run("migrate", "polls_app", database="other")
        assert "Applying polls_app.0001_initial... OK" in out
        other = connections["other"]
        with other.cursor() as cursor:
            assert "polls_app_question" in other.introspection.table_names(cursor)
        assert "polls_app_question" not in tables()
        out, _ = run("showmigrations", "polls_app", database="other")
        assert out == "polls_app\n [X] 0001_initial\n"
    finally:
        run("migrate", "polls_app", "zero", database="other")


def test_update_folds_new_changes_into_the_last_migration(polls):
    run("makemigrations", "polls_app", empty=True, name="start")
    out, _ = run("makemigrations", "polls_app", update=True)
    files = sorted(p.name for p in polls.iterdir() if p.name.startswith("0"))
    # Named from its operations now, as Django names it.
    assert files == ["0001_question_choice.py"]
    assert "Deleted" in out
    text = (polls / "0001_question_choice.py").read_text()
    assert 'name="Question"' in text and 'name="Choice"' in text


def test_showmigrations_plan_with_dependencies(polls):
    run("makemigrations", "polls_app")
    run("makemigrations", "polls_app", empty=True, name="second")
    out, _ = run("showmigrations", "polls_app", format="plan", verbosity=2)
    assert out == (
        "[ ]  polls_app.0001_initial\n"
        "[ ]  polls_app.0002_second ... (polls_app.0001_initial)\n"
    )


def test_migrate_says_when_models_have_unmigrated_changes(polls):
    run("makemigrations", "polls_app", empty=True, name="nothing_yet")
    run("migrate", "polls_app")
    out, _ = run("migrate", "polls_app")
    assert "  No migrations to apply.\n" in out
    assert ("  Your models in app(s): 'polls_app' have changes that are not yet reflected in "
            "a migration, and so won't be applied.\n") in out


def test_commands_needing_migrations_warn_about_unapplied_ones(polls):
    from reinhardt.core.management.base import BaseCommand

    class Serve(BaseCommand):
        requires_migrations_checks = True
        requires_system_checks: list = []

        def handle(self, *args, **options):
            return None

    run("makemigrations", "polls_app")
    out = StringIO()
    call_command(Serve(), stdout=out)
    assert ("You have 1 unapplied migration(s). Your project may not work properly until "
            "you apply the migrations for app(s): polls_app.") in out.getvalue()
    assert "Run 'python manage.py migrate' to apply them." in out.getvalue()
