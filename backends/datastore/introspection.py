"""Datastore is schemaless: the kinds are the models' tables."""

from reinhardt.backends.base.introspection import BaseDatabaseIntrospection, TableInfo


class DatabaseIntrospection(BaseDatabaseIntrospection):
    def table_names(self, cursor=None, include_views=False):
        # Kinds exist as soon as an entity is written; every model's kind is "there".
        from reinhardt.apps import apps

        names = set()
        for model in apps.get_models():
            names.add(model._meta.db_table)
            for field in model._meta.local_many_to_many:
                names.add(field.remote_field.through._meta.db_table)
        return sorted(names)

    def get_table_list(self, cursor):
        return [TableInfo(name, "t") for name in self.table_names()]

    def get_sequences(self, cursor, table_name, table_fields=()):
        return []
