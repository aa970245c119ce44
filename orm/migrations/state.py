"""The state of the models at a point of the migration history.

A ``ProjectState`` holds one ``ModelState`` per model: plain data (fields, options,
bases, managers) that operations change as they are applied in memory. ``state.apps`` turns
it into real model classes in a private registry (``StateApps``); those "historical
models" are what schema editors and ``RunPython`` functions receive, so a migration sees
the models as they were when it was written, not as models.py has them now.

The rendered registry is built on first use and shared by clones until one of them is
changed, at which point that clone renders afresh.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from contextlib import contextmanager
from functools import cached_property

from reinhardt.apps import AppConfig
from reinhardt.apps import apps as global_apps
from reinhardt.apps.registry import Apps
from reinhardt.conf import settings
from reinhardt.core.exceptions import FieldDoesNotExist
from reinhardt.orm import models
from reinhardt.orm.migrations.exceptions import InvalidBasesError
from reinhardt.orm.migrations.utils import field_is_referenced, get_references, resolve_relation
from reinhardt.utils.module_loading import import_string

ModelKey = tuple[str, str]


def _models():
    return models


class ProjectState:
    """All models' states, keyed by ``(app_label, model_name_lower)``.

    ``real_apps`` are apps without migrations: their current models are included as they
    are when rendering, so migrated models can point at them.
    """

    def __init__(self, models: dict | None = None, real_apps: Iterable[str] | None = None):
        self.models: dict[ModelKey, ModelState] = models or {}
        self.real_apps = set(real_apps or ())
        # Kept for Django compatibility: states here are always rendered up to date.
        self.is_delayed = False
        # After a change, the last rendered registry and the models to render again in it.
        self._base_apps: StateApps | None = None
        self._stale: set[ModelKey] = set()
        # Changed models whose whole connected group of related models renders again.
        self._stale_through_relations: set[ModelKey] = set()

    # -- rendering -----------------------------------------------------------------

    @cached_property
    def apps(self) -> StateApps:
        """The historical models, rendered on first use.

        After a change only the changed models and those related to them are rendered
        again; the other model classes are reused from the previous rendering.
        """
        base, stale = self._base_apps, self._stale | self._related_keys(self._stale)
        stale |= self._connected_keys(self._stale_through_relations)
        self._base_apps, self._stale = None, set()
        self._stale_through_relations = set()
        if base is None:
            return StateApps(self.real_apps, self.models)
        return base.rerender(self.models, stale)

    def _before_change(self, *model_keys: ModelKey, through_relations: bool = False) -> None:
        """Note models about to change (and, as they are now, the models related to them).

        ``through_relations``: the change reaches models related to the related ones too (a
        model added, removed or renamed; a relation, primary key or unique field changed,
        whose type the columns pointing at it follow). A model class that is reused points
        at the classes of its neighbours as they were rendered: so that every class along
        a chain of relations (A <- B <- C) sees the others as they are now, the whole
        connected group is rendered again.
        """
        if "apps" in self.__dict__:
            self._base_apps = self.__dict__.pop("apps")
        if self._base_apps is not None:
            keys = set(model_keys)
            self._stale |= keys | self._related_keys(keys)
            if through_relations:
                self._stale |= self._connected_keys(keys)
                self._stale_through_relations |= keys

    def _connected_keys(self, keys: set[ModelKey]) -> set[ModelKey]:
        """``keys`` and every model reachable from them through relations and bases."""
        found, frontier = set(keys), set(keys)
        while frontier:
            frontier = self._related_keys(frontier) - found
            found |= frontier
        return found

    def _field_reaches_relations(self, model_key: ModelKey, name: str) -> bool:
        model_state = self.models.get(model_key)
        field = model_state.fields.get(name) if model_state is not None else None
        return field is None or _reaches_relations(field)

    def _changed(self) -> None:
        """Forget the rendered models; the next ``apps`` access renders what changed."""
        if "apps" in self.__dict__:
            self._base_apps = self.__dict__.pop("apps")

    def _related_keys(self, keys: set[ModelKey]) -> set[ModelKey]:
        """Models that point at ``keys``, that ``keys`` point at, and their bases and
        subclasses: their rendered classes refer to each other."""
        related: set[ModelKey] = set()
        for key in keys:
            model_state = self.models.get(key)
            if model_state is None:
                continue
            for field in model_state.fields.values():
                for target in _relation_targets(field):
                    related.add(_resolve_key(target, *key))
            for base in model_state.bases:
                if isinstance(base, str):
                    related.add(make_model_tuple(base))
        for other_key, other_state in self.models.items():
            if other_key in keys:
                continue
            for field in other_state.fields.values():
                if any(_resolve_key(t, *other_key) in keys for t in _relation_targets(field)):
                    related.add(other_key)
                    break
            else:
                if any(isinstance(b, str) and make_model_tuple(b) in keys
                       for b in other_state.bases):
                    related.add(other_key)
        return related

    def reload_model(self, app_label: str, model_name: str, delay: bool = False) -> None:
        self._before_change((app_label, model_name), through_relations=not delay)
        self._changed()

    def reload_models(self, models, delay: bool = True) -> None:
        self._before_change(*models, through_relations=not delay)
        self._changed()

    def clear_delayed_apps_cache(self) -> None:
        """Nothing is ever rendered stale here; kept for Django compatibility."""

    def clone(self) -> ProjectState:
        """A copy whose changes do not affect this state (the rendered apps are shared
        until either is changed)."""
        new_state = ProjectState(
            models={key: model.clone() for key, model in self.models.items()},
            real_apps=self.real_apps,
        )
        if "apps" in self.__dict__:
            new_state.__dict__["apps"] = self.__dict__["apps"]
        else:
            new_state._base_apps = self._base_apps
            new_state._stale = set(self._stale)
            new_state._stale_through_relations = set(self._stale_through_relations)
        return new_state

    @classmethod
    def from_apps(cls, apps: Apps) -> ProjectState:
        """The state of the models currently defined in ``apps`` (models.py as it is)."""
        app_models = {}
        for model in apps.get_models(include_swapped=True):
            model_state = ModelState.from_model(model)
            app_models[model_state.app_label, model_state.name_lower] = model_state
        return cls(app_models)

    def __eq__(self, other) -> bool:
        return self.models == other.models and self.real_apps == other.real_apps

    # -- models --------------------------------------------------------------------

    def add_model(self, model_state: ModelState) -> None:
        self._before_change((model_state.app_label, model_state.name_lower),
                            through_relations=True)
        self.models[model_state.app_label, model_state.name_lower] = model_state
        self._changed()

    def remove_model(self, app_label: str, model_name: str) -> None:
        self._before_change((app_label, model_name), through_relations=True)
        del self.models[app_label, model_name]
        self._changed()

    def rename_model(self, app_label: str, old_name: str, new_name: str) -> None:
        """Rename a model and point every relation to it at the new name."""
        self._before_change((app_label, old_name.lower()), (app_label, new_name.lower()),
                            through_relations=True)
        old_key = (app_label, old_name.lower())
        renamed = self.models[old_key].clone()
        renamed.name = new_name
        self.models[app_label, new_name.lower()] = renamed
        new_reference = f"{app_label}.{new_name}"
        for model_state, name, field, reference in list(get_references(self, old_key)):
            changed = field.clone()
            if reference.to:
                changed.remote_field.model = new_reference
            if reference.through:
                changed.remote_field.through = new_reference
            model_state.fields[name] = changed
        del self.models[old_key]
        self._changed()

    def alter_model_options(self, app_label: str, model_name: str, options: dict,
                            option_keys: Iterable[str] | None = None) -> None:
        self._before_change((app_label, model_name))
        model_state = self.models[app_label, model_name]
        model_state.options = {**model_state.options, **options}
        for key in option_keys or ():
            if key not in options:
                model_state.options.pop(key, False)
        self._changed()

    def remove_model_options(self, app_label: str, model_name: str, option_name: str,
                             value_to_remove) -> None:
        self._before_change((app_label, model_name))
        model_state = self.models[app_label, model_name]
        if objs := model_state.options.get(option_name):
            model_state.options[option_name] = [
                obj for obj in objs if tuple(obj) != tuple(value_to_remove)
            ]
        self._changed()

    def alter_model_managers(self, app_label: str, model_name: str, managers) -> None:
        self._before_change((app_label, model_name))
        self.models[app_label, model_name].managers = list(managers)
        self._changed()

    def _append_option(self, app_label, model_name, option_name, obj) -> None:
        self._before_change((app_label, model_name))
        model_state = self.models[app_label, model_name]
        model_state.options[option_name] = [*model_state.options[option_name], obj]
        self._changed()

    def _remove_option(self, app_label, model_name, option_name, obj_name) -> None:
        self._before_change((app_label, model_name))
        model_state = self.models[app_label, model_name]
        model_state.options[option_name] = [
            obj for obj in model_state.options[option_name] if obj.name != obj_name
        ]
        self._changed()

    def add_index(self, app_label, model_name, index) -> None:
        self._append_option(app_label, model_name, "indexes", index)

    def remove_index(self, app_label, model_name, index_name) -> None:
        self._remove_option(app_label, model_name, "indexes", index_name)

    def rename_index(self, app_label, model_name, old_index_name, new_index_name) -> None:
        self._before_change((app_label, model_name))
        model_state = self.models[app_label, model_name]
        indexes = []
        for index in model_state.options["indexes"]:
            if index.name == old_index_name:
                index = index.clone()
                index.name = new_index_name
            indexes.append(index)
        model_state.options["indexes"] = indexes
        self._changed()

    def add_constraint(self, app_label, model_name, constraint) -> None:
        self._append_option(app_label, model_name, "constraints", constraint)

    def remove_constraint(self, app_label, model_name, constraint_name) -> None:
        self._remove_option(app_label, model_name, "constraints", constraint_name)

    def alter_constraint(self, app_label, model_name, constraint_name, constraint) -> None:
        self._before_change((app_label, model_name))
        model_state = self.models[app_label, model_name]
        model_state.options["constraints"] = [
            constraint if existing.name == constraint_name else existing
            for existing in model_state.options["constraints"]
        ]
        self._changed()

    # -- fields --------------------------------------------------------------------

    def add_field(self, app_label, model_name, name, field, preserve_default: bool) -> None:
        self._before_change((app_label, model_name),
                            through_relations=_reaches_relations(field))
        if not preserve_default:
            # The default was only for filling existing rows; the model has none.
            field = field.clone()
            field.default = _models().NOT_PROVIDED
        self.models[app_label, model_name].fields[name] = field
        self._changed()

    def remove_field(self, app_label, model_name, name) -> None:
        self._before_change((app_label, model_name), through_relations=(
            self._field_reaches_relations((app_label, model_name), name)))
        model_state = self.models[app_label, model_name]
        model_state.fields.pop(name)
        self._changed()

    def alter_field(self, app_label, model_name, name, field, preserve_default: bool) -> None:
        self._before_change((app_label, model_name), through_relations=(
            _reaches_relations(field)
            or self._field_reaches_relations((app_label, model_name), name)))
        if not preserve_default:
            field = field.clone()
            field.default = _models().NOT_PROVIDED
        fields = self.models[app_label, model_name].fields
        if name not in fields:
            raise FieldDoesNotExist(f"{app_label}.{model_name} has no field named '{name}'")
        fields[name] = field
        self._changed()

    def rename_field(self, app_label, model_name, old_name, new_name) -> None:
        """Rename a field, and every reference to it: options, indexes, constraints,
        ``to_field`` of relations pointing at it."""
        self._before_change((app_label, model_name), through_relations=(
            self._field_reaches_relations((app_label, model_name), old_name)))
        model_key = (app_label, model_name)
        model_state = self.models[model_key]
        fields = model_state.fields
        try:
            found = fields.pop(old_name)
        except KeyError:
            raise FieldDoesNotExist(f"{app_label}.{model_name} has no field named '{old_name}'")
        fields[new_name] = found

        def renamed(names):
            return type(names)(new_name if n == old_name else n for n in names)

        for name, field in list(fields.items()):
            from_fields = getattr(field, "from_fields", None)
            if from_fields and old_name in from_fields:
                field = field.clone()
                field.from_fields = renamed(tuple(from_fields))
                fields[name] = field
        options = model_state.options
        for option in ("index_together", "unique_together"):
            if option in options:
                options[option] = type(options[option])(
                    tuple(renamed(tuple(together))) for together in options[option]
                )
        if options.get("order_with_respect_to") == old_name:
            options["order_with_respect_to"] = new_name
        options["indexes"] = [
            _with_renamed_field(index, old_name, new_name)
            for index in options.get("indexes", [])
        ]
        options["constraints"] = [
            _with_renamed_field(constraint, old_name, new_name)
            for constraint in options.get("constraints", [])
        ]
        # Relations elsewhere that name the field (to_field) follow the rename.
        for other_state, name, field, reference in list(
            get_references(self, model_key, (old_name, found))
        ):
            if not reference.to:
                continue
            changed = field.clone()
            if getattr(changed.remote_field, "field_name", None) == old_name:
                changed.remote_field.field_name = new_name
            to_fields = getattr(changed, "to_fields", None)
            if to_fields:
                changed.to_fields = tuple(new_name if n == old_name else n for n in to_fields)
            other_state.fields[name] = changed
        self._changed()

    # -- helpers kept under Django's names --------------------------------------------

    def get_concrete_model_key(self, model) -> ModelKey:
        concrete_models_mapping = self._get_concrete_models_mapping()
        model_key = make_model_tuple(model)
        return concrete_models_mapping.get(model_key, model_key)

    def _get_concrete_models_mapping(self) -> dict[ModelKey, ModelKey]:
        mapping = {}
        for key, model_state in self.models.items():
            concrete = key
            current = model_state
            while current.options.get("proxy"):
                base = next(
                    (b for b in current.bases if isinstance(b, str)), None
                )
                if base is None:
                    break
                base_key = make_model_tuple(base)
                concrete = base_key
                current = self.models.get(base_key)
                if current is None:
                    break
            mapping[key] = concrete
        return mapping

    def field_is_referenced(self, model_key: ModelKey, field_tuple) -> bool:
        return field_is_referenced(self, model_key, field_tuple)


def _with_renamed_field(obj, old_name: str, new_name: str):
    """An index or constraint whose ``fields`` name ``new_name`` instead of ``old_name``
    (a "-" prefix for descending order is kept)."""
    fields = getattr(obj, "fields", None)
    if not fields or old_name not in [f.lstrip("-") for f in fields]:
        return obj
    path, args, kwargs = obj.deconstruct()
    kwargs["fields"] = type(fields)(
        ("-" if f.startswith("-") else "") + (new_name if f.lstrip("-") == old_name
                                              else f.lstrip("-"))
        for f in fields
    )
    return type(obj)(*args, **kwargs)


def _reaches_relations(field) -> bool:
    """Whether other models' columns or classes depend on this field: a relation, or a
    field relations may point at (primary key, unique)."""
    return bool(field.is_relation or field.primary_key or getattr(field, "unique", False))


def _relation_targets(field) -> list:
    """The models a field points at: its target and its explicit through model."""
    remote_field = getattr(field, "remote_field", None)
    if not remote_field:
        return []
    targets = [remote_field.model] if remote_field.model else []
    through = getattr(remote_field, "through", None)
    if through:
        targets.append(through)
    return targets


def _resolve_key(target, app_label: str, model_name: str) -> ModelKey:
    try:
        return resolve_relation(target, app_label, model_name)
    except (TypeError, ValueError):
        return ("", "")


def make_model_tuple(model) -> ModelKey:
    if isinstance(model, tuple):
        return model
    if isinstance(model, str):
        app_label, model_name = model.split(".")
        return app_label, model_name.lower()
    return model._meta.app_label, model._meta.model_name


class AppConfigStub(AppConfig):
    """An app config with only a label, for the apps of historical models."""

    def __init__(self, label: str):
        self.apps = None
        self.models = {}
        # The label doubles as the name; historical models never need the real module.
        self.label = label
        self.name = label
        self.module = None
        self.path = ""
        self.verbose_name = label.title()
        self.models_module = None

    def import_models(self) -> None:
        self.models = self.apps.all_models[self.label]


class StateApps(Apps):
    """A private app registry holding the historical models of one ProjectState."""

    def __init__(self, real_apps: Iterable[str], models: dict[ModelKey, ModelState],
                 ignore_swappable: bool = False):
        # Models of apps without migrations come from models.py, without their relations
        # (those may point into migrated apps, whose state is what is being rendered).
        self.real_models = []
        for app_label in real_apps:
            app = global_apps.get_app_config(app_label)
            for model in app.get_models():
                self.real_models.append(ModelState.from_model(model, exclude_rels=True))
        app_labels = {model_state.app_label for model_state in models.values()}
        app_configs = [AppConfigStub(label) for label in sorted({*real_apps, *app_labels})]
        super().__init__(app_configs)
        self.render_multiple([*models.values(), *self.real_models])
        self._check_pending_references(models, ignore_swappable)

    def _check_pending_references(self, models, ignore_swappable: bool) -> None:
        """Raise if a relation points at a model the state does not have."""
        pending = set(self._pending_operations)
        if ignore_swappable:
            swappable = {
                make_model_tuple(getattr(settings, name))
                for name in ("AUTH_USER_MODEL",)
                if isinstance(getattr(settings, name, None), str)
            }
            pending -= swappable
        if not pending:
            return
        lines = []
        for app_label, model_name in sorted(pending):
            referrers = [
                f"{state.app_label}.{state.name}.{field_name}"
                for state in models.values()
                for field_name, field in state.fields.items()
                if field.is_relation and _points_at(field, state, (app_label, model_name))
            ]
            lines.append(
                f"The migration state has a relation to '{app_label}.{model_name}' "
                f"(from {', '.join(referrers) or 'an unknown field'}), but no model "
                f"'{model_name}' in app '{app_label}' exists at this point of the migration "
                "history. Check that the migration creating it is listed in the "
                "dependencies of the migration that adds the relation."
            )
        raise ValueError("\n".join(lines))

    @contextmanager
    def bulk_update(self):
        """Register many models without clearing caches after each one."""
        ready = self.ready
        self.ready = False
        try:
            yield
        finally:
            self.ready = ready
            self.clear_cache()

    def render_multiple(self, model_states: list[ModelState]) -> None:
        """Render model states, retrying those whose bases are not rendered yet."""
        if not model_states:
            return
        with self.bulk_update():
            unrendered = model_states
            while unrendered:
                still_unrendered = []
                for model_state in unrendered:
                    try:
                        model_state.render(self)
                    except InvalidBasesError:
                        still_unrendered.append(model_state)
                if len(still_unrendered) == len(unrendered):
                    raise InvalidBasesError(
                        f"Cannot resolve bases for {still_unrendered!r}\nThis can happen if "
                        "you are inheriting models from an app with migrations in an app "
                        "with no migrations: give the inheriting app migrations too."
                    )
                unrendered = still_unrendered

    def clone(self) -> StateApps:
        """A registry with the same model classes (not re-rendered)."""
        clone = StateApps.__new__(StateApps)
        Apps.__init__(clone, installed_apps=None)
        clone.all_models = copy.copy(self.all_models)
        for label, app_models in self.all_models.items():
            clone.all_models[label] = dict(app_models)
        for app_label in self.app_configs:
            app_config = AppConfigStub(app_label)
            app_config.apps = clone
            app_config.import_models()
            clone.app_configs[app_label] = app_config
        clone.apps_ready = clone.models_ready = clone.ready = True
        clone.real_models = self.real_models
        return clone

    def rerender(self, models: dict[ModelKey, ModelState], keys: set[ModelKey]) -> StateApps:
        """A copy of this registry with the models ``keys`` rendered again from
        ``models`` (those no longer in ``models`` are dropped)."""
        apps = self.clone()
        with apps.bulk_update():
            for app_label, model_name in keys:
                apps.unregister_model(app_label, model_name)
        for app_label in {app_label for app_label, _ in models} - set(apps.app_configs):
            config = AppConfigStub(app_label)
            config.apps = apps
            config.import_models()
            apps.app_configs[app_label] = config
        apps.render_multiple([models[key] for key in sorted(keys) if key in models])
        apps._check_pending_references(models, ignore_swappable=False)
        return apps

    def register_model(self, app_label: str, model) -> None:
        self.all_models[app_label][model._meta.model_name] = model
        if app_label not in self.app_configs:
            self.app_configs[app_label] = AppConfigStub(app_label)
            self.app_configs[app_label].apps = self
        self.app_configs[app_label].models[model._meta.model_name] = model
        self.do_pending_operations(model)
        self.clear_cache()

    def unregister_model(self, app_label: str, model_name: str) -> None:
        try:
            del self.all_models[app_label][model_name]
            del self.app_configs[app_label].models[model_name]
        except KeyError:
            pass


def _points_at(field, model_state: ModelState, key: ModelKey) -> bool:
    try:
        target = resolve_relation(field.remote_field.model, model_state.app_label,
                                  model_state.name_lower)
    except (TypeError, AttributeError):
        return False
    return target == key


class ModelState:
    """A model as data: app label, name, fields (unbound field instances), options,
    bases and managers. Relations name their targets as ``"app_label.modelname"``."""

    def __init__(self, app_label: str, name: str, fields, options: dict | None = None,
                 bases: tuple | None = None, managers: list | None = None):
        self.app_label = app_label
        self.name = name
        self.fields: dict = dict(fields)
        self.options = options or {}
        for listed in ("indexes", "constraints"):
            self.options.setdefault(listed, [])
        self.bases = bases or (_models().Model,)
        self.managers = managers or []
        _check_state_fields(self.fields)
        unnamed = next((index for index in self.options["indexes"] if not index.name), None)
        if unnamed is not None:
            raise ValueError(
                "Indexes passed to ModelState require a name attribute. "
                f"{unnamed!r} doesn't have one."
            )

    @cached_property
    def name_lower(self) -> str:
        return self.name.lower()

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "name":
            self.__dict__.pop("name_lower", None)

    def get_field(self, field_name: str):
        # "_order" is the column order_with_respect_to adds; it stands for that field.
        if field_name == "_order":
            return self.fields[self.options.get("order_with_respect_to", field_name)]
        return self.fields[field_name]

    @classmethod
    def from_model(cls, model, exclude_rels: bool = False) -> ModelState:
        """The state of a model class (as defined in models.py). With ``exclude_rels``, a
        stub without relations (for apps without migrations)."""
        return cls(model._meta.app_label, model._meta.object_name,
                   _fields_of(model, exclude_rels), _options_of(model, exclude_rels),
                   _bases_of(model), _managers_of(model))

    def construct_managers(self):
        """Fresh manager instances for a rendered model, in their declaration order."""
        for name, manager in sorted(self.managers, key=lambda pair: pair[1].creation_counter):
            as_manager, manager_path, queryset_path, args, kwargs = manager.deconstruct()
            if as_manager:
                yield name, import_string(queryset_path).as_manager()
            else:
                yield name, import_string(manager_path)(*args, **kwargs)

    def clone(self) -> ModelState:
        """A copy whose fields, options and managers can be changed independently."""
        options = {key: list(value) if isinstance(value, list) else value
                   for key, value in self.options.items()}
        return type(self)(self.app_label, self.name, dict(self.fields), options,
                          self.bases, list(self.managers))

    def render(self, apps: Apps):
        """Build the model class in the registry ``apps``."""
        try:
            bases = tuple(apps.get_model(base) if isinstance(base, str) else base
                          for base in self.bases)
        except LookupError:
            raise InvalidBasesError(f"Cannot resolve one or more bases from {self.bases!r}")
        meta = type("Meta", (), {**self.options, "app_label": self.app_label, "apps": apps})
        # Fields, then Meta, then managers: the order a models.py class body has them.
        namespace = {
            **{field_name: field.clone() for field_name, field in self.fields.items()},
            "Meta": meta,
            "__module__": "__fake__",
            **dict(self.construct_managers()),
        }
        return type(self.name, bases, namespace)

    def _named_option(self, option: str, name: str, what: str):
        found = [obj for obj in self.options[option] if obj.name == name]
        if not found:
            raise ValueError(f"No {what} named {name} on model {self.name}")
        return found[0]

    def get_index_by_name(self, name: str):
        return self._named_option("indexes", name, "index")

    def get_constraint_by_name(self, name: str):
        return self._named_option("constraints", name, "constraint")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: '{self.app_label}.{self.name}'>"

    def _comparable_fields(self):
        return sorted((name, field.deconstruct()[1:]) for name, field in self.fields.items())

    def __eq__(self, other) -> bool:
        same_identity = (self.app_label, self.name) == (other.app_label, other.name)
        return (same_identity
                and (self.options, self.bases, self.managers)
                == (other.options, other.bases, other.managers)
                and self.fields.keys() == other.fields.keys()
                and self._comparable_fields() == other._comparable_fields())


def _check_state_fields(fields: dict) -> None:
    """A state holds unbound fields that name related models by string."""
    for name, field in fields.items():
        if hasattr(field, "model"):
            raise ValueError(f'ModelState.fields cannot be bound to a model - "{name}" is.')
        class_in = None
        if field.is_relation and hasattr(field.related_model, "_meta"):
            class_in = "to"
        elif field.many_to_many and hasattr(field.remote_field.through, "_meta"):
            class_in = "through"
        if class_in:
            raise ValueError(
                f'Model fields in "ModelState.fields" cannot refer to a model class - '
                f'"{name}.{class_in}" does. Use a string reference instead.'
            )


def _cloned_field(field, model, label: str):
    try:
        return field.name, field.clone()
    except TypeError as error:
        raise TypeError(f"Couldn't reconstruct {label} {field.name} on {model}: {error}")


def _fields_of(model, exclude_rels: bool) -> list:
    meta = model._meta
    # The _order column of order_with_respect_to is added again when rendering.
    order_column = getattr(_models(), "OrderWrt", ())
    pairs = [
        _cloned_field(field, meta.label, "field")
        for field in meta.local_fields
        if not isinstance(field, order_column)
        and not (exclude_rels and getattr(field, "remote_field", None))
    ]
    if not exclude_rels:
        pairs += [_cloned_field(field, meta.object_name, "m2m field")
                  for field in meta.local_many_to_many]
    return pairs


def _options_of(model, exclude_rels: bool) -> dict:
    """The Meta options the model's class declared, as a state keeps them."""
    from reinhardt.orm.models.options import DEFAULT_NAMES, normalize_together

    meta = model._meta
    declared = meta.original_attrs
    options = {}
    for key in DEFAULT_NAMES:
        if key in ("apps", "app_label") or key not in declared:
            continue
        if key == "indexes":
            value = [index.clone() for index in meta.indexes]
            for index in value:
                if not index.name:
                    index.set_name_with_model(model)
        elif key == "constraints":
            value = [constraint.clone() for constraint in meta.constraints]
        elif key == "unique_together":
            value = set(normalize_together(declared[key]))
        else:
            value = declared[key]
        options[key] = value
    if exclude_rels:
        # A stub of the model: options naming fields would point at missing ones.
        options.pop("unique_together", None)
        options.pop("order_with_respect_to", None)
    elif "order_with_respect_to" in options:
        private = {field.name for field in meta.private_fields}
        if options["order_with_respect_to"] in private:
            options.pop("order_with_respect_to")
    return options


def _bases_of(model) -> tuple:
    """Abstract bases are folded into the model; concrete ones are kept by label."""
    Model = _models().Model
    found: list = []
    pending = list(model.__bases__)
    while pending:
        base = pending.pop(0)
        if hasattr(base, "_meta") and base._meta.abstract:
            pending[:0] = base.__bases__
        elif base not in found:
            found.append(base)
    found.sort(key=model.__mro__.index)
    bases = tuple(base._meta.label_lower if hasattr(base, "_meta") else base
                  for base in found)
    if any(isinstance(base, str) or issubclass(base, Model) for base in bases):
        return bases
    return (Model,)


def _managers_of(model) -> list:
    """The managers migrations keep: those with ``use_in_migrations``, and the default
    and base managers (as plain Managers when they cannot be used in migrations).
    A lone plain ``objects`` is left out, as it is what every model gets."""
    Manager = _models().Manager
    meta = model._meta
    kept: dict = {}
    shim = None
    for manager in meta.managers:
        if manager.name in kept:
            continue
        if manager.use_in_migrations:
            copied = copy.copy(manager)
            copied._set_creation_counter()
            kept[manager.name] = copied
        elif manager is model._base_manager or manager is model._default_manager:
            plain = Manager()
            plain.model, plain.name = manager.model, manager.name
            kept[manager.name] = plain
            if manager is model._default_manager:
                shim = plain
    managers = list(kept.items())
    return [] if managers == [("objects", shim)] else managers
