# ruff: noqa: F811  (tests take the imported ``pony`` fixture as a parameter)
"""RunSQL, RunPython and SeparateDatabaseAndState: arguments, deconstruction, routers,
statement lists with parameters, and the state each nested database operation sees."""

import pytest

from reinhardt.orm import migrations, models
from reinhardt.orm.migrations.operations.base import Operation
from reinhardt.test import override_settings
from tests.migrations.test_operations import APP, apply, ponies, pony, unapply  # noqa: F401
from tests.orm.capabilities import needs

pytestmark = pytest.mark.transactional


def test_deconstruct_leaves_out_defaults():
    assert migrations.RunSQL("SELECT 1").deconstruct() == ("RunSQL", [], {"sql": "SELECT 1"})
    full = migrations.RunSQL("A", "B", state_operations=["op"], hints={"h": 1}, elidable=True)
    assert full.deconstruct()[2] == {
        "sql": "A", "reverse_sql": "B", "state_operations": ["op"], "hints": {"h": 1}
    }

    def code(apps, schema_editor):
        pass

    assert migrations.RunPython(code).deconstruct() == ("RunPython", [], {"code": code})
    full = migrations.RunPython(code, code, atomic=False, hints={"h": 1})
    assert full.deconstruct()[2] == {
        "code": code, "reverse_code": code, "atomic": False, "hints": {"h": 1}
    }
    assert migrations.SeparateDatabaseAndState().deconstruct() == (
        "SeparateDatabaseAndState", [], {}
    )
    split = migrations.SeparateDatabaseAndState(state_operations=["s"])
    assert split.deconstruct()[2] == {"state_operations": ["s"]}


def test_run_python_checks_its_arguments():
    with pytest.raises(ValueError, match="must be supplied with a callable"):
        migrations.RunPython("not callable")
    with pytest.raises(ValueError, match="must be supplied with callable arguments"):
        migrations.RunPython(migrations.RunPython.noop, reverse_code=42)
    op = migrations.RunPython(migrations.RunPython.noop)
    assert not op.reversible and not op.reduces_to_sql and op.atomic is None
    assert migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop).reversible
    assert op.describe() == "Raw Python operation"
    assert migrations.RunSQL("x").describe() == "Raw SQL operation"
    assert not migrations.RunSQL("x").reversible and migrations.RunSQL("x", "").reversible


def test_irreversible_database_backwards_raises(pony):
    for op in (migrations.RunSQL("SELECT 1"), migrations.RunPython(migrations.RunPython.noop)):
        with pytest.raises(NotImplementedError, match="You cannot reverse this operation"):
            op.database_backwards(APP, None, pony, pony)


class _Editor:
    """Records what RunSQL executes."""

    def __init__(self):
        from reinhardt.orm import connection

        self.connection = connection
        self.executed = []

    def execute(self, sql, params=None):
        self.executed.append((sql, params))


def test_run_sql_statement_forms(pony):
    editor = _Editor()
    migrations.RunSQL(["ONE", ("TWO %s", [2]), ["THREE", None]]).database_forwards(
        APP, editor, pony, pony
    )
    assert editor.executed == [("ONE", None), ("TWO %s", [2]), ("THREE", None)]
    editor.executed.clear()
    migrations.RunSQL(migrations.RunSQL.noop).database_forwards(APP, editor, pony, pony)
    assert editor.executed == []
    migrations.RunSQL("X", migrations.RunSQL.noop).database_backwards(APP, editor, pony, pony)
    assert editor.executed == []
    migrations.RunSQL("A; B;").database_forwards(APP, editor, pony, pony)
    assert [sql.rstrip(";") for sql, _ in editor.executed] == ["A", "B"]
    with pytest.raises(ValueError, match="Expected a 2-tuple but got 3"):
        migrations.RunSQL([("A", [1], "extra")]).database_forwards(APP, editor, pony, pony)


class NoOpsRouter:
    def allow_migrate(self, db, app_label, **hints):
        return hints.get("run", app_label != APP)


@override_settings(DATABASE_ROUTERS=[f"{__name__}.NoOpsRouter"])
def test_routers_decide_with_hints(pony):
    calls = []
    editor = _Editor()
    migrations.RunSQL("SKIPPED").database_forwards(APP, editor, pony, pony)
    migrations.RunSQL("RUN", hints={"run": True}).database_forwards(APP, editor, pony, pony)
    assert editor.executed == [("RUN", None)]
    migrations.RunPython(lambda apps, ed: calls.append("no")).database_forwards(
        APP, editor, pony, pony
    )
    migrations.RunPython(lambda apps, ed: calls.append("yes"), hints={"run": True}) \
        .database_forwards(APP, editor, pony, pony)
    assert calls == ["yes"]


def test_run_python_gets_historical_models(pony):
    seen = []

    def code(apps, schema_editor):
        Pony = apps.get_model(APP, "Pony")
        seen.append(sorted(f.name for f in Pony._meta.fields))

    add = migrations.AddField("pony", "colour", models.CharField(max_length=10, default="w"))
    apply(pony, add, migrations.RunPython(code, code))
    assert seen == [["colour", "id", "name", "weight"]]
    unapply(pony, add, migrations.RunPython(code, code))
    assert seen[-1] == ["colour", "id", "name", "weight"]


class _Spy(Operation):
    """Records the states it is given, by the fields Pony has in them."""

    def __init__(self, name, log):
        self.name, self.log = name, log

    def _fields(self, state):
        return tuple(sorted(state.models[APP, "pony"].fields))

    def state_forwards(self, app_label, state):
        state.models[APP, "pony"].fields[self.name] = models.IntegerField(null=True)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self.log.append(("fwd", self.name, self._fields(from_state), self._fields(to_state)))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self.log.append(("back", self.name, self._fields(from_state), self._fields(to_state)))


def test_separate_database_and_state_threads_states_through_database_operations(pony):
    log = []
    op = migrations.SeparateDatabaseAndState(database_operations=[_Spy("a", log), _Spy("b", log)])
    base = ("id", "name", "weight")
    op.database_forwards(APP, None, pony, pony.clone())
    assert log == [
        ("fwd", "a", base, ("a", *base)),
        ("fwd", "b", ("a", *base), ("a", "b", *base)),
    ]
    log.clear()
    op.database_backwards(APP, None, pony.clone(), pony)
    assert log == [
        ("back", "b", ("a", "b", *base), ("a", *base)),
        ("back", "a", ("a", *base), base),
    ]
    # The database operations never touch the project state.
    after = pony.clone()
    op.state_forwards(APP, after)
    assert tuple(sorted(after.models[APP, "pony"].fields)) == base


@needs("supports_raw_queries")
def test_run_sql_with_state_operations(pony):
    op = migrations.RunSQL(
        [("UPDATE ops_pony SET weight = weight + %s", [5])],
        [("UPDATE ops_pony SET weight = weight - %s", [5])],
        state_operations=[migrations.AlterModelTable("pony", "ops_pony")],
    )
    state = apply(pony, op)
    assert state.models[APP, "pony"].options["db_table"] == "ops_pony"
    assert ponies() == [("Sparkle", 125), ("Bolt", 100)]
    unapply(pony, op)
    assert ponies() == [("Sparkle", 120), ("Bolt", 95)]
