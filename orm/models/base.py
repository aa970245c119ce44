"""Model and its metaclass: class creation, instances, save/delete, validation."""

from __future__ import annotations

import copy
import inspect
from functools import partialmethod
from itertools import chain

from asgiref.sync import sync_to_async

from reinhardt.apps import apps
from reinhardt.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    FieldError,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)
from reinhardt.orm import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    connections,
    router,
    transaction,
)
from reinhardt.orm.models import NOT_PROVIDED, ExpressionWrapper, IntegerField, Max, Value
from reinhardt.orm.models.constants import LOOKUP_SEP
from reinhardt.orm.models.deletion import CASCADE, Collector
from reinhardt.orm.models.expressions import DatabaseDefault
from reinhardt.orm.models.fields.related import (
    ForeignObjectRel,
    OneToOneField,
    lazy_related_operation,
    resolve_relation,
)
from reinhardt.orm.models.functions import Coalesce
from reinhardt.orm.models.manager import Manager
from reinhardt.orm.models.options import Options
from reinhardt.orm.models.query import Q
from reinhardt.orm.models.signals import (
    class_prepared,
    post_init,
    post_save,
    pre_init,
    pre_save,
)
from reinhardt.orm.models.utils import AltersData, make_model_tuple
from reinhardt.utils.encoding import force_str
from reinhardt.utils.hashable import make_hashable
from reinhardt.utils.text import capfirst, get_text_list
from reinhardt.utils.translation import gettext_lazy as _


class Deferred:
    def __repr__(self):
        return "<Deferred field>"

    def __str__(self):
        return "<Deferred field>"


DEFERRED = Deferred()
_ABSENT = object()  # "keyword not given", distinct from any value a caller passes


def subclass_exception(name, bases, module, attached_to):
    """An exception class named ``name`` attached to a model (e.g. Book.DoesNotExist)."""
    namespace = {"__module__": module, "__qualname__": f"{attached_to.__qualname__}.{name}"}
    return type(name, bases, namespace)


def _has_contribute_to_class(value):
    # Classes may have the method too; only instances attach themselves.
    return hasattr(value, "contribute_to_class") and not inspect.isclass(value)


def _concrete_model_parents(parents):
    return [p for p in parents if hasattr(p, "_meta") and not p._meta.abstract]


def _clash_error(field_name, name, base):
    return FieldError(
        f"Local field {field_name!r} in class {name!r} clashes with field of the same name "
        f"from base class {base.__name__!r}."
    )


class ModelBase(type):
    """Metaclass for all models."""

    def __new__(cls, name, bases, attrs, **kwargs):
        model_parents = [b for b in bases if isinstance(b, ModelBase)]
        if not model_parents:
            # Model itself: an ordinary class.
            return super().__new__(cls, name, bases, attrs)

        module = attrs.pop("__module__")
        declared_meta = attrs.pop("Meta", None)
        # Objects that attach themselves (fields, managers, ...) wait until the class
        # exists; everything else goes through type.__new__() so __set_name__() still runs.
        plain = {"__module__": module}
        if "__classcell__" in attrs:
            plain["__classcell__"] = attrs.pop("__classcell__")
        deferred = {}
        for key, value in attrs.items():
            (deferred if _has_contribute_to_class(value) else plain)[key] = value
        new_class = super().__new__(cls, name, bases, plain, **kwargs)

        abstract = getattr(declared_meta, "abstract", False)
        meta = declared_meta or getattr(new_class, "Meta", None)
        inherited_opts = getattr(new_class, "_meta", None)
        new_class.add_to_class(
            "_meta", Options(meta, cls._app_label_for(meta, module, name, abstract))
        )
        opts = new_class._meta
        if not abstract:
            concrete = _concrete_model_parents(model_parents)
            for exc_name, fallback in (("DoesNotExist", ObjectDoesNotExist),
                                       ("MultipleObjectsReturned", MultipleObjectsReturned)):
                exc_bases = tuple(getattr(p, exc_name) for p in concrete) or (fallback,)
                new_class.add_to_class(
                    exc_name, subclass_exception(exc_name, exc_bases, module, new_class)
                )
            if inherited_opts is not None and not inherited_opts.abstract:
                # A concrete parent's ordering and get_latest_by carry over unless the
                # child's Meta (or an abstract base earlier in the MRO) sets them.
                for option in ("ordering", "get_latest_by"):
                    if not hasattr(meta, option):
                        setattr(opts, option, getattr(inherited_opts, option))

        for key, value in deferred.items():
            new_class.add_to_class(key, value)

        own_names = {
            f.name for f in chain(opts.local_fields, opts.local_many_to_many, opts.private_fields)
        }
        if opts.proxy:
            target = cls._proxy_target(name, model_parents)
            opts.setup_proxy(target)
            opts.concrete_model = target._meta.concrete_model
        else:
            opts.concrete_model = new_class

        cls._inherit(new_class, name, model_parents, own_names)

        # Every concrete child gets its own index objects, so their names can differ.
        opts.indexes = [copy.deepcopy(index) for index in opts.indexes]

        if abstract:
            # Abstract models are templates: neither prepared nor registered. Their Meta is
            # what subclasses inherit, so it must not say abstract any more.
            declared_meta.abstract = False
            new_class.Meta = declared_meta
            return new_class

        new_class._prepare()
        opts.apps.register_model(opts.app_label, new_class)
        return new_class

    @staticmethod
    def _app_label_for(meta, module, name, abstract):
        """None when Meta names the app itself; otherwise the label of the installed app
        whose package holds ``module``."""
        app_config = apps.get_containing_app_config(module)
        if getattr(meta, "app_label", None) is not None:
            return None
        if app_config is not None:
            return app_config.label
        if not abstract:
            raise RuntimeError(
                f"Model class {module}.{name} doesn't declare an explicit app_label and isn't "
                "in an application in INSTALLED_APPS."
            )
        return None

    @staticmethod
    def _proxy_target(name, parents):
        """The one concrete model a proxy stands for (abstract bases may not add fields)."""
        target = None
        for parent in parents:
            parent_opts = getattr(parent, "_meta", None)
            if parent_opts is None:
                continue
            if parent_opts.abstract:
                if parent_opts.fields:
                    raise TypeError(
                        "Abstract base class containing model fields not permitted for "
                        f"proxy model '{name}'."
                    )
                continue
            if target is None:
                target = parent
            elif parent_opts.concrete_model is not target._meta.concrete_model:
                raise TypeError(
                    f"Proxy model '{name}' has more than one non-abstract model base class."
                )
        if target is None:
            raise TypeError(f"Proxy model '{name}' has no non-abstract model base class.")
        return target

    @staticmethod
    def _declared_parent_links(new_class, parents):
        """Explicit parent_link one-to-one fields on the class or its abstract bases, keyed
        by the (app_label, model_name) of the model they point to."""
        links = {}
        for klass in (*reversed(parents), new_class):
            klass_opts = getattr(klass, "_meta", None)
            if klass_opts is None or (klass is not new_class and not klass_opts.abstract):
                continue
            for field in klass_opts.local_fields:
                if isinstance(field, OneToOneField) and field.remote_field.parent_link:
                    target = resolve_relation(new_class, field.remote_field.model)
                    links[make_model_tuple(target)] = field
        return links

    @classmethod
    def _inherit(cls, new_class, name, parents, own_names):
        """Fields, parent links and private fields that ``new_class`` gets from its bases."""
        opts = new_class._meta
        links = cls._declared_parent_links(new_class, parents)
        seen = set()  # attribute names already provided by a class in the MRO
        for klass in new_class.mro():
            klass_opts = getattr(klass, "_meta", None) if klass in parents else None
            if klass_opts is None:
                seen.update(vars(klass))  # a mixin: plain attributes only
                continue
            inherited = klass_opts.local_fields + klass_opts.local_many_to_many
            if klass_opts.abstract:
                cls._copy_abstract_fields(new_class, klass_opts, inherited, own_names, seen)
            else:
                for field in inherited:
                    if field.name in own_names:
                        raise _clash_error(field.name, name, klass)
                    seen.add(field.name)
                # From here on a proxy parent stands for its concrete model.
                klass = klass_opts.concrete_model
                klass_opts = klass._meta
                cls._link_concrete_parent(new_class, name, klass, links, own_names)
            for field in klass_opts.private_fields:
                if field.name not in own_names:
                    duplicate = copy.deepcopy(field)
                    if not klass_opts.abstract:
                        duplicate.mti_inherited = True
                    new_class.add_to_class(field.name, duplicate)
                elif not klass_opts.abstract:
                    raise _clash_error(field.name, name, klass)

    @staticmethod
    def _link_concrete_parent(new_class, name, parent, links, own_names):
        """Record (creating it unless declared) the one-to-one link to a concrete parent."""
        opts = new_class._meta
        link = links.get(make_model_tuple(parent))
        if link is None and not opts.proxy:
            link_name = f"{parent._meta.model_name}_ptr"
            if link_name in own_names:
                raise FieldError(
                    f"Auto-generated field '{link_name}' in class {name!r} for parent_link to "
                    f"base class {parent.__name__!r} clashes with declared field of the same "
                    "name."
                )
            link = OneToOneField(parent, on_delete=CASCADE, name=link_name,
                                 auto_created=True, parent_link=True)
            # A migration's model state may already carry the link.
            if not hasattr(new_class, link_name):
                new_class.add_to_class(link_name, link)
        opts.parents[parent] = link

    @staticmethod
    def _copy_abstract_fields(new_class, parent_opts, inherited, own_names, seen):
        """Copy an abstract parent's fields unless the name is taken; its parent links are
        remapped to the copies."""
        parent_links = dict(parent_opts.parents)
        for field in inherited:
            if field.name in own_names or field.name in seen or field.name in vars(new_class):
                continue
            duplicate = copy.deepcopy(field)
            new_class.add_to_class(field.name, duplicate)
            if field.one_to_one:
                for model, link in parent_links.items():
                    if link == field:
                        parent_links[model] = duplicate
        new_class._meta.parents.update(parent_links)

    def add_to_class(cls, name, value):
        attach = None if inspect.isclass(value) else getattr(value, "contribute_to_class", None)
        if attach is None:
            setattr(cls, name, value)
        else:
            attach(cls, name)

    def _prepare(cls):
        """Finish the class once its Options are complete (not run for abstract models)."""
        opts = cls._meta
        opts._prepare(cls)

        wrt = opts.order_with_respect_to
        if wrt:
            cls.get_next_in_order = partialmethod(cls._get_next_or_previous_in_order,
                                                  is_next=True)
            cls.get_previous_in_order = partialmethod(cls._get_next_or_previous_in_order,
                                                      is_next=False)
            # get_<model>_order()/set_<model>_order() go on the related model once it is
            # registered (a generic relation has no single model, so gets none).
            if wrt.remote_field:
                lazy_related_operation(make_foreign_order_accessors, cls,
                                       wrt.remote_field.model)

        if cls.__doc__ is None:
            # The class's signature, like "Book(id, title)".
            names = ", ".join(f.name for f in opts.fields)
            cls.__doc__ = f"{cls.__name__}({names})"

        if not opts.managers:
            if any(f.name == "objects" for f in opts.fields):
                raise ValueError(
                    f"Model {cls.__name__} must specify a custom Manager, because it has a "
                    "field named 'objects'."
                )
            default_manager = Manager()
            default_manager.auto_created = True
            cls.add_to_class("objects", default_manager)

        # Index names are derived from columns, known only now.
        for index in opts.indexes:
            if not index.name:
                index.set_name_with_model(cls)

        class_prepared.send(sender=cls)

    @property
    def _base_manager(cls):
        return cls._meta.base_manager

    @property
    def _default_manager(cls):
        return cls._meta.default_manager


class ModelStateFieldsCacheDescriptor:
    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        res = instance.fields_cache = {}
        return res


class ModelState:
    """Where an instance came from: its database, and whether it is saved yet."""

    db = None
    # True until the instance has been saved or loaded; unique validation uses it to tell a
    # new row (with a hand-set primary key) from an existing one. Saving does not look at
    # it.
    adding = True
    fields_cache = ModelStateFieldsCacheDescriptor()

    def __init__(self, db=None, adding=True):
        if db is not None:
            self.db = db
        if adding is not True:
            self.adding = adding

    def __getstate__(self):
        state = self.__dict__.copy()
        if "fields_cache" in state:
            state["fields_cache"] = self.fields_cache.copy()
        return state


def _loaded_state(db):
    state = ModelState.__new__(ModelState)
    state.__dict__["db"] = db
    state.__dict__["adding"] = False
    return state


def make_fast_init(model):
    """A generated ``__init__`` for keyword-only construction, equivalent to the generic one.

    It handles the concrete fields (by name or attname, with defaults) and returns False,
    changing nothing, whenever the generic ``__init__`` must run instead: other keywords
    (properties, many-to-many, typos), or pre_init/post_init receivers.
    """
    from reinhardt.orm.models.fields.related_descriptors import ForeignKeyDeferredAttribute
    from reinhardt.orm.models.query_utils import DeferredAttribute

    opts = model._meta
    if opts.abstract:
        return None
    namespace = {
        "State": ModelState, "pre_init": pre_init, "post_init": post_init, "cls": model,
        "Field": None,
    }
    allowed = set()
    lines = [
        "def fast_init(self, kwargs):",
        "    if (pre_init.receivers and pre_init.has_listeners(cls)) or "
        "(post_init.receivers and post_init.has_listeners(cls)):",
        "        return False",
        "    if not kwargs.keys() <= allowed:",
        "        return False",
        "    d = self.__dict__",
        "    d['_state'] = State()",
    ]
    for i, field in enumerate(opts.concrete_fields):
        if field.generated:
            return None
        base_get_default = type(field).get_default is base_field_get_default()
        namespace[f"default{i}"] = field._get_default if base_get_default else field.get_default
        direct = type(field).descriptor_class in (DeferredAttribute, ForeignKeyDeferredAttribute)
        attname = field.attname
        allowed.add(attname)
        store = (f"d[{attname!r}] = " if direct
                 else f"setattr(self, {attname!r}, ")
        close = "" if direct else ")"
        if field.is_relation:
            allowed.add(field.name)
            lines += [
                f"    if {field.name!r} in kwargs:",
                f"        setattr(self, {field.name!r}, kwargs[{field.name!r}])",
                f"    elif {attname!r} in kwargs:",
                f"        {store}kwargs[{attname!r}]{close}",
                "    else:",
                f"        {store}default{i}(){close}",
            ]
        else:
            lines += [
                f"    {store}kwargs[{attname!r}] if {attname!r} in kwargs "
                f"else default{i}(){close}",
            ]
    lines.append("    return True")
    namespace["allowed"] = frozenset(allowed)
    exec(compile("\n".join(lines), f"<reinhardt __init__ for {opts.label}>", "exec"),
         namespace)
    return namespace["fast_init"]


def base_field_get_default():
    from reinhardt.orm.models.fields import Field

    return Field.get_default


class Model(AltersData, metaclass=ModelBase):
    def __init__(self, *args, **kwargs):
        if not args and (fast := self._meta.fast_init) is not None and fast(self, kwargs):
            return
        cls = type(self)
        opts = self._meta
        if opts.abstract:
            raise TypeError("Abstract models cannot be instantiated.")
        pre_init.send(sender=cls, args=args, kwargs=kwargs)
        self._state = ModelState()

        # Positional values (how rows arrive) follow the concrete fields' order when they
        # come alone; mixed with keywords they follow opts.fields.
        if len(args) > len(opts.concrete_fields):
            raise IndexError("Number of args exceeds number of fields")
        fields = opts.fields if kwargs else opts.concrete_fields
        for field, value in zip(fields, args):
            if value is DEFERRED:
                continue
            setattr(self, field.attname, value)
            if kwargs and kwargs.pop(field.name, _ABSENT) is not _ABSENT:
                raise TypeError(
                    f"{cls.__qualname__}() got both positional and keyword arguments for "
                    f"field '{field.name}'."
                )
        rest = fields[len(args):] if args else fields

        # The other fields take a keyword (an object by name or a raw value by attname) or
        # their default; a default is only computed when no keyword supplies the value.
        for field in rest:
            if field.column is None or field.generated:
                continue
            if kwargs:
                if field.name in kwargs and isinstance(field.remote_field, ForeignObjectRel):
                    # Assigned through the descriptor, which checks and caches it.
                    related = kwargs.pop(field.name)
                    if related is not DEFERRED:
                        setattr(self, field.name, related)
                    continue
                value = kwargs.pop(field.attname, _ABSENT)
                if value is _ABSENT:
                    value = field.get_default()
            else:
                value = field.get_default()
            if value is not DEFERRED:
                setattr(self, field.attname, value)

        if kwargs:
            self._init_extra_keywords(kwargs)
        super().__init__()
        post_init.send(sender=cls, instance=self)

    def _init_extra_keywords(self, kwargs):
        """Keywords left after the concrete fields: properties and private fields only."""
        opts = self._meta
        unknown = []
        for key, value in kwargs.items():
            if key not in opts._property_names:
                try:
                    opts.get_field(key)
                except FieldDoesNotExist:
                    unknown.append(key)
                    continue
            if value is not DEFERRED:
                setattr(self, key, value)
        if unknown:
            listed = ", ".join(map(repr, unknown))
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword arguments: {listed}"
            )

    @classmethod
    def from_db(cls, db, field_names, values):
        """Build an instance from database values (``field_names`` are the loaded attnames)."""
        concrete = cls._meta.concrete_fields
        if len(values) != len(concrete):
            loaded = iter(values)
            values = [next(loaded) if f.attname in field_names else DEFERRED for f in concrete]
        instance = cls(*values)
        state = instance._state
        state.adding, state.db = False, db
        return instance

    @classmethod
    def _row_builder(cls, attnames: tuple, db: str):
        """A function turning a row (sequence of values) into an instance.

        The fast form is generated code that fills ``__dict__`` directly (bypassing
        ``__init__``), used when the result is indistinguishable from ``from_db()``: the
        model doesn't customise ``__init__``/``from_db`` and nobody listens to pre_init or
        post_init (checked on each query, since receivers come and go). Fields not in
        ``attnames`` stay deferred.
        """
        if pre_init.has_listeners(cls) or post_init.has_listeners(cls):
            return cls._from_db_builder(attnames, db)
        key = (attnames, db)
        builders = cls._meta._model_builders
        try:
            return builders[key]
        except KeyError:
            pass
        if (
            cls.__init__ is Model.__init__
            and getattr(cls.from_db, "__func__", None) is Model.from_db.__func__
        ):
            items = ", ".join(f"{name!r}: row[{i}]" for i, name in enumerate(attnames))
            source = (
                "def build(row):\n"
                "    obj = new(cls)\n"
                f"    obj.__dict__ = {{'_state': state(db), {items}}}\n"
                "    return obj\n"
            )
            namespace = {"new": object.__new__, "cls": cls, "state": _loaded_state, "db": db}
            exec(compile(source, f"<reinhardt row builder for {cls._meta.label}>", "exec"),
                 namespace)
            builder = namespace["build"]
        else:
            builder = cls._from_db_builder(attnames, db)
        builders[key] = builder
        return builder

    @classmethod
    def _row_factory(cls, attnames: tuple, db: str, converters: dict):
        """Like ``_row_builder`` but converting database values on the way, in the same
        generated function: ``factory(connection)`` returns the builder. Used for compiled
        statements whose converters are cached (so the factory can be too); None when the
        fast form doesn't apply."""
        if (
            cls.__init__ is not Model.__init__
            or getattr(cls.from_db, "__func__", None) is not Model.from_db.__func__
        ):
            return None
        namespace = {"new": object.__new__, "cls": cls, "state": _loaded_state, "db": db}
        items = []
        for i, name in enumerate(attnames):
            value = f"row[{i}]"
            if i in converters:
                convs, expression = converters[i]
                namespace[f"e{i}"] = expression
                for n, converter in enumerate(convs):
                    namespace[f"c{i}_{n}"] = converter
                    value = f"c{i}_{n}({value}, e{i}, conn)"
            items.append(f"{name!r}: {value}")
        source = (
            "def factory(conn):\n"
            "    def build(row):\n"
            "        obj = new(cls)\n"
            f"        obj.__dict__ = {{'_state': state(db), {', '.join(items)}}}\n"
            "        return obj\n"
            "    return build\n"
        )
        exec(compile(source, f"<reinhardt row factory for {cls._meta.label}>", "exec"),
             namespace)
        return namespace["factory"]

    @classmethod
    def _from_db_builder(cls, attnames, db):
        from_db = cls.from_db
        names = list(attnames)

        def builder(row):
            return from_db(db, names, row)

        return builder

    def __repr__(self):
        return "<%s: %s>" % (self.__class__.__name__, self)

    def __str__(self):
        return "%s object (%s)" % (self.__class__.__name__, self.pk)

    def __eq__(self, other):
        if not isinstance(other, Model):
            return NotImplemented
        if self._meta.concrete_model != other._meta.concrete_model:
            return False
        my_pk = self.pk
        if my_pk is None:
            return self is other
        return my_pk == other.pk

    def __hash__(self):
        if self.pk is None:
            raise TypeError("Model instances without primary key value are unhashable")
        return hash(self.pk)

    def __reduce__(self):
        data = self.__getstate__()
        data["_reinhardt_version"] = "0.1"
        class_id = self._meta.app_label, self._meta.object_name
        return model_unpickle, (class_id,), data

    def __getstate__(self):
        """Hook to allow choosing the attributes to pickle."""
        state = self.__dict__.copy()
        state["_state"] = copy.copy(state["_state"])
        state["_state"].fields_cache = state["_state"].fields_cache.copy()
        # memoryview values do not pickle: they travel as bytes and are restored afterwards.
        _memoryview_attrs = []
        for attr, value in state.items():
            if isinstance(value, memoryview):
                _memoryview_attrs.append((attr, bytes(value)))
        if _memoryview_attrs:
            state["_memoryview_attrs"] = _memoryview_attrs
            for attr, _ in _memoryview_attrs:
                state.pop(attr)
        return state

    def __setstate__(self, state):
        state.pop("_reinhardt_version", None)
        if "_memoryview_attrs" in state:
            for attr, value in state.pop("_memoryview_attrs"):
                state[attr] = memoryview(value)
        self.__dict__.update(state)

    def _get_pk_val(self, meta=None):
        meta = meta or self._meta
        return getattr(self, meta.pk.attname)

    def _set_pk_val(self, value):
        for parent_link in self._meta.parents.values():
            if parent_link and parent_link != self._meta.pk:
                setattr(self, parent_link.target_field.attname, value)
        return setattr(self, self._meta.pk.attname, value)

    pk = property(_get_pk_val, _set_pk_val)

    def _is_pk_set(self, meta=None):
        return self._get_pk_val(meta) is not None

    def get_deferred_fields(self):
        """The attnames of fields not loaded from the database."""
        return {
            f.attname for f in self._meta.concrete_fields if f.attname not in self.__dict__
        }

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        """Reload field values from the database (all, or just ``fields``)."""
        if fields is None:
            self._prefetched_objects_cache = {}
        else:
            prefetched_objects_cache = getattr(self, "_prefetched_objects_cache", ())
            fields = set(fields)
            for field in fields.copy():
                if field in prefetched_objects_cache:
                    del prefetched_objects_cache[field]
                    fields.remove(field)
            if not fields:
                return
            if any(LOOKUP_SEP in f for f in fields):
                raise ValueError(
                    'Found "%s" in fields argument. Relations and transforms are not allowed '
                    "in fields." % LOOKUP_SEP
                )

        if from_queryset is None:
            hints = {"instance": self}
            from_queryset = self.__class__._base_manager.db_manager(using, hints=hints)
        elif using is not None:
            from_queryset = from_queryset.using(using)

        db_instance_qs = from_queryset.filter(pk=self.pk)

        # Without fields=, every field that is currently loaded is read again.
        deferred_fields = self.get_deferred_fields()
        if fields is not None:
            db_instance_qs = db_instance_qs.only(*fields)
        elif deferred_fields:
            db_instance_qs = db_instance_qs.only(*{
                f.attname for f in self._meta.concrete_fields
                if f.attname not in deferred_fields
            })

        db_instance = db_instance_qs.get()
        non_loaded_fields = db_instance.get_deferred_fields()
        for field in self._meta.concrete_fields:
            if field.attname in non_loaded_fields:
                # This field wasn't refreshed - skip ahead.
                continue
            if fields is None or field.attname in fields or field.name in fields:
                setattr(self, field.attname, getattr(db_instance, field.attname))
                # Clear cached foreign keys.
                if field.is_relation and field.is_cached(self):
                    field.delete_cached_value(self)

        # Clear cached relations.
        for field in self._meta.related_objects:
            if (fields is None or field.name in fields) and field.is_cached(self):
                field.delete_cached_value(self)

        self._state.db = db_instance._state.db

    async def arefresh_from_db(self, using=None, fields=None, from_queryset=None):
        return await sync_to_async(self.refresh_from_db)(
            using=using, fields=fields, from_queryset=from_queryset
        )

    def serializable_value(self, field_name):
        """The value of ``field_name``; for a relation, its key value."""
        try:
            field = self._meta.get_field(field_name)
        except FieldDoesNotExist:
            return getattr(self, field_name)
        return getattr(self, field.attname)

    def save(self, *args, force_insert=False, force_update=False, using=None,
             update_fields=None):
        """Insert or update this object in the database."""
        if args:
            force_insert, force_update, using, update_fields = (
                list(args) + [force_insert, force_update, using, update_fields][len(args):]
            )[:4]
        self._prepare_related_fields_for_save(operation_name="save")

        using = using or router.db_for_write(self.__class__, instance=self)
        if force_insert and (force_update or update_fields):
            raise ValueError("Cannot force both insert and updating in model saving.")

        deferred_non_generated_fields = {
            f.attname for f in self._meta.concrete_fields
            if f.attname not in self.__dict__ and f.generated is False
        }
        if update_fields is not None:
            # An empty update_fields saves nothing and sends no signals.
            if not update_fields:
                return

            update_fields = frozenset(update_fields)
            field_names = self._meta._non_pk_concrete_field_names
            non_model_fields = update_fields.difference(field_names)

            if non_model_fields:
                raise ValueError(
                    "The following fields do not exist in this model, are m2m fields, "
                    "primary keys, or are non-concrete fields: %s"
                    % ", ".join(sorted(non_model_fields))
                )

        # An instance loaded with deferred fields, saved to the database it came from, only
        # writes the fields it has loaded.
        elif (
            not force_insert
            and deferred_non_generated_fields
            and using == self._state.db
        ):
            field_names = set()
            pk_fields = self._meta.pk_fields
            for field in self._meta.concrete_fields:
                if field not in pk_fields and not hasattr(field, "through"):
                    field_names.add(field.attname)
            loaded_fields = field_names.difference(deferred_non_generated_fields)
            if loaded_fields:
                update_fields = frozenset(loaded_fields)

        self.save_base(using=using, force_insert=force_insert, force_update=force_update,
                       update_fields=update_fields)

    save.alters_data = True

    async def asave(self, *args, force_insert=False, force_update=False, using=None,
                    update_fields=None):
        return await sync_to_async(self.save)(
            *args, force_insert=force_insert, force_update=force_update, using=using,
            update_fields=update_fields,
        )

    asave.alters_data = True

    @classmethod
    def _validate_force_insert(cls, force_insert):
        if force_insert is False:
            return ()
        if force_insert is True:
            return (cls,)
        if not isinstance(force_insert, tuple):
            raise TypeError("force_insert must be a bool or tuple.")
        for member in force_insert:
            if not isinstance(member, ModelBase):
                raise TypeError(
                    f"Invalid force_insert member. {member!r} must be a model subclass."
                )
            if not issubclass(cls, member):
                raise TypeError(
                    f"Invalid force_insert member. {member.__qualname__} must be a base of "
                    f"{cls.__qualname__}."
                )
        return force_insert

    def save_base(self, raw=False, force_insert=False, force_update=False, using=None,
                  update_fields=None):
        """The save machinery shared by save() and fixtures (``raw`` skips parents)."""
        using = using or router.db_for_write(self.__class__, instance=self)
        assert not (force_insert and (force_update or update_fields))
        assert update_fields is None or update_fields
        cls = origin = self.__class__
        # Signals are sent for the model the user saved, even when it is a proxy.
        if cls._meta.proxy:
            cls = cls._meta.concrete_model
        meta = cls._meta
        if not meta.auto_created:
            pre_save.send(sender=origin, instance=self, raw=raw, using=using,
                          update_fields=update_fields)
        # A transaction isn't needed if only one query is issued.
        if meta.parents:
            context_manager = transaction.atomic(using=using, savepoint=False)
        else:
            context_manager = transaction.mark_for_rollback_on_error(using=using)
        with context_manager:
            parent_inserted = False
            if not raw:
                # Validate force insert only when parents are inserted.
                force_insert = self._validate_force_insert(force_insert)
                parent_inserted = self._save_parents(cls, using, update_fields, force_insert)
            updated = self._save_table(
                raw, cls, force_insert or parent_inserted, force_update, using, update_fields,
            )
        self._state.db = using
        self._state.adding = False

        # Signal that the save is complete
        if not meta.auto_created:
            post_save.send(sender=origin, instance=self, created=(not updated),
                           update_fields=update_fields, raw=raw, using=using)

    save_base.alters_data = True

    def _save_parents(self, cls, using, update_fields, force_insert, updated_parents=None):
        """Write the rows of the multi-table parents of ``cls`` first (their keys feed the child)."""
        meta = cls._meta
        inserted = False
        if updated_parents is None:
            updated_parents = {}
        for parent, field in meta.parents.items():
            # Copy the parent's primary key into the child's link field when only the parent
            # has one.
            if (
                field
                and getattr(self, parent._meta.pk.attname) is None
                and getattr(self, field.attname) is not None
            ):
                setattr(self, parent._meta.pk.attname, getattr(self, field.attname))
            if (parent_updated := updated_parents.get(parent)) is None:
                parent_inserted = self._save_parents(
                    cls=parent, using=using, update_fields=update_fields,
                    force_insert=force_insert, updated_parents=updated_parents,
                )
                updated = self._save_table(
                    cls=parent, using=using, update_fields=update_fields,
                    force_insert=parent_inserted or issubclass(parent, force_insert),
                )
                if not updated:
                    inserted = True
                updated_parents[parent] = updated
            elif not parent_updated:
                inserted = True
            # Set the parent's PK value to self.
            if field:
                setattr(self, field.attname, self._get_pk_val(parent._meta))
                # The parent instance is not at hand: set the raw id and drop any cached
                # (possibly stale) parent object.
                if field.is_cached(self):
                    field.delete_cached_value(self)
        return inserted

    def _save_table(self, raw=False, cls=None, force_insert=False, force_update=False,
                    using=None, update_fields=None):
        """Save the fields of ``cls``'s own table: an UPDATE, or an INSERT when needed."""
        meta = cls._meta
        pk_fields = meta.pk_fields
        non_pks_non_generated = [
            f for f in meta.local_concrete_fields if f not in pk_fields and not f.generated
        ]

        if update_fields:
            non_pks_non_generated = [
                f for f in non_pks_non_generated
                if f.name in update_fields or f.attname in update_fields
            ]

        if not self._is_pk_set(meta):
            pk_val = meta.pk.get_pk_value_on_save(self)
            setattr(self, meta.pk.attname, pk_val)
        pk_set = self._is_pk_set(meta)
        if not pk_set and (force_update or update_fields):
            raise ValueError("Cannot force an update in save() with no primary key.")
        updated = False
        # A new instance whose primary key comes from a default cannot exist yet: INSERT
        # directly.
        if (
            not raw
            and not force_insert
            and not force_update
            and self._state.adding
            and (
                (meta.pk.default and meta.pk.default is not NOT_PROVIDED)
                or (meta.pk.db_default and meta.pk.db_default is not NOT_PROVIDED)
            )
        ):
            force_insert = True
        # With a primary key set, UPDATE first and INSERT only when no row matched.
        if pk_set and not force_insert:
            base_qs = cls._base_manager.using(using)
            values = [
                (
                    f, None,
                    (getattr(self, f.attname) if raw else f.pre_save(self, False)),
                )
                for f in non_pks_non_generated
            ]
            forced_update = update_fields or force_update
            pk_val = self._get_pk_val(meta)
            updated = self._do_update(base_qs, using, pk_val, values, update_fields,
                                      forced_update)
            if force_update and not updated:
                raise DatabaseError("Forced update did not affect any rows.")
            if update_fields and not updated:
                raise DatabaseError("Save with update_fields did not affect any rows.")
        if not updated:
            if meta.order_with_respect_to:
                # A new row in an order_with_respect_to model goes to the end of its group.
                field = meta.order_with_respect_to
                filter_args = field.get_filter_kwargs_for_object(self)
                self._order = (
                    cls._base_manager.using(using)
                    .filter(**filter_args)
                    .aggregate(
                        _order__max=Coalesce(
                            ExpressionWrapper(Max("_order") + Value(1),
                                              output_field=IntegerField()),
                            Value(0),
                        ),
                    )["_order__max"]
                )
            fields = [
                f for f in meta.local_concrete_fields
                if not f.generated and (pk_set or f is not meta.auto_field)
            ]
            returning_fields = list(meta.db_returning_fields)
            can_return_columns_from_insert = connections[
                using
            ].features.can_return_columns_from_insert
            for field in fields:
                value = getattr(self, field.attname) if raw else field.pre_save(self, False)
                if hasattr(value, "resolve_expression"):
                    if field not in returning_fields:
                        returning_fields.append(field)
                elif (
                    field.db_returning
                    and not can_return_columns_from_insert
                    and not (pk_set and field is meta.auto_field)
                ):
                    returning_fields.remove(field)
            results = self._do_insert(cls._base_manager, using, fields, returning_fields, raw)
            if results:
                self._assign_returned_values(results[0], returning_fields)
        return updated

    def _assign_returned_values(self, returned_values, returning_fields):
        for value, field in zip(returned_values, returning_fields):
            setattr(self, field.attname, value)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        """UPDATE the row with ``pk_val``; whether a row was affected."""
        filtered = base_qs.filter(pk=pk_val)
        if not values:
            # Nothing to update at this level of the inheritance chain (or no columns
            # besides the key): the save counts as done when update_fields says so or the
            # row exists.
            return update_fields is not None or filtered.exists()
        if self._meta.select_on_save and not forced_update:
            return (
                filtered.exists()
                # Zero rows matched can mean the row is gone or that the database reports
                # zero for an unchanged row; ask again to tell them apart.
                and (filtered._update(values) > 0 or filtered.exists())
            )
        return filtered._update(values) > 0

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        """INSERT this object; returns the values of ``returning_fields``, if any."""
        return manager._insert(
            [self], fields=fields, returning_fields=returning_fields, using=using, raw=raw,
        )

    def _prepare_related_fields_for_save(self, operation_name, fields=None):
        # A relation that points to an unsaved object would be stored as NULL (or fail
        # later); refuse it here with a clear error.
        for field in self._meta.concrete_fields:
            if fields and field not in fields:
                continue
            # Only a cached related object can be unsaved; a raw id is taken as given.
            if field.is_relation and field.is_cached(self):
                obj = getattr(self, field.name, None)
                if not obj:
                    continue
                # A primary key set by hand (or by a default such as uuid4) may not exist in
                # the database yet; the database's foreign key constraint is left to reject
                # that.
                if not obj._is_pk_set():
                    # Remove the object from a related instance cache.
                    if not field.remote_field.multiple:
                        field.remote_field.delete_cached_value(obj)
                    raise ValueError(
                        "%s() prohibited to prevent data loss due to unsaved related object "
                        "'%s'." % (operation_name, field.name)
                    )
                elif getattr(self, field.attname) in field.empty_values:
                    # The related object was saved after being assigned: copy its new key.
                    setattr(self, field.name, obj)
                # The related object's key changed since it was cached: forget the cached
                # object.
                if getattr(obj, field.target_field.attname) != getattr(self, field.attname):
                    field.delete_cached_value(self)

    def delete(self, using=None, keep_parents=False):
        """Delete this object and what depends on it; returns (count, {label: count})."""
        if not self._is_pk_set():
            raise ValueError(
                "%s object can't be deleted because its %s attribute is set to None."
                % (self._meta.object_name, self._meta.pk.attname)
            )
        using = using or router.db_for_write(self.__class__, instance=self)
        collector = Collector(using=using, origin=self)
        collector.collect([self], keep_parents=keep_parents)
        return collector.delete()

    delete.alters_data = True

    async def adelete(self, using=None, keep_parents=False):
        return await sync_to_async(self.delete)(using=using, keep_parents=keep_parents)

    adelete.alters_data = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        choices_dict = dict(make_hashable(field.flatchoices))
        # force_str() to coerce lazy strings.
        return force_str(choices_dict.get(make_hashable(value), value), strings_only=True)

    def _get_next_or_previous_by_FIELD(self, field, is_next, **kwargs):
        if not self._is_pk_set():
            raise ValueError("get_next/get_previous cannot be used on unsaved objects.")
        op = "gt" if is_next else "lt"
        order = "" if is_next else "-"
        param = getattr(self, field.attname)
        q = Q.create([(field.name, param), (f"pk__{op}", self.pk)], connector=Q.AND)
        q = Q.create([q, (f"{field.name}__{op}", param)], connector=Q.OR)
        qs = (
            self.__class__._default_manager.using(self._state.db)
            .filter(**kwargs)
            .filter(q)
            .order_by("%s%s" % (order, field.name), "%spk" % order)
        )
        try:
            return qs[0]
        except IndexError:
            raise self.DoesNotExist(
                "%s matching query does not exist." % self.__class__._meta.object_name
            )

    def _get_next_or_previous_in_order(self, is_next):
        cachename = "__%s_order_cache" % is_next
        if not hasattr(self, cachename):
            op = "gt" if is_next else "lt"
            order = "_order" if is_next else "-_order"
            order_field = self._meta.order_with_respect_to
            filter_args = order_field.get_filter_kwargs_for_object(self)
            obj = (
                self.__class__._default_manager.filter(**filter_args)
                .filter(**{
                    "_order__%s" % op: self.__class__._default_manager.values("_order")
                    .filter(**{self._meta.pk.name: self.pk})
                })
                .order_by(order)[:1]
                .get()
            )
            setattr(self, cachename, obj)
        return getattr(self, cachename)

    def _get_field_expression_map(self, meta, exclude=None):
        if exclude is None:
            exclude = set()
        meta = meta or self._meta
        field_map = {}
        generated_fields = []
        for field in meta.local_concrete_fields:
            if field.name in exclude:
                continue
            if field.generated:
                if any(
                    ref[0] in exclude
                    for ref in self._get_expr_references(field.expression)
                ):
                    continue
                generated_fields.append(field)
                continue
            value = getattr(self, field.attname)
            if not value or not hasattr(value, "resolve_expression"):
                value = Value(value, field)
            field_map[field.name] = value
            field_map[field.attname] = value
        if "pk" not in exclude:
            field_map["pk"] = Value(self.pk, meta.pk)
        return field_map

    def prepare_database_save(self, field):
        if not self._is_pk_set():
            raise ValueError(
                "Unsaved model instance %r cannot be used in an ORM query." % self
            )
        return getattr(self, field.remote_field.get_related_field().attname)

    def clean(self):
        """Hook for model-wide validation, run by full_clean() after the fields."""

    def validate_unique(self, exclude=None):
        """Raise ValidationError if a unique field or unique_together would be violated."""
        unique_checks, date_checks = self._get_unique_checks(exclude=exclude)

        errors = self._perform_unique_checks(unique_checks)
        date_errors = self._perform_date_checks(date_checks)

        for k, v in date_errors.items():
            errors.setdefault(k, []).extend(v)

        if errors:
            raise ValidationError(errors)

    def _get_unique_checks(self, exclude=None, include_meta_constraints=False):
        """The (model, fields) unique checks and the unique_for_date checks to run."""
        if exclude is None:
            exclude = set()
        unique_checks = []

        unique_togethers = [(self.__class__, self._meta.unique_together)]
        constraints = []
        if include_meta_constraints:
            constraints = [(self.__class__, self._meta.total_unique_constraints)]
        for parent_class in self._meta.all_parents:
            if parent_class._meta.unique_together:
                unique_togethers.append(
                    (parent_class, parent_class._meta.unique_together)
                )
            if include_meta_constraints and parent_class._meta.total_unique_constraints:
                constraints.append(
                    (parent_class, parent_class._meta.total_unique_constraints)
                )

        for model_class, unique_together in unique_togethers:
            for check in unique_together:
                if not any(name in exclude for name in check):
                    unique_checks.append((model_class, tuple(check)))

        if include_meta_constraints:
            for model_class, model_constraints in constraints:
                for constraint in model_constraints:
                    if not any(name in exclude for name in constraint.fields):
                        unique_checks.append((model_class, constraint.fields))

        # unique_for_date / unique_for_month / unique_for_year checks.
        date_checks = []


        fields_with_class = [(self.__class__, self._meta.local_fields)]
        for parent_class in self._meta.all_parents:
            fields_with_class.append((parent_class, parent_class._meta.local_fields))

        for model_class, fields in fields_with_class:
            for f in fields:
                name = f.name
                if name in exclude:
                    continue
                if f.unique:
                    unique_checks.append((model_class, (name,)))
                if f.unique_for_date and f.unique_for_date not in exclude:
                    date_checks.append((model_class, "date", name, f.unique_for_date))
                if f.unique_for_year and f.unique_for_year not in exclude:
                    date_checks.append((model_class, "year", name, f.unique_for_year))
                if f.unique_for_month and f.unique_for_month not in exclude:
                    date_checks.append((model_class, "month", name, f.unique_for_month))
        return unique_checks, date_checks

    def _perform_unique_checks(self, unique_checks):
        errors = {}

        for model_class, unique_check in unique_checks:

            lookup_kwargs = {}
            for field_name in unique_check:
                f = self._meta.get_field(field_name)
                lookup_value = getattr(self, f.attname)
                # TODO: Handle multiple backends with different feature flags.
                if lookup_value is None or (
                    lookup_value == ""
                    and connections[DEFAULT_DB_ALIAS].features.interprets_empty_strings_as_nulls
                ):
                    # no value, skip the lookup
                    continue
                if f in model_class._meta.pk_fields and not self._state.adding:
                    continue
                lookup_kwargs[str(field_name)] = lookup_value

            # A value was excluded or is None: the check cannot fail.
            if len(unique_check) != len(lookup_kwargs):
                continue

            qs = model_class._default_manager.filter(**lookup_kwargs)

            # When editing, the row being validated must not count as its own duplicate. The
            # key is taken per model class, since a child under multi-table inheritance has
            # one per ancestor.
            model_class_pk = self._get_pk_val(model_class._meta)
            if not self._state.adding and model_class_pk is not None:
                qs = qs.exclude(pk=model_class_pk)
            if qs.exists():
                if len(unique_check) == 1:
                    key = unique_check[0]
                else:
                    key = NON_FIELD_ERRORS
                errors.setdefault(key, []).append(
                    self.unique_error_message(model_class, unique_check)
                )

        return errors

    def _perform_date_checks(self, date_checks):
        errors = {}
        for model_class, lookup_type, field, unique_for in date_checks:
            lookup_kwargs = {}
            # Compare the date part of a datetime with the day's lookups.
            date = getattr(self, unique_for)
            if date is None:
                continue
            if lookup_type == "date":
                lookup_kwargs["%s__day" % unique_for] = date.day
                lookup_kwargs["%s__month" % unique_for] = date.month
                lookup_kwargs["%s__year" % unique_for] = date.year
            else:
                lookup_kwargs["%s__%s" % (unique_for, lookup_type)] = getattr(
                    date, lookup_type
                )
            lookup_kwargs[field] = getattr(self, field)

            qs = model_class._default_manager.filter(**lookup_kwargs)
            # An existing instance does not clash with itself.
            if not self._state.adding and self._is_pk_set():
                qs = qs.exclude(pk=self.pk)

            if qs.exists():
                errors.setdefault(field, []).append(
                    self.date_error_message(lookup_type, field, unique_for)
                )
        return errors

    def date_error_message(self, lookup_type, field_name, unique_for):
        opts = self._meta
        field = opts.get_field(field_name)
        return ValidationError(
            message=field.error_messages["unique_for_date"],
            code="unique_for_date",
            params={
                "model": self,
                "model_name": capfirst(opts.verbose_name),
                "lookup_type": lookup_type,
                "field": field_name,
                "field_label": capfirst(field.verbose_name),
                "date_field": unique_for,
                "date_field_label": capfirst(opts.get_field(unique_for).verbose_name),
            },
        )

    def unique_error_message(self, model_class, unique_check):
        opts = model_class._meta

        params = {
            "model": self,
            "model_class": model_class,
            "model_name": capfirst(opts.verbose_name),
            "unique_check": unique_check,
        }

        # A unique field
        if len(unique_check) == 1:
            field = opts.get_field(unique_check[0])
            params["field_label"] = capfirst(field.verbose_name)
            return ValidationError(
                message=field.error_messages["unique"],
                code="unique",
                params=params,
            )

        # unique_together
        else:
            field_labels = [
                capfirst(opts.get_field(f).verbose_name) for f in unique_check
            ]
            params["field_labels"] = get_text_list(field_labels, _("and"))
            return ValidationError(
                message=_("%(model_name)s with this %(field_labels)s already exists."),
                code="unique_together",
                params=params,
            )

    def get_constraints(self):
        constraints = [(self.__class__, self._meta.constraints)]
        for parent_class in self._meta.all_parents:
            if parent_class._meta.constraints:
                constraints.append((parent_class, parent_class._meta.constraints))
        return constraints

    def validate_constraints(self, exclude=None):
        """Raise ValidationError for Meta.constraints this object would violate."""
        constraints = self.get_constraints()
        using = router.db_for_write(self.__class__, instance=self)

        errors = {}
        for model_class, model_constraints in constraints:
            for constraint in model_constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as e:
                    if (
                        getattr(e, "code", None) == "unique"
                        and len(constraint.fields) == 1
                    ):
                        errors.setdefault(constraint.fields[0], []).append(e)
                    else:
                        errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        """clean_fields(), clean(), validate_unique() and validate_constraints(), with all
        errors collected into one ValidationError (``message_dict`` by field)."""
        errors = {}
        if exclude is None:
            exclude = set()
        else:
            exclude = set(exclude)

        try:
            self.clean_fields(exclude=exclude)
        except ValidationError as e:
            errors = e.update_error_dict(errors)

        # clean() runs even when field validation failed, so that all errors are reported
        # together.
        try:
            self.clean()
        except ValidationError as e:
            errors = e.update_error_dict(errors)

        # Uniqueness is only checked for fields whose values are valid.
        if validate_unique:
            for name in errors:
                if name != NON_FIELD_ERRORS and name not in exclude:
                    exclude.add(name)
            try:
                self.validate_unique(exclude=exclude)
            except ValidationError as e:
                errors = e.update_error_dict(errors)

        # Likewise for constraints.
        if validate_constraints:
            for name in errors:
                if name != NON_FIELD_ERRORS and name not in exclude:
                    exclude.add(name)
            try:
                self.validate_constraints(exclude=exclude)
            except ValidationError as e:
                errors = e.update_error_dict(errors)

        if errors:
            raise ValidationError(errors)

    def clean_fields(self, exclude=None):
        """Clean every field; raise ValidationError with the errors by field name."""
        if exclude is None:
            exclude = set()

        errors = {}
        for f in self._meta.fields:
            if f.name in exclude or f.generated:
                continue
            # Blank values in blank=True fields are accepted as they are.
            raw_value = getattr(self, f.attname)
            if f.blank and raw_value in f.empty_values:
                continue
            # A field left to its database default has no value to validate yet.
            if isinstance(f.db_default, DatabaseDefault) or (
                f.has_db_default() and isinstance(raw_value, DatabaseDefault)
            ):
                continue
            try:
                setattr(self, f.attname, f.clean(raw_value, self))
            except ValidationError as e:
                errors[f.name] = e.error_list

        if errors:
            raise ValidationError(errors)

    @classmethod
    def check(cls, **kwargs):
        """System checks of this model and its fields."""
        errors = []
        for field in cls._meta.local_fields + cls._meta.local_many_to_many:
            errors.extend(field.check(**kwargs))
        errors.extend(cls._check_constraints(kwargs.get("databases") or ()))
        return errors

    @classmethod
    def _check_constraints(cls, databases):
        """What each database the model migrates to can do with Meta.constraints; only
        databases the check was asked to look at (``check --database``, migrate)."""
        errors = []
        for alias in databases:
            if not router.allow_migrate_model(alias, cls):
                continue
            for constraint in cls._meta.constraints:
                errors.extend(constraint.check(cls, connections[alias]))
        return errors


def make_foreign_order_accessors(model, related_model):
    setattr(
        related_model,
        "get_%s_order" % model.__name__.lower(),
        partialmethod(method_get_order, model),
    )
    setattr(
        related_model,
        "set_%s_order" % model.__name__.lower(),
        partialmethod(method_set_order, model),
    )


def method_set_order(self, ordered_obj, id_list, using=None):
    order_wrt = ordered_obj._meta.order_with_respect_to
    filter_args = order_wrt.get_forward_related_filter(self)
    ordered_obj.objects.db_manager(using).filter(**filter_args).bulk_update(
        [ordered_obj(pk=pk, _order=order) for order, pk in enumerate(id_list)],
        ["_order"],
    )


def method_get_order(self, ordered_obj):
    order_wrt = ordered_obj._meta.order_with_respect_to
    filter_args = order_wrt.get_forward_related_filter(self)
    pk_name = ordered_obj._meta.pk.name
    return ordered_obj.objects.filter(**filter_args).values_list(pk_name, flat=True)


def model_unpickle(model_id):
    """Used to unpickle Model subclasses with deferred fields."""
    if isinstance(model_id, tuple):
        model = apps.get_model(*model_id)
    else:
        # Older pickles stored the model class itself.
        model = model_id
    return model.__new__(model)


model_unpickle.__safe_for_unpickle__ = True

