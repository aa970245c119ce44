"""Reading SQLite's schema back: tables, columns, keys, constraints and indexes."""

from __future__ import annotations

from collections import namedtuple

from reinhardt.backends.base.introspection import BaseDatabaseIntrospection, TableInfo
from reinhardt.backends.base.introspection import FieldInfo as BaseFieldInfo

FieldInfo = namedtuple("FieldInfo", BaseFieldInfo._fields + ("pk", "has_json_constraint"))


def get_field_size(name):
    """The length in a declared type such as ``varchar(30)``, or None."""
    import re

    m = re.search(r"\((\d+)\)", name)
    return int(m[1]) if m else None


class FlexibleFieldLookupDict:
    # Maps SQL types to field types (for inspectdb).
    base_data_types_reverse = {
        "bool": "BooleanField",
        "boolean": "BooleanField",
        "smallint": "SmallIntegerField",
        "smallint unsigned": "PositiveSmallIntegerField",
        "smallinteger": "SmallIntegerField",
        "int": "IntegerField",
        "integer": "IntegerField",
        "bigint": "BigIntegerField",
        "integer unsigned": "PositiveIntegerField",
        "bigint unsigned": "PositiveBigIntegerField",
        "decimal": "DecimalField",
        "real": "FloatField",
        "text": "TextField",
        "char": "CharField",
        "varchar": "CharField",
        "blob": "BinaryField",
        "date": "DateField",
        "datetime": "DateTimeField",
        "time": "TimeField",
    }

    def __getitem__(self, key):
        key = key.lower().split("(", 1)[0].strip()
        return self.base_data_types_reverse[key]


class DatabaseIntrospection(BaseDatabaseIntrospection):
    data_types_reverse = FlexibleFieldLookupDict()

    def get_field_type(self, data_type, description):
        field_type = super().get_field_type(data_type, description)
        if description.pk and field_type in {"BigIntegerField", "IntegerField",
                                             "SmallIntegerField"}:
            # An INTEGER PRIMARY KEY is the 64-bit rowid whatever its declared size,
            # so every integer key reads back as AutoField.
            return "AutoField"
        if description.has_json_constraint:
            return "JSONField"
        return field_type

    def get_table_list(self, cursor):
        """A list of TableInfo: the tables and views of the database."""
        cursor.execute(
            """
            SELECT name, type FROM sqlite_master
            WHERE type in ('table', 'view') AND NOT name='sqlite_sequence'
            ORDER BY name"""
        )
        return [TableInfo(row[0], row[1][0]) for row in cursor.fetchall()]

    def get_table_description(self, cursor, table_name):
        """A list of FieldInfo: the columns of ``table_name``."""
        cursor.execute("PRAGMA table_info(%s)" % self.connection.ops.quote_name(table_name))
        table_info = cursor.fetchall()
        if not table_info:
            from reinhardt.orm.errors import DatabaseError

            raise DatabaseError(f"Table {table_name} does not exist (empty pragma).")
        json_columns = set()
        if self.connection.features.supports_json_field:
            for line in table_info:
                column = line[1]
                json_constraint_sql = '%%json_valid("%s")%%' % column
                has_json_constraint = cursor.execute(
                    """
                    SELECT sql
                    FROM sqlite_master
                    WHERE
                        type = 'table' AND
                        name = %s AND
                        sql LIKE %s
                """,
                    [table_name, json_constraint_sql],
                ).fetchone()
                if has_json_constraint:
                    json_columns.add(column)
        return [
            FieldInfo(
                name,
                data_type,
                get_field_size(data_type),
                None,
                None,
                None,
                not notnull,
                default,
                None,
                pk == 1,
                name in json_columns,
            )
            for cid, name, data_type, notnull, default, pk in table_info
        ]

    def get_sequences(self, cursor, table_name, table_fields=()):
        pk_col = self.get_primary_key_column(cursor, table_name)
        return [{"table": table_name, "column": pk_col}]

    def get_relations(self, cursor, table_name):
        """{column: (referenced column, referenced table)} of ``table_name``'s foreign keys."""
        cursor.execute(
            "PRAGMA foreign_key_list(%s)" % self.connection.ops.quote_name(table_name)
        )
        return {
            column_name: (ref_column_name, ref_table_name)
            for (_, _, ref_table_name, column_name, ref_column_name, *_) in cursor.fetchall()
        }

    def get_primary_key_columns(self, cursor, table_name):
        cursor.execute("PRAGMA table_info(%s)" % self.connection.ops.quote_name(table_name))
        return [name for _, name, *_, pk in cursor.fetchall() if pk]

    def get_primary_key_column(self, cursor, table_name):
        columns = self.get_primary_key_columns(cursor, table_name)
        return columns[0] if columns else None

    def get_constraints(self, cursor, table_name):
        """Constraints and indexes of ``table_name``: name -> details (Django's format)."""
        constraints = {}
        qn = self.connection.ops.quote_name
        # Indexes (unique constraints are unique indexes on SQLite).
        cursor.execute("PRAGMA index_list(%s)" % qn(table_name))
        for row in cursor.fetchall():
            number, index, unique = row[:3]
            origin = row[3] if len(row) > 3 else "c"
            cursor.execute("PRAGMA index_xinfo(%s)" % qn(index))
            columns, orders = [], []
            for info in cursor.fetchall():
                seqno, cid, name, desc, coll, key = info[:6]
                if key and name is not None:
                    columns.append(name)
                    orders.append("DESC" if desc else "ASC")
            if origin == "pk":
                continue
            constraints[index] = {
                "columns": columns,
                "primary_key": False,
                "unique": bool(unique),
                "foreign_key": None,
                "check": False,
                "index": True,
                "type": "idx",
                "orders": orders,
            }
        # Primary key.
        pk_columns = self.get_primary_key_columns(cursor, table_name)
        if pk_columns:
            constraints["__primary__"] = {
                "columns": pk_columns,
                "primary_key": True,
                "unique": False,
                "foreign_key": None,
                "check": False,
                "index": False,
            }
        # Foreign keys.
        cursor.execute("PRAGMA foreign_key_list(%s)" % qn(table_name))
        for row in cursor.fetchall():
            id_, seq, ref_table, from_, to = row[:5]
            constraints["fk_%d" % id_] = {
                "columns": [from_],
                "primary_key": False,
                "unique": False,
                "foreign_key": (ref_table, to),
                "check": False,
                "index": False,
            }
        # Named CHECK constraints, read from the table definition.
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table_name]
        )
        row = cursor.fetchone()
        if row and row[0]:
            for name, columns in _check_constraints_from_sql(row[0]):
                constraints[name] = {
                    "columns": columns,
                    "primary_key": False,
                    "unique": False,
                    "foreign_key": None,
                    "check": True,
                    "index": False,
                }
        return constraints


def _check_constraints_from_sql(sql):
    """(name, columns mentioned) for each 'CONSTRAINT "name" CHECK (...)' in CREATE TABLE."""
    import re

    for match in re.finditer(r'CONSTRAINT\s+"([^"]+)"\s+CHECK\s*\(', sql, re.IGNORECASE):
        start = match.end()
        depth = 1
        pos = start
        while pos < len(sql) and depth:
            if sql[pos] == "(":
                depth += 1
            elif sql[pos] == ")":
                depth -= 1
            pos += 1
        body = sql[start: pos - 1]
        yield match.group(1), re.findall(r'"([^"]+)"', body)
