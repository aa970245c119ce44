"""Applying and unapplying migrations on one database, and recording what was done."""

from __future__ import annotations

from collections.abc import Callable

from reinhardt.apps import apps as global_apps
from reinhardt.orm.migrations.exceptions import InvalidMigrationPlan
from reinhardt.orm.migrations.loader import MigrationLoader
from reinhardt.orm.migrations.recorder import MigrationRecorder
from reinhardt.orm.migrations.state import ProjectState


class MigrationExecutor:
    """Plans and runs migrations against ``connection``.

    ``progress_callback(action, migration=None, fake=False)`` is told about each step
    ("apply_start", "apply_success", "unapply_start", "unapply_success", "render_start",
    "render_success"); the migrate command prints them.
    """

    def __init__(self, connection, progress_callback: Callable | None = None):
        self.connection = connection
        self.loader = MigrationLoader(self.connection)
        self.recorder = MigrationRecorder(self.connection)
        self.progress_callback = progress_callback

    def _progress(self, *args) -> None:
        if self.progress_callback:
            self.progress_callback(*args)

    # -- planning --------------------------------------------------------------------

    def migration_plan(self, targets, clean_start: bool = False) -> list[tuple[object, bool]]:
        """``[(migration, backwards), ...]`` that brings the database to ``targets``.

        A target ``(app_label, None)`` unapplies all of the app's migrations; an applied
        target unapplies what came after it in its app, and nothing further.
        """
        plan = []
        applied = {} if clean_start else dict(self.loader.applied_migrations)
        graph = self.loader.graph
        for target in targets:
            if target[1] is None:
                for root in graph.root_nodes():
                    if root[0] != target[0]:
                        continue
                    for migration in graph.backwards_plan(root):
                        if migration in applied:
                            plan.append((graph.nodes[migration], True))
                            applied.pop(migration)
            elif target in applied:
                if self.loader.replace_migrations and target not in graph.node_map:
                    # A migration replaced by a squash: plan with the originals instead.
                    self.loader.replace_migrations = False
                    self.loader.build_graph()
                    return self.migration_plan(targets, clean_start=clean_start)
                # Unapply the target's later migrations in its own app (and what depends
                # on them), not the dependencies the target has in other apps.
                next_in_app = sorted(
                    node for node in graph.node_map[target].children if node[0] == target[0]
                )
                for node in next_in_app:
                    for migration in graph.backwards_plan(node):
                        if migration in applied:
                            plan.append((graph.nodes[migration], True))
                            applied.pop(migration)
            else:
                for migration in graph.forwards_plan(target):
                    if migration not in applied:
                        plan.append((graph.nodes[migration], False))
                        applied[migration] = graph.nodes[migration]
        return plan

    def _create_project_state(self, with_applied_migrations: bool = False) -> ProjectState:
        """An empty state, or the state of the migrations applied to the database."""
        state = ProjectState(real_apps=self.loader.unmigrated_apps)
        if with_applied_migrations:
            full_plan = self.migration_plan(self.loader.graph.leaf_nodes(), clean_start=True)
            applied = self._applied_migration_objects()
            for migration, _ in full_plan:
                if migration in applied:
                    migration.mutate_state(state, preserve=False)
        return state

    def _applied_migration_objects(self) -> set:
        return {
            self.loader.graph.nodes[key]
            for key in self.loader.applied_migrations
            if key in self.loader.graph.nodes
        }

    # -- running ---------------------------------------------------------------------

    def migrate(self, targets, plan=None, state: ProjectState | None = None,
                fake: bool = False, fake_initial: bool = False) -> ProjectState:
        """Apply or unapply migrations to reach ``targets``; return the resulting state."""
        if plan == []:
            # Don't create the recording table when there is nothing to record.
            if not self.recorder.has_table():
                return self._create_project_state()
        else:
            self.recorder.ensure_schema()
        if plan is None:
            plan = self.migration_plan(targets)
        full_plan = self.migration_plan(self.loader.graph.leaf_nodes(), clean_start=True)
        all_forwards = all(not backwards for _migration, backwards in plan)
        all_backwards = all(backwards for _migration, backwards in plan)
        if not plan:
            if state is None:
                state = self._create_project_state(with_applied_migrations=True)
        elif all_forwards == all_backwards:
            raise InvalidMigrationPlan(
                "Migration plans with both forwards and backwards migrations are not "
                "supported. Please split your migration process into separate plans of only "
                "forwards OR backwards migrations.",
                plan,
            )
        elif all_forwards:
            if state is None:
                state = self._create_project_state(with_applied_migrations=True)
            state = self._migrate_all_forwards(state, plan, full_plan, fake=fake,
                                               fake_initial=fake_initial)
        else:
            state = self._migrate_all_backwards(plan, full_plan, fake=fake)
        self.check_replacements()
        return state

    def _migrate_all_forwards(self, state, plan, full_plan, fake, fake_initial):
        to_run = {migration for migration, _ in plan}
        for migration, _ in full_plan:
            if not to_run:
                break
            if migration in to_run:
                if "apps" not in state.__dict__ and state._base_apps is None:
                    # Rendering from scratch (later migrations re-render only what changed).
                    self._progress("render_start")
                    state.apps  # noqa: B018 - render the models once, up front
                    self._progress("render_success")
                state = self.apply_migration(state, migration, fake=fake,
                                             fake_initial=fake_initial)
                to_run.remove(migration)
        return state

    def _migrate_all_backwards(self, plan, full_plan, fake):
        to_run = {migration for migration, _ in plan}
        # The state before each migration to unapply: what unapplying it goes back to.
        states = {}
        state = self._create_project_state()
        applied = self._applied_migration_objects()
        self._progress("render_start")
        for migration, _ in full_plan:
            if not to_run:
                break
            if migration in to_run:
                state.apps  # noqa: B018 - render before snapshotting
                states[migration] = state
                state = migration.mutate_state(state, preserve=True)
                to_run.remove(migration)
            elif migration in applied:
                # Only migrations really applied shape the state.
                migration.mutate_state(state, preserve=False)
        self._progress("render_success")
        for migration, _ in plan:
            self.unapply_migration(states[migration], migration, fake=fake)
            applied.discard(migration)
        # The resulting state: before the last unapplied migration, plus what remains
        # applied after it.
        last_unapplied = plan[-1][0]
        state = states[last_unapplied].clone()
        for index, (migration, _) in enumerate(full_plan):
            if migration == last_unapplied:
                for later, _ in full_plan[index:]:
                    if later in applied:
                        later.mutate_state(state, preserve=False)
                break
        return state

    def apply_migration(self, state, migration, fake: bool = False,
                        fake_initial: bool = False):
        """Apply one migration (or only record it, when faked) and return the new state."""
        recorded = False
        self._progress("apply_start", migration, fake)
        if not fake:
            if fake_initial:
                applied, state = self.detect_soft_applied(state, migration)
                if applied:
                    fake = True
            if not fake:
                with self.connection.schema_editor(atomic=migration.atomic) as schema_editor:
                    try:
                        state = migration.apply(state, schema_editor)
                    except Exception as exc:
                        self._note_partial_failure(exc, migration, schema_editor, "applied")
                        raise
                    if not schema_editor.deferred_sql:
                        # Record inside the transaction, so both happen or neither.
                        self.record_migration(migration.app_label, migration.name)
                        recorded = True
        if not recorded:
            self.record_migration(migration.app_label, migration.name)
        self._progress("apply_success", migration, fake)
        return state

    def unapply_migration(self, state, migration, fake: bool = False):
        """Unapply one migration (or only unrecord it, when faked)."""
        self._progress("unapply_start", migration, fake)
        if not fake:
            with self.connection.schema_editor(atomic=migration.atomic) as schema_editor:
                try:
                    state = migration.unapply(state, schema_editor)
                except Exception as exc:
                    self._note_partial_failure(exc, migration, schema_editor, "unapplied")
                    raise
        if migration.replaces:
            for app_label, name in migration.replaces:
                self.recorder.record_unapplied(app_label, name)
        self.recorder.record_unapplied(migration.app_label, migration.name)
        self._progress("unapply_success", migration, fake)
        return state

    def _note_partial_failure(self, exc: Exception, migration, schema_editor,
                              action: str) -> None:
        """Say whether the failed migration's earlier operations were rolled back."""
        if schema_editor.atomic_migration:
            exc.add_note(
                f"The changes made by {migration.app_label}.{migration.name} were rolled "
                f"back: the database is as it was before, and the migration is not {action}."
            )
        else:
            reason = (
                "the migration is not atomic (atomic = False)"
                if not migration.atomic
                else f"{self.connection.vendor} cannot roll back schema changes"
            )
            exc.add_note(
                f"The operations of {migration.app_label}.{migration.name} before the failing "
                f"one were NOT rolled back ({reason}); the migration is not recorded as "
                f"{action}. Undo them by hand, or fix the problem and finish the migration "
                "by hand, then use 'migrate --fake' to record it."
            )

    def record_migration(self, app_label: str, name: str, forward: bool = True) -> None:
        migration = self.loader.disk_migrations.get((app_label, name))
        # A squashed migration also records the migrations it replaces.
        if migration and migration.replaces:
            for replaced_app_label, replaced_name in migration.replaces:
                self.record_migration(replaced_app_label, replaced_name, forward)
        if forward:
            self.recorder.record_applied(app_label, name)
        else:
            self.recorder.record_unapplied(app_label, name)

    def check_replacements(self) -> None:
        """Record a squashed migration as applied once all it replaces are applied."""
        applied = self.recorder.applied_migrations()
        for key, migration in self.loader.replacements.items():
            if key not in applied and all(m in applied for m in migration.replaces):
                self.recorder.record_applied(*key)

    def detect_soft_applied(self, project_state, migration):
        """For ``--fake-initial``: does the database already have every table and column
        this initial migration creates? Returns ``(applied, state after it)``."""
        from reinhardt.orm import router
        from reinhardt.orm.migrations import operations

        def should_skip(model) -> bool:
            return (
                model._meta.proxy
                or not model._meta.managed
                or not router.allow_migrate(self.connection.alias, migration.app_label,
                                            model_name=model._meta.model_name)
            )

        if migration.initial is None:
            if any(app == migration.app_label for app, _name in migration.dependencies):
                return False, project_state
        elif migration.initial is False:
            return False, project_state
        if project_state is None:
            after_state = self.loader.project_state((migration.app_label, migration.name),
                                                    at_end=True)
        else:
            after_state = migration.mutate_state(project_state)
        apps = after_state.apps
        found_create_model = found_add_field = False
        fold_case = getattr(self.connection.features, "ignores_table_name_case", False)

        def normalize(name: str) -> str:
            return name.casefold() if fold_case else name

        with self.connection.cursor() as cursor:
            existing_tables = {
                normalize(name) for name in self.connection.introspection.table_names(cursor)
            }
        for operation in migration.operations:
            if isinstance(operation, operations.CreateModel):
                model = apps.get_model(migration.app_label, operation.name)
                if getattr(model._meta, "swapped", None):
                    model = global_apps.get_model(model._meta.swapped)
                if should_skip(model):
                    continue
                if normalize(model._meta.db_table) not in existing_tables:
                    return False, project_state
                found_create_model = True
            elif isinstance(operation, operations.AddField):
                model = apps.get_model(migration.app_label, operation.model_name)
                if getattr(model._meta, "swapped", None):
                    model = global_apps.get_model(model._meta.swapped)
                if should_skip(model):
                    continue
                field = model._meta.get_field(operation.name)
                if field.many_to_many:
                    through_table = field.remote_field.through._meta.db_table
                    if normalize(through_table) not in existing_tables:
                        return False, project_state
                    found_add_field = True
                    continue
                with self.connection.cursor() as cursor:
                    columns = self.connection.introspection.get_table_description(
                        cursor, model._meta.db_table
                    )
                if not any(normalize(column.name) == normalize(field.column)
                           for column in columns):
                    return False, project_state
                found_add_field = True
        return (found_create_model or found_add_field), after_state
