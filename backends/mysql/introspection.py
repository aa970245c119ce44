"""Reading a MySQL/MariaDB schema back from information_schema."""

from __future__ import annotations

from collections import namedtuple

from MySQLdb.constants import FIELD_TYPE

from reinhardt.backends.base.introspection import (
    BaseDatabaseIntrospection,
    TableInfo,
)
from reinhardt.backends.base.introspection import (
    FieldInfo as BaseFieldInfo,
)

FieldInfo = namedtuple(
    "FieldInfo", BaseFieldInfo._fields + ("extra", "is_unsigned", "has_json_constraint",
                                          "comment", "data_type", "column_type"),
)


class DatabaseIntrospection(BaseDatabaseIntrospection):
    data_types_reverse = {
        FIELD_TYPE.BLOB: "TextField",
        FIELD_TYPE.CHAR: "CharField",
        FIELD_TYPE.DECIMAL: "DecimalField",
        FIELD_TYPE.NEWDECIMAL: "DecimalField",
        FIELD_TYPE.DATE: "DateField",
        FIELD_TYPE.DATETIME: "DateTimeField",
        FIELD_TYPE.DOUBLE: "FloatField",
        FIELD_TYPE.FLOAT: "FloatField",
        FIELD_TYPE.INT24: "IntegerField",
        FIELD_TYPE.JSON: "JSONField",
        FIELD_TYPE.LONG: "IntegerField",
        FIELD_TYPE.LONGLONG: "BigIntegerField",
        FIELD_TYPE.SHORT: "SmallIntegerField",
        FIELD_TYPE.STRING: "CharField",
        FIELD_TYPE.TIME: "TimeField",
        FIELD_TYPE.TIMESTAMP: "DateTimeField",
        FIELD_TYPE.TINY: "IntegerField",
        FIELD_TYPE.TINY_BLOB: "TextField",
        FIELD_TYPE.MEDIUM_BLOB: "TextField",
        FIELD_TYPE.LONG_BLOB: "TextField",
        FIELD_TYPE.VAR_STRING: "CharField",
    }

    def get_field_type(self, data_type, description):
        field_type = super().get_field_type(data_type, description)
        if "auto_increment" in description.extra:
            return {
                "IntegerField": "AutoField",
                "BigIntegerField": "BigAutoField",
                "SmallIntegerField": "SmallAutoField",
            }.get(field_type, field_type)
        if description.is_unsigned:
            return {
                "BigIntegerField": "PositiveBigIntegerField",
                "IntegerField": "PositiveIntegerField",
                "SmallIntegerField": "PositiveSmallIntegerField",
            }.get(field_type, field_type)
        if description.column_type.lower() == "tinyint(1)":
            return "BooleanField"
        if description.has_json_constraint:
            return "JSONField"
        if description.data_type.lower().endswith("blob"):
            return "BinaryField"  # the same type codes as the TEXT types
        return field_type

    def get_table_list(self, cursor):
        cursor.execute(
            """
            SELECT table_name, table_type FROM information_schema.tables
            WHERE table_schema = DATABASE() ORDER BY table_name
            """
        )
        return [
            TableInfo(name, "v" if kind == "VIEW" else "t")
            for name, kind in cursor.fetchall()
        ]

    def _json_columns(self, cursor, table_name):
        """MariaDB's JSON columns: LONGTEXT with a JSON_VALID() check."""
        if not self.connection.features.is_mariadb:
            return set()
        cursor.execute(
            """
            SELECT c.constraint_name FROM information_schema.check_constraints c
            WHERE c.table_name = %s AND c.constraint_schema = DATABASE()
              AND LOWER(c.check_clause) = CONCAT('json_valid(`', c.constraint_name, '`)')
            """,
            [table_name],
        )
        return {row[0] for row in cursor.fetchall()}

    def get_table_description(self, cursor, table_name):
        json_columns = self._json_columns(cursor, table_name)
        cursor.execute(
            """
            SELECT c.column_name, c.data_type, c.character_maximum_length,
                   c.numeric_precision, c.numeric_scale, c.is_nullable = 'YES',
                   c.column_default,
                   -- a column's collation only when it is not the table's default
                   CASE WHEN c.collation_name = t.table_collation THEN NULL
                        ELSE c.collation_name END,
                   c.extra, c.column_type LIKE '%%unsigned', c.column_comment, c.column_type
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_name = %s AND c.table_schema = DATABASE()
            ORDER BY c.ordinal_position
            """,
            [table_name],
        )
        rows = cursor.fetchall()
        description = []
        for (name, data_type, max_length, precision, scale, nullable, default, collation,
             extra, unsigned, comment, column_type) in rows:
            extra = (extra or "").lower()
            if "invisible" in extra:
                continue  # columns reinhardt generates for emulated constraints
            description.append(FieldInfo(
                name, _type_code(data_type), max_length, max_length, precision, scale,
                bool(nullable), default, collation, extra, bool(unsigned),
                name in json_columns, comment, data_type, column_type,
            ))
        return description

    def get_sequences(self, cursor, table_name, table_fields=()):
        for info in self.get_table_description(cursor, table_name):
            if "auto_increment" in info.extra:
                return [{"table": table_name, "column": info.name}]
        return []

    def get_relations(self, cursor, table_name):
        cursor.execute(
            """
            SELECT column_name, referenced_column_name, referenced_table_name
            FROM information_schema.key_column_usage
            WHERE table_name = %s AND table_schema = DATABASE()
              AND referenced_table_schema = DATABASE()
              AND referenced_table_name IS NOT NULL
              AND referenced_column_name IS NOT NULL
            """,
            [table_name],
        )
        return {column: (ref_column, ref_table) for column, ref_column, ref_table
                in cursor.fetchall()}

    def get_constraints(self, cursor, table_name):
        constraints = {}
        # Primary keys, unique constraints and foreign keys with their columns.
        cursor.execute(
            """
            SELECT kc.constraint_name, kc.column_name, kc.referenced_table_name,
                   kc.referenced_column_name, c.constraint_type
            FROM information_schema.key_column_usage kc
            JOIN information_schema.table_constraints c
              ON c.table_schema = kc.table_schema AND c.table_name = kc.table_name
             AND c.constraint_name = kc.constraint_name
            WHERE kc.table_schema = DATABASE() AND kc.table_name = %s
            ORDER BY kc.ordinal_position
            """,
            [table_name],
        )
        for name, column, ref_table, ref_column, kind in cursor.fetchall():
            info = constraints.setdefault(name, {
                "columns": [],
                "primary_key": kind == "PRIMARY KEY",
                "unique": kind in ("PRIMARY KEY", "UNIQUE"),
                "foreign_key": (ref_table, ref_column) if ref_table else None,
                "check": False,
                "index": False,
            })
            info["columns"].append(column)
        # CHECK constraints (MariaDB names a column-level CHECK after its column).
        cursor.execute(
            """
            SELECT c.constraint_name, c.check_clause
            FROM information_schema.check_constraints c
            WHERE c.constraint_schema = DATABASE() AND c.table_name = %s
            """,
            [table_name],
        )
        checks = cursor.fetchall()  # before the table description reuses the cursor
        columns = {info.name for info in self.get_table_description(cursor, table_name)}
        for name, clause in checks:
            mentioned = [c for c in columns if f"`{c}`" in clause]
            constraints[name] = {
                "columns": mentioned,
                "primary_key": False,
                "unique": False,
                "foreign_key": None,
                "check": True,
                "index": False,
            }
        # Indexes, with the order of their columns.
        cursor.execute(
            """
            SELECT index_name, column_name, non_unique = 0, collation, index_type
            FROM information_schema.statistics
            WHERE table_schema = DATABASE() AND table_name = %s
            ORDER BY index_name, seq_in_index
            """,
            [table_name],
        )
        indexes = {}
        for name, column, unique, collation, index_type in cursor.fetchall():
            entry = indexes.setdefault(name, {
                "columns": [], "orders": [], "unique": bool(unique),
                "type": "idx" if index_type == "BTREE" else index_type.lower(),
            })
            entry["columns"].append(column)
            entry["orders"].append("DESC" if collation == "D" else "ASC")
        for name, entry in indexes.items():
            info = constraints.get(name)
            if info is None:
                constraints[name] = {
                    "columns": entry["columns"],
                    "primary_key": name == "PRIMARY",
                    "unique": entry["unique"],
                    "foreign_key": None,
                    "check": False,
                    "index": True,
                    "type": entry["type"],
                    "orders": entry["orders"],
                }
            else:
                info.update(index=True, type=entry["type"], orders=entry["orders"])
        return constraints


def _type_code(data_type: str) -> int:
    """information_schema's type name as the FIELD_TYPE code cursor.description gives."""
    return {
        "bigint": FIELD_TYPE.LONGLONG, "int": FIELD_TYPE.LONG, "integer": FIELD_TYPE.LONG,
        "smallint": FIELD_TYPE.SHORT, "tinyint": FIELD_TYPE.TINY,
        "mediumint": FIELD_TYPE.INT24, "decimal": FIELD_TYPE.NEWDECIMAL,
        "double": FIELD_TYPE.DOUBLE, "float": FIELD_TYPE.FLOAT, "date": FIELD_TYPE.DATE,
        "datetime": FIELD_TYPE.DATETIME, "timestamp": FIELD_TYPE.TIMESTAMP,
        "time": FIELD_TYPE.TIME, "varchar": FIELD_TYPE.VAR_STRING, "char": FIELD_TYPE.STRING,
        "longtext": FIELD_TYPE.LONG_BLOB, "mediumtext": FIELD_TYPE.MEDIUM_BLOB,
        "text": FIELD_TYPE.BLOB, "tinytext": FIELD_TYPE.TINY_BLOB,
        "longblob": FIELD_TYPE.LONG_BLOB, "blob": FIELD_TYPE.BLOB, "json": FIELD_TYPE.JSON,
    }.get(data_type.lower(), FIELD_TYPE.VAR_STRING)
