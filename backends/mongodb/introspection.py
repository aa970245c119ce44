"""What exists in the database: collections and their indexes."""

from collections import namedtuple

from reinhardt.backends.base.introspection import BaseDatabaseIntrospection, FieldInfo

TableInfo = namedtuple("TableInfo", ["name", "type"])


class DatabaseIntrospection(BaseDatabaseIntrospection):
    data_types_reverse: dict = {}

    def table_names(self, cursor=None, include_views=False):
        return sorted(
            name for name in self.connection.mongo.db.list_collection_names()
            if not name.startswith("system.") and not name.startswith("__reinhardt")
        )

    def get_table_list(self, cursor=None):
        return [TableInfo(name, "t") for name in self.table_names()]

    def get_table_description(self, cursor, table_name):
        """The columns the schema editor registered (MongoDB itself keeps none)."""
        from .schema import SCHEMA_REGISTRY

        entry = self.connection.collection(SCHEMA_REGISTRY).find_one(
            {"_id": table_name}, **self.connection.session_kwargs()) or {}
        return [
            FieldInfo(name, info.get("type"), None, None, None, None, info.get("null"), None,
                      None)
            for name, info in (entry.get("columns") or {}).items()
        ]

    def get_constraints(self, cursor, table_name) -> dict:
        """Indexes as constraints: {name: {columns, unique, index, primary_key, ...}}."""
        result = {}
        for name, info in self.connection.collection(table_name).index_information().items():
            columns = [key for key, _ in info["key"]]
            result[name] = {
                "columns": columns,
                "orders": ["DESC" if direction == -1 else "ASC" for _, direction in info["key"]],
                "primary_key": name == "_id_",
                "unique": name == "_id_" or bool(info.get("unique")),
                "foreign_key": None,
                "check": False,
                "index": True,
                "type": "idx",
                "condition": info.get("partialFilterExpression"),
            }
        return result

    def get_relations(self, cursor, table_name) -> dict:
        return {}

    def get_primary_key_column(self, cursor, table_name):
        return "_id"
