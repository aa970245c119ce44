"""Working out which operations turn one project state into another (makemigrations).

The detector compares the state the migrations describe (``from_state``) with the state
of models.py (``to_state``) and generates operations per app, each with the
operations it must follow (``OperationDependency``). It then sorts them, cuts them into
migrations so that cross-app dependencies can be expressed, optimizes each migration and
names it (``0002_question_votes``).

Questions it cannot answer from the states alone (was this field renamed? what should
existing rows get?) go to a questioner.
"""

from __future__ import annotations

import enum
import functools
import re
from collections import defaultdict, namedtuple
from graphlib import CycleError, TopologicalSorter
from itertools import chain

from reinhardt.conf import settings
from reinhardt.orm import models
from reinhardt.orm.migrations import operations
from reinhardt.orm.migrations.exceptions import CircularDependencyError
from reinhardt.orm.migrations.migration import Migration
from reinhardt.orm.migrations.operations.models import AlterModelOptions
from reinhardt.orm.migrations.optimizer import MigrationOptimizer
from reinhardt.orm.migrations.questioner import MigrationQuestioner
from reinhardt.orm.migrations.utils import (
    COMPILED_REGEX_TYPE,
    RegexObject,
    resolve_relation,
)


def _models():
    return models


class OperationDependency(
    namedtuple("OperationDependency", "app_label model_name field_name type")
):
    """"This operation must come after the one that creates/removes/alters that"."""

    class Type(enum.IntEnum):
        CREATE = 0
        REMOVE = 1
        ALTER = 2
        REMOVE_ORDER_WRT = 3
        ALTER_FOO_TOGETHER = 4
        REMOVE_INDEX_OR_CONSTRAINT = 5

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    @property
    def field_name_lower(self) -> str:
        return self.field_name.lower()


Dep = OperationDependency
CREATE = Dep.Type.CREATE
REMOVE = Dep.Type.REMOVE
ALTER = Dep.Type.ALTER


class MigrationAutodetector:
    """Compares two ProjectStates and returns the migrations between them."""

    def __init__(self, from_state, to_state, questioner: MigrationQuestioner | None = None):
        self.from_state = from_state
        self.to_state = to_state
        self.questioner = questioner or MigrationQuestioner()
        self.existing_apps = {app for app, _model in from_state.models}

    def changes(self, graph, trim_to_apps=None, convert_apps=None,
                migration_name: str | None = None) -> dict[str, list[Migration]]:
        """``{app_label: [Migration, ...]}``, named to follow the apps' latest migrations."""
        changes = self._detect_changes(convert_apps, graph)
        changes = self.arrange_for_graph(changes, graph, migration_name)
        if trim_to_apps:
            changes = self._trim_to_apps(changes, trim_to_apps)
        return changes

    # -- comparing values ------------------------------------------------------------

    def deep_deconstruct(self, obj):
        """A comparable form of ``obj``: deconstructible objects become (path, args, kwargs)
        recursively, fields without their name."""
        if isinstance(obj, list):
            return [self.deep_deconstruct(value) for value in obj]
        if isinstance(obj, tuple):
            return tuple(self.deep_deconstruct(value) for value in obj)
        if isinstance(obj, dict):
            return {key: self.deep_deconstruct(value) for key, value in obj.items()}
        if isinstance(obj, functools.partial):
            return (obj.func, self.deep_deconstruct(obj.args),
                    self.deep_deconstruct(obj.keywords))
        if isinstance(obj, COMPILED_REGEX_TYPE):
            return RegexObject(obj)
        if isinstance(obj, type):
            # A class (e.g. a model referenced in a field); compare it as is.
            return obj
        if hasattr(obj, "deconstruct"):
            deconstructed = obj.deconstruct()
            if isinstance(obj, _models().Field):
                deconstructed = deconstructed[1:]
            path, args, kwargs = deconstructed
            return (
                path,
                [self.deep_deconstruct(value) for value in args],
                {key: self.deep_deconstruct(value) for key, value in kwargs.items()},
            )
        return obj

    def only_relation_agnostic_fields(self, fields: dict) -> list:
        """Field definitions without relation targets, to spot a renamed model."""
        fields_def = []
        for _name, field in sorted(fields.items()):
            deconstruction = self.deep_deconstruct(field)
            if field.remote_field and field.remote_field.model:
                deconstruction[2].pop("to", None)
            fields_def.append(deconstruction)
        return fields_def

    # -- the detection ---------------------------------------------------------------

    def _detect_changes(self, convert_apps=None, graph=None) -> dict[str, list[Migration]]:
        self.generated_operations: dict[str, list] = {}
        self.altered_indexes: dict = {}
        self.altered_constraints: dict = {}
        self.renamed_fields: dict = {}
        self.renamed_models: dict = {}
        self.renamed_models_rel: dict = {}
        self._classify_models(convert_apps)

        # Renames first: everything else compares renamed models and fields.
        self.generate_renamed_models()
        self._prepare_field_lists()
        self._generate_through_model_map()

        self.generate_deleted_models()
        self.generate_created_models()
        self.generate_deleted_proxies()
        self.generate_created_proxies()
        self.generate_altered_options()
        self.generate_altered_managers()
        self.generate_altered_db_table_comment()

        self.create_renamed_fields()
        self.create_altered_indexes()
        self.create_altered_constraints()
        # Indexes and constraints go before the fields they cover.
        self.generate_removed_constraints()
        self.generate_removed_indexes()
        self.generate_renamed_fields()
        self.generate_renamed_indexes()
        self.generate_removed_altered_unique_together()
        self.generate_removed_fields()
        self.generate_added_fields()
        self.generate_altered_fields()
        self.generate_altered_order_with_respect_to()
        self.generate_altered_unique_together()
        self.generate_added_indexes()
        self.generate_added_constraints()
        self.generate_altered_constraints()
        self.generate_altered_db_table()

        self._sort_migrations()
        self._build_migration_list(graph)
        self._optimize_migrations()
        return self.migrations

    def _classify_models(self, convert_apps) -> None:
        """Split each state's models into concrete, proxy and unmanaged; models of apps
        without migrations are left out unless the app is being converted."""
        self.old_model_keys, self.old_proxy_keys, self.old_unmanaged_keys = set(), set(), set()
        self.new_model_keys, self.new_proxy_keys, self.new_unmanaged_keys = set(), set(), set()
        real_apps = self.from_state.real_apps
        for key, model_state in self.from_state.models.items():
            if not model_state.options.get("managed", True):
                self.old_unmanaged_keys.add(key)
            elif key[0] not in real_apps:
                if model_state.options.get("proxy"):
                    self.old_proxy_keys.add(key)
                else:
                    self.old_model_keys.add(key)
        for key, model_state in self.to_state.models.items():
            if not model_state.options.get("managed", True):
                self.new_unmanaged_keys.add(key)
            elif key[0] not in real_apps or (convert_apps and key[0] in convert_apps):
                if model_state.options.get("proxy"):
                    self.new_proxy_keys.add(key)
                else:
                    self.new_model_keys.add(key)

    def _old_state_of(self, app_label: str, model_name: str):
        old_name = self.renamed_models.get((app_label, model_name), model_name)
        return self.from_state.models[app_label, old_name]

    def _prepare_field_lists(self) -> None:
        self.kept_model_keys = self.old_model_keys & self.new_model_keys
        self.kept_proxy_keys = self.old_proxy_keys & self.new_proxy_keys
        self.kept_unmanaged_keys = self.old_unmanaged_keys & self.new_unmanaged_keys
        self.through_users: dict = {}
        self.old_field_keys = {
            (app_label, model_name, field_name)
            for app_label, model_name in self.kept_model_keys
            for field_name in self._old_state_of(app_label, model_name).fields
        }
        self.new_field_keys = {
            (app_label, model_name, field_name)
            for app_label, model_name in self.kept_model_keys
            for field_name in self.to_state.models[app_label, model_name].fields
        }

    def _generate_through_model_map(self) -> None:
        """Which field uses each explicit through model (so it is removed first)."""
        for app_label, model_name in sorted(self.old_model_keys):
            model_state = self._old_state_of(app_label, model_name)
            for field_name, field in model_state.fields.items():
                through = getattr(field.remote_field, "through", None) if field.remote_field \
                    else None
                if through:
                    through_key = resolve_relation(through, app_label, model_name)
                    self.through_users[through_key] = (app_label, model_name, field_name)

    def add_operation(self, app_label: str, operation, dependencies=None,
                      beginning: bool = False) -> None:
        operation._auto_deps = dependencies or []
        if beginning:
            self.generated_operations.setdefault(app_label, []).insert(0, operation)
        else:
            self.generated_operations.setdefault(app_label, []).append(operation)

    def swappable_first_key(self, item):
        """Sort key putting models that replace a swappable model (a custom user) first."""
        try:
            model_state = self.to_state.models[item]
            base_names = {
                base if isinstance(base, str) else base.__name__ for base in model_state.bases
            }
            string_version = f"{item[0]}.{item[1]}"
            if (
                model_state.options.get("swappable")
                or "AbstractUser" in base_names
                or "AbstractBaseUser" in base_names
                or settings.AUTH_USER_MODEL.lower() == string_version
            ):
                return ("___" + item[0], "___" + item[1])
        except LookupError:
            pass
        return item

    # -- models ----------------------------------------------------------------------

    def generate_renamed_models(self) -> None:
        """A model removed and one added with the same fields may be a rename: ask."""
        added_models = self.new_model_keys - self.old_model_keys
        for app_label, model_name in sorted(added_models):
            model_state = self.to_state.models[app_label, model_name]
            model_fields_def = self.only_relation_agnostic_fields(model_state.fields)
            removed_models = self.old_model_keys - self.new_model_keys
            for rem_app_label, rem_model_name in sorted(removed_models):
                if rem_app_label != app_label:
                    continue
                rem_model_state = self.from_state.models[rem_app_label, rem_model_name]
                if model_fields_def != self.only_relation_agnostic_fields(
                    rem_model_state.fields
                ):
                    continue
                if not self.questioner.ask_rename_model(rem_model_state, model_state):
                    continue
                dependencies = []
                for field in model_state.fields.values():
                    if field.is_relation:
                        dependencies.extend(
                            self._get_dependencies_for_foreign_key(app_label, model_name,
                                                                   field)
                        )
                self.add_operation(
                    app_label,
                    operations.RenameModel(old_name=rem_model_state.name,
                                           new_name=model_state.name),
                    dependencies=dependencies,
                )
                self.renamed_models[app_label, model_name] = rem_model_name
                old_label = f"{rem_model_state.app_label}.{rem_model_state.name_lower}"
                self.renamed_models_rel[old_label] = (
                    f"{model_state.app_label}.{model_state.name_lower}"
                )
                self.old_model_keys.remove((rem_app_label, rem_model_name))
                self.old_model_keys.add((app_label, model_name))
                break

    def generate_created_models(self) -> None:
        """CreateModel for new models; their relations, indexes, constraints and
        unique_together follow as separate operations (merged back by the optimizer when
        nothing needs to come in between)."""
        old_keys = self.old_model_keys | self.old_unmanaged_keys
        added_models = self.new_model_keys - old_keys
        added_unmanaged_models = self.new_unmanaged_keys - old_keys
        all_added_models = chain(
            sorted(added_models, key=self.swappable_first_key, reverse=True),
            sorted(added_unmanaged_models, key=self.swappable_first_key, reverse=True),
        )
        for app_label, model_name in all_added_models:
            model_state = self.to_state.models[app_label, model_name]
            related_fields = {}
            primary_key_rel = None
            for field_name, field in model_state.fields.items():
                if not field.remote_field:
                    continue
                if field.remote_field.model:
                    if field.primary_key:
                        primary_key_rel = field.remote_field.model
                    elif not field.remote_field.parent_link:
                        related_fields[field_name] = field
                if getattr(field.remote_field, "through", None):
                    related_fields[field_name] = field
            options = dict(model_state.options)
            indexes = options.pop("indexes")
            constraints = options.pop("constraints")
            unique_together = options.pop("unique_together", None)
            order_with_respect_to = options.pop("order_with_respect_to", None)

            # After a proxy of the same name is deleted, and after the bases exist.
            dependencies = [Dep(app_label, model_name, None, REMOVE)]
            for base in model_state.bases:
                if isinstance(base, str) and "." in base:
                    base_app_label, base_name = base.split(".", 1)
                    dependencies.append(Dep(base_app_label, base_name, None, CREATE))
                    old_base = self.from_state.models.get((base_app_label, base_name))
                    new_base = self.to_state.models.get((base_app_label, base_name))
                    if old_base and new_base:
                        # A field moving from the base to this model: remove it there first.
                        for removed in set(old_base.fields).difference(new_base.fields) \
                                .intersection(model_state.fields):
                            dependencies.append(Dep(base_app_label, base_name, removed,
                                                    REMOVE))
            if primary_key_rel:
                dependencies.append(
                    Dep(*resolve_relation(primary_key_rel, app_label, model_name), None,
                        CREATE)
                )
            self.add_operation(
                app_label,
                operations.CreateModel(
                    name=model_state.name,
                    fields=[item for item in model_state.fields.items()
                            if item[0] not in related_fields],
                    options=options,
                    bases=model_state.bases,
                    managers=model_state.managers,
                ),
                dependencies=dependencies,
                beginning=True,
            )
            if not model_state.options.get("managed", True):
                continue
            for name, field in sorted(related_fields.items()):
                field_dependencies = self._get_dependencies_for_foreign_key(
                    app_label, model_name, field
                )
                field_dependencies.append(Dep(app_label, model_name, None, CREATE))
                self.add_operation(
                    app_label,
                    operations.AddField(model_name=model_name, name=name, field=field),
                    dependencies=list(set(field_dependencies)),
                )
            if order_with_respect_to:
                self.add_operation(
                    app_label,
                    operations.AlterOrderWithRespectTo(
                        name=model_name, order_with_respect_to=order_with_respect_to
                    ),
                    dependencies=[
                        Dep(app_label, model_name, order_with_respect_to, CREATE),
                        Dep(app_label, model_name, None, CREATE),
                    ],
                )
            related_dependencies = [
                Dep(app_label, model_name, name, CREATE) for name in sorted(related_fields)
            ]
            related_dependencies.append(Dep(app_label, model_name, None, CREATE))
            for index in indexes:
                self.add_operation(
                    app_label, operations.AddIndex(model_name=model_name, index=index),
                    dependencies=related_dependencies,
                )
            for constraint in constraints:
                self.add_operation(
                    app_label,
                    operations.AddConstraint(model_name=model_name, constraint=constraint),
                    dependencies=related_dependencies,
                )
            if unique_together:
                self.add_operation(
                    app_label,
                    operations.AlterUniqueTogether(name=model_name,
                                                   unique_together=unique_together),
                    dependencies=related_dependencies,
                )
            # A proxy turned concrete: relations to it now point at a real table.
            if (app_label, model_name) in self.old_proxy_keys:
                for related_state, field_name, field in self._relations_to(
                    self.to_state, (app_label, model_name)
                ):
                    self.add_operation(
                        related_state.app_label,
                        operations.AlterField(model_name=related_state.name,
                                              name=field_name, field=field),
                        dependencies=[Dep(app_label, model_name, None, CREATE)],
                    )

    def generate_created_proxies(self) -> None:
        added = self.new_proxy_keys - self.old_proxy_keys
        for app_label, model_name in sorted(added):
            model_state = self.to_state.models[app_label, model_name]
            dependencies = [Dep(app_label, model_name, None, REMOVE)]
            for base in model_state.bases:
                if isinstance(base, str) and "." in base:
                    base_app_label, base_name = base.split(".", 1)
                    dependencies.append(Dep(base_app_label, base_name, None, CREATE))
            self.add_operation(
                app_label,
                operations.CreateModel(
                    name=model_state.name,
                    fields=[],
                    options=model_state.options,
                    bases=model_state.bases,
                    managers=model_state.managers,
                ),
                dependencies=dependencies,
            )

    def generate_deleted_models(self) -> None:
        """DeleteModel for removed models, after removing their relations and the
        relations of other models to them."""
        new_keys = self.new_model_keys | self.new_unmanaged_keys
        deleted_models = self.old_model_keys - new_keys
        deleted_unmanaged_models = self.old_unmanaged_keys - new_keys
        for app_label, model_name in chain(sorted(deleted_models),
                                           sorted(deleted_unmanaged_models)):
            model_state = self.from_state.models[app_label, model_name]
            related_fields = {}
            for field_name, field in model_state.fields.items():
                if field.remote_field and (
                    field.remote_field.model or getattr(field.remote_field, "through", None)
                ):
                    related_fields[field_name] = field
            if model_state.options.get("unique_together"):
                self.add_operation(
                    app_label,
                    operations.AlterUniqueTogether(name=model_name, unique_together=None),
                )
            for name in sorted(related_fields):
                self.add_operation(
                    app_label, operations.RemoveField(model_name=model_name, name=name)
                )
            dependencies = []
            for related_state, field_name, field in self._relations_to(
                self.from_state, (app_label, model_name)
            ):
                dependencies.append(
                    Dep(related_state.app_label, related_state.name_lower, field_name, REMOVE)
                )
                if not field.many_to_many:
                    dependencies.append(
                        Dep(related_state.app_label, related_state.name_lower, field_name,
                            ALTER)
                    )
            for name in sorted(related_fields):
                dependencies.append(Dep(app_label, model_name, name, REMOVE))
            through_user = self.through_users.get((app_label, model_state.name_lower))
            if through_user:
                dependencies.append(Dep(*through_user, REMOVE))
            self.add_operation(
                app_label,
                operations.DeleteModel(name=model_state.name),
                dependencies=list(set(dependencies)),
            )

    def generate_deleted_proxies(self) -> None:
        for app_label, model_name in sorted(self.old_proxy_keys - self.new_proxy_keys):
            model_state = self.from_state.models[app_label, model_name]
            self.add_operation(app_label, operations.DeleteModel(name=model_state.name))

    def _relations_to(self, state, model_key):
        """``(model_state, field_name, field)`` for every relation in ``state`` to
        ``model_key`` (foreign keys, one-to-ones, many-to-many, through models)."""
        for (app_label, model_name), model_state in sorted(state.models.items()):
            if (app_label, model_name) == model_key:
                continue
            for field_name, field in model_state.fields.items():
                if not field.remote_field:
                    continue
                targets = []
                if field.remote_field.model:
                    targets.append(field.remote_field.model)
                through = getattr(field.remote_field, "through", None)
                if through:
                    targets.append(through)
                if any(resolve_relation(t, app_label, model_name) == model_key
                       for t in targets):
                    yield model_state, field_name, field

    # -- fields ----------------------------------------------------------------------

    def create_renamed_fields(self) -> None:
        """A field removed and one added with the same definition may be a rename: ask."""
        self.renamed_operations = []
        old_field_keys = self.old_field_keys.copy()
        for app_label, model_name, field_name in sorted(self.new_field_keys - old_field_keys):
            old_model_state = self._old_state_of(app_label, model_name)
            new_model_state = self.to_state.models[app_label, model_name]
            field = new_model_state.get_field(field_name)
            field_dec = self.deep_deconstruct(field)
            for rem_app_label, rem_model_name, rem_field_name in sorted(
                old_field_keys - self.new_field_keys
            ):
                if rem_app_label != app_label or rem_model_name != model_name:
                    continue
                old_field = old_model_state.get_field(rem_field_name)
                old_field_dec = self.deep_deconstruct(old_field)
                if field.remote_field and field.remote_field.model and "to" in old_field_dec[2]:
                    old_rel_to = old_field_dec[2]["to"]
                    if old_rel_to in self.renamed_models_rel:
                        old_field_dec[2]["to"] = self.renamed_models_rel[old_rel_to]
                old_field.set_attributes_from_name(rem_field_name)
                old_db_column = old_field.get_attname_column()[1]
                same = old_field_dec == field_dec or (
                    # Renamed, keeping the old column through db_column.
                    old_field_dec[0:2] == field_dec[0:2]
                    and dict(old_field_dec[2], db_column=old_db_column) == field_dec[2]
                )
                if same and self.questioner.ask_rename(model_name, rem_field_name,
                                                       field_name, field):
                    self.renamed_operations.append((
                        rem_app_label, rem_model_name, old_field.db_column, rem_field_name,
                        app_label, model_name, field, field_name,
                    ))
                    old_field_keys.remove((rem_app_label, rem_model_name, rem_field_name))
                    old_field_keys.add((app_label, model_name, field_name))
                    self.renamed_fields[app_label, model_name, field_name] = rem_field_name
                    break

    def generate_renamed_fields(self) -> None:
        for (rem_app_label, rem_model_name, rem_db_column, rem_field_name, app_label,
             model_name, field, field_name) in self.renamed_operations:
            if rem_db_column != field.db_column:
                # Set db_column first, so the rename itself leaves the column alone.
                altered_field = field.clone()
                altered_field.name = rem_field_name
                self.add_operation(
                    app_label,
                    operations.AlterField(model_name=model_name, name=rem_field_name,
                                          field=altered_field),
                )
            self.add_operation(
                app_label,
                operations.RenameField(model_name=model_name, old_name=rem_field_name,
                                       new_name=field_name),
            )
            self.old_field_keys.remove((rem_app_label, rem_model_name, rem_field_name))
            self.old_field_keys.add((app_label, model_name, field_name))

    def generate_added_fields(self) -> None:
        for app_label, model_name, field_name in sorted(self.new_field_keys - self.old_field_keys):
            self._generate_added_field(app_label, model_name, field_name)

    def _generate_added_field(self, app_label: str, model_name: str, field_name: str) -> None:
        models = _models()
        field = self.to_state.models[app_label, model_name].get_field(field_name)
        dependencies = [Dep(app_label, model_name, field_name, REMOVE)]
        if field.remote_field and field.remote_field.model:
            dependencies.extend(
                self._get_dependencies_for_foreign_key(app_label, model_name, field)
            )
        time_fields = (models.DateField, models.DateTimeField, models.TimeField)
        auto_fields = tuple(
            getattr(models, name) for name in ("AutoField", "SmallAutoField", "BigAutoField")
            if hasattr(models, name)
        )
        # Existing rows need a value: a default, NULL, or an empty string.
        preserve_default = (
            field.null
            or field.has_default()
            or _has_db_default(field)
            or field.many_to_many
            or (field.blank and field.empty_strings_allowed)
            or (isinstance(field, time_fields) and getattr(field, "auto_now", False))
            or isinstance(field, auto_fields)
        )
        if not preserve_default:
            field = field.clone()
            if isinstance(field, time_fields) and getattr(field, "auto_now_add", False):
                field.default = self.questioner.ask_auto_now_add_addition(field_name,
                                                                          model_name)
            else:
                field.default = self.questioner.ask_not_null_addition(field_name, model_name)
        if field.unique and field.has_default() and callable(field.default):
            self.questioner.ask_unique_callable_default_addition(field_name, model_name)
        self.add_operation(
            app_label,
            operations.AddField(model_name=model_name, name=field_name, field=field,
                                preserve_default=preserve_default),
            dependencies=dependencies,
        )

    def generate_removed_fields(self) -> None:
        for app_label, model_name, field_name in sorted(self.old_field_keys - self.new_field_keys):
            self._generate_removed_field(app_label, model_name, field_name)

    def _generate_removed_field(self, app_label: str, model_name: str, field_name: str) -> None:
        self.add_operation(
            app_label,
            operations.RemoveField(model_name=model_name, name=field_name),
            # After order_with_respect_to / unique_together stop using it, if they do.
            dependencies=[
                Dep(app_label, model_name, field_name, Dep.Type.REMOVE_ORDER_WRT),
                Dep(app_label, model_name, field_name, Dep.Type.ALTER_FOO_TOGETHER),
            ],
        )

    def generate_altered_fields(self) -> None:
        """AlterField for changed fields; RemoveField + AddField between a many-to-many
        and a concrete field, which cannot be altered into each other."""
        models = _models()
        for app_label, model_name, field_name in sorted(self.old_field_keys & self.new_field_keys):
            old_field_name = self.renamed_fields.get((app_label, model_name, field_name),
                                                     field_name)
            old_field = self._old_state_of(app_label, model_name).get_field(old_field_name)
            new_field = self.to_state.models[app_label, model_name].get_field(field_name)
            dependencies = []
            if getattr(new_field, "remote_field", None) and getattr(
                new_field.remote_field, "model", None
            ):
                # Model and to_field renames are done by RenameModel/RenameField: compare
                # as if they had not happened.
                new_field = new_field.clone()
                rename_key = resolve_relation(new_field.remote_field.model, app_label,
                                              model_name)
                if rename_key in self.renamed_models:
                    new_field.remote_field.model = old_field.remote_field.model
                remote_field_name = getattr(new_field.remote_field, "field_name", None)
                if remote_field_name and (*rename_key, remote_field_name) in self.renamed_fields:
                    new_field.remote_field.model = old_field.remote_field.model
                    new_field.remote_field.field_name = old_field.remote_field.field_name
                from_fields = getattr(new_field, "from_fields", None)
                if from_fields:
                    new_field.from_fields = tuple(
                        self.renamed_fields.get((app_label, model_name, name), name)
                        for name in from_fields
                    )
                    new_field.to_fields = tuple(
                        self.renamed_fields.get((*rename_key, name), name)
                        for name in new_field.to_fields
                    )
                dependencies.extend(
                    self._get_dependencies_for_foreign_key(app_label, model_name, new_field)
                )
            if getattr(new_field, "remote_field", None) and getattr(
                new_field.remote_field, "through", None
            ):
                rename_key = resolve_relation(new_field.remote_field.through, app_label,
                                              model_name)
                if rename_key in self.renamed_models:
                    new_field.remote_field.through = old_field.remote_field.through
            old_field_dec = self.deep_deconstruct(old_field)
            new_field_dec = self.deep_deconstruct(new_field)
            if old_field_dec == new_field_dec or old_field_name != field_name:
                # Unchanged, or a confirmed rename (whose db_column change, if any, was
                # already written by generate_renamed_fields).
                continue
            both_m2m = old_field.many_to_many and new_field.many_to_many
            neither_m2m = not old_field.many_to_many and not new_field.many_to_many
            if not (both_m2m or neither_m2m):
                self._generate_removed_field(app_label, model_name, field_name)
                self._generate_added_field(app_label, model_name, field_name)
                continue
            field = self.to_state.models[app_label, model_name].get_field(field_name)
            preserve_default = True
            if (
                old_field.null
                and not field.null
                and not field.has_default()
                and not _has_db_default(field)
                and not field.many_to_many
            ):
                # Existing NULLs need a value before the column becomes NOT NULL.
                new_default = self.questioner.ask_not_null_alteration(field_name, model_name)
                if new_default is not models.NOT_PROVIDED:
                    field = field.clone()
                    field.default = new_default
                    preserve_default = False
            self.add_operation(
                app_label,
                operations.AlterField(model_name=model_name, name=field_name, field=field,
                                      preserve_default=preserve_default),
                dependencies=dependencies,
            )

    # -- indexes and constraints ---------------------------------------------------------

    def create_altered_indexes(self) -> None:
        """Added, removed and renamed (same definition, new name) indexes per model."""
        for app_label, model_name in sorted(self.kept_model_keys):
            old_indexes = self._old_state_of(app_label, model_name).options["indexes"]
            new_indexes = self.to_state.models[app_label, model_name].options["indexes"]
            added = [index for index in new_indexes if index not in old_indexes]
            removed = [index for index in old_indexes if index not in new_indexes]
            renamed = []
            for new_index in list(added):
                new_path, new_args, new_kwargs = new_index.deconstruct()
                new_name = new_kwargs.pop("name")
                for old_index in list(removed):
                    old_path, old_args, old_kwargs = old_index.deconstruct()
                    old_name = old_kwargs.pop("name")
                    if (new_path, new_args, new_kwargs) == (old_path, old_args, old_kwargs) \
                            and new_name != old_name:
                        renamed.append((old_name, new_name, None))
                        added.remove(new_index)
                        removed.remove(old_index)
                        break
            self.altered_indexes[app_label, model_name] = {
                "added_indexes": added,
                "removed_indexes": removed,
                "renamed_indexes": renamed,
            }

    def generate_added_indexes(self) -> None:
        for (app_label, model_name), altered in self.altered_indexes.items():
            dependencies = self._get_dependencies_for_model(app_label, model_name)
            for index in altered["added_indexes"]:
                self.add_operation(
                    app_label, operations.AddIndex(model_name=model_name, index=index),
                    dependencies=dependencies,
                )

    def generate_removed_indexes(self) -> None:
        for (app_label, model_name), altered in self.altered_indexes.items():
            for index in altered["removed_indexes"]:
                self.add_operation(
                    app_label, operations.RemoveIndex(model_name=model_name, name=index.name)
                )

    def generate_renamed_indexes(self) -> None:
        for (app_label, model_name), altered in self.altered_indexes.items():
            for old_name, new_name, old_fields in altered["renamed_indexes"]:
                self.add_operation(
                    app_label,
                    operations.RenameIndex(model_name=model_name, new_name=new_name,
                                           old_name=old_name, old_fields=old_fields),
                )

    @staticmethod
    def _without_non_db_attrs(constraint):
        path, args, kwargs = constraint.deconstruct()
        for attr in getattr(constraint, "non_db_attrs", ()):
            kwargs.pop(attr, None)
        return path, args, kwargs

    def create_altered_constraints(self) -> None:
        for app_label, model_name in sorted(self.kept_model_keys):
            old_constraints = self._old_state_of(app_label, model_name).options["constraints"]
            new_constraints = self.to_state.models[app_label, model_name].options["constraints"]
            added = [c for c in new_constraints if c not in old_constraints]
            removed = [c for c in old_constraints if c not in new_constraints]
            altered = []
            # Same name, differing only in Python-side attributes: no schema change.
            for new_constraint in list(added):
                for old_constraint in list(removed):
                    if new_constraint.name == old_constraint.name and (
                        self._without_non_db_attrs(new_constraint)
                        == self._without_non_db_attrs(old_constraint)
                    ):
                        altered.append(new_constraint)
                        added.remove(new_constraint)
                        removed.remove(old_constraint)
                        break
            self.altered_constraints[app_label, model_name] = {
                "added_constraints": added,
                "removed_constraints": removed,
                "altered_constraints": altered,
            }

    def generate_added_constraints(self) -> None:
        for (app_label, model_name), altered in self.altered_constraints.items():
            dependencies = self._get_dependencies_for_model(app_label, model_name)
            for constraint in altered["added_constraints"]:
                self.add_operation(
                    app_label,
                    operations.AddConstraint(model_name=model_name, constraint=constraint),
                    dependencies=dependencies,
                )

    def generate_removed_constraints(self) -> None:
        for (app_label, model_name), altered in self.altered_constraints.items():
            for constraint in altered["removed_constraints"]:
                self.add_operation(
                    app_label,
                    operations.RemoveConstraint(model_name=model_name, name=constraint.name),
                )

    def generate_altered_constraints(self) -> None:
        for (app_label, model_name), altered in self.altered_constraints.items():
            dependencies = self._get_dependencies_for_model(app_label, model_name)
            for constraint in altered["altered_constraints"]:
                self.add_operation(
                    app_label,
                    operations.AlterConstraint(model_name=model_name, name=constraint.name,
                                               constraint=constraint),
                    dependencies=dependencies,
                )

    # -- dependencies of relations ------------------------------------------------------

    def _get_dependencies_for_foreign_key(self, app_label: str, model_name: str, field):
        """The target model (and explicit through model) must exist first."""
        swappable_setting = getattr(field, "swappable_setting", None)
        if swappable_setting is not None:
            dep_app_label, dep_object_name = "__setting__", swappable_setting
        else:
            dep_app_label, dep_object_name = resolve_relation(
                field.remote_field.model, app_label, model_name
            )
        dependencies = [Dep(dep_app_label, dep_object_name, None, CREATE)]
        through = getattr(field.remote_field, "through", None)
        if through:
            dependencies.append(Dep(*resolve_relation(through, app_label, model_name), None,
                                    CREATE))
        return dependencies

    def _get_dependencies_for_model(self, app_label: str, model_name: str):
        dependencies = []
        for field in self.to_state.models[app_label, model_name].fields.values():
            if field.is_relation:
                dependencies.extend(
                    self._get_dependencies_for_foreign_key(app_label, model_name, field)
                )
        return dependencies

    # -- unique_together -----------------------------------------------------------------

    def _get_altered_foo_together_operations(self, option_name: str):
        for app_label, model_name in sorted(self.kept_model_keys):
            old_model_state = self._old_state_of(app_label, model_name)
            new_model_state = self.to_state.models[app_label, model_name]
            old_value = old_model_state.options.get(option_name)
            old_value = {
                tuple(self.renamed_fields.get((app_label, model_name, n), n) for n in unique)
                for unique in old_value
            } if old_value else set()
            new_value = new_model_state.options.get(option_name)
            new_value = set(new_value) if new_value else set()
            if old_value == new_value:
                continue
            dependencies = []
            for together in new_value:
                for field_name in together:
                    field = new_model_state.get_field(field_name)
                    if field.remote_field and field.remote_field.model:
                        dependencies.extend(
                            self._get_dependencies_for_foreign_key(app_label, model_name,
                                                                   field)
                        )
            yield old_value, new_value, app_label, model_name, dependencies

    def generate_removed_altered_unique_together(self) -> None:
        """First keep only the entries that stay (so removed fields can be dropped)."""
        for old_value, new_value, app_label, model_name, dependencies in \
                self._get_altered_foo_together_operations("unique_together"):
            kept = new_value & old_value
            if kept or old_value:
                self.add_operation(
                    app_label,
                    operations.AlterUniqueTogether(name=model_name, unique_together=kept),
                    dependencies=dependencies,
                )

    def generate_altered_unique_together(self) -> None:
        """Then set the full new value, once added fields exist."""
        for old_value, new_value, app_label, model_name, dependencies in \
                self._get_altered_foo_together_operations("unique_together"):
            if new_value != new_value & old_value:
                self.add_operation(
                    app_label,
                    operations.AlterUniqueTogether(name=model_name, unique_together=new_value),
                    dependencies=dependencies,
                )

    # -- options -------------------------------------------------------------------------

    def _models_with_options(self):
        return sorted(self.kept_model_keys | self.kept_proxy_keys | self.kept_unmanaged_keys)

    def generate_altered_db_table(self) -> None:
        for app_label, model_name in self._models_with_options():
            old_table = self._old_state_of(app_label, model_name).options.get("db_table")
            new_table = self.to_state.models[app_label, model_name].options.get("db_table")
            if old_table != new_table:
                self.add_operation(
                    app_label, operations.AlterModelTable(name=model_name, table=new_table)
                )

    def generate_altered_db_table_comment(self) -> None:
        for app_label, model_name in self._models_with_options():
            old = self._old_state_of(app_label, model_name).options.get("db_table_comment")
            new = self.to_state.models[app_label, model_name].options.get("db_table_comment")
            if old != new:
                self.add_operation(
                    app_label,
                    operations.AlterModelTableComment(name=model_name, table_comment=new),
                )

    def generate_altered_options(self) -> None:
        """AlterModelOptions for options without schema effect (ordering, verbose_name):
        migrations record them so RunPython code sees the right model."""
        models_to_check = set(self._models_with_options()) | (
            self.old_unmanaged_keys & self.new_model_keys
        ) | (self.old_model_keys & self.new_unmanaged_keys)
        keys = AlterModelOptions.ALTER_OPTION_KEYS
        for app_label, model_name in sorted(models_to_check):
            old_state = self._old_state_of(app_label, model_name)
            new_state = self.to_state.models[app_label, model_name]
            old_options = {k: v for k, v in old_state.options.items() if k in keys}
            new_options = {k: v for k, v in new_state.options.items() if k in keys}
            if old_options != new_options:
                self.add_operation(
                    app_label,
                    operations.AlterModelOptions(name=model_name, options=new_options),
                )

    def generate_altered_order_with_respect_to(self) -> None:
        for app_label, model_name in sorted(self.kept_model_keys):
            old = self._old_state_of(app_label, model_name).options.get("order_with_respect_to")
            new = self.to_state.models[app_label, model_name].options.get(
                "order_with_respect_to"
            )
            if old == new:
                continue
            dependencies = []
            if new:
                dependencies.append(Dep(app_label, model_name, new, CREATE))
            self.add_operation(
                app_label,
                operations.AlterOrderWithRespectTo(name=model_name, order_with_respect_to=new),
                dependencies=dependencies,
            )

    def generate_altered_managers(self) -> None:
        for app_label, model_name in sorted(self.kept_model_keys):
            old_state = self._old_state_of(app_label, model_name)
            new_state = self.to_state.models[app_label, model_name]
            if old_state.managers != new_state.managers:
                self.add_operation(
                    app_label,
                    operations.AlterModelManagers(name=model_name, managers=new_state.managers),
                )

    # -- from operations to migrations ---------------------------------------------------

    def check_dependency(self, operation, dependency: OperationDependency) -> bool:
        """Does ``operation`` satisfy ``dependency``?"""
        kind = dependency.type
        if kind == CREATE and dependency.field_name is None:
            return (isinstance(operation, operations.CreateModel)
                    and operation.name_lower == dependency.model_name_lower)
        if kind == CREATE:
            if isinstance(operation, operations.CreateModel):
                return operation.name_lower == dependency.model_name_lower and any(
                    dependency.field_name == name for name, _field in operation.fields
                )
            return (isinstance(operation, operations.AddField)
                    and operation.model_name_lower == dependency.model_name_lower
                    and operation.name_lower == dependency.field_name_lower)
        if kind == REMOVE and dependency.field_name is not None:
            return (isinstance(operation, operations.RemoveField)
                    and operation.model_name_lower == dependency.model_name_lower
                    and operation.name_lower == dependency.field_name_lower)
        if kind == REMOVE:
            return (isinstance(operation, operations.DeleteModel)
                    and operation.name_lower == dependency.model_name_lower)
        if kind == ALTER:
            return (isinstance(operation, operations.AlterField)
                    and operation.model_name_lower == dependency.model_name_lower
                    and operation.name_lower == dependency.field_name_lower)
        if kind == Dep.Type.REMOVE_ORDER_WRT:
            return (isinstance(operation, operations.AlterOrderWithRespectTo)
                    and operation.name_lower == dependency.model_name_lower
                    and (operation.order_with_respect_to or "").lower()
                    != dependency.field_name_lower)
        if kind == Dep.Type.ALTER_FOO_TOGETHER:
            return (isinstance(operation, (operations.AlterUniqueTogether,
                                           operations.AlterIndexTogether))
                    and operation.name_lower == dependency.model_name_lower)
        if kind == Dep.Type.REMOVE_INDEX_OR_CONSTRAINT:
            return (isinstance(operation, (operations.RemoveIndex,
                                           operations.RemoveConstraint))
                    and operation.model_name_lower == dependency.model_name_lower)
        raise ValueError(f"Can't handle dependency {dependency!r}")

    def _sort_migrations(self) -> None:
        """Order each app's operations so that same-app dependencies come first.

        The order is graphlib's topological order over the operations as generated, the
        order Django 5.2 produces, so generated files list operations as Django's do.
        """
        for app_label, ops in sorted(self.generated_operations.items()):
            sorter = TopologicalSorter()
            for op in ops:
                sorter.add(op)
                for dep in op._auto_deps:
                    dep = self._resolve_swappable(dep)[0]
                    if dep.app_label != app_label:
                        continue
                    sorter.add(op, *(other for other in ops
                                     if self.check_dependency(other, dep)))
            try:
                self.generated_operations[app_label] = list(sorter.static_order())
            except CycleError as exc:
                raise CircularDependencyError(
                    f"Cyclic dependency between the generated operations of {app_label}: "
                    + ", ".join(op.describe() for op in exc.args[1])
                ) from exc

    @staticmethod
    def _resolve_swappable(dep: OperationDependency):
        """A dependency on a swappable setting, as the model it names."""
        if dep.app_label != "__setting__":
            return dep, None
        resolved_app_label, resolved_object_name = getattr(settings, dep.model_name).split(".")
        return (
            Dep(resolved_app_label, resolved_object_name.lower(), dep.field_name, dep.type),
            dep,
        )

    def _build_migration_list(self, graph=None) -> None:
        """Cut each app's operations into migrations at the points where they must wait
        for another app's operations."""
        self.migrations: dict[str, list[Migration]] = {}
        num_ops = sum(len(ops) for ops in self.generated_operations.values())
        chop_mode = False
        while num_ops:
            for app_label in sorted(self.generated_operations):
                chopped = []
                dependencies = set()
                for operation in list(self.generated_operations[app_label]):
                    deps_satisfied = True
                    operation_dependencies = set()
                    for dep in operation._auto_deps:
                        dep, original_dep = self._resolve_swappable(dep)
                        if dep.app_label == app_label:
                            continue
                        # Is a pending operation of the other app still needed first?
                        if any(self.check_dependency(other, dep)
                               for other in self.generated_operations.get(dep.app_label, [])):
                            deps_satisfied = False
                            break
                        if original_dep is not None:
                            operation_dependencies.add(
                                (original_dep.app_label, original_dep.model_name)
                            )
                        elif dep.app_label in self.migrations:
                            operation_dependencies.add(
                                (dep.app_label, self.migrations[dep.app_label][-1].name)
                            )
                        elif chop_mode:
                            # The other app's existing migrations must provide it.
                            if graph and graph.leaf_nodes(dep.app_label):
                                operation_dependencies.add(graph.leaf_nodes(dep.app_label)[0])
                            else:
                                operation_dependencies.add((dep.app_label, "__first__"))
                        else:
                            deps_satisfied = False
                    if not deps_satisfied:
                        break
                    chopped.append(operation)
                    dependencies.update(operation_dependencies)
                    del self.generated_operations[app_label][0]
                if dependencies or chopped:
                    if not self.generated_operations[app_label] or chop_mode:
                        subclass = type("Migration", (Migration,),
                                        {"operations": [], "dependencies": []})
                        instance = subclass(
                            f"auto_{len(self.migrations.get(app_label, [])) + 1}", app_label
                        )
                        instance.dependencies = list(dependencies)
                        instance.operations = chopped
                        instance.initial = app_label not in self.existing_apps
                        self.migrations.setdefault(app_label, []).append(instance)
                        chop_mode = False
                    else:
                        self.generated_operations[app_label] = (
                            chopped + self.generated_operations[app_label]
                        )
            new_num_ops = sum(len(ops) for ops in self.generated_operations.values())
            if new_num_ops == num_ops:
                if chop_mode:
                    raise ValueError(
                        f"Cannot resolve operation dependencies: {self.generated_operations!r}"
                    )
                chop_mode = True
            num_ops = new_num_ops

    def _optimize_migrations(self) -> None:
        for app_label, migrations in self.migrations.items():
            for previous, migration in zip(migrations, migrations[1:], strict=False):
                migration.dependencies.append((app_label, previous.name))
            for migration in migrations:
                migration.dependencies = list(dict.fromkeys(migration.dependencies))
                migration.operations = MigrationOptimizer().optimize(migration.operations,
                                                                     app_label)

    def arrange_for_graph(self, changes: dict, graph, migration_name: str | None = None):
        """Number and name the new migrations after each app's latest one, and make the
        first depend on it. Apps without migrations get one only if the questioner
        agrees (``ask_initial``)."""
        leaves = graph.leaf_nodes()
        name_map = {}
        for app_label, migrations in list(changes.items()):
            if not migrations:
                continue
            app_leaf = next((leaf for leaf in leaves if leaf[0] == app_label), None)
            if app_leaf is None and not self.questioner.ask_initial(app_label):
                for migration in migrations:
                    name_map[app_label, migration.name] = (app_label, "__first__")
                del changes[app_label]
                continue
            next_number = 1 if app_leaf is None else (self.parse_number(app_leaf[1]) or 0) + 1
            for index, migration in enumerate(migrations):
                if index == 0 and app_leaf:
                    migration.dependencies.append(app_leaf)
                parts = [f"{next_number:04d}"]
                if migration_name:
                    parts.append(migration_name)
                elif index == 0 and not app_leaf:
                    parts.append("initial")
                else:
                    parts.append(migration.suggest_name()[:100])
                new_name = "_".join(parts)
                name_map[app_label, migration.name] = (app_label, new_name)
                next_number += 1
                migration.name = new_name
        for migrations in changes.values():
            for migration in migrations:
                migration.dependencies = [name_map.get(d, d) for d in migration.dependencies]
        return changes

    def _trim_to_apps(self, changes: dict, app_labels) -> dict:
        """Keep only the given apps' migrations and those of apps they depend on."""
        app_dependencies = defaultdict(set)
        for app_label, migrations in changes.items():
            for migration in migrations:
                for dep_app_label, _name in migration.dependencies:
                    app_dependencies[app_label].add(dep_app_label)
        required_apps = set(app_labels)
        previous = None
        while previous != required_apps:
            previous = set(required_apps)
            for app_label in previous:
                required_apps |= app_dependencies.get(app_label, set())
        for app_label in list(changes):
            if app_label not in required_apps:
                del changes[app_label]
        return changes

    @classmethod
    def parse_number(cls, name: str) -> int | None:
        """The number of a migration name: 0002 for "0002_auto", 4 for "0001_squashed_0004"."""
        if squashed_match := re.search(r".*_squashed_(\d+)", name):
            return int(squashed_match[1])
        match = re.match(r"^\d+", name)
        if match:
            return int(match[0])
        return None


def _has_db_default(field) -> bool:
    has_db_default = getattr(field, "has_db_default", None)
    return bool(has_db_default and has_db_default())
