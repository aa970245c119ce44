"""Operations that run code or SQL, or split the state change from the database change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reinhardt.orm.migrations.operations.base import Operation, OperationCategory


class SeparateDatabaseAndState(Operation):
    """Apply ``state_operations`` to the project state and ``database_operations`` to the
    database, when the two must differ (e.g. adopting an existing table)."""

    category = OperationCategory.MIXED
    serialization_expand_args = ["database_operations", "state_operations"]

    def __init__(self, database_operations: list | None = None,
                 state_operations: list | None = None):
        self.database_operations = database_operations or []
        self.state_operations = state_operations or []

    def deconstruct(self):
        kwargs = {}
        if self.database_operations:
            kwargs["database_operations"] = self.database_operations
        if self.state_operations:
            kwargs["state_operations"] = self.state_operations
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        for state_operation in self.state_operations:
            state_operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        # Each database operation sees the state that the previous one produced.
        for database_operation in self.database_operations:
            to_state = from_state.clone()
            database_operation.state_forwards(app_label, to_state)
            database_operation.database_forwards(app_label, schema_editor, from_state, to_state)
            from_state = to_state

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        to_states = {}
        for dbop in self.database_operations:
            to_states[dbop] = to_state
            to_state = to_state.clone()
            dbop.state_forwards(app_label, to_state)
        # Unapply in reverse, each from the state after it to the state before it.
        for database_operation in reversed(self.database_operations):
            from_state = to_state
            to_state = to_states[database_operation]
            database_operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Custom state/database change combination"

    @property
    def migration_name_fragment(self):
        return None


class RunSQL(Operation):
    """Run SQL going forwards, and ``reverse_sql`` going backwards (irreversible without it).

    ``sql`` is a string (split into statements), or a list of strings and
    ``(sql, params)`` pairs.
    """

    category = OperationCategory.SQL
    noop = ""

    def __init__(self, sql, reverse_sql=None, state_operations: list | None = None,
                 hints: dict | None = None, elidable: bool = False):
        self.sql = sql
        self.reverse_sql = reverse_sql
        self.state_operations = state_operations or []
        self.hints = hints or {}
        self.elidable = elidable

    def deconstruct(self):
        kwargs: dict[str, Any] = {"sql": self.sql}
        if self.reverse_sql is not None:
            kwargs["reverse_sql"] = self.reverse_sql
        if self.state_operations:
            kwargs["state_operations"] = self.state_operations
        if self.hints:
            kwargs["hints"] = self.hints
        return self.__class__.__qualname__, [], kwargs

    @property
    def reversible(self) -> bool:
        return self.reverse_sql is not None

    def state_forwards(self, app_label, state):
        for state_operation in self.state_operations:
            state_operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        from reinhardt.orm import router

        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self._run_sql(schema_editor, self.sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        from reinhardt.orm import router

        if self.reverse_sql is None:
            raise NotImplementedError("You cannot reverse this operation")
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self._run_sql(schema_editor, self.reverse_sql)

    def describe(self):
        return "Raw SQL operation"

    def _run_sql(self, schema_editor, sqls) -> None:
        if isinstance(sqls, (list, tuple)):
            for sql in sqls:
                params = None
                if isinstance(sql, (list, tuple)):
                    if len(sql) != 2:
                        raise ValueError(f"Expected a 2-tuple but got {len(sql)}")
                    sql, params = sql
                schema_editor.execute(sql, params=params)
        elif sqls != RunSQL.noop:
            statements = schema_editor.connection.ops.prepare_sql_script(sqls)
            for statement in statements:
                schema_editor.execute(statement, params=None)


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
        self.atomic = atomic
        if not callable(code):
            raise ValueError("RunPython must be supplied with a callable")
        self.code = code
        if reverse_code is not None and not callable(reverse_code):
            raise ValueError("RunPython must be supplied with callable arguments")
        self.reverse_code = reverse_code
        self.hints = hints or {}
        self.elidable = elidable

    def deconstruct(self):
        kwargs: dict[str, Any] = {"code": self.code}
        if self.reverse_code is not None:
            kwargs["reverse_code"] = self.reverse_code
        if self.atomic is not None:
            kwargs["atomic"] = self.atomic
        if self.hints:
            kwargs["hints"] = self.hints
        return self.__class__.__qualname__, [], kwargs

    @property
    def reversible(self) -> bool:
        return self.reverse_code is not None

    def state_forwards(self, app_label, state):
        # RunPython changes data, never the models' state.
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        from reinhardt.orm import router

        # The historical models must reflect all earlier operations of this migration.
        from_state.clear_delayed_apps_cache()
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self.code(from_state.apps, schema_editor)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        from reinhardt.orm import router

        if self.reverse_code is None:
            raise NotImplementedError("You cannot reverse this operation")
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self.reverse_code(from_state.apps, schema_editor)

    def describe(self):
        return "Raw Python operation"

    @staticmethod
    def noop(apps, schema_editor):
        """A do-nothing function, for a RunPython that only needs to be reversible."""
        return None
