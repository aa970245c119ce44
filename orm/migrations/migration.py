"""The Migration class that every migration file subclasses."""

from __future__ import annotations

from functools import partial

from reinhardt.orm.migrations.exceptions import IrreversibleError
from reinhardt.orm.migrations.utils import get_migration_name_timestamp


class Migration:
    """A set of operations for one app, applied in order, after its dependencies.

    Class attributes (as in a migration file):
    - ``operations``: the Operation instances to apply.
    - ``dependencies``: ``(app_label, migration_name)`` pairs that must be applied first.
    - ``run_before``: migrations that must be applied after this one.
    - ``replaces``: for a squashed migration, the migrations it replaces.
    - ``initial``: whether it creates the app's first tables (for ``migrate --fake-initial``).
    - ``atomic``: run in one transaction where the database allows DDL in transactions.
    """

    operations: list = []
    dependencies: list = []
    run_before: list = []
    replaces: list = []
    initial: bool | None = None
    atomic: bool = True

    def __init__(self, name: str, app_label: str):
        self.name = name
        self.app_label = app_label
        # Each instance gets its own lists: the loader and squashing mutate them.
        self.operations = list(self.__class__.operations)
        self.dependencies = list(self.__class__.dependencies)
        self.run_before = list(self.__class__.run_before)
        self.replaces = list(self.__class__.replaces)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Migration)
            and self.name == other.name
            and self.app_label == other.app_label
        )

    def __repr__(self) -> str:
        return f"<Migration {self.app_label}.{self.name}>"

    def __str__(self) -> str:
        return f"{self.app_label}.{self.name}"

    def __hash__(self) -> int:
        return hash(f"{self.app_label}.{self.name}")

    def mutate_state(self, project_state, preserve: bool = True):
        """The project state after this migration (a copy unless ``preserve`` is False)."""
        new_state = project_state.clone() if preserve else project_state
        for operation in self.operations:
            operation.state_forwards(self.app_label, new_state)
        return new_state

    def _announce(self, operation, schema_editor) -> bool:
        """Under sqlmigrate, write the operation's heading; return whether it can run (an
        operation that has no SQL form is only named)."""
        collected = schema_editor.collected_sql
        collected += ["--", f"-- {operation.formatted_description()}", "--"]
        if not operation.reduces_to_sql:
            collected.append("-- THIS OPERATION CANNOT BE WRITTEN AS SQL")
            return False
        return True

    def _run_on_database(self, index, operation, schema_editor, collect_sql, verb, step):
        """Run ``step`` (the operation's database_forwards/backwards, bound to its states)
        in a transaction of its own when the operation wants one and the migration as a
        whole has none; a failure is noted with this migration, the operation and ``verb``.
        """
        from reinhardt.orm.transaction import atomic

        collected_before = len(schema_editor.collected_sql) if collect_sql else 0
        wants_atomic = operation.atomic or (self.atomic and operation.atomic is not False)
        try:
            if not schema_editor.atomic_migration and wants_atomic:
                with atomic(schema_editor.connection.alias):
                    step()
            else:
                step()
        except Exception as exc:
            _note_failed_operation(exc, self, index, operation, verb)
            raise
        if collect_sql and collected_before == len(schema_editor.collected_sql):
            schema_editor.collected_sql.append("-- (no-op)")

    def apply(self, project_state, schema_editor, collect_sql: bool = False):
        """Apply the operations to the database; return the resulting project state.

        An operation that fails gets a note naming this migration and the operation, so the
        user knows exactly where the migration stopped.
        """
        for index, operation in enumerate(self.operations, start=1):
            if collect_sql and not self._announce(operation, schema_editor):
                continue
            old_state = project_state.clone()
            operation.state_forwards(self.app_label, project_state)
            self._run_on_database(
                index, operation, schema_editor, collect_sql, "applying",
                partial(operation.database_forwards,
                        self.app_label, schema_editor, old_state, project_state),
            )
        return project_state

    def unapply(self, project_state, schema_editor, collect_sql: bool = False):
        """Reverse the operations, last first; return the state before this migration."""
        to_run = []
        new_state = project_state
        # The state each operation saw going forwards is needed to reverse it.
        for index, operation in enumerate(self.operations, start=1):
            if not operation.reversible:
                raise IrreversibleError(
                    f"Operation {operation} in {self} is not reversible"
                )
            new_state = new_state.clone()
            old_state = new_state.clone()
            operation.state_forwards(self.app_label, new_state)
            if not collect_sql:
                # Render now, while only this operation's models need rendering again.
                new_state.apps  # noqa: B018
            to_run.insert(0, (index, operation, old_state, new_state))

        for index, operation, to_state, from_state in to_run:
            if collect_sql and not self._announce(operation, schema_editor):
                continue
            self._run_on_database(
                index, operation, schema_editor, collect_sql, "unapplying",
                partial(operation.database_backwards,
                        self.app_label, schema_editor, from_state, to_state),
            )
        return project_state

    def suggest_name(self) -> str:
        """A file name for this migration from its operations (``0002_<this>``)."""
        if self.initial:
            return "initial"
        raw_fragments = [op.migration_name_fragment for op in self.operations]
        fragments = [name for name in raw_fragments if name]
        if not fragments or len(fragments) != len(self.operations):
            return f"auto_{get_migration_name_timestamp()}"
        name = fragments[0]
        for fragment in fragments[1:]:
            new_name = f"{name}_{fragment}"
            if len(new_name) > 52:
                name = f"{name}_and_more"
                break
            name = new_name
        return name


def _note_failed_operation(exc: Exception, migration: Migration, index: int, operation,
                           action: str) -> None:
    if any(note.startswith("While applying migration") or
           note.startswith("While unapplying migration")
           for note in getattr(exc, "__notes__", ())):
        return  # A nested migration operation (SeparateDatabaseAndState) already said where.
    exc.add_note(
        f"While {action} migration {migration.app_label}.{migration.name}, operation "
        f"{index} of {len(migration.operations)}: {operation.describe()}."
    )


class SwappableTuple(tuple):
    """A dependency tuple that remembers which swappable setting produced it."""

    def __new__(cls, value, setting):
        self = tuple.__new__(cls, value)
        self.setting = setting
        return self


def swappable_dependency(value: str) -> SwappableTuple:
    """A dependency on the first migration of the app of a swappable model setting."""
    return SwappableTuple((value.split(".", 1)[0], "__first__"), value)
