"""Operations against the database: the schema changes as asked, and rows survive.

Each test builds its models with CreateModel in a private state (app label ``ops``), puts
rows in with SQL, applies the operation forwards and backwards, and checks the rows.
"""

import pytest

from reinhardt.orm import IntegrityError, connection, migrations, models, transaction
from reinhardt.orm.migrations.state import ProjectState
from tests.orm.capabilities import needs

pytestmark = pytest.mark.transactional

APP = "ops"


def make_migration(*operations):
    return type("Migration", (migrations.Migration,), {"operations": list(operations)})(
        "test", APP
    )


def apply(state, *operations):
    """Apply operations; return the new state (``state`` is left as it was)."""
    migration = make_migration(*operations)
    with connection.schema_editor(atomic=migration.atomic) as editor:
        return migration.apply(state.clone(), editor)


def unapply(state_before, *operations):
    """Unapply operations that were applied on top of ``state_before``."""
    migration = make_migration(*operations)
    with connection.schema_editor(atomic=migration.atomic) as editor:
        migration.unapply(state_before.clone(), editor)


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        try:
            return list(cursor.fetchall())  # a tuple of rows on mysqlclient
        except Exception:
            return None


def q(name):
    return connection.ops.quote_name(name)


def columns(table):
    with connection.cursor() as cursor:
        return {c.name: c for c in connection.introspection.get_table_description(cursor, table)}


def constraints(table):
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def tables():
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


@pytest.fixture
def pony():
    """Table ops_pony (id, name varchar(20), weight integer) with two rows."""
    create = migrations.CreateModel("Pony", [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=20)),
        ("weight", models.IntegerField(default=0)),
    ])
    state = apply(ProjectState(), create)
    Pony = state.apps.get_model(APP, "pony")
    Pony.objects.bulk_create([Pony(name="Sparkle", weight=120), Pony(name="Bolt", weight=95)])
    yield state
    drop_tables([t for t in tables() if t.startswith("ops_")])


def drop_tables(names):
    """Drop tables by name, whatever the test left them as."""
    if not connection.features.supports_raw_queries:
        # No DROP TABLE statement: the schema editor drops a stand-in model per table.
        from reinhardt.apps.registry import Apps

        registry = Apps()
        with connection.schema_editor() as editor:
            for i, table in enumerate(names):
                meta = type("Meta", (), {"db_table": table, "app_label": "ops_drop",
                                         "apps": registry})
                model = type(f"Dropped{i}", (models.Model,),
                             {"Meta": meta, "__module__": __name__})
                editor.delete_model(model)
        return
    # In any order: foreign keys between the leftovers must not stop the cleanup (the
    # backend's DROP TABLE cascades on PostgreSQL; checks are off on MySQL and SQLite).
    with connection.constraint_checks_disabled():
        with connection.schema_editor() as editor:
            for table in names:
                editor.execute(editor.sql_delete_table % {"table": q(table)})


def ponies(order="id", table="ops_pony", fields=("name", "weight")):
    return sql(f"SELECT {', '.join(q(f) for f in fields)} FROM {table} ORDER BY {q(order)}")


ROWS = [("Sparkle", 120), ("Bolt", 95)]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_widen_char_field_keeps_rows(pony):
    alter = migrations.AlterField("pony", "name", models.CharField(max_length=200))
    after = apply(pony, alter)
    assert ponies() == ROWS
    sql(f"INSERT INTO ops_pony ({q('name')}, weight) VALUES (%s, 1)", ["x" * 150])
    assert sql(f"SELECT LENGTH({q('name')}) FROM ops_pony WHERE weight = 1") == [(150,)]
    sql("DELETE FROM ops_pony WHERE weight = 1")
    unapply(pony, alter)
    assert ponies() == ROWS
    assert after.models[APP, "pony"].fields["name"].max_length == 200


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_integer_to_big_integer_keeps_rows_and_takes_big_values(pony):
    alter = migrations.AlterField("pony", "weight", models.BigIntegerField(default=0))
    apply(pony, alter)
    assert ponies() == ROWS
    sql(f"UPDATE ops_pony SET weight = {2**40} WHERE {q('name')} = 'Bolt'")
    assert ponies()[1] == ("Bolt", 2**40)
    sql(f"UPDATE ops_pony SET weight = 95 WHERE {q('name')} = 'Bolt'")
    unapply(pony, alter)
    assert ponies() == ROWS


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_char_to_integer_converts_values(pony):
    add = migrations.AddField("pony", "code", models.CharField(max_length=10, default="7"))
    state = apply(pony, add)
    alter = migrations.AlterField("pony", "code", models.IntegerField(default=7))
    apply(state, alter)
    assert sql("SELECT code FROM ops_pony ORDER BY id") == [(7,), (7,)]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_add_non_null_field_gives_existing_rows_the_default(pony):
    add = migrations.AddField("pony", "colour", models.CharField(max_length=10,
                                                                 default="grey"))
    state = apply(pony, add)
    assert ponies(fields=("name", "colour")) == [("Sparkle", "grey"), ("Bolt", "grey")]
    assert columns("ops_pony")["colour"].null_ok is False
    unapply(pony, add)
    assert "colour" not in columns("ops_pony")
    assert ponies() == ROWS
    assert state.models[APP, "pony"].fields["colour"].default == "grey"


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_one_off_default_fills_rows_but_is_not_kept(pony):
    add = migrations.AddField("pony", "age", models.IntegerField(default=4),
                              preserve_default=False)
    state = apply(pony, add)
    assert sql("SELECT age FROM ops_pony ORDER BY id") == [(4,), (4,)]
    assert not state.models[APP, "pony"].fields["age"].has_default()


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_rename_field_keeps_the_data(pony):
    rename = migrations.RenameField("pony", "name", "title")
    apply(pony, rename)
    assert ponies(fields=("title", "weight")) == ROWS
    unapply(pony, rename)
    assert ponies() == ROWS


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_remove_field_drops_only_that_column(pony):
    remove = migrations.RemoveField("pony", "weight")
    apply(pony, remove)
    assert set(columns("ops_pony")) == {"id", "name"}
    assert sql(f"SELECT {q('name')} FROM ops_pony ORDER BY id") == [("Sparkle",), ("Bolt",)]
    unapply(pony, remove)
    # The column comes back with its default: the dropped values are gone, as asked.
    assert ponies() == [("Sparkle", 0), ("Bolt", 0)]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_make_nullable_field_non_null_with_a_default_for_nulls(pony):
    add = migrations.AddField("pony", "nick", models.CharField(max_length=10, null=True))
    state = apply(pony, add)
    sql(f"UPDATE ops_pony SET nick = 'Sp' WHERE {q('name')} = 'Sparkle'")
    alter = migrations.AlterField("pony", "nick", models.CharField(max_length=10,
                                                                   default="none"),
                                  preserve_default=False)
    apply(state, alter)
    assert sql("SELECT nick FROM ops_pony ORDER BY id") == [("Sp",), ("none",)]
    assert columns("ops_pony")["nick"].null_ok is False


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_rename_model_keeps_rows_and_relations(pony):
    rider = migrations.CreateModel("Rider", [
        ("id", models.AutoField(primary_key=True)),
        ("pony", models.ForeignKey("ops.Pony", models.CASCADE)),
    ])
    state = apply(pony, rider)
    sql("INSERT INTO ops_rider (pony_id) VALUES (1)")
    rename = migrations.RenameModel("Pony", "Horse")
    after = apply(state, rename)
    assert "ops_pony" not in tables() and "ops_horse" in tables()
    assert ponies(table="ops_horse") == ROWS
    assert sql("SELECT h.name FROM ops_rider r JOIN ops_horse h ON h.id = r.pony_id") == [
        ("Sparkle",)
    ]
    fk = after.models[APP, "rider"].fields["pony"]
    assert fk.remote_field.model == "ops.Horse"
    unapply(state, rename)
    assert ponies() == ROWS


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_alter_model_table(pony):
    alter = migrations.AlterModelTable("pony", "stable_ponies")
    apply(pony, alter)
    assert ponies(table="stable_ponies") == ROWS
    unapply(pony, alter)
    assert ponies() == ROWS


def index_names(table):
    return {name for name, info in constraints(table).items() if info["index"]}


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_add_rename_and_remove_index(pony):
    add = migrations.AddIndex("pony", models.Index(fields=["weight"], name="pony_weight_idx"))
    state = apply(pony, add)
    assert "pony_weight_idx" in index_names("ops_pony")
    rename = migrations.RenameIndex("pony", new_name="pony_w_idx", old_name="pony_weight_idx")
    state2 = apply(state, rename)
    assert "pony_w_idx" in index_names("ops_pony")
    assert "pony_weight_idx" not in index_names("ops_pony")
    remove = migrations.RemoveIndex("pony", "pony_w_idx")
    apply(state2, remove)
    assert "pony_w_idx" not in index_names("ops_pony")
    unapply(state2, remove)
    assert "pony_w_idx" in index_names("ops_pony")
    assert ponies() == ROWS


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_unique_constraint_is_enforced_and_removable(pony):
    add = migrations.AddConstraint(
        "pony", models.UniqueConstraint(fields=["name"], name="unique_pony_name")
    )
    state = apply(pony, add)
    with pytest.raises(IntegrityError), transaction.atomic():
        sql(f"INSERT INTO ops_pony ({q('name')}, weight) VALUES ('Bolt', 1)")
    remove = migrations.RemoveConstraint("pony", "unique_pony_name")
    apply(state, remove)
    sql(f"INSERT INTO ops_pony ({q('name')}, weight) VALUES ('Bolt', 1)")
    assert len(ponies()) == 3


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_unique_together(pony):
    alter = migrations.AlterUniqueTogether("pony", {("name", "weight")})
    apply(pony, alter)
    with pytest.raises(IntegrityError), transaction.atomic():
        sql(f"INSERT INTO ops_pony ({q('name')}, weight) VALUES ('Bolt', 95)")
    unapply(pony, alter)
    sql(f"INSERT INTO ops_pony ({q('name')}, weight) VALUES ('Bolt', 95)")


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_many_to_many_table_follows_the_model(pony):
    stable = migrations.CreateModel("Stable", [
        ("id", models.AutoField(primary_key=True)),
        ("ponies", models.ManyToManyField("ops.Pony")),
    ])
    state = apply(pony, stable)
    assert "ops_stable_ponies" in tables()
    sql("INSERT INTO ops_stable (id) VALUES (1)")
    sql("INSERT INTO ops_stable_ponies (stable_id, pony_id) VALUES (1, 2)")
    rename = migrations.RenameModel("Stable", "Barn")
    apply(state, rename)
    assert "ops_barn_ponies" in tables() and "ops_stable_ponies" not in tables()
    assert sql("SELECT barn_id, pony_id FROM ops_barn_ponies") == [(1, 2)]
    unapply(state, rename)
    assert sql("SELECT stable_id, pony_id FROM ops_stable_ponies") == [(1, 2)]


def test_order_with_respect_to_adds_the_order_column(pony):
    rider = migrations.CreateModel("Rider", [
        ("id", models.AutoField(primary_key=True)),
        ("pony", models.ForeignKey("ops.Pony", models.CASCADE)),
    ])
    state = apply(pony, rider)
    alter = migrations.AlterOrderWithRespectTo("rider", "pony")
    apply(state, alter)
    assert "_order" in columns("ops_rider")
    unapply(state, alter)
    assert "_order" not in columns("ops_rider")


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_run_sql_and_run_python_both_ways(pony):
    run_sql = migrations.RunSQL(
        "UPDATE ops_pony SET weight = weight + 1",
        reverse_sql="UPDATE ops_pony SET weight = weight - 1",
    )
    apply(pony, run_sql)
    assert ponies() == [("Sparkle", 121), ("Bolt", 96)]
    unapply(pony, run_sql)
    assert ponies() == ROWS

    def double(apps, schema_editor):
        Pony = apps.get_model("ops", "Pony")
        for p in Pony.objects.all():
            p.weight *= 2
            p.save()

    def halve(apps, schema_editor):
        Pony = apps.get_model("ops", "Pony")
        for p in Pony.objects.all():
            p.weight //= 2
            p.save()

    run_python = migrations.RunPython(double, halve)
    apply(pony, run_python)
    assert ponies() == [("Sparkle", 240), ("Bolt", 190)]
    unapply(pony, run_python)
    assert ponies() == ROWS


def test_irreversible_operation_says_so(pony):
    from reinhardt.orm.migrations.exceptions import IrreversibleError

    run_python = migrations.RunPython(lambda apps, editor: None)
    with pytest.raises(IrreversibleError, match="is not reversible"):
        unapply(pony, run_python)


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_separate_database_and_state(pony):
    operation = migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RunSQL("ALTER TABLE ops_pony RENAME TO ops_mare",
                                               "ALTER TABLE ops_mare RENAME TO ops_pony")],
        state_operations=[migrations.AlterModelTable("pony", "ops_mare")],
    )
    state = apply(pony, operation)
    assert state.models[APP, "pony"].options["db_table"] == "ops_mare"
    assert ponies(table="ops_mare") == ROWS
    unapply(pony, operation)
    assert ponies() == ROWS


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_primary_key_type_change_follows_into_foreign_keys(pony):
    rider = migrations.CreateModel("Rider", [
        ("id", models.AutoField(primary_key=True)),
        ("pony", models.ForeignKey("ops.Pony", models.CASCADE)),
    ])
    state = apply(pony, rider)
    sql("INSERT INTO ops_rider (pony_id) VALUES (2)")
    alter = migrations.AlterField("pony", "id", models.BigAutoField(primary_key=True))
    apply(state, alter)
    assert ponies() == ROWS
    assert sql("SELECT h.name FROM ops_rider r JOIN ops_pony h ON h.id = r.pony_id") == [
        ("Bolt",)
    ]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_foreign_key_to_another_model_and_db_index(pony):
    barn = migrations.CreateModel("Barn", [("id", models.AutoField(primary_key=True))])
    state = apply(pony, barn)
    sql("INSERT INTO ops_barn (id) VALUES (7)")
    add = migrations.AddField("pony", "barn", models.ForeignKey("ops.Barn", models.SET_NULL,
                                                                null=True))
    state = apply(state, add)
    sql("UPDATE ops_pony SET barn_id = 7")
    indexed = migrations.AlterField("pony", "weight", models.IntegerField(default=0,
                                                                          db_index=True))
    state = apply(state, indexed)
    assert any(info["columns"] == ["weight"] and info["index"]
               for info in constraints("ops_pony").values())
    assert sql("SELECT barn_id FROM ops_pony ORDER BY id") == [(7,), (7,)]
    unique = migrations.AlterField("pony", "name", models.CharField(max_length=20,
                                                                    unique=True))
    apply(state, unique)
    with pytest.raises(IntegrityError), transaction.atomic():
        sql(f"INSERT INTO ops_pony ({q('name')}, weight) VALUES ('Bolt', 1)")
    assert ponies() == ROWS


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_making_a_column_unique_with_duplicates_fails_and_keeps_the_table(pony):
    sql(f"INSERT INTO ops_pony ({q('name')}, weight) VALUES ('Bolt', 1)")
    unique = migrations.AlterField("pony", "name", models.CharField(max_length=20,
                                                                    unique=True))
    with pytest.raises(IntegrityError):
        apply(pony, unique)
    assert len(ponies()) == 3
    assert "ops_pony" in tables()


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_remove_an_indexed_field_without_removing_the_index_first(pony):
    # A hand-written migration: the index goes with its column.
    state = apply(pony, migrations.AddIndex(
        "pony", models.Index(fields=["name", "weight"], name="pony_nw_idx")))
    apply(state, migrations.RemoveField("pony", "weight"))
    assert set(columns("ops_pony")) == {"id", "name"}
    assert sql(f"SELECT {q('name')} FROM ops_pony ORDER BY id") == [("Sparkle",), ("Bolt",)]


def test_proxy_and_unmanaged_models_get_no_table(pony):
    proxy = migrations.CreateModel("PonyProxy", [], options={"proxy": True},
                                   bases=("ops.pony",))
    unmanaged = migrations.CreateModel("Legacy", [("id", models.AutoField(primary_key=True))],
                                       options={"managed": False, "db_table": "legacy_rows"})
    state = apply(pony, proxy, unmanaged)
    assert "ops_ponyproxy" not in tables() and "legacy_rows" not in tables()
    Proxy = state.apps.get_model("ops", "PonyProxy")
    assert sorted(Proxy.objects.values_list("name", flat=True)) == ["Bolt", "Sparkle"]


def test_create_then_add_field_in_one_migration_keeps_one_copy_of_each_index():
    # SQLite rebuilds the table for the new foreign key while the CreateModel's unique
    # index is still waiting to be created at the end of the migration (as in a squashed
    # migration); the index must be created once, not twice.
    create = migrations.CreateModel("Rider", [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=10)),
        ("number", models.IntegerField()),
    ], options={"unique_together": {("name", "number")}})
    add = migrations.AddField("rider", "partner", models.ForeignKey(
        "ops.rider", null=True, on_delete=models.SET_NULL, related_name="+"))
    state = apply(ProjectState(), create, add)
    try:
        unique = [c["columns"] for c in constraints("ops_rider").values() if c["unique"]]
        assert sorted(unique).count(["name", "number"]) == 1
        Rider = state.apps.get_model("ops", "Rider")
        Rider.objects.create(name="a", number=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            Rider.objects.create(name="a", number=1)
        assert Rider.objects.count() == 1
    finally:
        unapply(ProjectState(), create, add)
        assert "ops_rider" not in tables()
        del state
