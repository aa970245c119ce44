"""Pieces shared by models and queries: Q objects, deferred attributes, lookup registration."""

from __future__ import annotations

import functools
import inspect
import logging
from collections import namedtuple

from reinhardt.core.exceptions import FieldError
from reinhardt.orm.connections import DEFAULT_DB_ALIAS
from reinhardt.utils import tree
from reinhardt.utils.hashable import make_hashable

logger = logging.getLogger("reinhardt.orm.models")

# PathInfo: one hop of a relation path, as the query builder joins it.
PathInfo = namedtuple(
    "PathInfo",
    "from_opts to_opts target_fields join_field m2m direct filtered_relation",
)


class Q(tree.Node):
    """A filter condition that can be combined with ``&``, ``|``, ``^`` and negated with ``~``."""

    AND = "AND"
    OR = "OR"
    XOR = "XOR"
    default = AND
    conditional = True

    __slots__ = ()

    def __init__(self, *args, _connector=None, _negated=False, **kwargs):
        super().__init__(
            children=[*args, *sorted(kwargs.items())],
            connector=_connector,
            negated=_negated,
        )

    def _combine(self, other, conn):
        if getattr(other, "conditional", False) is False:
            raise TypeError(other)
        if not self:
            return other.copy()
        if not other and isinstance(other, Q):
            return self.copy()
        obj = self.create(connector=conn)
        obj.add(self, conn)
        obj.add(other, conn)
        return obj

    def __or__(self, other):
        return self._combine(other, self.OR)

    def __and__(self, other):
        return self._combine(other, self.AND)

    def __xor__(self, other):
        return self._combine(other, self.XOR)

    def __invert__(self):
        obj = self.copy()
        obj.negate()
        return obj

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        clause, joins = query._add_q(
            self, reuse, allow_joins=allow_joins, split_subq=False, check_filterable=False,
            summarize=summarize,
        )
        query.promote_joins(joins)
        return clause

    def flatten(self):
        """Yield this Q and every nested Q and expression."""
        yield self
        for child in self.children:
            if isinstance(child, tuple):
                child = child[1]
            if hasattr(child, "flatten"):
                yield from child.flatten()
            else:
                yield child

    def check(self, against: dict, using: str = DEFAULT_DB_ALIAS) -> bool:
        """Whether this condition holds for the values in ``against`` (evaluated by the database)."""
        from reinhardt.orm.models import BooleanField, Value
        from reinhardt.orm.models.functions import Coalesce
        from reinhardt.orm.query import Query

        query = Query(None)
        for name, value in against.items():
            if not hasattr(value, "resolve_expression"):
                value = Value(value)
            query.add_annotation(value, name, select=False)
        query.add_annotation(Value(1), "_check")
        query.add_q(Q(Coalesce(self, True, output_field=BooleanField())))
        compiler = query.get_compiler(using=using)
        try:
            return compiler.execute_sql("single") is not None
        except Exception as e:
            logger.warning("Got a database error calling check() on %r: %s", self, e)
            return True

    def deconstruct(self):
        path = "%s.%s" % (self.__class__.__module__, self.__class__.__name__)
        if path.startswith("reinhardt.orm.models.query_utils"):
            path = path.replace("reinhardt.orm.models.query_utils", "reinhardt.orm.models")
        args = tuple(self.children)
        kwargs = {}
        if self.connector != self.default:
            kwargs["_connector"] = self.connector
        if self.negated:
            kwargs["_negated"] = True
        return path, args, kwargs

    @property
    def identity(self):
        path, args, kwargs = self.deconstruct()
        identity = [path, *kwargs.items()]
        for child in args:
            if isinstance(child, tuple):
                arg, value = child
                identity.append((arg, make_hashable(value)))
            else:
                identity.append(child)
        return tuple(identity)

    def __eq__(self, other):
        if not isinstance(other, Q):
            return NotImplemented
        return other.identity == self.identity

    def __hash__(self):
        return hash(self.identity)

    @property
    def referenced_base_fields(self) -> set:
        """The first part of every field path the condition mentions."""
        from reinhardt.orm.models.constants import LOOKUP_SEP

        names = set()
        for child in self.flatten():
            if isinstance(child, tuple):
                names.add(child[0].split(LOOKUP_SEP, 1)[0])
        return names


class DeferredAttribute:
    """The descriptor of a concrete field: loads the value from the database when the field
    was deferred (``only()``/``defer()``) and has not been read yet."""

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        data = instance.__dict__
        field_name = self.field.attname
        if field_name not in data:
            val = self._check_parent_chain(instance)
            if val is None:
                if instance.pk is None and self.field.primary_key:
                    return None
                instance.refresh_from_db(fields=[field_name])
            else:
                data[field_name] = val
        return data[field_name]

    def _check_parent_chain(self, instance):
        opts = instance._meta
        link_field = opts.get_ancestor_link(self.field.model)
        if self.field.primary_key and self.field != link_field:
            return getattr(instance, link_field.attname)
        return None


class class_or_instance_method:
    """Call one function when accessed on the class and another on an instance."""

    def __init__(self, class_method, instance_method):
        self.class_method = class_method
        self.instance_method = instance_method

    def __get__(self, instance, owner):
        if instance is None:
            return functools.partial(self.class_method, owner)
        return functools.partial(self.instance_method, instance)


class RegisterLookupMixin:
    """``register_lookup``: fields and transforms accept custom lookups, per class or instance."""

    def _get_lookup(self, lookup_name):
        return self.get_lookups().get(lookup_name)

    @functools.cache
    def get_class_lookups(cls):
        class_lookups = [
            parent.__dict__.get("class_lookups", {}) for parent in inspect.getmro(cls)
        ]
        return cls.merge_dicts(class_lookups)

    def get_instance_lookups(self):
        class_lookups = self.get_class_lookups()
        if instance_lookups := getattr(self, "instance_lookups", None):
            return {**class_lookups, **instance_lookups}
        return class_lookups

    get_lookups = class_or_instance_method(get_class_lookups, get_instance_lookups)
    get_class_lookups = classmethod(get_class_lookups)

    def get_lookup(self, lookup_name):
        from reinhardt.orm.models.lookups import Lookup

        found = self._get_lookup(lookup_name)
        if found is None and hasattr(self, "output_field"):
            return self.output_field.get_lookup(lookup_name)
        if found is not None and not issubclass(found, Lookup):
            return None
        return found

    def get_transform(self, lookup_name):
        from reinhardt.orm.models.lookups import Transform

        found = self._get_lookup(lookup_name)
        if found is None and hasattr(self, "output_field"):
            return self.output_field.get_transform(lookup_name)
        if found is not None and not issubclass(found, Transform):
            return None
        return found

    @staticmethod
    def merge_dicts(dicts):
        """Merge dicts in reverse, so the first one (most specific class) wins."""
        merged = {}
        for d in reversed(dicts):
            merged.update(d)
        return merged

    @classmethod
    def _clear_cached_class_lookups(cls):
        for subclass in subclasses(cls):
            subclass.get_class_lookups.cache_clear()

    def register_class_lookup(cls, lookup, lookup_name=None):
        if lookup_name is None:
            lookup_name = lookup.lookup_name
        if "class_lookups" not in cls.__dict__:
            cls.class_lookups = {}
        cls.class_lookups[lookup_name] = lookup
        cls._clear_cached_class_lookups()
        return lookup

    def register_instance_lookup(self, lookup, lookup_name=None):
        if lookup_name is None:
            lookup_name = lookup.lookup_name
        if "instance_lookups" not in self.__dict__:
            self.instance_lookups = {}
        self.instance_lookups[lookup_name] = lookup
        return lookup

    register_lookup = class_or_instance_method(register_class_lookup, register_instance_lookup)
    register_class_lookup = classmethod(register_class_lookup)

    def _unregister_class_lookup(cls, lookup, lookup_name=None):
        if lookup_name is None:
            lookup_name = lookup.lookup_name
        del cls.class_lookups[lookup_name]
        cls._clear_cached_class_lookups()

    def _unregister_instance_lookup(self, lookup, lookup_name=None):
        if lookup_name is None:
            lookup_name = lookup.lookup_name
        del self.instance_lookups[lookup_name]

    _unregister_lookup = class_or_instance_method(_unregister_class_lookup,
                                                  _unregister_instance_lookup)
    _unregister_class_lookup = classmethod(_unregister_class_lookup)


def subclasses(cls):
    yield cls
    for subclass in cls.__subclasses__():
        yield from subclasses(subclass)


def select_related_descend(field, restricted, requested, select_mask) -> bool:
    """Whether select_related() should follow ``field``."""
    if not field.remote_field:
        return False
    if getattr(field.remote_field, "parent_link", False):
        return False
    if restricted:
        if field.name not in requested:
            return False
        if select_mask and field not in select_mask:
            raise FieldError(
                f"Field {field.model._meta.object_name}.{field.name} cannot be both deferred "
                "and traversed using select_related at the same time."
            )
    if not restricted and field.null:
        return False
    return True


def refs_expression(lookup_parts, annotations):
    """If a prefix of ``lookup_parts`` names an annotation, return it and the rest."""
    for n in range(1, len(lookup_parts) + 1):
        level_n_lookup = "__".join(lookup_parts[0:n])
        if annotations.get(level_n_lookup):
            return level_n_lookup, lookup_parts[n:]
    return None, ()


def check_rel_lookup_compatibility(model, target_opts, field) -> bool:
    """Whether an instance of ``model`` can be the value of a lookup on ``field``."""

    def check(opts):
        return (
            model._meta.concrete_model == opts.concrete_model
            or opts.concrete_model in model._meta.get_parent_list()
            or model in opts.get_parent_list()
        )

    return check(target_opts) or (
        getattr(field, "primary_key", False) and check(field.model._meta)
    )


class FilteredRelation:
    """A relation with an extra condition in its JOIN (``annotate(x=FilteredRelation(...))``)."""

    def __init__(self, relation_name, *, condition=Q()):
        if not relation_name:
            raise ValueError("relation_name cannot be empty.")
        self.relation_name = relation_name
        self.alias = None
        if not isinstance(condition, Q):
            raise ValueError("condition argument must be a Q() instance.")
        self.condition = condition
        self.path = []

    def __eq__(self, other):
        if not isinstance(other, self.__class__):
            return NotImplemented
        return (
            self.relation_name == other.relation_name
            and self.alias == other.alias
            and self.condition == other.condition
        )

    def clone(self):
        clone = FilteredRelation(self.relation_name, condition=self.condition)
        clone.alias = self.alias
        clone.path = self.path[:]
        return clone

    def relabeled_clone(self, change_map):
        clone = self.clone()
        if resolved_condition := clone.resolved_condition:
            clone.resolved_condition = resolved_condition.relabeled_clone(change_map)
        return clone

    resolved_condition = None

    def resolve_expression(self, query, reuse, *args, **kwargs):
        clone = self.clone()
        clone.resolved_condition = query.build_filter(
            self.condition, can_reuse=reuse, allow_joins=True, split_subq=False,
            update_join_types=False,
        )[0]
        return clone
