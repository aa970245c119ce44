"""Property: for any sequence of field changes, the migration makemigrations writes turns
the old model into the new one, keeps every value of every column that still exists, and
undoes cleanly.

Hypothesis draws the changes (add a field with a default, remove, rename, widen or narrow
a CharField, IntegerField <-> BigIntegerField, index on or off); for each, the test runs
the autodetector between the two states, applies the migration to a table holding rows,
checks the rows, unapplies it, checks them again and reapplies it.
"""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reinhardt.orm import connection, migrations, models
from reinhardt.orm.migrations.autodetector import MigrationAutodetector
from reinhardt.orm.migrations.graph import MigrationGraph
from reinhardt.orm.migrations.questioner import MigrationQuestioner
from reinhardt.orm.migrations.state import ModelState, ProjectState
from tests.orm.capabilities import needs

pytestmark = pytest.mark.transactional

APP = "props"
TABLE = "props_thing"
KINDS = ("char", "int", "bigint")
DEFAULTS = {"char": "d", "int": 7, "bigint": 7}


def make_field(kind: str, size: int, indexed: bool):
    if kind == "char":
        return models.CharField(max_length=size, default="d", db_index=indexed)
    if kind == "int":
        return models.IntegerField(default=7, db_index=indexed)
    return models.BigIntegerField(default=7, db_index=indexed)


def project_state(spec: dict) -> ProjectState:
    fields = [("id", models.AutoField(primary_key=True))]
    fields += [(name, make_field(*definition)) for name, definition in sorted(spec.items())]
    return ProjectState({(APP, "thing"): ModelState(APP, "Thing", fields)})


CHANGES = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(KINDS)),
    st.tuples(st.just("remove"), st.integers(0, 10)),
    st.tuples(st.just("rename"), st.integers(0, 10)),
    st.tuples(st.just("resize"), st.integers(0, 10), st.sampled_from([20, 40, 80])),
    st.tuples(st.just("retype"), st.integers(0, 10)),
    st.tuples(st.just("index"), st.integers(0, 10)),
)


def changed(spec: dict, rows: list[dict], change, names) -> tuple[dict, list[dict], dict]:
    """(new spec, the rows as they should then read, {old name: new name} of renames)."""
    spec, rows = dict(spec), [dict(row) for row in rows]
    kind = change[0]
    if kind == "add":
        name = next(names)
        spec[name] = (change[1], 40, False)
        for row in rows:
            row[name] = DEFAULTS[change[1]]
        return spec, rows, {}
    if not spec:
        return spec, rows, {}
    name = sorted(spec)[change[1] % len(spec)]
    field_kind, size, indexed = spec[name]
    if kind == "remove":
        del spec[name]
        for row in rows:
            del row[name]
    elif kind == "rename":
        new_name = next(names)
        spec[new_name] = spec.pop(name)
        for row in rows:
            row[new_name] = row.pop(name)
        return spec, rows, {name: new_name}
    elif kind == "resize" and field_kind == "char":
        spec[name] = (field_kind, change[2], indexed)
    elif kind == "retype" and field_kind in ("int", "bigint"):
        spec[name] = ("bigint" if field_kind == "int" else "int", size, indexed)
    elif kind == "index":
        spec[name] = (field_kind, size, not indexed)
    return spec, rows, {}


class RenamesAreRenames(MigrationQuestioner):
    """Answers "yes" to renames, as the user who made them would."""

    def ask_rename(self, model_name, old_name, new_name, field_instance):
        return True


def read(spec: dict) -> list[tuple]:
    names = sorted(spec)
    quoted = ", ".join(connection.ops.quote_name(n) for n in ["id", *names])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM {TABLE} ORDER BY id")
        return [tuple(row[1:]) for row in cursor.fetchall()]


def as_tuples(spec: dict, rows: list[dict]) -> list[tuple]:
    return [tuple(row[name] for name in sorted(spec)) for row in rows]


def run(migration, state, backwards=False):
    with connection.schema_editor() as editor:
        if backwards:
            return migration.unapply(state.clone(), editor)
        return migration.apply(state.clone(), editor)


# The rows are written and read back with SQL through connection.cursor().
@needs("supports_raw_queries")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CHANGES, min_size=1, max_size=5))
def test_migrations_keep_the_data(changes):
    names = (f"f{n}" for n in itertools.count(1))
    spec = {"f0": ("char", 40, False), "n0": ("int", 0, False)}
    rows = [{"f0": "alpha", "n0": 1}, {"f0": "beta", "n0": 2**31 - 1}]
    state = project_state(spec)
    create = migrations.CreateModel("Thing", list(state.models[APP, "thing"].fields.items()))
    run(type("Migration", (migrations.Migration,), {"operations": [create]})("0", APP),
        ProjectState())
    try:
        with connection.cursor() as cursor:
            for row in rows:
                cursor.execute(f"INSERT INTO {TABLE} (f0, n0) VALUES (%s, %s)",
                               [row["f0"], row["n0"]])
        for change in changes:
            new_spec, new_rows, renames = changed(spec, rows, change, names)
            if new_spec == spec:
                continue
            detected = MigrationAutodetector(
                state, project_state(new_spec), RenamesAreRenames()
            )._detect_changes(graph=MigrationGraph())
            operations = [op for m in detected.get(APP, []) for op in m.operations]
            migration = type("Migration", (migrations.Migration,),
                             {"operations": operations})("step", APP)

            new_state = run(migration, state)
            # The operations turn the old model into the new one...
            assert new_state.models[APP, "thing"] == project_state(new_spec).models[
                APP, "thing"]
            # ...and every column that remains keeps its values.
            assert read(new_spec) == as_tuples(new_spec, new_rows)

            # Undone, the old columns are back: kept values as they were, dropped columns
            # with their default.
            run(migration, state, backwards=True)
            back = [
                {name: (new_row[renames.get(name, name)]
                        if renames.get(name, name) in new_row else DEFAULTS[spec[name][0]])
                 for name in spec}
                for new_row in new_rows
            ]
            assert read(spec) == as_tuples(spec, back)

            run(migration, state)
            spec, rows, state = new_spec, new_rows, new_state
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(state.apps.get_model(APP, "thing"))
