"""Descriptors behind relation attributes, and the related managers they return.

``book.author`` (forward many-to-one), ``place.restaurant`` (reverse one-to-one),
``author.book_set`` (reverse many-to-one manager), ``pizza.toppings`` (many-to-many manager).
Related objects are cached on the instance (``instance._state.fields_cache``).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async

from reinhardt.core.exceptions import FieldError
from reinhardt.orm import DEFAULT_DB_ALIAS, connections, router, transaction
from reinhardt.orm.models import signals
from reinhardt.orm.models.expressions import F
from reinhardt.orm.models.query_utils import DeferredAttribute, Q
from reinhardt.utils.functional import cached_property


class ForeignKeyDeferredAttribute(DeferredAttribute):
    """The ``<fk>_id`` attribute: changing it forgets the cached related object."""

    def __set__(self, instance, value):
        if instance.__dict__.get(self.field.attname) != value and self.field.is_cached(instance):
            self.field.delete_cached_value(instance)
        instance.__dict__[self.field.attname] = value


def _filter_prefetch_queryset(queryset, field_name, instances):
    predicate = Q(**{f"{field_name}__in": instances})
    db = queryset._db or DEFAULT_DB_ALIAS
    if queryset.query.is_sliced:
        features = connections[db].features
        if not features.supports_window_functions:
            raise features.not_supported(
                "supports_window_functions",
                "prefetching from a limited queryset (it numbers rows with a window)",
            )
        from reinhardt.orm.models import Window
        from reinhardt.orm.models.functions import RowNumber

        low_mark, high_mark = queryset.query.low_mark, queryset.query.high_mark
        order_by = [
            expr for expr, _ in queryset.query.get_compiler(using=db).get_order_by()
        ]
        window = Window(RowNumber(), partition_by=field_name, order_by=order_by)
        predicate &= Q(_prefetch_row_number__gt=low_mark)
        queryset = queryset.annotate(_prefetch_row_number=window)
        if high_mark is not None:
            predicate &= Q(_prefetch_row_number__lte=high_mark)
        queryset.query.clear_limits()
    return queryset.filter(predicate)


# Field caching on instances (Django's FieldCacheMixin API on fields and relations).
def _is_cached(self, instance):
    return self.cache_name in instance._state.fields_cache


def _get_cached_value(self, instance, default=None):
    try:
        return instance._state.fields_cache[self.cache_name]
    except KeyError:
        if default is None:
            raise
        return default


def _set_cached_value(self, instance, value):
    instance._state.fields_cache[self.cache_name] = value


def _delete_cached_value(self, instance):
    del instance._state.fields_cache[self.cache_name]


_MISSING = object()


def _install_field_cache_api():
    from reinhardt.orm.models.fields import Field
    from reinhardt.orm.models.fields.reverse_related import ForeignObjectRel

    for cls in (Field, ForeignObjectRel):
        cls.is_cached = _is_cached
        cls.set_cached_value = _set_cached_value
        cls.delete_cached_value = _delete_cached_value

        def get_cached_value(self, instance, default=_MISSING):
            try:
                return instance._state.fields_cache[self.cache_name]
            except KeyError:
                if default is _MISSING:
                    raise
                return default

        cls.get_cached_value = get_cached_value


class ForwardManyToOneDescriptor:
    """``child.parent``: the object a ForeignKey points at, fetched once and cached."""

    def __init__(self, field_with_rel):
        self.field = field_with_rel

    @cached_property
    def RelatedObjectDoesNotExist(self):
        return type(
            "RelatedObjectDoesNotExist",
            (self.field.remote_field.model.DoesNotExist, AttributeError),
            {
                "__module__": self.field.model.__module__,
                "__qualname__": "%s.%s.RelatedObjectDoesNotExist" % (
                    self.field.model.__qualname__, self.field.name,
                ),
            },
        )

    def is_cached(self, instance):
        return self.field.is_cached(instance)

    def get_queryset(self, **hints):
        return self.field.remote_field.model._base_manager.db_manager(hints=hints).all()

    def get_prefetch_querysets(self, instances, querysets=None):
        if querysets and len(querysets) != 1:
            raise ValueError("querysets argument of get_prefetch_querysets() should have a "
                             "length of 1.")
        queryset = querysets[0] if querysets else self.get_queryset()
        queryset._add_hints(instance=instances[0])

        rel_obj_attr = self.field.get_foreign_related_value
        instance_attr = self.field.get_local_related_value
        instances_dict = {instance_attr(inst): inst for inst in instances}
        related_field = self.field.foreign_related_fields[0]
        remote_field = self.field.remote_field

        # FIXME: This will need to be revisited when we introduce support for
        # composite fields. In the meantime we take this practical approach to
        # solve a regression on 1.6 when the reverse manager is hidden
        # (related_name ends with a '+'). Refs #21410.
        # The check for len(...) == 1 is a special case that allows the query
        # to be join-less and smaller. Refs #21760.
        if remote_field.is_hidden() or len(self.field.foreign_related_fields) == 1:
            query = {
                "%s__in" % related_field.name: {instance_attr(inst)[0] for inst in instances}
            }
        else:
            query = {"%s__in" % self.field.related_query_name(): instances}
        queryset = queryset.filter(**query)
        # One related object per instance: ordering is useless, drop it where that is safe.
        queryset.query.clear_ordering()

        # The objects are put into the cache directly, so the reverse cache is filled here
        # too.
        if not remote_field.multiple:
            for rel_obj in queryset:
                instance = instances_dict[rel_obj_attr(rel_obj)]
                remote_field.set_cached_value(rel_obj, instance)
        return (queryset, rel_obj_attr, instance_attr, True, self.field.cache_name, False)

    def get_object(self, instance):
        qs = self.get_queryset(instance=instance)
        # With enforced foreign keys the row exists.
        return qs.get(self.field.get_reverse_related_filter(instance))

    def __get__(self, instance, cls=None):
        """The related object, fetched on first access."""
        if instance is None:
            return self
        # Cached on the instance after the first read (or filled in advance by the reverse
        # accessor).
        try:
            rel_obj = self.field.get_cached_value(instance)
        except KeyError:
            has_value = None not in self.field.get_local_related_value(instance)
            ancestor_link = (
                instance._meta.get_ancestor_link(self.field.model) if has_value else None
            )
            if ancestor_link and ancestor_link.is_cached(instance):
                # The field may belong to a multi-table parent of the instance's class.
                ancestor = ancestor_link.get_cached_value(instance)
                # Reached by walking down from the parent: the value may be cached there.
                rel_obj = self.field.get_cached_value(ancestor, default=None)
            else:
                rel_obj = None
            if rel_obj is None and has_value:
                rel_obj = self.get_object(instance)
                remote_field = self.field.remote_field
                # One-to-one: cache this instance on the related object as well, saving a
                # query on the way back.
                if not remote_field.multiple:
                    remote_field.set_cached_value(rel_obj, instance)
            self.field.set_cached_value(instance, rel_obj)

        if rel_obj is None and not self.field.null:
            raise self.RelatedObjectDoesNotExist(
                "%s has no %s." % (self.field.model.__name__, self.field.name)
            )
        return rel_obj

    def __set__(self, instance, value):
        """Set the related object (or None), and the key attribute with it."""
        # If value is a LazyObject, force its evaluation.
        if value is not None and not isinstance(value, self.field.remote_field.model._meta.concrete_model):
            raise ValueError(
                'Cannot assign "%r": "%s.%s" must be a "%s" instance.' % (
                    value, instance._meta.object_name, self.field.name,
                    self.field.remote_field.model._meta.object_name,
                )
            )
        elif value is not None:
            if instance._state.db is None:
                instance._state.db = router.db_for_write(instance.__class__, instance=value)
            if value._state.db is None:
                value._state.db = router.db_for_write(value.__class__, instance=instance)
            if not router.allow_relation(value, instance):
                raise ValueError(
                    'Cannot assign "%r": the current database router prevents this relation.'
                    % value
                )

        remote_field = self.field.remote_field
        # Setting a one-to-one to None: forget this instance in the old related object's
        # cache, or deleting that object would cascade to this one.
        if value is None:
            # Read the old object from the cache only; an uncached one has no cache to
            # clear.
            related = self.field.get_cached_value(instance, default=None)

            if related is not None:
                remote_field.set_cached_value(related, None)

            for lh_field, _ in self.field.related_fields:
                setattr(instance, lh_field.attname, None)

        # Set the values of the related field.
        else:
            for lh_field, rh_field in self.field.related_fields:
                setattr(instance, lh_field.attname, getattr(value, rh_field.attname))

        # Cache the assigned object so reading the attribute needs no query.
        self.field.set_cached_value(instance, value)

        # One-to-one: cache the reverse side too.
        if value is not None and not remote_field.multiple:
            remote_field.set_cached_value(value, instance)

    def __reduce__(self):
        return getattr, (self.field.model, self.field.name)


class ForwardOneToOneDescriptor(ForwardManyToOneDescriptor):
    """``restaurant.place``; for a multi-table inheritance parent link, the parent object is
    built from the child's own fields when they are all loaded (no query)."""

    def get_object(self, instance):
        if self.field.remote_field.parent_link:
            deferred = instance.get_deferred_fields()
            # A parent link: the child row holds the parent's values, so the parent instance
            # is built from them.
            rel_model = self.field.remote_field.model
            fields = [field.attname for field in rel_model._meta.concrete_fields]

            # Deferred parent fields: load the whole parent once rather than field by field.
            if not any(field in fields for field in deferred):
                kwargs = {field: getattr(instance, field) for field in fields}
                obj = rel_model(**kwargs)
                obj._state.adding = instance._state.adding
                obj._state.db = instance._state.db
                return obj
        return super().get_object(instance)

    def __set__(self, instance, value):
        super().__set__(instance, value)
        # Assigning a parent to a primary-key parent link also sets the inherited key
        # values.
        if self.field.primary_key and self.field.remote_field.parent_link:
            opts = instance._meta
            inherited_pk_fields = [
                field for field in opts.concrete_fields
                if field.primary_key and field.remote_field
            ]
            for field in inherited_pk_fields:
                rel_model_pk_name = field.remote_field.model._meta.pk.attname
                raw_value = getattr(value, rel_model_pk_name) if value is not None else None
                setattr(instance, rel_model_pk_name, raw_value)


class ReverseOneToOneDescriptor:
    """``place.restaurant``: the one object whose OneToOneField points here."""

    def __init__(self, related):
        # The OneToOneRel of the reverse side (e.g. place.restaurant).
        self.related = related

    @cached_property
    def RelatedObjectDoesNotExist(self):
        # Built on first use, like the forward descriptor's.
        return type(
            "RelatedObjectDoesNotExist",
            (self.related.related_model.DoesNotExist, AttributeError),
            {
                "__module__": self.related.model.__module__,
                "__qualname__": "%s.%s.RelatedObjectDoesNotExist" % (
                    self.related.model.__qualname__, self.related.name,
                ),
            },
        )

    def is_cached(self, instance):
        return self.related.is_cached(instance)

    def get_queryset(self, **hints):
        return self.related.related_model._base_manager.db_manager(hints=hints).all()

    def get_prefetch_querysets(self, instances, querysets=None):
        if querysets and len(querysets) != 1:
            raise ValueError("querysets argument of get_prefetch_querysets() should have a "
                             "length of 1.")
        queryset = querysets[0] if querysets else self.get_queryset()
        queryset._add_hints(instance=instances[0])

        rel_obj_attr = self.related.field.get_local_related_value
        instance_attr = self.related.field.get_foreign_related_value
        instances_dict = {instance_attr(inst): inst for inst in instances}
        query = {"%s__in" % self.related.field.name: instances}
        queryset = queryset.filter(**query)
        # One related object per instance: ordering is useless, drop it where that is safe.
        queryset.query.clear_ordering()

        # The objects are put into the cache directly, so the forward cache is filled here
        # too.
        for rel_obj in queryset:
            instance = instances_dict[rel_obj_attr(rel_obj)]
            self.related.field.set_cached_value(rel_obj, instance)
        return (queryset, rel_obj_attr, instance_attr, True, self.related.cache_name, False)

    def __get__(self, instance, cls=None):
        if instance is None:
            return self

        # Cached on the instance after the first read (or filled in advance by the forward
        # accessor).
        try:
            rel_obj = self.related.get_cached_value(instance)
        except KeyError:
            related_pk = instance.pk
            if related_pk is None:
                rel_obj = None
            else:
                filter_args = self.related.field.get_forward_related_filter(instance)
                try:
                    rel_obj = self.get_queryset(instance=instance).get(**filter_args)
                except self.related.related_model.DoesNotExist:
                    rel_obj = None
                else:
                    # Cache this instance on the related object as well.
                    self.related.field.set_cached_value(rel_obj, instance)
            self.related.set_cached_value(instance, rel_obj)

        if rel_obj is None:
            raise self.RelatedObjectDoesNotExist(
                "%s has no %s." % (instance.__class__.__name__, self.related.accessor_name)
            )
        return rel_obj

    def __set__(self, instance, value):

        if value is None:
            # Assigning None: detach the currently related object (if cached).
            rel_obj = self.related.get_cached_value(instance, default=None)
            if rel_obj is not None:
                self.related.delete_cached_value(instance)
                setattr(rel_obj, self.related.field.name, None)
        elif not isinstance(value, self.related.related_model):
            raise ValueError(
                'Cannot assign "%r": "%s.%s" must be a "%s" instance.' % (
                    value, instance._meta.object_name, self.related.accessor_name,
                    self.related.related_model._meta.object_name,
                )
            )
        else:
            if instance._state.db is None:
                instance._state.db = router.db_for_write(instance.__class__, instance=value)
            if value._state.db is None:
                value._state.db = router.db_for_write(value.__class__, instance=instance)
            if not router.allow_relation(value, instance):
                raise ValueError(
                    'Cannot assign "%r": the current database router prevents this relation.'
                    % value
                )

            related_pk = tuple(
                getattr(instance, field.attname)
                for field in self.related.field.foreign_related_fields
            )
            # Copy the key values onto the related object.
            for index, field in enumerate(self.related.field.local_related_fields):
                setattr(value, field.attname, related_pk[index])

            # Cache both directions so neither read needs a query.
            self.related.set_cached_value(instance, value)

            self.related.field.set_cached_value(value, instance)

    def __reduce__(self):
        # Same purpose as ForwardManyToOneDescriptor.__reduce__().
        return getattr, (self.related.model, self.related.name)


class ReverseManyToOneDescriptor:
    """``parent.children``: a manager of the objects whose ForeignKey points here."""

    def __init__(self, rel):
        self.rel = rel
        self.field = rel.field

    @cached_property
    def related_manager_cls(self):
        related_model = self.rel.related_model
        return create_reverse_many_to_one_manager(
            related_model._default_manager.__class__, self.rel,
        )

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        return self.related_manager_cls(instance)

    def _get_set_deprecation_msg_params(self):
        return ("reverse side of a related set", self.rel.accessor_name)

    def __set__(self, instance, value):
        raise TypeError(
            "Direct assignment to the %s is prohibited. Use %s.set() instead."
            % self._get_set_deprecation_msg_params(),
        )


def create_reverse_many_to_one_manager(superclass, rel):
    """Manager behind ``author.book_set``: the objects whose foreign key points at one instance."""

    class RelatedManager(superclass):
        def __init__(self, instance):
            super().__init__()

            self.instance = instance
            self.model = rel.related_model
            self.field = rel.field

            self.core_filters = {self.field.name: instance}

        def __call__(self, *, manager):
            manager = getattr(self.model, manager)
            manager_class = create_reverse_many_to_one_manager(manager.__class__, rel)
            return manager_class(self.instance)

        do_not_call_in_templates = True

        def _check_fk_val(self):
            for field in self.field.foreign_related_fields:
                if getattr(self.instance, field.attname) is None:
                    raise ValueError(
                        f'"{self.instance!r}" needs to have a value for field "{field.attname}" '
                        "before this relationship can be used."
                    )

        def _apply_rel_filters(self, queryset):
            """Restrict a queryset to the rows related to ``self.instance``."""
            db = self._db or router.db_for_read(self.model, instance=self.instance)
            empty_strings_as_null = connections[db].features.interprets_empty_strings_as_nulls
            queryset._add_hints(instance=self.instance)
            if self._db:
                queryset = queryset.using(self._db)
            queryset._defer_next_filter = True
            queryset = queryset.filter(**self.core_filters)
            for field in self.field.foreign_related_fields:
                val = getattr(self.instance, field.attname)
                if val is None or (val == "" and empty_strings_as_null):
                    return queryset.none()
            if self.field.many_to_one:
                # Objects such as GenericRelation reuse this manager without a real foreign
                # key; skip the known-object shortcut for them.
                try:
                    target_field = self.field.target_field
                except FieldError:
                    # Several target fields: the id is a tuple.
                    rel_obj_id = tuple([
                        getattr(self.instance, target_field.attname)
                        for target_field in self.field.path_infos[-1].target_fields
                    ])
                else:
                    rel_obj_id = getattr(self.instance, target_field.attname)
                queryset._known_related_objects = {
                    self.field: {rel_obj_id: self.instance}
                }
            return queryset

        def _remove_prefetched_objects(self):
            try:
                self.instance._prefetched_objects_cache.pop(
                    self.field.remote_field.cache_name
                )
            except (AttributeError, KeyError):
                pass  # nothing to clear from cache

        def get_queryset(self):
            # The instance needs a primary key even when the relation targets another field;
            # it should be saved.
            if self.instance.pk is None:
                raise ValueError(
                    f"{self.instance.__class__.__name__!r} instance needs to have a primary "
                    f"key value before this relationship can be used."
                )
            try:
                return self.instance._prefetched_objects_cache[
                    self.field.remote_field.cache_name
                ]
            except (AttributeError, KeyError):
                queryset = super().get_queryset()
                return self._apply_rel_filters(queryset)

        def get_prefetch_querysets(self, instances, querysets=None):
            if querysets and len(querysets) != 1:
                raise ValueError("querysets argument of get_prefetch_querysets() should have "
                                 "a length of 1.")
            queryset = querysets[0] if querysets else super().get_queryset()
            queryset._add_hints(instance=instances[0])
            queryset = queryset.using(queryset._db or self._db)

            rel_obj_attr = self.field.get_local_related_value
            instance_attr = self.field.get_foreign_related_value
            instances_dict = {instance_attr(inst): inst for inst in instances}
            queryset = _filter_prefetch_queryset(queryset, self.field.name, instances)

            # get_queryset() was bypassed, so fill the reverse cache by hand.
            for rel_obj in queryset:
                if not self.field.is_cached(rel_obj):
                    instance = instances_dict[rel_obj_attr(rel_obj)]
                    setattr(rel_obj, self.field.name, instance)
            cache_name = self.field.remote_field.cache_name
            return queryset, rel_obj_attr, instance_attr, False, cache_name, False

        def add(self, *objs, bulk=True):
            self._check_fk_val()
            self._remove_prefetched_objects()
            db = router.db_for_write(self.model, instance=self.instance)

            def check_and_update_obj(obj):
                if not isinstance(obj, self.model):
                    raise TypeError(
                        "'%s' instance expected, got %r" % (self.model._meta.object_name, obj)
                    )
                setattr(obj, self.field.name, self.instance)

            if bulk:
                pks = []
                for obj in objs:
                    check_and_update_obj(obj)
                    if obj._state.adding or obj._state.db != db:
                        raise ValueError(
                            "%r instance isn't saved. Use bulk=False or save the object first."
                            % obj
                        )
                    pks.append(obj.pk)
                self.model._base_manager.using(db).filter(pk__in=pks).update(
                    **{self.field.name: self.instance}
                )
            else:
                with transaction.atomic(using=db, savepoint=False):
                    for obj in objs:
                        check_and_update_obj(obj)
                        obj.save()

        add.alters_data = True

        async def aadd(self, *objs, bulk=True):
            return await sync_to_async(self.add)(*objs, bulk=bulk)

        aadd.alters_data = True

        def create(self, **kwargs):
            self._check_fk_val()
            self._remove_prefetched_objects()
            kwargs[self.field.name] = self.instance
            db = router.db_for_write(self.model, instance=self.instance)
            return super(RelatedManager, self.db_manager(db)).create(**kwargs)

        create.alters_data = True

        async def acreate(self, **kwargs):
            return await sync_to_async(self.create)(**kwargs)

        acreate.alters_data = True

        def get_or_create(self, **kwargs):
            self._check_fk_val()
            kwargs[self.field.name] = self.instance
            db = router.db_for_write(self.model, instance=self.instance)
            return super(RelatedManager, self.db_manager(db)).get_or_create(**kwargs)

        get_or_create.alters_data = True

        async def aget_or_create(self, **kwargs):
            return await sync_to_async(self.get_or_create)(**kwargs)

        aget_or_create.alters_data = True

        def update_or_create(self, **kwargs):
            self._check_fk_val()
            kwargs[self.field.name] = self.instance
            db = router.db_for_write(self.model, instance=self.instance)
            return super(RelatedManager, self.db_manager(db)).update_or_create(**kwargs)

        update_or_create.alters_data = True

        async def aupdate_or_create(self, **kwargs):
            return await sync_to_async(self.update_or_create)(**kwargs)

        aupdate_or_create.alters_data = True

        # remove() and clear() exist only when the foreign key can be NULL.
        if rel.field.null:

            def remove(self, *objs, bulk=True):
                if not objs:
                    return
                self._check_fk_val()
                val = self.field.get_foreign_related_value(self.instance)
                old_ids = set()
                for obj in objs:
                    if not isinstance(obj, self.model):
                        raise TypeError(
                            "'%s' instance expected, got %r" % (
                                self.model._meta.object_name, obj,
                            )
                        )
                    # Is obj actually part of this descriptor set?
                    if self.field.get_local_related_value(obj) == val:
                        old_ids.add(obj.pk)
                    else:
                        raise self.field.remote_field.model.DoesNotExist(
                            "%r is not related to %r." % (obj, self.instance)
                        )
                self._clear(self.filter(pk__in=old_ids), bulk)

            remove.alters_data = True

            async def aremove(self, *objs, bulk=True):
                return await sync_to_async(self.remove)(*objs, bulk=bulk)

            aremove.alters_data = True

            def clear(self, *, bulk=True):
                self._check_fk_val()
                self._clear(self, bulk)

            clear.alters_data = True

            async def aclear(self, *, bulk=True):
                return await sync_to_async(self.clear)(bulk=bulk)

            aclear.alters_data = True

            def _clear(self, queryset, bulk):
                self._remove_prefetched_objects()
                db = router.db_for_write(self.model, instance=self.instance)
                queryset = queryset.using(db)
                if bulk:
                    # `QuerySet.update()` is intrinsically atomic.
                    queryset.update(**{self.field.name: None})
                else:
                    with transaction.atomic(using=db, savepoint=False):
                        for obj in queryset:
                            setattr(obj, self.field.name, None)
                            obj.save(update_fields=[self.field.name])

            _clear.alters_data = True

        def set(self, objs, *, bulk=True, clear=False):
            self._check_fk_val()
            # Evaluate objs now: it may be a queryset that clear() would change.
            objs = tuple(objs)

            if self.field.null:
                db = router.db_for_write(self.model, instance=self.instance)
                with transaction.atomic(using=db, savepoint=False):
                    if clear:
                        self.clear(bulk=bulk)
                        self.add(*objs, bulk=bulk)
                    else:
                        old_objs = set(self.using(db).all())
                        new_objs = []
                        for obj in objs:
                            if obj in old_objs:
                                old_objs.remove(obj)
                            else:
                                new_objs.append(obj)

                        self.remove(*old_objs, bulk=bulk)
                        self.add(*new_objs, bulk=bulk)
            else:
                self.add(*objs, bulk=bulk)

        set.alters_data = True

        async def aset(self, objs, *, bulk=True, clear=False):
            return await sync_to_async(self.set)(objs=objs, bulk=bulk, clear=clear)

        aset.alters_data = True

    return RelatedManager


class ManyToManyDescriptor(ReverseManyToOneDescriptor):
    """``pizza.toppings`` and ``topping.pizza_set``: managers over the intermediary table."""

    def __init__(self, rel, reverse=False):
        super().__init__(rel)
        self.reverse = reverse

    @property
    def through(self):
        # Resolved lazily, since the through model may be given as a string.
        return self.rel.through

    @cached_property
    def related_manager_cls(self):
        related_model = self.rel.related_model if self.reverse else self.rel.model
        return create_forward_many_to_many_manager(
            related_model._default_manager.__class__, self.rel, reverse=self.reverse,
        )

    def _get_set_deprecation_msg_params(self):
        return (
            "%s side of a many-to-many set" % ("reverse" if self.reverse else "forward"),
            self.rel.accessor_name if self.reverse else self.field.name,
        )


def create_forward_many_to_many_manager(superclass, rel, reverse):
    """A manager class for either side of a many-to-many relation."""

    class ManyRelatedManager(superclass):
        def __init__(self, instance=None):
            super().__init__()

            self.instance = instance

            if not reverse:
                self.model = rel.model
                self.query_field_name = rel.field.related_query_name()
                self.prefetch_cache_name = rel.field.name
                self.source_field_name = rel.field.m2m_field_name()
                self.target_field_name = rel.field.m2m_reverse_field_name()
                self.symmetrical = rel.symmetrical
            else:
                self.model = rel.related_model
                self.query_field_name = rel.field.name
                self.prefetch_cache_name = rel.field.related_query_name()
                self.source_field_name = rel.field.m2m_reverse_field_name()
                self.target_field_name = rel.field.m2m_field_name()
                self.symmetrical = False

            self.through = rel.through
            self.reverse = reverse

            self.source_field = self.through._meta.get_field(self.source_field_name)
            self.target_field = self.through._meta.get_field(self.target_field_name)

            self.core_filters = {}
            self.pk_field_names = {}
            for lh_field, rh_field in self.source_field.related_fields:
                core_filter_key = "%s__%s" % (self.query_field_name, rh_field.name)
                self.core_filters[core_filter_key] = getattr(instance, rh_field.attname)
                self.pk_field_names[lh_field.name] = rh_field.name

            self.related_val = self.source_field.get_foreign_related_value(instance)
            if None in self.related_val:
                raise ValueError(
                    '"%r" needs to have a value for field "%s" before this many-to-many '
                    "relationship can be used."
                    % (instance, self.pk_field_names[self.source_field_name])
                )
            # The instance needs a primary key even when the relation targets another field;
            # it should be saved.
            if instance.pk is None:
                raise ValueError(
                    "%r instance needs to have a primary key value before a many-to-many "
                    "relationship can be used." % instance.__class__.__name__
                )

        def __call__(self, *, manager):
            manager = getattr(self.model, manager)
            manager_class = create_forward_many_to_many_manager(
                manager.__class__, rel, reverse
            )
            return manager_class(instance=self.instance)

        do_not_call_in_templates = True

        def _build_remove_filters(self, removed_vals):
            filters = Q.create([(self.source_field_name, self.related_val)])
            # An unfiltered queryset removes everything: no subquery needed.
            removed_vals_filters = (
                not hasattr(removed_vals, "_has_filters") or removed_vals._has_filters()
            )
            if removed_vals_filters:
                filters &= Q.create([(f"{self.target_field_name}__in", removed_vals)])
            if self.symmetrical:
                symmetrical_filters = Q.create([(self.target_field_name, self.related_val)])
                if removed_vals_filters:
                    symmetrical_filters &= Q.create(
                        [(f"{self.source_field_name}__in", removed_vals)]
                    )
                filters |= symmetrical_filters
            return filters

        def _apply_rel_filters(self, queryset):
            """Restrict a queryset to the rows linked to ``self.instance`` through the join table."""
            queryset._add_hints(instance=self.instance)
            if self._db:
                queryset = queryset.using(self._db)
            queryset._defer_next_filter = True
            return queryset._next_is_sticky().filter(**self.core_filters)

        def get_prefetch_cache(self):
            try:
                return self.instance._prefetched_objects_cache[self.prefetch_cache_name]
            except (AttributeError, KeyError):
                return None

        def _remove_prefetched_objects(self):
            try:
                self.instance._prefetched_objects_cache.pop(self.prefetch_cache_name)
            except (AttributeError, KeyError):
                pass  # nothing to clear from cache

        def get_queryset(self):
            if (cache := self.get_prefetch_cache()) is not None:
                return cache
            queryset = super().get_queryset()
            return self._apply_rel_filters(queryset)

        def get_prefetch_querysets(self, instances, querysets=None):
            if querysets and len(querysets) != 1:
                raise ValueError("querysets argument of get_prefetch_querysets() should have "
                                 "a length of 1.")
            queryset = querysets[0] if querysets else super().get_queryset()
            queryset._add_hints(instance=instances[0])
            queryset = queryset.using(queryset._db or self._db)
            queryset = _filter_prefetch_queryset(
                queryset._next_is_sticky(), self.query_field_name, instances
            )

            # Annotate each row with the source key it was reached from: the filter's join
            # through the intermediary table is reused, so no extra join is made.
            fk = self.through._meta.get_field(self.source_field_name)
            annotations = {
                f"_prefetch_related_val_{lh.attname}": F(f"{self.query_field_name}__{rh.name}")
                for lh, rh in fk.related_fields
            }
            queryset = queryset.annotate(**annotations)
            return (
                queryset,
                lambda result: tuple(
                    getattr(result, f"_prefetch_related_val_{lh.attname}")
                    for lh, rh in fk.related_fields
                ),
                lambda inst: tuple(
                    getattr(inst, rh.attname) for lh, rh in fk.related_fields
                ),
                False,
                self.prefetch_cache_name,
                False,
            )

        def add(self, *objs, through_defaults=None):
            self._remove_prefetched_objects()
            db = router.db_for_write(self.through, instance=self.instance)
            with transaction.atomic(using=db, savepoint=False):
                self._add_items(self.source_field_name, self.target_field_name, *objs,
                                through_defaults=through_defaults)
                # Symmetrical self-relation: add the mirror rows too.
                if self.symmetrical:
                    self._add_items(self.target_field_name, self.source_field_name, *objs,
                                    through_defaults=through_defaults)

        add.alters_data = True

        async def aadd(self, *objs, through_defaults=None):
            return await sync_to_async(self.add)(*objs, through_defaults=through_defaults)

        aadd.alters_data = True

        def remove(self, *objs):
            self._remove_prefetched_objects()
            self._remove_items(self.source_field_name, self.target_field_name, *objs)

        remove.alters_data = True

        async def aremove(self, *objs):
            return await sync_to_async(self.remove)(*objs)

        aremove.alters_data = True

        def clear(self):
            db = router.db_for_write(self.through, instance=self.instance)
            with transaction.atomic(using=db, savepoint=False):
                signals.m2m_changed.send(
                    sender=self.through, action="pre_clear", instance=self.instance,
                    reverse=self.reverse, model=self.model, pk_set=None, using=db,
                )
                self._remove_prefetched_objects()
                filters = self._build_remove_filters(super().get_queryset().using(db))
                self.through._default_manager.using(db).filter(filters).delete()

                signals.m2m_changed.send(
                    sender=self.through, action="post_clear", instance=self.instance,
                    reverse=self.reverse, model=self.model, pk_set=None, using=db,
                )

        clear.alters_data = True

        async def aclear(self):
            return await sync_to_async(self.clear)()

        aclear.alters_data = True

        def set(self, objs, *, clear=False, through_defaults=None):
            # Evaluate objs now: it may be a queryset that clear() would change.
            objs = tuple(objs)

            db = router.db_for_write(self.through, instance=self.instance)
            with transaction.atomic(using=db, savepoint=False):
                if clear:
                    self.clear()
                    self.add(*objs, through_defaults=through_defaults)
                else:
                    old_ids = set(
                        self.using(db).values_list(
                            self.target_field.target_field.attname, flat=True
                        )
                    )

                    new_objs = []
                    for obj in objs:
                        fk_val = (
                            self.target_field.get_foreign_related_value(obj)[0]
                            if isinstance(obj, self.model)
                            else self.target_field.get_prep_value(obj)
                        )
                        if fk_val in old_ids:
                            old_ids.remove(fk_val)
                        else:
                            new_objs.append(obj)

                    self.remove(*old_ids)
                    self.add(*new_objs, through_defaults=through_defaults)

        set.alters_data = True

        async def aset(self, objs, *, clear=False, through_defaults=None):
            return await sync_to_async(self.set)(objs=objs, clear=clear,
                                                 through_defaults=through_defaults)

        aset.alters_data = True

        def create(self, *, through_defaults=None, **kwargs):
            db = router.db_for_write(self.instance.__class__, instance=self.instance)
            new_obj = super(ManyRelatedManager, self.db_manager(db)).create(**kwargs)
            self.add(new_obj, through_defaults=through_defaults)
            return new_obj

        create.alters_data = True

        async def acreate(self, *, through_defaults=None, **kwargs):
            return await sync_to_async(self.create)(through_defaults=through_defaults,
                                                    **kwargs)

        acreate.alters_data = True

        def get_or_create(self, *, through_defaults=None, **kwargs):
            db = router.db_for_write(self.instance.__class__, instance=self.instance)
            obj, created = super(ManyRelatedManager, self.db_manager(db)).get_or_create(
                **kwargs
            )
            # An existing object found by get() is already linked.
            if created:
                self.add(obj, through_defaults=through_defaults)
            return obj, created

        get_or_create.alters_data = True

        async def aget_or_create(self, *, through_defaults=None, **kwargs):
            return await sync_to_async(self.get_or_create)(through_defaults=through_defaults,
                                                           **kwargs)

        aget_or_create.alters_data = True

        def update_or_create(self, *, through_defaults=None, **kwargs):
            db = router.db_for_write(self.instance.__class__, instance=self.instance)
            obj, created = super(ManyRelatedManager, self.db_manager(db)).update_or_create(
                **kwargs
            )
            # An existing object found by get() is already linked.
            if created:
                self.add(obj, through_defaults=through_defaults)
            return obj, created

        update_or_create.alters_data = True

        async def aupdate_or_create(self, *, through_defaults=None, **kwargs):
            return await sync_to_async(self.update_or_create)(
                through_defaults=through_defaults, **kwargs)

        aupdate_or_create.alters_data = True

        def _get_target_ids(self, target_field_name, objs):
            """The target ids to add, checking each object's type and database."""
            from reinhardt.orm.models import Model

            target_ids = set()
            target_field = self.through._meta.get_field(target_field_name)
            for obj in objs:
                if isinstance(obj, self.model):
                    if not router.allow_relation(obj, self.instance):
                        raise ValueError(
                            'Cannot add "%r": instance is on database "%s", value is on '
                            'database "%s"' % (obj, self.instance._state.db, obj._state.db)
                        )
                    target_id = target_field.get_foreign_related_value(obj)[0]
                    if target_id is None:
                        raise ValueError(
                            'Cannot add "%r": the value for field "%s" is None'
                            % (obj, target_field_name)
                        )
                    target_ids.add(target_id)
                elif isinstance(obj, Model):
                    raise TypeError(
                        "'%s' instance expected, got %r" % (self.model._meta.object_name, obj)
                    )
                else:
                    target_ids.add(target_field.get_prep_value(obj))
            return target_ids

        def _get_missing_target_ids(self, source_field_name, target_field_name, db,
                                    target_ids):
            """The target ids not yet related to this instance."""
            vals = (
                self.through._default_manager.using(db)
                .values_list(target_field_name, flat=True)
                .filter(**{
                    source_field_name: self.related_val[0],
                    "%s__in" % target_field_name: target_ids,
                })
            )
            return target_ids.difference(vals)

        def _add_items(self, source_field_name, target_field_name, *objs,
                       through_defaults=None):
            # Add through-table rows from the source key column to each target (instances or
            # primary keys).
            if not objs:
                return

            through_defaults = dict(_resolve_callables(through_defaults or {}))
            target_ids = self._get_target_ids(target_field_name, objs)
            db = router.db_for_write(self.through, instance=self.instance)
            missing_target_ids = self._get_missing_target_ids(
                source_field_name, target_field_name, db, target_ids
            )
            with transaction.atomic(using=db, savepoint=False):
                must_send_signals = (self.reverse or source_field_name == self.source_field_name)
                if must_send_signals:
                    signals.m2m_changed.send(
                        sender=self.through, action="pre_add", instance=self.instance,
                        reverse=self.reverse, model=self.model, pk_set=missing_target_ids,
                        using=db,
                    )
                # Add the ones that aren't there already.
                self.through._default_manager.using(db).bulk_create([
                    self.through(**through_defaults, **{
                        "%s_id" % source_field_name: self.related_val[0],
                        "%s_id" % target_field_name: target_id,
                    })
                    for target_id in missing_target_ids
                ])

                if must_send_signals:
                    signals.m2m_changed.send(
                        sender=self.through, action="post_add", instance=self.instance,
                        reverse=self.reverse, model=self.model, pk_set=missing_target_ids,
                        using=db,
                    )

        def _remove_items(self, source_field_name, target_field_name, *objs):
            # Remove through-table rows between the source and each target (instances or
            # primary keys).
            if not objs:
                return

            old_ids = set()
            for obj in objs:
                if isinstance(obj, self.model):
                    fk_val = self.target_field.get_foreign_related_value(obj)[0]
                    old_ids.add(fk_val)
                else:
                    old_ids.add(obj)

            db = router.db_for_write(self.through, instance=self.instance)
            with transaction.atomic(using=db, savepoint=False):
                signals.m2m_changed.send(
                    sender=self.through, action="pre_remove", instance=self.instance,
                    reverse=self.reverse, model=self.model, pk_set=old_ids, using=db,
                )
                target_model_qs = super().get_queryset()
                if target_model_qs._has_filters():
                    old_vals = target_model_qs.using(db).filter(**{
                        "%s__in" % self.target_field.target_field.attname: old_ids
                    })
                else:
                    old_vals = old_ids
                filters = self._build_remove_filters(old_vals)
                self.through._default_manager.using(db).filter(filters).delete()

                signals.m2m_changed.send(
                    sender=self.through, action="post_remove", instance=self.instance,
                    reverse=self.reverse, model=self.model, pk_set=old_ids, using=db,
                )

    return ManyRelatedManager


def _resolve_callables(mapping):
    for k, v in mapping.items():
        yield k, v() if callable(v) else v


_install_field_cache_api()
