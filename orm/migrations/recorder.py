"""Which migrations are applied: the ``django_migrations`` table of each database.

The table keeps Django's name and columns (app, name, applied), so a database migrated by
Django is recognised as migrated when the project is ported to reinhardt.
"""

from __future__ import annotations

from reinhardt.apps.registry import Apps
from reinhardt.orm.migrations.exceptions import MigrationSchemaMissing
from reinhardt.utils.functional import classproperty
from reinhardt.utils.timezone import now

MIGRATIONS_TABLE = "django_migrations"


class MigrationRecorder:
    """Reads and writes the applied-migrations table of one connection.

    The table is created on first use; its model is private to the recorder (its own app
    registry), so it never appears among a project's models.
    """

    _migration_class = None

    @classproperty
    def Migration(cls):
        """The model of the applied-migrations table, built on first use."""
        if cls._migration_class is None:
            from reinhardt.orm import models

            class Migration(models.Model):
                app = models.CharField(max_length=255)
                name = models.CharField(max_length=255)
                applied = models.DateTimeField(default=now)

                class Meta:
                    apps = Apps()
                    app_label = "migrations"
                    db_table = MIGRATIONS_TABLE

                def __str__(self):
                    return f"Migration {self.name} for {self.app}"

            cls._migration_class = Migration
        return cls._migration_class

    def __init__(self, connection):
        self.connection = connection
        self._has_table = False

    @property
    def migration_qs(self):
        return self.Migration.objects.using(self.connection.alias)

    def has_table(self) -> bool:
        """True if the applied-migrations table exists in this database."""
        if self._has_table:
            return True
        with self.connection.cursor() as cursor:
            tables = self.connection.introspection.table_names(cursor)
        self._has_table = self.Migration._meta.db_table in tables
        return self._has_table

    def ensure_schema(self) -> None:
        """Create the applied-migrations table if it does not exist."""
        if self.has_table():
            return
        try:
            with self.connection.schema_editor() as editor:
                editor.create_model(self.Migration)
        except Exception as exc:
            raise MigrationSchemaMissing(
                f"Unable to create the {MIGRATIONS_TABLE} table ({exc})"
            ) from exc
        self._has_table = True

    def applied_migrations(self) -> dict[tuple[str, str], object]:
        """``{(app_label, name): record}`` for every applied migration (empty without a table)."""
        if not self.has_table():
            return {}
        return {(record.app, record.name): record for record in self.migration_qs}

    def record_applied(self, app: str, name: str) -> None:
        self.ensure_schema()
        self.migration_qs.create(app=app, name=name)

    def record_unapplied(self, app: str, name: str) -> None:
        self.ensure_schema()
        self.migration_qs.filter(app=app, name=name).delete()

    def flush(self) -> None:
        """Forget every applied migration (used by tests)."""
        self.migration_qs.all().delete()
