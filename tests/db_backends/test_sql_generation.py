"""The SQL each server dialect generates, compiled without a server (so MySQL 8, which is not
installed here, is checked as well as MariaDB and PostgreSQL).

The live behaviour is tested by the whole suite on each backend; these pin the dialect
choices a reader would look for: RETURNING, upserts, DISTINCT ON, locking clauses, regular
expressions, time zones, JSON.
"""

import datetime

import pytest

from reinhardt.core.exceptions import FieldError
from reinhardt.orm import NotSupportedError, transaction
from reinhardt.orm.models import F
from reinhardt.orm.models.constants import OnConflict
from reinhardt.orm.query.subqueries import InsertQuery
from reinhardt.utils import timezone
from tests.db_backends import offline
from tests.orm.models import AllTypes, Author, Book, Event, Product, Tag

pytest.importorskip("psycopg", reason="the postgresql extra is not installed")
pytest.importorskip("MySQLdb", reason="the mysql extra is not installed")


@pytest.fixture(scope="module")
def pg():
    return offline.postgresql()


@pytest.fixture(scope="module")
def mariadb():
    return offline.mysql("10.11.6-MariaDB-0+deb12u1", alias="offline_mariadb")


@pytest.fixture(scope="module")
def mysql8():
    return offline.mysql("8.0.36", alias="offline_mysql8")


def insert_sql(connection, objs, fields, returning=None, **conflict):
    query = InsertQuery(objs[0].__class__, **conflict)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = returning
    return compiler.as_sql()


# ----- PostgreSQL ---------------------------------------------------------------------------


def test_pg_insert_returns_the_primary_keys_of_every_row(pg):
    fields = [Tag._meta.get_field("name")]
    [(sql, params)] = insert_sql(pg, [Tag(name="a"), Tag(name="b")], fields,
                                 returning=[Tag._meta.pk])
    assert sql == ('INSERT INTO "orm_tag" ("name") VALUES (%s), (%s) '
                   'RETURNING "orm_tag"."id"')
    assert params == ("a", "b")


def test_pg_upserts(pg):
    fields = [Product._meta.get_field(n) for n in ("sku", "name", "price")]
    objs = [Product(sku="s", name="n", price=1)]
    [(sql, _)] = insert_sql(pg, objs, fields, on_conflict=OnConflict.UPDATE,
                            update_fields=[Product._meta.get_field("name")],
                            unique_fields=[Product._meta.get_field("sku")])
    assert sql.endswith('ON CONFLICT("sku") DO UPDATE SET "name" = EXCLUDED."name"')
    [(sql, _)] = insert_sql(pg, objs, fields, on_conflict=OnConflict.IGNORE)
    assert sql.endswith("ON CONFLICT DO NOTHING")


def test_pg_distinct_on_and_locking_clauses(pg):
    sql, _ = offline.sql(Book.objects.order_by("author_id", "-pages").distinct("author_id"), pg)
    assert sql.startswith('SELECT DISTINCT ON ("orm_book"."author_id")')
    pg.autocommit = False  # as inside atomic(): select_for_update needs a transaction
    pg.connection = object()
    try:
        qs = Book.objects.select_related("author").select_for_update(
            of=("self",), no_key=True, skip_locked=True)
        sql, _ = offline.sql(qs, pg)
        assert sql.endswith('FOR NO KEY UPDATE OF "orm_book" SKIP LOCKED')
        sql, _ = offline.sql(Book.objects.select_for_update(nowait=True), pg)
        assert sql.endswith("FOR UPDATE NOWAIT")
    finally:
        pg.connection = None


def test_pg_lookups(pg):
    sql, params = offline.sql(Author.objects.filter(name__iregex="^a", age__contains=3), pg)
    assert '"orm_author"."name"::text ~* %s' not in sql  # text columns are not cast
    assert '"orm_author"."name" ~* %s' in sql
    assert '"orm_author"."age"::text LIKE %s' in sql
    sql, params = offline.sql(Author.objects.filter(name__icontains="X"), pg)
    assert 'UPPER("orm_author"."name") LIKE UPPER(%s)' in sql and params == ("%X%",)


def test_pg_datetime_parts_in_the_current_time_zone(pg):
    with timezone.override("Asia/Tokyo"):
        sql, params = offline.sql(Event.objects.filter(when__hour=3), pg)
    assert 'EXTRACT(HOUR FROM ("orm_event"."when" AT TIME ZONE %s))' in sql
    assert params == ("Asia/Tokyo", 3)
    fixed = datetime.timezone(datetime.timedelta(hours=-3))
    with timezone.override(fixed):
        sql, params = offline.sql(Event.objects.filter(when__day=1), pg)
    # A fixed offset is an interval (PostgreSQL reads offsets in zone names the POSIX way).
    assert "AT TIME ZONE %s::interval" in sql and params[0] == "-03:00"


def test_pg_json_operators(pg):
    sql, params = offline.sql(AllTypes.objects.filter(json__a__b=1), pg)
    assert '("orm_alltypes"."json" #> %s) = %s' in sql
    assert params[0] == ["a", "b"]
    sql, params = offline.sql(AllTypes.objects.filter(json__has_key="k"), pg)
    assert '"orm_alltypes"."json" ? %s' in sql
    sql, _ = offline.sql(AllTypes.objects.filter(json__contains={"a": 1}), pg)
    assert '"orm_alltypes"."json" @> %s' in sql


def test_pg_server_side_binding_limits_parameters():
    assert offline.postgresql().features.max_query_params is None
    bound = offline.postgresql(alias="offline_pg_ssb", server_side_binding=True)
    assert bound.features.max_query_params == 65535


# ----- MariaDB and MySQL --------------------------------------------------------------------


def test_mariadb_returning_and_upserts(mariadb):
    assert mariadb.features.is_mariadb and mariadb.features.can_return_rows_from_bulk_insert
    fields = [Tag._meta.get_field("name")]
    [(sql, _)] = insert_sql(mariadb, [Tag(name="a"), Tag(name="b")], fields,
                            returning=[Tag._meta.pk])
    assert sql == ("INSERT INTO `orm_tag` (`name`) VALUES (%s), (%s) "
                   "RETURNING `orm_tag`.`id`")
    [(sql, _)] = insert_sql(mariadb, [Tag(name="a")], fields, on_conflict=OnConflict.UPDATE,
                            update_fields=fields)
    assert sql.endswith("ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)")
    # ignore_conflicts ignores duplicate keys only (INSERT IGNORE would hide other errors).
    [(sql, _)] = insert_sql(mariadb, [Tag(name="a")], fields, on_conflict=OnConflict.IGNORE)
    assert sql.startswith("INSERT INTO") and \
        sql.endswith("ON DUPLICATE KEY UPDATE `name` = `name`")


def test_mysql8_reads_ids_without_returning_and_upserts_with_a_row_alias(mysql8):
    assert not mysql8.features.is_mariadb
    assert not mysql8.features.can_return_columns_from_insert
    fields = [Tag._meta.get_field("name")]
    [(sql, _)] = insert_sql(mysql8, [Tag(name="a")], fields, on_conflict=OnConflict.UPDATE,
                            update_fields=fields)
    assert sql.endswith("AS `new` ON DUPLICATE KEY UPDATE `name` = `new`.`name`")


def test_mysql_has_no_distinct_on(mariadb):
    with pytest.raises(NotSupportedError, match="supports_distinct_on_fields"):
        offline.sql(Book.objects.distinct("author_id"), mariadb)


def test_mysql_regex_case_is_explicit(mariadb, mysql8):
    sql, _ = offline.sql(Author.objects.filter(name__regex="^a"), mariadb)
    assert "`orm_author`.`name` REGEXP CONCAT('(?-i)', %s)" in sql
    sql, _ = offline.sql(Author.objects.filter(name__iregex="^a"), mariadb)
    assert "REGEXP CONCAT('(?i)', %s)" in sql
    sql, _ = offline.sql(Author.objects.filter(name__regex="^a"), mysql8)
    assert "REGEXP_LIKE(`orm_author`.`name`, %s, 'c')" in sql


def test_mysql_case_insensitive_lookups_lower_both_sides(mariadb):
    sql, params = offline.sql(Author.objects.filter(name__iexact="X"), mariadb)
    assert "LOWER(`orm_author`.`name`) = LOWER(%s)" in sql and params == ("X",)


def test_mysql_nulls_last_is_emulated(mariadb):
    sql, _ = offline.sql(Author.objects.order_by(F("age").asc(nulls_last=True)), mariadb)
    assert "ORDER BY `orm_author`.`age` IS NULL, `orm_author`.`age` ASC" in sql


def test_mysql_datetime_parts_convert_from_utc(mariadb):
    mariadb.ops._verified_zones.update({"Asia/Tokyo", "+00:00"})
    with timezone.override("Asia/Tokyo"):
        sql, params = offline.sql(Event.objects.filter(when__hour=3), mariadb)
    assert "EXTRACT(HOUR FROM CONVERT_TZ(`orm_event`.`when`, %s, %s))" in sql
    assert params == ("+00:00", "Asia/Tokyo", 3)


def test_mysql_json(mariadb, mysql8):
    sql, params = offline.sql(AllTypes.objects.filter(json__a__b=1), mariadb)
    assert "JSON_EQUALS(JSON_EXTRACT(`orm_alltypes`.`json`, %s), %s) = 1" in sql
    assert params == ('$."a"."b"', "1")
    sql, _ = offline.sql(AllTypes.objects.filter(json__a__b=1), mysql8)
    assert "JSON_EXTRACT(`orm_alltypes`.`json`, %s) = CAST(%s AS JSON)" in sql
    sql, _ = offline.sql(AllTypes.objects.filter(json__has_keys=["a", "b"]), mariadb)
    assert "JSON_CONTAINS_PATH(`orm_alltypes`.`json`, 'all', %s, %s)" in sql


def test_mysql_sliced_in_subquery_becomes_a_derived_table(mariadb):
    sql, _ = offline.sql(Tag.objects.filter(pk__in=Tag.objects.order_by("name")[:2]), mariadb)
    assert "IN (SELECT * FROM (SELECT" in sql and "LIMIT 2) `subquery`)" in sql


def test_mysql_features_by_server(mariadb, mysql8):
    assert mariadb.features.has_select_for_update_skip_locked
    assert not mariadb.features.has_select_for_update_of
    assert mysql8.features.has_select_for_update_of
    assert mariadb.features.binary_collation == "utf8mb4_nopad_bin"
    assert mysql8.features.binary_collation == "utf8mb4_0900_bin"
    assert mariadb.display_name == "MariaDB" and mysql8.display_name == "MySQL"


_ = transaction


def test_pg_bulk_update_joins_typed_values(pg):
    from reinhardt.orm.query.subqueries import UpdateQuery

    assert pg.features.supports_update_from_values
    books = [Book(pk=1, pages=10), Book(pk=2, pages=20)]
    query = UpdateQuery(Book)
    query.set_update_rows([Book._meta.get_field("pages")], books, pg)
    sql, params = query.get_compiler(connection=pg).as_sql()
    assert sql.startswith('UPDATE "orm_book" SET "pages" = "reinhardt_rows"."v0" FROM (SELECT')
    assert "(%s)::integer AS \"pk\"" in sql and "UNION ALL VALUES" in sql
    assert params == (1, 10, 2, 20)


def test_mysql_bulk_update_joins_the_rows(mariadb, mysql8):
    from reinhardt.orm.query.subqueries import UpdateQuery

    books = [Book(pk=1, pages=10), Book(pk=2, pages=20)]
    for connection, row in ((mariadb, "(%s, %s)"), (mysql8, "ROW(%s, %s)")):
        query = UpdateQuery(Book)
        query.set_update_rows([Book._meta.get_field("pages")], books, connection)
        sql, params = query.get_compiler(connection=connection).as_sql()
        assert sql == (
            "UPDATE `orm_book` INNER JOIN (SELECT %s AS `pk`, %s AS `v0` UNION ALL VALUES "
            f"{row}) `reinhardt_rows` ON `orm_book`.`id` = `reinhardt_rows`.`pk` "
            "SET `orm_book`.`pages` = `reinhardt_rows`.`v0`"
        )
        assert params == (1, 10, 2, 20)


def test_pg_lock_of_related_tables_and_unknown_names(pg):
    pg.autocommit = False  # as inside atomic(): select_for_update needs a transaction
    pg.connection = object()
    try:
        qs = Book.objects.select_related("author").select_for_update(of=("self", "author"))
        sql, _ = offline.sql(qs, pg)
        assert sql.endswith('FOR UPDATE OF "orm_book", "orm_author"')
        qs = Book.objects.select_related("author").select_for_update(of=("publisher",))
        with pytest.raises(FieldError) as excinfo:
            offline.sql(qs, pg)
        message = str(excinfo.value)
        assert "select_for_update(of=(...)): publisher." in message
        assert message.endswith("Choices are: self, author.")
    finally:
        pg.connection = None
