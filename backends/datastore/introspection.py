"""Datastore is schemaless: the kinds are the models' tables."""

from reinhardt.backends.base.introspection import BaseDatabaseIntrospection, TableInfo


class DatabaseIntrospection(BaseDatabaseIntrospection):
    def table_names(self, cursor=None, include_views=False):
        # Kinds exist as soon as an entity is written; every model's kind is "there".
        from reinhardt.apps import apps

        return sorted({m._meta.db_table for m in apps.get_models()})

    def get_table_list(self, cursor):
        return [TableInfo(name, "t") for name in self.table_names()]

    def get_sequences(self, cursor, table_name, table_fields=()):
        return []
