"""Reading PostgreSQL's schema back from pg_catalog: tables, columns, keys, constraints."""

from __future__ import annotations

from collections import namedtuple

from reinhardt.backends.base.introspection import BaseDatabaseIntrospection, TableInfo
from reinhardt.backends.base.introspection import FieldInfo as BaseFieldInfo

FieldInfo = namedtuple("FieldInfo", BaseFieldInfo._fields + ("is_autofield", "comment"))

# Tables, views, materialized views, foreign and partitioned tables of the search path.
_TABLE_KINDS = {"r": "t", "v": "v", "m": "v", "f": "t", "p": "t"}


class DatabaseIntrospection(BaseDatabaseIntrospection):
    # type OID -> field class name (for inspectdb)
    data_types_reverse = {
        16: "BooleanField",
        17: "BinaryField",
        20: "BigIntegerField",
        21: "SmallIntegerField",
        23: "IntegerField",
        25: "TextField",
        700: "FloatField",
        701: "FloatField",
        869: "GenericIPAddressField",
        1042: "CharField",  # blank-padded
        1043: "CharField",
        1082: "DateField",
        1083: "TimeField",
        1114: "DateTimeField",
        1184: "DateTimeField",
        1186: "DurationField",
        1266: "TimeField",
        1700: "DecimalField",
        2950: "UUIDField",
        3802: "JSONField",
    }

    def get_field_type(self, data_type, description):
        field_type = super().get_field_type(data_type, description)
        if description.is_autofield:
            return {
                "IntegerField": "AutoField",
                "BigIntegerField": "BigAutoField",
                "SmallIntegerField": "SmallAutoField",
            }.get(field_type, field_type)
        return field_type

    def get_table_list(self, cursor):
        cursor.execute(
            """
            SELECT c.relname, c.relkind
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
              AND n.nspname NOT IN ('pg_catalog', 'pg_toast', 'information_schema')
              AND pg_catalog.pg_table_is_visible(c.oid)
            ORDER BY c.relname
            """
        )
        return [
            TableInfo(name, _TABLE_KINDS[kind]) for name, kind in cursor.fetchall()
        ]

    def get_table_description(self, cursor, table_name):
        cursor.execute(
            """
            SELECT a.attname,
                   a.atttypid,
                   CASE WHEN a.atttypmod > 0 AND a.atttypid IN (1042, 1043)
                        THEN a.atttypmod - 4 END,
                   CASE WHEN a.atttypid = 1700 AND a.atttypmod > 0
                        THEN ((a.atttypmod - 4) >> 16) & 65535 END,
                   CASE WHEN a.atttypid = 1700 AND a.atttypmod > 0
                        THEN (a.atttypmod - 4) & 65535 END,
                   NOT a.attnotnull,
                   pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
                   co.collname,
                   a.attidentity != '' OR pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
                       LIKE 'nextval(%%',
                   pg_catalog.col_description(a.attrelid, a.attnum)
            FROM pg_catalog.pg_attribute a
            LEFT JOIN pg_catalog.pg_attrdef ad
                   ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            LEFT JOIN pg_catalog.pg_collation co
                   ON co.oid = a.attcollation AND co.collname != 'default'
            WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """,
            [self.connection.ops.quote_name(table_name)],
        )
        # The declared length of a character column is its display size (as the drivers
        # report it in cursor.description).
        return [
            FieldInfo(name, type_oid, size, size, precision, scale, nullable, default,
                      collation, bool(is_auto), comment)
            for (name, type_oid, size, precision, scale, nullable, default, collation,
                 is_auto, comment) in cursor.fetchall()
        ]

    def get_sequences(self, cursor, table_name, table_fields=()):
        cursor.execute(
            """
            SELECT a.attname, pg_catalog.pg_get_serial_sequence(%s, a.attname)
            FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
            """,
            [self.connection.ops.quote_name(table_name),
             self.connection.ops.quote_name(table_name)],
        )
        return [
            {"name": sequence, "table": table_name, "column": column}
            for column, sequence in cursor.fetchall() if sequence
        ]

    def get_relations(self, cursor, table_name):
        """{column: (referenced column, referenced table)} of the table's foreign keys."""
        return {
            info["columns"][0]: (info["foreign_key"][1], info["foreign_key"][0])
            for info in self.get_constraints(cursor, table_name).values()
            if info["foreign_key"] and len(info["columns"]) == 1
        }

    def get_constraints(self, cursor, table_name):
        """name -> {columns, primary_key, unique, foreign_key, check, index, type, orders,
        definition, options}: constraints from pg_constraint, then the other indexes."""
        constraints = {}
        table = self.connection.ops.quote_name(table_name)
        cursor.execute(
            """
            SELECT con.conname,
                   ARRAY(
                       SELECT att.attname
                       FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, pos)
                       JOIN pg_catalog.pg_attribute att
                         ON att.attrelid = con.conrelid AND att.attnum = k.attnum
                       ORDER BY k.pos
                   ),
                   con.contype,
                   ref.relname,
                   (SELECT att.attname FROM pg_catalog.pg_attribute att
                     WHERE att.attrelid = con.confrelid AND att.attnum = con.confkey[1]),
                   con.condeferrable
            FROM pg_catalog.pg_constraint con
            LEFT JOIN pg_catalog.pg_class ref ON ref.oid = con.confrelid
            WHERE con.conrelid = %s::regclass
            """,
            [table],
        )
        for name, columns, kind, ref_table, ref_column, deferrable in cursor.fetchall():
            constraints[name] = {
                "columns": list(columns),
                "primary_key": kind == "p",
                "unique": kind in ("p", "u"),
                "foreign_key": (ref_table, ref_column) if kind == "f" else None,
                "check": kind == "c",
                "index": False,
                "definition": None,
                "options": None,
                "deferrable": bool(deferrable),
            }
        cursor.execute(
            """
            SELECT ic.relname,
                   ARRAY(
                       SELECT CASE WHEN k.attnum = 0 THEN NULL ELSE att.attname END
                       FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, pos)
                       LEFT JOIN pg_catalog.pg_attribute att
                         ON att.attrelid = ix.indrelid AND att.attnum = k.attnum
                       WHERE k.pos <= ix.indnkeyatts
                       ORDER BY k.pos
                   ),
                   ARRAY(
                       SELECT CASE WHEN (opt.o & 1) = 1 THEN 'DESC' ELSE 'ASC' END
                       FROM unnest(ix.indoption) WITH ORDINALITY AS opt(o, pos)
                       WHERE opt.pos <= ix.indnkeyatts
                       ORDER BY opt.pos
                   ),
                   ix.indisunique,
                   ix.indisprimary,
                   am.amname,
                   ix.indexprs IS NOT NULL,
                   ix.indpred IS NOT NULL,
                   pg_catalog.pg_get_indexdef(ix.indexrelid)
            FROM pg_catalog.pg_index ix
            JOIN pg_catalog.pg_class ic ON ic.oid = ix.indexrelid
            JOIN pg_catalog.pg_am am ON am.oid = ic.relam
            WHERE ix.indrelid = %s::regclass
            """,
            [table],
        )
        for (name, columns, orders, unique, primary, method, has_expressions,
             has_predicate, definition) in cursor.fetchall():
            if name in constraints:
                continue  # the index behind a PRIMARY KEY/UNIQUE constraint
            columns = [c for c in columns if c is not None]
            constraints[name] = {
                "columns": columns if not has_expressions else [],
                "orders": list(orders) if method == "btree" else [],
                "primary_key": primary,
                "unique": unique,
                "foreign_key": None,
                "check": False,
                "index": True,
                "type": "idx" if method == "btree" and not has_expressions else method,
                "definition": definition if has_expressions or has_predicate else None,
                "options": None,
            }
        return constraints
