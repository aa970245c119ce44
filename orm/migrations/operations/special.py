"""Operations that run code or SQL, or split the state change from the database change."""

from __future__ import annotations

from collections.abc import Callable

from reinhardt.orm.migrations.operations.base import Operation, OperationCategory


def _migrates_here(schema_editor, app_label: str, hints: dict) -> bool:
    """Whether the routers let ``app_label`` migrate on the schema editor's database."""
    from reinhardt.orm import router

    return router.allow_migrate(schema_editor.connection.alias, app_label, **hints)


def _irreversible() -> NotImplementedError:
    # Raised when migrating backwards past a RunSQL/RunPython that has no reverse.
    return NotImplementedError("You cannot reverse this operation")


class _Replays:
    """Applies a list of ``state_operations`` to the project state."""

    state_operations: list

    def state_forwards(self, app_label, state):
        for operation in self.state_operations:
            operation.state_forwards(app_label, state)


class SeparateDatabaseAndState(_Replays, Operation):
    """Apply ``state_operations`` to the project state and ``database_operations`` to the
    database, when the two must differ (e.g. adopting an existing table)."""

    category = OperationCategory.MIXED
    serialization_expand_args = ["database_operations", "state_operations"]

    def __init__(self, database_operations: list | None = None,
                 state_operations: list | None = None):
        self.database_operations = list(database_operations or ())
        self.state_operations = list(state_operations or ())

    def deconstruct(self):
        # Empty lists are left out of the migration file.
        written = {
            name: value
            for name, value in (("database_operations", self.database_operations),
                                ("state_operations", self.state_operations))
            if value
        }
        return type(self).__qualname__, [], written

    def _states_along(self, app_label, start):
        """The state before each database operation, and the state after the last one."""
        befores = []
        current = start
        for operation in self.database_operations:
            befores.append(current)
            current = current.clone()
            operation.state_forwards(app_label, current)
        return befores, current

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        # Each database operation runs against the state the previous one left.
        befores, end = self._states_along(app_label, from_state)
        afters = befores[1:] + [end]
        for operation, before, after in zip(self.database_operations, befores, afters):
            operation.database_forwards(app_label, schema_editor, before, after)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # Replay forwards from the target state, then undo the operations last first.
        befores, end = self._states_along(app_label, to_state)
        afters = befores[1:] + [end]
        steps = list(zip(self.database_operations, befores, afters))
        for operation, before, after in reversed(steps):
            operation.database_backwards(app_label, schema_editor, after, before)

    def describe(self):
        return "Custom state/database change combination"

    @property
    def migration_name_fragment(self):
        return None


def _sql_statements(connection, sql):
    """``(statement, params)`` pairs for RunSQL's ``sql``: a script, or a list of
    statements and ``(statement, params)`` pairs."""
    if not isinstance(sql, (list, tuple)):
        if sql == RunSQL.noop:
            return []
        return [(statement, None) for statement in connection.ops.prepare_sql_script(sql)]
    pairs = []
    for item in sql:
        if not isinstance(item, (list, tuple)):
            pairs.append((item, None))
        elif len(item) == 2:
            pairs.append(tuple(item))
        else:
            raise ValueError(f"Expected a 2-tuple but got {len(item)}")
    return pairs


class RunSQL(_Replays, Operation):
    """Run SQL going forwards, and ``reverse_sql`` going backwards (irreversible without it).

    ``sql`` is a string (split into statements), or a list of strings and
    ``(sql, params)`` pairs. ``RunSQL.noop`` as either side does nothing.
    """

    category = OperationCategory.SQL
    noop = ""

    def __init__(self, sql, reverse_sql=None, state_operations: list | None = None,
                 hints: dict | None = None, elidable: bool = False):
        self.sql, self.reverse_sql = sql, reverse_sql
        self.state_operations = list(state_operations or ())
        self.hints = dict(hints or {})
        self.elidable = elidable

    def deconstruct(self):
        written = {"sql": self.sql}
        if self.reverse_sql is not None:
            written["reverse_sql"] = self.reverse_sql
        written.update(
            (name, value)
            for name, value in (("state_operations", self.state_operations),
                                ("hints", self.hints))
            if value
        )
        return type(self).__qualname__, [], written

    @property
    def reversible(self) -> bool:
        return self.reverse_sql is not None

    def _execute(self, schema_editor, app_label, sql) -> None:
        if not _migrates_here(schema_editor, app_label, self.hints):
            return
        for statement, params in _sql_statements(schema_editor.connection, sql):
            schema_editor.execute(statement, params=params)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._execute(schema_editor, app_label, self.sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self.reverse_sql is None:
            raise _irreversible()
        self._execute(schema_editor, app_label, self.reverse_sql)

    def describe(self):
        return "Raw SQL operation"


class RunPython(Operation):
    """Run ``code(apps, schema_editor)`` going forwards and ``reverse_code`` backwards.

    ``apps`` holds the historical models: ``apps.get_model("app", "Model")`` returns the
    model as it is at this point of the migration history, not as models.py has it now.
    """

    category = OperationCategory.PYTHON
    reduces_to_sql = False

    def __init__(self, code: Callable, reverse_code: Callable | None = None,
                 atomic: bool | None = None, hints: dict | None = None,
                 elidable: bool = False):
        if not callable(code):
            raise ValueError("RunPython must be supplied with a callable")
        if not (reverse_code is None or callable(reverse_code)):
            raise ValueError("RunPython must be supplied with callable arguments")
        self.code, self.reverse_code = code, reverse_code
        # None: follow the migration's own ``atomic``.
        self.atomic = atomic
        self.hints = dict(hints or {})
        self.elidable = elidable

    def deconstruct(self):
        written = {"code": self.code}
        for name in ("reverse_code", "atomic"):
            if getattr(self, name) is not None:
                written[name] = getattr(self, name)
        if self.hints:
            written["hints"] = self.hints
        return type(self).__qualname__, [], written

    @property
    def reversible(self) -> bool:
        return self.reverse_code is not None

    def state_forwards(self, app_label, state):
        """Nothing: RunPython changes data, never the models' state."""

    def _call(self, function, app_label, schema_editor, state) -> None:
        if _migrates_here(schema_editor, app_label, self.hints):
            function(state.apps, schema_editor)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        # The historical models must reflect all earlier operations of this migration.
        from_state.clear_delayed_apps_cache()
        self._call(self.code, app_label, schema_editor, from_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self.reverse_code is None:
            raise _irreversible()
        self._call(self.reverse_code, app_label, schema_editor, from_state)

    def describe(self):
        return "Raw Python operation"

    @staticmethod
    def noop(apps, schema_editor):
        """A do-nothing function, for a RunPython that only needs to be reversible."""
        return None
