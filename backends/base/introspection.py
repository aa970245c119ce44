"""Reading the schema back from the database: tables, columns, constraints, indexes."""

from __future__ import annotations

from collections import namedtuple

TableInfo = namedtuple("TableInfo", ["name", "type"])
FieldInfo = namedtuple(
    "FieldInfo",
    "name type_code display_size internal_size precision scale null_ok default collation",
)


class BaseDatabaseIntrospection:
    data_types_reverse: dict = {}

    def __init__(self, connection):
        self.connection = connection

    def get_field_type(self, data_type, description) -> str:
        return self.data_types_reverse[data_type]

    def identifier_converter(self, name: str) -> str:
        return name

    def table_names(self, cursor=None, include_views: bool = False) -> list[str]:
        def get_names(cursor):
            return sorted(
                ti.name for ti in self.get_table_list(cursor)
                if include_views or ti.type == "t"
            )

        if cursor is None:
            with self.connection.cursor() as cursor:
                return get_names(cursor)
        return get_names(cursor)

    def get_table_list(self, cursor):
        raise NotImplementedError

    def get_table_description(self, cursor, table_name):
        raise NotImplementedError

    def get_constraints(self, cursor, table_name) -> dict:
        """name -> {columns, primary_key, unique, foreign_key, check, index, type, orders}."""
        raise NotImplementedError

    def get_relations(self, cursor, table_name) -> dict:
        raise NotImplementedError

    def get_primary_key_column(self, cursor, table_name):
        for constraint in self.get_constraints(cursor, table_name).values():
            if constraint["primary_key"]:
                return constraint["columns"][0]
        return None

    def get_sequences(self, cursor, table_name, table_fields=()):
        return []

    def reinhardt_table_names(self, only_existing: bool = False, include_views: bool = True):
        """Tables of the installed models (optionally only those that exist)."""
        from reinhardt.apps import apps
        from reinhardt.orm import router

        tables = set()
        for model in apps.get_models(include_auto_created=True):
            if not model._meta.managed:
                continue
            if not router.allow_migrate_model(self.connection.alias, model):
                continue
            tables.add(model._meta.db_table)
        tables = list(tables)
        if only_existing:
            existing = set(self.table_names(include_views=include_views))
            tables = [t for t in tables if self.identifier_converter(t) in existing]
        return tables

    django_table_names = reinhardt_table_names  # Django's name
