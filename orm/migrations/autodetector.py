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

    # The detection passes, in the order their operations are generated (which is the
    # order makemigrations writes them when dependencies allow). Renames come first:
    # everything after compares renamed models and fields. Indexes and constraints are
    # removed before the fields they cover.
    DETECTION_STEPS = (
        "generate_renamed_models", "_prepare_field_lists", "_generate_through_model_map",
        "generate_deleted_models", "generate_created_models", "generate_deleted_proxies",
        "generate_created_proxies", "generate_altered_options",
        "generate_altered_managers", "generate_altered_db_table_comment",
        "create_renamed_fields", "create_altered_indexes", "create_altered_constraints",
        "generate_removed_constraints", "generate_removed_indexes",
        "generate_renamed_fields", "generate_renamed_indexes",
        "generate_removed_altered_unique_together", "generate_removed_fields",
        "generate_added_fields", "generate_altered_fields",
        "generate_altered_order_with_respect_to", "generate_altered_unique_together",
        "generate_added_indexes", "generate_added_constraints",
        "generate_altered_constraints", "generate_altered_db_table",
    )

    def __init__(self, from_state, to_state, questioner: MigrationQuestioner | None = None):
        self.from_state, self.to_state = from_state, to_state
        self.questioner = questioner if questioner is not None else MigrationQuestioner()
        self.existing_apps = {key[0] for key in from_state.models}

    def changes(self, graph, trim_to_apps=None, convert_apps=None,
                migration_name: str | None = None) -> dict[str, list[Migration]]:
        """``{app_label: [Migration, ...]}``, named to follow the apps' latest migrations."""
        named = self.arrange_for_graph(self._detect_changes(convert_apps, graph), graph,
                                       migration_name)
        return self._trim_to_apps(named, trim_to_apps) if trim_to_apps else named

    # -- comparing values ------------------------------------------------------------

    def deep_deconstruct(self, obj):
        """A comparable form of ``obj``: deconstructible objects become (path, args, kwargs)
        recursively, fields without their name."""
        walk = self.deep_deconstruct
        if isinstance(obj, dict):
            return {key: walk(item) for key, item in obj.items()}
        if isinstance(obj, (list, tuple)):
            walked = map(walk, obj)
            return list(walked) if isinstance(obj, list) else tuple(walked)
        if isinstance(obj, functools.partial):
            return obj.func, walk(obj.args), walk(obj.keywords)
        if isinstance(obj, COMPILED_REGEX_TYPE):
            return RegexObject(obj)
        # Classes (a model a field points at) compare as themselves.
        if isinstance(obj, type) or not hasattr(obj, "deconstruct"):
            return obj
        parts = obj.deconstruct()
        if isinstance(obj, _models().Field):
            parts = parts[1:]  # a field's name is compared separately
        path, args, kwargs = parts
        return path, list(map(walk, args)), walk(kwargs)

    def only_relation_agnostic_fields(self, fields: dict) -> list:
        """Field definitions without relation targets, to spot a renamed model."""
        definitions = []
        for name in sorted(fields):
            field = fields[name]
            path, args, kwargs = self.deep_deconstruct(field)
            if field.remote_field and field.remote_field.model:
                kwargs.pop("to", None)
            definitions.append((path, args, kwargs))
        return definitions

    # -- the detection ---------------------------------------------------------------

    def _detect_changes(self, convert_apps=None, graph=None) -> dict[str, list[Migration]]:
        self.generated_operations: dict[str, list] = {}
        self.altered_indexes: dict = {}
        self.altered_constraints: dict = {}
        self.renamed_fields: dict = {}
        self.renamed_models: dict = {}
        self.renamed_models_rel: dict = {}
        self._classify_models(convert_apps)

        for step in self.DETECTION_STEPS:
            getattr(self, step)()
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
        for kind in ("model", "proxy", "unmanaged"):
            kept = getattr(self, f"old_{kind}_keys") & getattr(self, f"new_{kind}_keys")
            setattr(self, f"kept_{kind}_keys", kept)
        self.through_users: dict = {}
        self.old_field_keys = self._field_keys(self._old_state_of)
        self.new_field_keys = self._field_keys(
            lambda app_label, model_name: self.to_state.models[app_label, model_name])

    def _field_keys(self, state_of) -> set:
        """``(app_label, model_name, field_name)`` of the kept models, as ``state_of``
        (app_label, model_name) -> ModelState describes them."""
        keys = set()
        for app_label, model_name in self.kept_model_keys:
            keys.update((app_label, model_name, field_name)
                        for field_name in state_of(app_label, model_name).fields)
        return keys

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
        queue = self.generated_operations.setdefault(app_label, [])
        queue.insert(0 if beginning else len(queue), operation)

    def swappable_first_key(self, item):
        """Sort key putting models that replace a swappable model (a custom user) first."""
        model_state = self.to_state.models.get(item)
        if model_state is not None and self._replaces_user_model(item, model_state):
            return tuple(f"___{part}" for part in item)
        return item

    @staticmethod
    def _replaces_user_model(key, model_state) -> bool:
        if model_state.options.get("swappable"):
            return True
        base_names = {getattr(base, "__name__", base) for base in model_state.bases}
        if base_names & {"AbstractUser", "AbstractBaseUser"}:
            return True
        return settings.AUTH_USER_MODEL.lower() == ".".join(key)

    # -- models ----------------------------------------------------------------------

    def generate_renamed_models(self) -> None:
        """A model removed and one added with the same fields may be a rename: ask."""
        for key in sorted(self.new_model_keys - self.old_model_keys):
            new_state = self.to_state.models[key]
            old_key = self._confirmed_model_rename(key, new_state)
            if old_key is not None:
                self._record_model_rename(old_key, key, new_state)

    def _confirmed_model_rename(self, key, new_state):
        """The removed model of the same app, with the same fields, that the user says
        ``new_state`` was renamed from; None if there is none."""
        shape = self.only_relation_agnostic_fields(new_state.fields)
        gone = self.old_model_keys - self.new_model_keys
        for old_key in sorted(k for k in gone if k[0] == key[0]):
            old_state = self.from_state.models[old_key]
            if (self.only_relation_agnostic_fields(old_state.fields) == shape
                    and self.questioner.ask_rename_model(old_state, new_state)):
                return old_key
        return None

    def _record_model_rename(self, old_key, key, new_state) -> None:
        app_label, model_name = key
        old_state = self.from_state.models[old_key]
        relation_deps = [
            dependency
            for field in new_state.fields.values() if field.is_relation
            for dependency in self._get_dependencies_for_foreign_key(app_label, model_name,
                                                                     field)
        ]
        rename = operations.RenameModel(old_name=old_state.name, new_name=new_state.name)
        self.add_operation(app_label, rename, dependencies=relation_deps)
        self.renamed_models[key] = old_key[1]
        old_label = f"{old_state.app_label}.{old_state.name_lower}"
        self.renamed_models_rel[old_label] = f"{new_state.app_label}.{new_state.name_lower}"
        self.old_model_keys.discard(old_key)
        self.old_model_keys.add(key)

    def generate_created_models(self) -> None:
        """CreateModel for new models; their relations, indexes, constraints and
        unique_together follow as separate operations (merged back by the optimizer when
        nothing needs to come in between)."""
        existing = self.old_model_keys | self.old_unmanaged_keys

        def swappable_first(keys):
            return sorted(keys, key=self.swappable_first_key, reverse=True)

        for key in chain(swappable_first(self.new_model_keys - existing),
                         swappable_first(self.new_unmanaged_keys - existing)):
            self._generate_created_model(*key)

    @staticmethod
    def _deferred_relations(model_state):
        """The relation fields added after CreateModel (so models can point at each other
        in any order), and the model a primary-key relation points at, if any."""
        deferred, pk_target = {}, None
        for name, field in model_state.fields.items():
            remote = field.remote_field
            if not remote:
                continue
            if remote.model and field.primary_key:
                pk_target = remote.model
            plain_relation = remote.model and not field.primary_key and not remote.parent_link
            if plain_relation or getattr(remote, "through", None):
                deferred[name] = field
        return deferred, pk_target

    def _base_dependencies(self, model_state, moved_fields: bool) -> list:
        """Create after the model's concrete bases; with ``moved_fields``, also after a
        field that moves from a base into this model is removed from the base."""
        dependencies = []
        for base in model_state.bases:
            if not isinstance(base, str) or "." not in base:
                continue
            base_key = tuple(base.split(".", 1))
            dependencies.append(Dep(*base_key, None, CREATE))
            before = self.from_state.models.get(base_key)
            after = self.to_state.models.get(base_key)
            if moved_fields and before and after:
                moved = set(before.fields).difference(after.fields).intersection(
                    model_state.fields)
                dependencies += [Dep(*base_key, name, REMOVE) for name in moved]
        return dependencies

    @staticmethod
    def _create_operation(model_state, fields, options):
        return operations.CreateModel(name=model_state.name, fields=fields, options=options,
                                      bases=model_state.bases, managers=model_state.managers)

    def _generate_created_model(self, app_label: str, model_name: str) -> None:
        model_state = self.to_state.models[app_label, model_name]
        deferred, pk_target = self._deferred_relations(model_state)
        options = dict(model_state.options)
        indexes, constraints = options.pop("indexes"), options.pop("constraints")
        unique_together = options.pop("unique_together", None)
        order_with_respect_to = options.pop("order_with_respect_to", None)
        # After a proxy of the same name is deleted, and after the bases exist.
        dependencies = [Dep(app_label, model_name, None, REMOVE),
                        *self._base_dependencies(model_state, moved_fields=True)]
        if pk_target:
            target = resolve_relation(pk_target, app_label, model_name)
            dependencies.append(Dep(*target, None, CREATE))
        kept_fields = [pair for pair in model_state.fields.items() if pair[0] not in deferred]
        self.add_operation(app_label, self._create_operation(model_state, kept_fields, options),
                           dependencies=dependencies, beginning=True)
        if not model_state.options.get("managed", True):
            return
        created = Dep(app_label, model_name, None, CREATE)
        for name in sorted(deferred):
            field = deferred[name]
            needs = {*self._get_dependencies_for_foreign_key(app_label, model_name, field),
                     created}
            self.add_operation(app_label,
                               operations.AddField(model_name=model_name, name=name,
                                                   field=field),
                               dependencies=list(needs))
        if order_with_respect_to:
            self.add_operation(
                app_label,
                operations.AlterOrderWithRespectTo(
                    name=model_name, order_with_respect_to=order_with_respect_to),
                dependencies=[Dep(app_label, model_name, order_with_respect_to, CREATE),
                              created],
            )
        # Indexes, constraints and unique_together come after all the model's fields.
        after_fields = [*(Dep(app_label, model_name, name, CREATE) for name in sorted(deferred)),
                        created]
        later = [operations.AddIndex(model_name=model_name, index=index) for index in indexes]
        later += [operations.AddConstraint(model_name=model_name, constraint=constraint)
                  for constraint in constraints]
        if unique_together:
            later.append(operations.AlterUniqueTogether(name=model_name,
                                                        unique_together=unique_together))
        for operation in later:
            self.add_operation(app_label, operation, dependencies=after_fields)
        if (app_label, model_name) in self.old_proxy_keys:
            self._repoint_relations_to_former_proxy(app_label, model_name, created)

    def _repoint_relations_to_former_proxy(self, app_label, model_name, created) -> None:
        """A proxy turned concrete: relations to it now point at a real table."""
        for related_state, field_name, field in self._relations_to(self.to_state,
                                                                   (app_label, model_name)):
            self.add_operation(
                related_state.app_label,
                operations.AlterField(model_name=related_state.name, name=field_name,
                                      field=field),
                dependencies=[created],
            )

    def generate_created_proxies(self) -> None:
        for app_label, model_name in sorted(self.new_proxy_keys - self.old_proxy_keys):
            model_state = self.to_state.models[app_label, model_name]
            dependencies = [Dep(app_label, model_name, None, REMOVE),
                            *self._base_dependencies(model_state, moved_fields=False)]
            self.add_operation(app_label,
                               self._create_operation(model_state, [], model_state.options),
                               dependencies=dependencies)

    def generate_deleted_models(self) -> None:
        """DeleteModel for removed models, after removing their relations and the
        relations of other models to them."""
        remaining = self.new_model_keys | self.new_unmanaged_keys
        for key in chain(sorted(self.old_model_keys - remaining),
                         sorted(self.old_unmanaged_keys - remaining)):
            self._generate_deleted_model(*key)

    def _generate_deleted_model(self, app_label: str, model_name: str) -> None:
        model_state = self.from_state.models[app_label, model_name]
        relation_names = sorted(
            name for name, field in model_state.fields.items()
            if field.remote_field
            and (field.remote_field.model or getattr(field.remote_field, "through", None))
        )
        if model_state.options.get("unique_together"):
            self.add_operation(app_label, operations.AlterUniqueTogether(
                name=model_name, unique_together=None))
        for name in relation_names:
            self.add_operation(app_label, operations.RemoveField(model_name=model_name,
                                                                 name=name))
        # After other models' relations to it are removed or altered away, and after its
        # own relations and the field using it as a through model are gone.
        needs = set()
        for other, field_name, field in self._relations_to(self.from_state,
                                                           (app_label, model_name)):
            kinds = (REMOVE,) if field.many_to_many else (REMOVE, ALTER)
            needs.update(Dep(other.app_label, other.name_lower, field_name, kind)
                         for kind in kinds)
        needs.update(Dep(app_label, model_name, name, REMOVE) for name in relation_names)
        through_user = self.through_users.get((app_label, model_state.name_lower))
        if through_user:
            needs.add(Dep(*through_user, REMOVE))
        self.add_operation(app_label, operations.DeleteModel(name=model_state.name),
                           dependencies=list(needs))

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
        self.renamed_operations: list[_FieldRename] = []
        unclaimed = set(self.old_field_keys)
        for key in sorted(self.new_field_keys - unclaimed):
            old_name = self._confirmed_field_rename(key, unclaimed)
            if old_name is not None:
                unclaimed.discard((*key[:2], old_name))
                unclaimed.add(key)
                self.renamed_fields[key] = old_name

    def _confirmed_field_rename(self, key, unclaimed) -> str | None:
        """The removed field of the same model, defined the same way, that the user says
        field ``key`` was renamed from (recorded in renamed_operations); or None."""
        app_label, model_name, field_name = key
        field = self.to_state.models[app_label, model_name].get_field(field_name)
        wanted = self.deep_deconstruct(field)
        is_relation = field.remote_field and field.remote_field.model
        old_state = self._old_state_of(app_label, model_name)
        gone = sorted(candidate[2] for candidate in unclaimed - self.new_field_keys
                      if candidate[:2] == key[:2])
        for old_name in gone:
            old_field = old_state.get_field(old_name)
            path, args, kwargs = self.deep_deconstruct(old_field)
            if is_relation and kwargs.get("to") in self.renamed_models_rel:
                kwargs["to"] = self.renamed_models_rel[kwargs["to"]]
            old_field.set_attributes_from_name(old_name)
            old_column = old_field.get_attname_column()[1]
            # Equal, or equal once db_column keeps the old column name.
            same = (path, args, kwargs) == wanted or (
                (path, args) == wanted[:2] and {**kwargs, "db_column": old_column} == wanted[2])
            if same and self.questioner.ask_rename(model_name, old_name, field_name, field):
                self.renamed_operations.append(_FieldRename(
                    app_label, model_name, old_name, old_field.db_column, field_name, field))
                return old_name
        return None

    def generate_renamed_fields(self) -> None:
        for rename in self.renamed_operations:
            app_label, model_name = rename.app_label, rename.model_name
            if rename.old_db_column != rename.field.db_column:
                # Set db_column first, so the rename itself leaves the column alone.
                keeping_column = rename.field.clone()
                keeping_column.name = rename.old_name
                self.add_operation(app_label, operations.AlterField(
                    model_name=model_name, name=rename.old_name, field=keeping_column))
            self.add_operation(app_label, operations.RenameField(
                model_name=model_name, old_name=rename.old_name, new_name=rename.new_name))
            self.old_field_keys.discard((app_label, model_name, rename.old_name))
            self.old_field_keys.add((app_label, model_name, rename.new_name))

    def generate_added_fields(self) -> None:
        for app_label, model_name, field_name in sorted(self.new_field_keys - self.old_field_keys):
            self._generate_added_field(app_label, model_name, field_name)

    def _generate_added_field(self, app_label: str, model_name: str, field_name: str) -> None:
        field = self.to_state.models[app_label, model_name].get_field(field_name)
        dependencies = [Dep(app_label, model_name, field_name, REMOVE)]
        if field.remote_field and field.remote_field.model:
            dependencies += self._get_dependencies_for_foreign_key(app_label, model_name, field)
        preserve_default = _fills_existing_rows(field)
        if not preserve_default:
            # Existing rows need a value: ask for a one-off default.
            field = field.clone()
            ask = (self.questioner.ask_auto_now_add_addition
                   if _is_time_field(field) and getattr(field, "auto_now_add", False)
                   else self.questioner.ask_not_null_addition)
            field.default = ask(field_name, model_name)
        if field.unique and callable(field.default) and field.has_default():
            self.questioner.ask_unique_callable_default_addition(field_name, model_name)
        addition = operations.AddField(model_name=model_name, name=field_name, field=field,
                                       preserve_default=preserve_default)
        self.add_operation(app_label, addition, dependencies=dependencies)

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
        for another app's operations. When a pass makes no progress, the next one forces
        a cut (``force``): what is waited for must then come from existing migrations."""
        self.migrations: dict[str, list[Migration]] = {}
        pending = self._pending_operation_count()
        force = False
        while pending:
            for app_label in sorted(self.generated_operations):
                if self._cut_migration(app_label, force, graph):
                    force = False
            still_pending = self._pending_operation_count()
            if still_pending == pending:
                if force:
                    raise ValueError(
                        f"Cannot resolve operation dependencies: {self.generated_operations!r}"
                    )
                force = True
            pending = still_pending

    def _pending_operation_count(self) -> int:
        return sum(map(len, self.generated_operations.values()))

    def _cut_migration(self, app_label: str, force: bool, graph) -> bool:
        """Take the app's leading operations whose cross-app needs are met; make them a
        migration if that empties the queue (or ``force``). True if one was made."""
        queue = self.generated_operations[app_label]
        taken, needs = [], set()
        while queue:
            operation_needs = self._external_needs(queue[0], app_label, force, graph)
            if operation_needs is None:
                break
            taken.append(queue.pop(0))
            needs |= operation_needs
        if not taken:
            return False
        if queue and not force:
            queue[:0] = taken  # wait for the rest of the app's operations
            return False
        made = self.migrations.setdefault(app_label, [])
        migration_class = type("Migration", (Migration,), {"operations": [], "dependencies": []})
        migration = migration_class(f"auto_{len(made) + 1}", app_label)
        migration.dependencies, migration.operations = list(needs), taken
        migration.initial = app_label not in self.existing_apps
        made.append(migration)
        return True

    def _external_needs(self, operation, app_label: str, force: bool, graph):
        """The migrations of other apps ``operation`` must follow, or None if one of its
        dependencies is still among those apps' pending operations."""
        needs = set()
        met = True
        for dependency in operation._auto_deps:
            dependency, setting_dependency = self._resolve_swappable(dependency)
            other_app = dependency.app_label
            if other_app == app_label:
                continue
            waiting = self.generated_operations.get(other_app, [])
            if any(self.check_dependency(other, dependency) for other in waiting):
                return None
            if setting_dependency is not None:
                needs.add((setting_dependency.app_label, setting_dependency.model_name))
            elif other_app in self.migrations:
                needs.add((other_app, self.migrations[other_app][-1].name))
            elif force:
                # The other app's existing migrations must provide it.
                leaves = graph.leaf_nodes(other_app) if graph else []
                needs.add(leaves[0] if leaves else (other_app, "__first__"))
            else:
                met = False
        return needs if met else None

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
        new_names: dict = {}
        for app_label in list(changes):
            migrations = changes[app_label]
            if not migrations:
                continue
            leaf = next((node for node in leaves if node[0] == app_label), None)
            if leaf is None and not self.questioner.ask_initial(app_label):
                new_names.update(((app_label, migration.name), (app_label, "__first__"))
                                 for migration in migrations)
                del changes[app_label]
                continue
            if leaf is not None:
                migrations[0].dependencies.append(leaf)
            first = 1 if leaf is None else (self.parse_number(leaf[1]) or 0) + 1
            for number, migration in enumerate(migrations, first):
                if migration_name:
                    suffix = migration_name
                elif number == first and leaf is None:
                    suffix = "initial"
                else:
                    suffix = migration.suggest_name()[:100]
                new_names[app_label, migration.name] = (app_label, f"{number:04d}_{suffix}")
                migration.name = f"{number:04d}_{suffix}"
        for migration in chain.from_iterable(changes.values()):
            migration.dependencies = [new_names.get(node, node)
                                      for node in migration.dependencies]
        return changes

    def _trim_to_apps(self, changes: dict, app_labels) -> dict:
        """Keep only the given apps' migrations and those of apps they depend on."""
        depends_on = defaultdict(set)
        for app_label, migrations in changes.items():
            for migration in migrations:
                depends_on[app_label].update(node[0] for node in migration.dependencies)
        required = set(app_labels)
        to_visit = list(required)
        while to_visit:
            found = depends_on.get(to_visit.pop(), set()) - required
            required |= found
            to_visit.extend(found)
        for app_label in [label for label in changes if label not in required]:
            del changes[app_label]
        return changes

    @classmethod
    def parse_number(cls, name: str) -> int | None:
        """The number of a migration name: 0002 for "0002_auto", 4 for "0001_squashed_0004"."""
        squashed = re.findall(r"_squashed_(\d+)", name)
        if squashed:
            return int(squashed[-1])  # the last squash names the newest migration
        leading = re.match(r"\d+", name)
        return int(leading[0]) if leading else None


_FieldRename = namedtuple("_FieldRename",
                          "app_label model_name old_name old_db_column new_name field")


def _is_time_field(field) -> bool:
    models = _models()
    return isinstance(field, (models.DateField, models.DateTimeField, models.TimeField))


def _fills_existing_rows(field) -> bool:
    """Can the column be added to a table with rows without asking for a value? (NULL,
    a default, an empty string, a timestamp set on save, an auto field, or m2m.)"""
    if field.null or field.many_to_many or field.has_default() or _has_db_default(field):
        return True
    if field.blank and field.empty_strings_allowed:
        return True
    if _is_time_field(field) and getattr(field, "auto_now", False):
        return True
    models = _models()
    auto_kinds = tuple(getattr(models, name) for name in
                       ("AutoField", "SmallAutoField", "BigAutoField") if hasattr(models, name))
    return isinstance(field, auto_kinds)


def _has_db_default(field) -> bool:
    has_db_default = getattr(field, "has_db_default", None)
    return bool(has_db_default and has_db_default())
