"""Create the demo's tables and sample data: what ``manage.py migrate`` will do.

reinhardt's migration framework is being built alongside; until it lands, the tables are
created with the schema editor (``connection.schema_editor().create_model(Model)``), which
is also what migrations run underneath. Run again, it does nothing.
"""

from reinhardt.apps import apps
from reinhardt.orm import connection


def create_tables() -> list[str]:
    """Create the tables of the installed models that don't exist yet; their names."""
    existing = set(connection.introspection.table_names())
    created = []
    with connection.schema_editor() as editor:
        for model in apps.get_models():
            if model._meta.db_table not in existing:
                editor.create_model(model)
                created.append(model._meta.db_table)
    return created


def prepare() -> None:
    from blog import sample_data

    created = create_tables()
    if created:
        print(f"Created tables: {', '.join(created)}")
    if sample_data.load():
        print("Loaded the sample posts.")
