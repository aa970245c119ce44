"""``Model._meta``: what a model is (fields, relations, table, ordering, inheritance)."""

from __future__ import annotations

import bisect
import copy
from collections import defaultdict

from reinhardt.apps import apps
from reinhardt.conf import settings
from reinhardt.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from reinhardt.utils.datastructures import ImmutableList, OrderedSet
from reinhardt.utils.functional import cached_property
from reinhardt.utils.module_loading import import_string
from reinhardt.utils.text import camel_case_to_spaces, format_lazy

PROXY_PARENTS = object()

EMPTY_RELATION_TREE = ()

IMMUTABLE_WARNING = (
    "The return type of '%s' should never be mutated. If you want to manipulate this list for "
    "your own use, make a copy first."
)

DEFAULT_NAMES = (
    "verbose_name", "verbose_name_plural", "db_table", "db_table_comment", "ordering",
    "unique_together", "permissions", "get_latest_by", "order_with_respect_to", "app_label",
    "db_tablespace", "abstract", "managed", "proxy", "swappable", "auto_created",
    "apps", "default_permissions", "select_on_save", "default_related_name",
    "required_db_features", "required_db_vendor", "base_manager_name",
    "default_manager_name", "indexes", "constraints",
    # reinhardt: datastore entity groups (opt-in), see the datastore backend docs.
    "datastore_ancestor",
)


def normalize_together(option_together):
    """unique_together given as one tuple of names becomes a tuple of tuples."""
    try:
        if not option_together:
            return ()
        if not isinstance(option_together, (tuple, list)):
            raise TypeError
        first_element = option_together[0]
        if not isinstance(first_element, (tuple, list)):
            option_together = (option_together,)
        # Normalize everything to tuples
        return tuple(tuple(ot) for ot in option_together)
    except TypeError:
        # An invalid value is returned unchanged; the system checks report it.
        return option_together


def make_immutable_fields_list(name, data):
    return ImmutableList(data, warning=IMMUTABLE_WARNING % name)


class Options:
    FORWARD_PROPERTIES = {
        "fields", "many_to_many", "concrete_fields", "local_concrete_fields", "_non_pk_concrete_field_names",
        "_reverse_one_to_one_field_names", "_forward_fields_map", "managers",
        "managers_map", "base_manager", "default_manager", "db_returning_fields",
        "_property_names", "pk_fields", "_model_builders", "_select_cols", "fast_init",
        "_bulk_insert_info",
    }
    REVERSE_PROPERTIES = {"related_objects", "fields_map", "_relation_tree"}

    default_apps = apps

    def __init__(self, meta, app_label=None):
        self._get_fields_cache = {}
        self.local_fields = []
        self.local_many_to_many = []
        self.private_fields = []
        self.local_managers = []
        self.base_manager_name = None
        self.default_manager_name = None
        self.model_name = None
        self.verbose_name = None
        self.verbose_name_plural = None
        self.db_table = ""
        self.db_table_comment = ""
        self.ordering = []
        self._ordering_clash = False
        self.indexes = []
        self.constraints = []
        self.unique_together = []
        self.select_on_save = False
        self.default_permissions = ("add", "change", "delete", "view")
        self.permissions = []
        self.object_name = None
        self.app_label = app_label
        self.get_latest_by = None
        self.order_with_respect_to = None
        self.db_tablespace = settings.DEFAULT_TABLESPACE
        self.required_db_features = []
        self.required_db_vendor = None
        self.meta = meta
        self.pk = None
        self.auto_field = None
        self.abstract = False
        self.managed = True
        self.proxy = False
        self.datastore_ancestor = None
        # For proxies (also the classes made for deferred loading): the model proxied, which
        # may itself be a proxy. None for other models.
        self.proxy_for_model = None
        # The model at the end of the proxy chain; a concrete model is its own.
        self.concrete_model = None
        self.swappable = None
        self.parents = {}
        self.auto_created = False

        # limit_choices_to lookups of foreign keys on other models pointing here (used by
        # admin checks).
        self.related_fkey_lookups = []

        # Models built for a separate registry (e.g. migration states) use their own.
        self.apps = self.default_apps

        self.default_related_name = None

    @property
    def label(self) -> str:
        return "%s.%s" % (self.app_label, self.object_name)

    @property
    def label_lower(self) -> str:
        return "%s.%s" % (self.app_label, self.model_name)

    @property
    def app_config(self):
        # Read the registry directly: get_app_config() may import modules.
        return self.apps.app_configs.get(self.app_label)

    def contribute_to_class(self, cls, name):

        cls._meta = self
        self.model = cls
        # First, construct the default values for these options.
        self.object_name = cls.__name__
        self.model_name = self.object_name.lower()
        self.verbose_name = camel_case_to_spaces(self.object_name)

        # Meta options as the user wrote them; migrations serialize these.
        self.original_attrs = {}

        # Next, apply any overridden values from 'class Meta'.
        if self.meta:
            meta_attrs = self.meta.__dict__.copy()
            for name in self.meta.__dict__:
                # Names starting with "_" are not options; iterate over a copy because
                # entries are removed.
                if name.startswith("_"):
                    del meta_attrs[name]
            for attr_name in DEFAULT_NAMES:
                if attr_name in meta_attrs:
                    setattr(self, attr_name, meta_attrs.pop(attr_name))
                    self.original_attrs[attr_name] = getattr(self, attr_name)
                elif hasattr(self.meta, attr_name):
                    setattr(self, attr_name, getattr(self.meta, attr_name))
                    self.original_attrs[attr_name] = getattr(self, attr_name)

            self.unique_together = normalize_together(self.unique_together)
            # %(app_label)s and %(class)s in index and constraint names.
            if not getattr(cls._meta, "abstract", False):
                for attr_name in {"constraints", "indexes"}:
                    objs = getattr(self, attr_name, [])
                    setattr(self, attr_name, self._format_names_with_class(cls, objs))

            if self.verbose_name_plural is None:
                self.verbose_name_plural = format_lazy("{}s", self.verbose_name)

            # order_with_respect_and ordering are mutually exclusive.
            self._ordering_clash = bool(self.ordering and self.order_with_respect_to)

            # Any leftover attributes must be invalid.
            if meta_attrs != {}:
                raise TypeError(
                    "'class Meta' got invalid attribute(s): %s" % ",".join(meta_attrs)
                )
        else:
            self.verbose_name_plural = format_lazy("{}s", self.verbose_name)
        del self.meta

        # Default table name: <app_label>_<model_name>.
        if not self.db_table:
            self.db_table = "%s_%s" % (self.app_label, self.model_name)
            from reinhardt.backends.utils import truncate_name

            self.db_table = truncate_name(self.db_table, 63)

    def _format_names_with_class(self, cls, objs):
        """App label/class name interpolation for object names."""
        new_objs = []
        for obj in objs:
            obj = obj.clone()
            obj.name %= {
                "app_label": cls._meta.app_label.lower(),
                "class": cls.__name__.lower(),
            }
            new_objs.append(obj)
        return new_objs

    def _get_default_pk_class(self):
        pk_class_path = getattr(
            self.app_config,
            "default_auto_field",
            settings.DEFAULT_AUTO_FIELD,
        )
        if self.app_config and self.app_config._is_default_auto_field_overridden:
            app_config_class = type(self.app_config)
            source = (
                f"{app_config_class.__module__}."
                f"{app_config_class.__qualname__}.default_auto_field"
            )
        else:
            source = "DEFAULT_AUTO_FIELD"
        if not pk_class_path:
            raise ImproperlyConfigured(f"{source} must not be empty.")
        try:
            pk_class = import_string(pk_class_path)
        except ImportError as e:
            msg = (
                f"{source} refers to the module '{pk_class_path}' that could not be imported."
            )
            raise ImproperlyConfigured(msg) from e
        from reinhardt.orm.models.fields import AutoField

        if not issubclass(pk_class, AutoField):
            raise ValueError(
                f"Primary key '{pk_class_path}' referred by {source} must subclass AutoField."
            )
        return pk_class

    def _prepare(self, model):
        from reinhardt.orm.models.fields import OrderWrt  # noqa: F401 (defined below)

        if self.order_with_respect_to:
            # Fields are not all added yet, so the field is looked up by name later.
            query = self.order_with_respect_to
            try:
                self.order_with_respect_to = next(
                    f for f in self._get_fields(reverse=False)
                    if f.name == query or f.attname == query
                )
            except StopIteration:
                raise FieldDoesNotExist(
                    "%s has no field named '%s'" % (self.object_name, query)
                )

            self.ordering = ("_order",)
            if not any(
                isinstance(field, OrderWrt) for field in model._meta.local_fields
            ):
                model.add_to_class("_order", OrderWrt())
        else:
            self.order_with_respect_to = None

        if self.pk is None:
            if self.parents:
                # The first parent link doubles as the primary key.
                field = next(iter(self.parents.values()))
                # A field with the parent link's name that is already on this model is used
                # as it is.
                already_created = [
                    fld for fld in self.local_fields if fld.name == field.name
                ]
                if already_created:
                    field = already_created[0]
                field.primary_key = True
                self.setup_pk(field)
            else:
                pk_class = self._get_default_pk_class()
                auto = pk_class(verbose_name="ID", primary_key=True, auto_created=True)
                model.add_to_class("id", auto)

    def add_manager(self, manager):
        self.local_managers.append(manager)
        self._expire_cache()

    def add_field(self, field, private=False):
        # Keep fields in declaration order (creation_counter); many-to-many fields get their
        # own list.
        if private:
            self.private_fields.append(field)
        elif field.is_relation and field.many_to_many:
            bisect.insort(self.local_many_to_many, field)
        else:
            bisect.insort(self.local_fields, field)
            self.setup_pk(field)

        # New relations change the relation caches: for a relation, expire the caches on
        # both ends; otherwise those of models pointing here. The model is read from
        # remote_field because related_model is cached and could still be a string at this
        # point.
        if (
            field.is_relation
            and field.remote_field.model
            and not isinstance(field.remote_field.model, str)
        ):
            try:
                field.remote_field.model._meta._expire_cache(forward=False)
            except AttributeError:
                pass
            self._expire_cache()
        else:
            self._expire_cache(reverse=False)

    def setup_pk(self, field):
        if not self.pk and field.primary_key:
            self.pk = field
            field.serialize = False

    def setup_proxy(self, target):
        """Make this (proxy) model share ``target``'s table and primary key."""
        self.pk = target._meta.pk
        self.proxy_for_model = target
        self.db_table = target._meta.db_table

    def __repr__(self):
        return "<Options for %s>" % self.object_name

    def __str__(self):
        return self.label_lower

    def can_migrate(self, connection) -> bool:
        """Whether this model's table belongs on ``connection`` (managed, features, vendor)."""
        if self.proxy or self.swapped or not self.managed:
            return False
        if isinstance(connection, str):
            from reinhardt.orm import connections

            connection = connections[connection]
        if self.required_db_vendor:
            return self.required_db_vendor == connection.vendor
        if self.required_db_features:
            return all(
                getattr(connection.features, feat, False)
                for feat in self.required_db_features
            )
        return True

    @property
    def verbose_name_raw(self):
        return str(self.verbose_name)

    @property
    def swapped(self):
        """Swappable models (AUTH_USER_MODEL) are not supported yet: never swapped."""
        return None

    @cached_property
    def managers(self):
        managers = []
        seen_managers = set()
        bases = (b for b in self.model.mro() if hasattr(b, "_meta"))
        for depth, base in enumerate(bases):
            for manager in base._meta.local_managers:
                if manager.name in seen_managers:
                    continue

                manager = copy.copy(manager)
                manager.model = self.model
                seen_managers.add(manager.name)
                managers.append((depth, manager.creation_counter, manager))

        return make_immutable_fields_list(
            "managers",
            (m[2] for m in sorted(managers)),
        )

    @cached_property
    def managers_map(self):
        return {manager.name: manager for manager in self.managers}

    @cached_property
    def base_manager(self):
        base_manager_name = self.base_manager_name
        if not base_manager_name:
            # Inherited from the nearest parent that names one.
            for parent in self.model.mro()[1:]:
                if hasattr(parent, "_meta"):
                    # An automatic base manager of a parent is not inherited by name.
                    if parent._base_manager.name != "_base_manager":
                        base_manager_name = parent._base_manager.name
                    break

        if base_manager_name:
            try:
                return self.managers_map[base_manager_name]
            except KeyError:
                raise ValueError(
                    "%s has no manager named %r" % (self.object_name, base_manager_name)
                )

        from reinhardt.orm.models.manager import Manager

        manager = Manager()
        manager.name = "_base_manager"
        manager.model = self.model
        manager.auto_created = True
        return manager

    @cached_property
    def default_manager(self):
        default_manager_name = self.default_manager_name
        if not default_manager_name and not self.local_managers:
            # Inherited from the nearest parent that names one.
            for parent in self.model.mro()[1:]:
                if hasattr(parent, "_meta"):
                    default_manager_name = parent._meta.default_manager_name
                    break

        if default_manager_name:
            try:
                return self.managers_map[default_manager_name]
            except KeyError:
                raise ValueError(
                    "%s has no manager named %r" % (self.object_name, default_manager_name)
                )

        if self.managers:
            return self.managers[0]

    @cached_property
    def fields(self):
        """Every forward field of the model, including parents' (no m2m, no reverse)."""

        # `fields` holds forward, non-private, non-many-to-many fields. Many-to-many is
        # tested through remote_field rather than related_model, which is cached and may not
        # be resolved yet.
        def is_not_an_m2m_field(f):
            return not (f.is_relation and f.many_to_many)

        def is_not_a_generic_relation(f):
            return not (f.is_relation and f.one_to_many)

        def is_not_a_generic_foreign_key(f):
            return not (
                f.is_relation
                and f.many_to_one
                and not (hasattr(f.remote_field, "model") and f.remote_field.model)
            )

        return make_immutable_fields_list(
            "fields",
            (
                f for f in self._get_fields(reverse=False)
                if is_not_an_m2m_field(f)
                and is_not_a_generic_relation(f)
                and is_not_a_generic_foreign_key(f)
            ),
        )

    @cached_property
    def concrete_fields(self):
        """The fields that have a column."""
        return make_immutable_fields_list(
            "concrete_fields", (f for f in self.fields if f.concrete)
        )

    @cached_property
    def local_concrete_fields(self):
        """The fields with a column in this model's own table."""
        return make_immutable_fields_list(
            "local_concrete_fields", (f for f in self.local_fields if f.concrete)
        )

    @cached_property
    def many_to_many(self):
        return make_immutable_fields_list(
            "many_to_many",
            (
                f for f in self._get_fields(reverse=False)
                if f.is_relation and f.many_to_many
            ),
        )

    @cached_property
    def related_objects(self):
        """The reverse relations pointing at this model (including hidden ones' omission)."""
        all_related_fields = self._get_fields(
            forward=False, reverse=True, include_hidden=True
        )
        return make_immutable_fields_list(
            "related_objects",
            (
                obj for obj in all_related_fields
                if not obj.hidden or obj.field.many_to_many
            ),
        )

    @cached_property
    def _forward_fields_map(self):
        res = {}
        fields = self._get_fields(reverse=False)
        for field in fields:
            res[field.name] = field
            # Concrete fields are also found by attname (author_id as well as author).
            try:
                res[field.attname] = field
            except AttributeError:
                pass
        return res

    @cached_property
    def fields_map(self):
        res = {}
        fields = self._get_fields(forward=False, include_hidden=True)
        for field in fields:
            res[field.name] = field
            # Likewise by attname for every forward field.
            try:
                res[field.attname] = field
            except AttributeError:
                pass
        return res

    def get_field(self, field_name):
        """The field (forward or reverse) called ``field_name``."""
        try:
            # Forward fields first: they need no relation tree, which is expensive to build.
            return self._forward_fields_map[field_name]
        except KeyError:
            # Reverse relations are only known once every model is loaded.
            if not self.apps.models_ready:
                raise FieldDoesNotExist(
                    "%s has no field named '%s'. The app cache isn't ready yet, so if this is "
                    "an auto-created related field, it won't be available yet."
                    % (self.object_name, field_name)
                )

        try:
            return self.fields_map[field_name]
        except KeyError:
            raise FieldDoesNotExist(
                "%s has no field named '%s'" % (self.object_name, field_name)
            )

    def get_base_chain(self, model):
        """The chain of parents from this model to ``model`` (an ancestor)."""
        if not self.parents:
            return []
        if model in self.parents:
            return [model]
        for parent in self.parents:
            res = parent._meta.get_base_chain(model)
            if res:
                res.insert(0, parent)
                return res
        return []

    @cached_property
    def all_parents(self):
        """Every ancestor of this model, nearest first."""
        result = OrderedSet(self.parents)
        for parent in self.parents:
            for ancestor in parent._meta.all_parents:
                result.add(ancestor)
        return tuple(result)

    def get_parent_list(self):
        return list(self.all_parents)

    def get_ancestor_link(self, ancestor):
        """The field on this model linking (possibly through parents) to ``ancestor``."""
        if ancestor in self.parents:
            return self.parents[ancestor]
        for parent in self.parents:
            # Ask the direct parent for its link to the ancestor.
            parent_link = parent._meta.get_ancestor_link(ancestor)
            if parent_link:
                # A proxy parent has no link of its own: use the one found further up.
                return self.parents[parent] or parent_link

    def get_path_to_parent(self, parent):
        """The PathInfos joining this model to an ancestor (multi-table inheritance)."""
        from reinhardt.orm.models.query_utils import PathInfo

        if self.model is parent:
            return []
        # A proxy model joins through the model it proxies.
        proxied_model = self.concrete_model
        path = []
        opts = self
        for int_model in self.get_base_chain(parent):
            if int_model is proxied_model:
                opts = int_model._meta
            else:
                final_field = opts.parents[int_model]
                targets = (final_field.remote_field.get_related_field(),)
                opts = int_model._meta
                path.append(
                    PathInfo(
                        from_opts=final_field.model._meta,
                        to_opts=opts,
                        target_fields=targets,
                        join_field=final_field,
                        m2m=False,
                        direct=True,
                        filtered_relation=None,
                    )
                )
        return path

    def get_path_from_parent(self, parent):
        """The PathInfos joining an ancestor to this model."""
        if self.model is parent:
            return []
        model = self.concrete_model
        chain = model._meta.get_base_chain(parent)
        chain.reverse()
        chain.append(model)
        # One join per step from this model up to the ancestor.
        path = []
        for i, ancestor in enumerate(chain[:-1]):
            child = chain[i + 1]
            link = child._meta.get_ancestor_link(ancestor)
            path.extend(link.reverse_path_infos)
        return path

    def _populate_directed_relation_graph(self):
        """Compute, for every model, the relation fields pointing at it (one pass)."""
        related_objects_graph = defaultdict(list)

        all_models = self.apps.get_models(include_auto_created=True)
        for model in all_models:
            opts = model._meta
            # Abstract models have no relations of their own: their fields live on the
            # children.
            if opts.abstract:
                continue
            fields_with_relations = (
                f for f in opts._get_fields(reverse=False, include_parents=False)
                if f.is_relation and f.related_model is not None
            )
            for f in fields_with_relations:
                if not isinstance(f.remote_field.model, str):
                    remote_label = f.remote_field.model._meta.concrete_model._meta.label
                    related_objects_graph[remote_label].append(f)

        for model in all_models:
            # Written straight into __dict__ so that the cached property does not recompute
            # it.
            related_objects = related_objects_graph[
                model._meta.concrete_model._meta.label
            ]
            model._meta.__dict__["_relation_tree"] = related_objects
        # A model missing from the graph has no incoming relations.
        return self.__dict__.get("_relation_tree", EMPTY_RELATION_TREE)

    @cached_property
    def _relation_tree(self):
        return self._populate_directed_relation_graph()

    def _expire_cache(self, forward=True, reverse=True):
        # Called when the registry is finalized or fields change.
        if forward:
            for cache_key in self.FORWARD_PROPERTIES:
                if cache_key in self.__dict__:
                    delattr(self, cache_key)
        if reverse and not self.abstract:
            for cache_key in self.REVERSE_PROPERTIES:
                if cache_key in self.__dict__:
                    delattr(self, cache_key)
        self._get_fields_cache = {}

    def get_fields(self, include_parents=True, include_hidden=False):
        """Every field (forward and reverse) of the model, as Django lists them."""
        if include_parents is False:
            include_parents = PROXY_PARENTS
        return self._get_fields(
            include_parents=include_parents, include_hidden=include_hidden
        )

    def _get_fields(self, forward=True, reverse=True, include_parents=True,
                    include_hidden=False, topmost_call=True):
        # The recursive worker behind get_fields(); internal callers use it for the subsets
        # they need.

        # Creates a cache key composed of all arguments
        cache_key = (forward, reverse, include_parents, include_hidden, topmost_call)

        try:
            # Cached lists are shared: hand out copies.
            return self._get_fields_cache[cache_key]
        except KeyError:
            pass

        fields = []
        if include_parents is not False:
            # With diamond inheritance a parent is reached twice; add its fields once.
            parent_fields = set()
            for parent in self.parents:
                if (
                    parent._meta.concrete_model != self.concrete_model
                    and include_parents == PROXY_PARENTS
                ):
                    continue
                for obj in parent._meta._get_fields(
                    forward=forward, reverse=reverse, include_parents=include_parents,
                    include_hidden=include_hidden, topmost_call=False,
                ):
                    if (
                        not getattr(obj, "parent_link", False)
                        or obj.model == self.concrete_model
                    ) and obj not in parent_fields:
                        fields.append(obj)
                        parent_fields.add(obj)

        if reverse and not self.proxy:
            # Fields on other models that point here (computed once per registry state).
            all_fields = self._relation_tree
            for field in all_fields:
                # Hidden relations are included only on request.
                if include_hidden or not field.remote_field.hidden:
                    fields.append(field.remote_field)

        if forward:
            fields += self.local_fields
            fields += self.local_many_to_many
            # Private fields are recopied to each child model, in order to
            # maintain a single list of fields in each model.
            if topmost_call:
                fields += self.private_fields

        # An immutable list, so callers cannot change the cache.
        fields = make_immutable_fields_list("get_fields()", fields)

        # Store result into cache for later access
        self._get_fields_cache[cache_key] = fields
        return fields

    @cached_property
    def total_unique_constraints(self):
        """UniqueConstraints without a condition: they make rows unique for sure."""
        from reinhardt.orm.models.constraints import UniqueConstraint

        return [
            constraint for constraint in self.constraints
            if (
                isinstance(constraint, UniqueConstraint)
                and constraint.condition is None
                and not constraint.contains_expressions
            )
        ]

    @cached_property
    def _property_names(self):
        """Names of properties defined on the model (they may be set in Model())."""
        names = set()
        seen = set()
        for klass in self.model.__mro__:
            names |= {
                name for name, value in klass.__dict__.items()
                if isinstance(value, property) and name not in seen
            }
            seen |= set(klass.__dict__)
        return frozenset(names)

    @cached_property
    def _non_pk_concrete_field_names(self):
        names = []
        for field in self.concrete_fields:
            if not field.primary_key:
                names.append(field.name)
                if field.name != field.attname:
                    names.append(field.attname)
        return frozenset(names)

    @cached_property
    def _reverse_one_to_one_field_names(self):
        return frozenset(
            field.name for field in self.related_objects if field.one_to_one
        )

    @cached_property
    def db_returning_fields(self):
        """Fields whose value the database sets on insert (read back after INSERT)."""
        return [
            field for field in self._get_fields(
                forward=True, reverse=False, include_parents=PROXY_PARENTS
            )
            if getattr(field, "db_returning", False)
        ]

    @cached_property
    def pk_fields(self):
        return [self.pk]

    @cached_property
    def fast_init(self):
        """The generated keyword-only ``__init__`` of the model (see models.base)."""
        from reinhardt.orm.models.base import make_fast_init

        return make_fast_init(self.model)

    @cached_property
    def _bulk_insert_info(self):
        """(relation fields, fields with a db_default): what bulk_create must look at."""
        return (
            [f for f in self.concrete_fields if f.is_relation],
            [f for f in self.concrete_fields if f.has_db_default()],
        )

    @cached_property
    def _model_builders(self):
        """Per-connection caches of the row-to-instance constructors (see models.base)."""
        return {}
