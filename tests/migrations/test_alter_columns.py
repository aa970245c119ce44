"""Column changes on a table with rows, as each backend's schema editor makes them.

Every test runs on every backend: the rows and what the column accepts afterwards are the
same everywhere, whether the backend alters in place (PostgreSQL's ALTER COLUMN ... USING,
MySQL's MODIFY) or rebuilds the table (SQLite).
"""

from decimal import Decimal

import pytest

from reinhardt.orm import (
    DatabaseError,
    DataError,
    IntegrityError,
    connection,
    migrations,
    models,
    transaction,
)
from tests.migrations import test_operations
from tests.migrations.test_operations import (
    ROWS,
    apply,
    columns,
    constraints,
    ponies,
    q,
    sql,
    unapply,
)
from tests.orm.capabilities import needs

pytestmark = pytest.mark.transactional

pony = test_operations.pony  # the table ops_pony with two rows (a fixture)

AWKWARD = "O'Brien; -- 100% \\ \"quoted\" %s %(x)s"


def insert(name, weight=1):
    sql(f"INSERT INTO ops_pony ({q('name')}, weight) VALUES (%s, %s)", [name, weight])


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_added_default_is_stored_as_given_whatever_it_contains(pony):
    add = migrations.AddField("pony", "nick", models.CharField(max_length=60, default=AWKWARD))
    apply(pony, add)
    assert sql("SELECT nick FROM ops_pony ORDER BY id") == [(AWKWARD,), (AWKWARD,)]
    assert ponies() == ROWS


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_null_to_not_null_fills_with_a_default_containing_quotes(pony):
    add = migrations.AddField("pony", "nick", models.CharField(max_length=60, null=True))
    state = apply(pony, add)
    sql(f"UPDATE ops_pony SET nick = 'kept' WHERE {q('name')} = 'Bolt'")
    alter = migrations.AlterField("pony", "nick", models.CharField(max_length=60,
                                                                   default=AWKWARD))
    apply(state, alter)
    assert sql("SELECT nick FROM ops_pony ORDER BY id") == [(AWKWARD,), ("kept",)]
    assert columns("ops_pony")["nick"].null_ok is False


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_auto_field_to_big_auto_field_and_back_keeps_numbering(pony):
    alter = migrations.AlterField("pony", "id", models.BigAutoField(primary_key=True))
    apply(pony, alter)
    insert("Third")
    sql(f"INSERT INTO ops_pony (id, {q('name')}, weight) VALUES (%s, 'Huge', 1)", [2**40])
    assert sql("SELECT id FROM ops_pony ORDER BY id") == [(1,), (2,), (3,), (2**40,)]
    sql("DELETE FROM ops_pony WHERE id = %s", [2**40])
    unapply(pony, alter)
    insert("Fourth")
    assert sql(f"SELECT id, {q('name')} FROM ops_pony ORDER BY id") == [
        (1, "Sparkle"), (2, "Bolt"), (3, "Third"), (4, "Fourth"),
    ]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_integer_primary_key_becomes_auto_and_numbers_after_the_largest(pony):
    plain = migrations.AlterField("pony", "id", models.IntegerField(primary_key=True))
    state = apply(pony, plain)
    sql(f"INSERT INTO ops_pony (id, {q('name')}, weight) VALUES (10, 'Ten', 1)")
    auto = migrations.AlterField("pony", "id", models.BigAutoField(primary_key=True))
    apply(state, auto)
    insert("Next")
    assert sql(f"SELECT id FROM ops_pony WHERE {q('name')} = 'Next'") == [(11,)]
    assert ponies()[:2] == ROWS


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_widening_keeps_not_null_and_the_database_default(pony):
    add = migrations.AddField("pony", "colour", models.CharField(max_length=10,
                                                                 db_default="grey"))
    state = apply(pony, add)
    wide = migrations.AlterField("pony", "colour", models.CharField(max_length=100,
                                                                    db_default="grey"))
    state = apply(state, wide)
    assert columns("ops_pony")["colour"].null_ok is False
    insert("New")
    assert sql("SELECT colour FROM ops_pony ORDER BY id") == [("grey",)] * 3
    with pytest.raises(IntegrityError), transaction.atomic():
        sql("UPDATE ops_pony SET colour = NULL")
    # And the other way: a nullable column stays nullable, still with its default.
    nullable = migrations.AlterField("pony", "colour", models.CharField(
        max_length=100, null=True, db_default="grey"))
    state = apply(state, nullable)
    wider = migrations.AlterField("pony", "colour", models.CharField(
        max_length=120, null=True, db_default="grey"))
    apply(state, wider)
    assert columns("ops_pony")["colour"].null_ok is True
    insert("Newer", 2)
    assert sql("SELECT colour FROM ops_pony WHERE weight = 2") == [("grey",)]


@pytest.fixture
def case_insensitive_collation():
    """A collation under which 'bolt' equals 'BOLT', named as the backend names it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE COLLATION IF NOT EXISTS reinhardt_test_ci "
                "(provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
            )
        return "reinhardt_test_ci"
    # Elsewhere no collation is named; the test then needs SQL (supports_raw_queries).
    return {"sqlite": "NOCASE", "mysql": "utf8mb4_unicode_ci"}.get(connection.vendor)


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_collation_survives_widening_and_null_changes(pony, case_insensitive_collation):
    def matches():
        return sql(f"SELECT weight FROM ops_pony WHERE {q('name')} = 'BOLT'")

    assert matches() == []
    coll = case_insensitive_collation
    steps = [
        models.CharField(max_length=20, db_collation=coll),
        models.CharField(max_length=40, db_collation=coll),
        models.CharField(max_length=40, null=True, db_collation=coll),
        models.CharField(max_length=40, db_collation=coll, default="x"),
    ]
    state = pony
    for field in steps:
        state = apply(state, migrations.AlterField("pony", "name", field))
        assert matches() == [(95,)], field.deconstruct()
        assert ponies() == ROWS
    assert columns("ops_pony")["name"].null_ok is False
    state = apply(state, migrations.AlterField("pony", "name",
                                               models.CharField(max_length=40)))
    assert matches() == []


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_text_to_number_converts_and_back(pony):
    as_text = migrations.AlterField("pony", "weight", models.CharField(max_length=10,
                                                                       default="0"))
    state = apply(pony, as_text)
    assert sql("SELECT weight FROM ops_pony ORDER BY id") == [("120",), ("95",)]
    as_decimal = migrations.AlterField("pony", "weight", models.DecimalField(
        max_digits=8, decimal_places=2, default=0))
    apply(state, as_decimal)
    assert [Decimal(str(w)) for (w,) in sql("SELECT weight FROM ops_pony ORDER BY id")] == [
        Decimal("120.00"), Decimal("95.00"),
    ]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_narrowing_never_cuts_values_short(pony):
    insert("A name of 19 chars.")
    narrow = migrations.AlterField("pony", "name", models.CharField(max_length=5))
    try:
        apply(pony, narrow)
    except DatabaseError:
        pass  # PostgreSQL and MySQL refuse: a value is too long for varchar(5).
    # Whether the database refused (and kept the column) or does not enforce lengths
    # (SQLite), every value is whole.
    assert ponies() == [*ROWS, ("A name of 19 chars.", 1)]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_text_that_is_not_a_number_is_not_turned_into_one(pony):
    as_text = migrations.AlterField("pony", "weight", models.CharField(max_length=10,
                                                                       default="0"))
    state = apply(pony, as_text)
    sql("UPDATE ops_pony SET weight = 'heavy' WHERE id = 2")
    back = migrations.AlterField("pony", "weight", models.IntegerField(default=0))
    try:
        apply(state, back)
    except DatabaseError:
        pass  # PostgreSQL and MySQL refuse to cast 'heavy' to an integer.
    # SQLite keeps what it cannot convert as text (its column affinity); nothing is lost.
    assert [str(w) for (w,) in sql("SELECT weight FROM ops_pony ORDER BY id")] == [
        "120", "heavy",
    ]


# MySQL refuses a negative value for an unsigned column with "out of range" (a DataError)
# before its CHECK constraint sees it.
REFUSED = (IntegrityError, DataError)


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_check_constraint_of_a_field_follows_its_changes(pony):
    positive = migrations.AlterField("pony", "weight", models.PositiveIntegerField(default=0))
    state = apply(pony, positive)
    with pytest.raises(REFUSED), transaction.atomic():
        sql("UPDATE ops_pony SET weight = -1")
    wider = migrations.AlterField("pony", "weight", models.PositiveBigIntegerField(default=0))
    state = apply(state, wider)
    with pytest.raises(REFUSED), transaction.atomic():
        sql("UPDATE ops_pony SET weight = -1")
    sql(f"UPDATE ops_pony SET weight = {2**40} WHERE id = 2")
    sql("UPDATE ops_pony SET weight = 95 WHERE id = 2")
    signed = migrations.AlterField("pony", "weight", models.BigIntegerField(default=0))
    apply(state, signed)
    sql("UPDATE ops_pony SET weight = -1 WHERE id = 2")
    assert ponies() == [("Sparkle", 120), ("Bolt", -1)]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_added_text_and_json_columns_take_their_default_on_existing_rows(pony):
    # MySQL cannot give TEXT/BLOB/JSON columns a literal DEFAULT: the rows still get it.
    state = apply(pony, migrations.AddField("pony", "notes", models.TextField(
        default="none yet")))
    apply(state, migrations.AddField("pony", "extra", models.JSONField(default=dict)))
    assert sql("SELECT notes FROM ops_pony ORDER BY id") == [("none yet",), ("none yet",)]
    assert [str(v).replace(" ", "") for (v,) in sql("SELECT extra FROM ops_pony")] == [
        "{}", "{}"]
    with pytest.raises(IntegrityError), transaction.atomic():
        sql("UPDATE ops_pony SET notes = NULL")


def shape(table, column):
    """The constraints and indexes on ``column``, without their names."""
    return sorted(
        (info["unique"], bool(info["index"]), info["check"], info.get("type"))
        for info in constraints(table).values()
        if info["columns"] == [column] and not info["primary_key"]
    )


FIELD_HISTORY = [
    models.CharField(max_length=20, db_index=True),
    models.CharField(max_length=20, unique=True),
    models.CharField(max_length=20),
    models.CharField(max_length=20, db_index=True),
    models.TextField(db_index=True),
    models.CharField(max_length=30, db_index=True),
    models.IntegerField(db_index=True),
    models.CharField(max_length=20, unique=True),
    models.PositiveIntegerField(db_index=True),
    models.IntegerField(),
]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_altered_column_has_the_indexes_a_new_table_would_have(pony):
    """After each change the column's indexes and constraints are those CREATE TABLE gives
    the new field (PostgreSQL's extra LIKE index for indexed text included)."""
    sql("UPDATE ops_pony SET weight = id")
    state = pony
    for number, field in enumerate(FIELD_HISTORY):
        state = apply(state, migrations.AlterField("pony", "weight", field))
        fresh = apply(pony, migrations.CreateModel(f"Fresh{number}", [
            ("id", models.AutoField(primary_key=True)),
            ("weight", field.clone()),
        ]))
        del fresh
        assert shape("ops_pony", "weight") == shape(f"ops_fresh{number}", "weight"), field
        assert [str(w) for (w,) in sql("SELECT weight FROM ops_pony ORDER BY id")] == [
            "1", "2"]


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_expression_database_defaults_are_added_and_kept(pony):
    from reinhardt.orm.models import Value
    from reinhardt.orm.models.functions import Lower, Now

    state = apply(pony, migrations.AddField("pony", "made", models.DateTimeField(
        db_default=Now())))
    state = apply(state, migrations.AddField("pony", "low", models.CharField(
        max_length=10, db_default=Lower(Value("ABC")))))
    assert sql("SELECT low FROM ops_pony") == [("abc",), ("abc",)]
    state = apply(state, migrations.AlterField("pony", "low", models.CharField(
        max_length=30, db_default=Lower(Value("ABC")))))
    apply(state, migrations.AlterField("pony", "made", models.DateTimeField(
        null=True, db_default=Now())))
    insert("New", 5)
    (low, made), = sql("SELECT low, made FROM ops_pony WHERE weight = 5")
    assert low == "abc" and made is not None


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_primary_key_type_follows_through_a_chain_of_relations(pony):
    # Pony <- Racer (multi-table inheritance: its primary key points at Pony's) <- Ride:
    # every column along the chain takes the new type.
    racer = migrations.CreateModel("Racer", [
        ("pony_ptr", models.OneToOneField("ops.Pony", models.CASCADE, parent_link=True,
                                          primary_key=True, serialize=False)),
        ("speed", models.IntegerField(default=0)),
    ], bases=("ops.pony",))
    ride = migrations.CreateModel("Ride", [
        ("id", models.AutoField(primary_key=True)),
        ("racer", models.ForeignKey("ops.Racer", models.CASCADE)),
    ])
    state = apply(pony, racer, ride)
    sql("INSERT INTO ops_racer (pony_ptr_id, speed) VALUES (2, 9)")
    sql("INSERT INTO ops_ride (racer_id) VALUES (2)")
    apply(state, migrations.AlterField("pony", "id", models.BigAutoField(primary_key=True)))
    sql(f"INSERT INTO ops_pony (id, {q('name')}, weight) VALUES (%s, 'Huge', 1)", [2**40])
    sql("INSERT INTO ops_racer (pony_ptr_id, speed) VALUES (%s, 1)", [2**40])
    sql("INSERT INTO ops_ride (racer_id) VALUES (%s)", [2**40])
    assert sql("SELECT racer_id FROM ops_ride ORDER BY racer_id") == [(2,), (2**40,)]
    assert ponies()[:2] == ROWS


@needs("supports_raw_queries")  # reads and writes rows with SQL
def test_to_field_target_widened_with_the_column_pointing_at_it(pony):
    state = apply(pony, migrations.AlterField("pony", "name", models.CharField(
        max_length=20, unique=True)))
    state = apply(state, migrations.CreateModel("Saddle", [
        ("id", models.AutoField(primary_key=True)),
        ("pony", models.ForeignKey("ops.Pony", models.CASCADE, to_field="name")),
    ]))
    sql("INSERT INTO ops_saddle (pony_id) VALUES ('Bolt')")
    apply(state, migrations.AlterField("pony", "name", models.CharField(
        max_length=50, unique=True)))
    insert("x" * 40)
    sql("INSERT INTO ops_saddle (pony_id) VALUES (%s)", ["x" * 40])
    assert sql("SELECT pony_id FROM ops_saddle ORDER BY id") == [("Bolt",), ("x" * 40,)]
