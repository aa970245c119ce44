"""Reading SQLite's schema back: tables, columns, keys, constraints and indexes."""

from __future__ import annotations

import re
from collections import namedtuple

from reinhardt.backends.base.introspection import BaseDatabaseIntrospection, TableInfo
from reinhardt.backends.base.introspection import FieldInfo as BaseFieldInfo

FieldInfo = namedtuple("FieldInfo", BaseFieldInfo._fields + ("pk", "has_json_constraint"))

_SIZE_IN_PARENS = re.compile(r"\((\d+)\)")
_NAMED_CHECK = re.compile(r'CONSTRAINT\s+"([^"]+)"\s+CHECK\s*\(', re.IGNORECASE)
_QUOTED_NAME = re.compile(r'"([^"]+)"')
_ROWID_ALIASES = frozenset({"SmallIntegerField", "IntegerField", "BigIntegerField"})

# Declared type names (lower case, without any "(size)") -> the field inspectdb proposes.
_FIELDS_BY_TYPE_NAME = {
    type_name.strip(): field
    for field, type_names in (
        ("BooleanField", "bool, boolean"),
        ("SmallIntegerField", "smallint, smallinteger"),
        ("IntegerField", "int, integer"),
        ("BigIntegerField", "bigint"),
        ("PositiveSmallIntegerField", "smallint unsigned"),
        ("PositiveIntegerField", "integer unsigned"),
        ("PositiveBigIntegerField", "bigint unsigned"),
        ("DecimalField", "decimal"),
        ("FloatField", "real"),
        ("CharField", "char, varchar"),
        ("TextField", "text"),
        ("BinaryField", "blob"),
        ("DateField", "date"),
        ("DateTimeField", "datetime"),
        ("TimeField", "time"),
    )
    for type_name in type_names.split(",")
}


def get_field_size(name):
    """The length in a declared type such as ``varchar(30)``, or None."""
    found = _SIZE_IN_PARENS.search(name)
    return None if found is None else int(found.group(1))


class FlexibleFieldLookupDict:
    """Looks a declared column type up by its base name, ignoring case and any size."""

    base_data_types_reverse = _FIELDS_BY_TYPE_NAME

    def __getitem__(self, key):
        base_name = key.partition("(")[0].strip().lower()
        return self.base_data_types_reverse[base_name]


def _constraint_entry(columns, *, primary_key=False, unique=False, foreign_key=None,
                      check=False, index=False, **extra):
    entry = {
        "columns": columns,
        "primary_key": primary_key,
        "unique": unique,
        "foreign_key": foreign_key,
        "check": check,
        "index": index,
    }
    entry.update(extra)
    return entry


class DatabaseIntrospection(BaseDatabaseIntrospection):
    data_types_reverse = FlexibleFieldLookupDict()

    def get_field_type(self, data_type, description):
        proposed = super().get_field_type(data_type, description)
        # An INTEGER PRIMARY KEY is the 64-bit rowid whatever its declared size, so
        # every integer key reads back as AutoField.
        if description.pk and proposed in _ROWID_ALIASES:
            return "AutoField"
        return "JSONField" if description.has_json_constraint else proposed

    def _pragma_rows(self, cursor, pragma, table_name):
        quoted = self.connection.ops.quote_name(table_name)
        cursor.execute(f"PRAGMA {pragma}({quoted})")
        return cursor.fetchall()

    def get_table_list(self, cursor):
        """A list of TableInfo: the tables and views of the database."""
        cursor.execute(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name <> 'sqlite_sequence' ORDER BY name"
        )
        return [TableInfo(name, kind[0]) for name, kind in cursor.fetchall()]

    def _json_checked_columns(self, cursor, table_name, column_names):
        """The columns whose CREATE TABLE text carries a json_valid() check."""
        found = set()
        for column in column_names:
            pattern = '%%json_valid("%s")%%' % column
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s "
                "AND sql LIKE %s",
                [table_name, pattern],
            )
            if cursor.fetchone():
                found.add(column)
        return found

    def get_table_description(self, cursor, table_name):
        """A list of FieldInfo: the columns of ``table_name``."""
        rows = self._pragma_rows(cursor, "table_info", table_name)
        if not rows:
            from reinhardt.orm.errors import DatabaseError

            raise DatabaseError(f"Table {table_name} does not exist (empty pragma).")
        json_columns = set()
        if self.connection.features.supports_json_field:
            json_columns = self._json_checked_columns(
                cursor, table_name, [row[1] for row in rows]
            )
        described = []
        # PRAGMA table_info rows: (cid, name, type, notnull, dflt_value, pk).
        for _cid, column, declared, notnull, default_sql, pk_position in rows:
            described.append(
                FieldInfo(
                    column, declared, get_field_size(declared), None, None, None,
                    not notnull, default_sql, None, pk_position == 1,
                    column in json_columns,
                )
            )
        return described

    def get_sequences(self, cursor, table_name, table_fields=()):
        # The rowid is SQLite's only "sequence": the primary key column.
        return [{"table": table_name, "column": self.get_primary_key_column(cursor, table_name)}]

    def get_relations(self, cursor, table_name):
        """{column: (referenced column, referenced table)} of ``table_name``'s foreign keys."""
        relations = {}
        # PRAGMA foreign_key_list rows: (id, seq, table, from, to, ...).
        for row in self._pragma_rows(cursor, "foreign_key_list", table_name):
            relations[row[3]] = (row[4], row[2])
        return relations

    def get_primary_key_columns(self, cursor, table_name):
        rows = self._pragma_rows(cursor, "table_info", table_name)
        return [row[1] for row in rows if row[-1]]

    def get_primary_key_column(self, cursor, table_name):
        keys = self.get_primary_key_columns(cursor, table_name)
        return keys[0] if keys else None

    def _index_entries(self, cursor, table_name):
        qn = self.connection.ops.quote_name
        for row in self._pragma_rows(cursor, "index_list", table_name):
            index_name, is_unique = row[1], row[2]
            origin = row[3] if len(row) > 3 else "c"
            cursor.execute(f"PRAGMA index_xinfo({qn(index_name)})")
            key_parts = [
                (info[2], "DESC" if info[3] else "ASC")
                for info in cursor.fetchall()
                if info[5] and info[2] is not None
            ]
            if origin == "pk":
                continue  # reported as __primary__ below
            yield index_name, _constraint_entry(
                [name for name, _ in key_parts],
                unique=bool(is_unique),
                index=True,
                type="idx",
                orders=[order for _, order in key_parts],
            )

    def get_constraints(self, cursor, table_name):
        """Constraints and indexes of ``table_name``: name -> details (Django's format)."""
        # Unique constraints are unique indexes on SQLite, so they come with the indexes.
        found = dict(self._index_entries(cursor, table_name))
        key_columns = self.get_primary_key_columns(cursor, table_name)
        if key_columns:
            found["__primary__"] = _constraint_entry(key_columns, primary_key=True)
        for row in self._pragma_rows(cursor, "foreign_key_list", table_name):
            found[f"fk_{row[0]}"] = _constraint_entry([row[3]], foreign_key=(row[2], row[4]))
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table_name]
        )
        definition = cursor.fetchone()
        if definition and definition[0]:
            for name, columns in _check_constraints_from_sql(definition[0]):
                found[name] = _constraint_entry(columns, check=True)
        return found


def _check_constraints_from_sql(sql):
    """(name, columns mentioned) for each 'CONSTRAINT "name" CHECK (...)' in CREATE TABLE."""
    for match in _NAMED_CHECK.finditer(sql):
        depth, end = 1, match.end()
        while depth and end < len(sql):
            char = sql[end]
            depth += (char == "(") - (char == ")")
            end += 1
        yield match.group(1), _QUOTED_NAME.findall(sql[match.end(): end - 1])
