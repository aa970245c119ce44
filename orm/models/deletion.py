"""Deleting objects with their dependents, as the on_delete rules say.

``Collector`` gathers the objects to delete (CASCADE), the fields to update (SET_NULL,
SET_DEFAULT, SET(...)) and the objects that block deletion (PROTECT, RESTRICT), then deletes
everything in one transaction in dependency order, sending pre/post_delete signals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import reduce
from itertools import chain
from operator import or_

from reinhardt.orm import IntegrityError, connections, transaction
from reinhardt.orm.models import query_utils, signals


class _DeletionBlocked(IntegrityError):
    """Raised before anything is deleted; the blocking objects are kept on the error under
    the attribute the subclass names."""

    objects_attribute = ""

    def __init__(self, msg, blocking_objects):
        setattr(self, self.objects_attribute, blocking_objects)
        super().__init__(msg, blocking_objects)


class ProtectedError(_DeletionBlocked):
    objects_attribute = "protected_objects"


class RestrictedError(_DeletionBlocked):
    objects_attribute = "restricted_objects"


def _field_label(model, field) -> str:
    return f"'{model.__name__}.{field.name}'"


# ---- on_delete handlers ------------------------------------------------------------------------
# Each is called as handler(collector, field, sub_objs, using) for the objects (sub_objs) whose
# ``field`` points at objects being deleted. ``lazy_sub_objs`` marks handlers that don't need
# sub_objs evaluated (they only schedule an UPDATE on the queryset).


def CASCADE(collector, field, sub_objs, using):
    collector.collect(
        sub_objs, source=field.remote_field.model, source_attr=field.name,
        nullable=field.null, fail_on_restricted=False,
    )
    features = connections[using].features
    checked_at_once = not (
        features.supports_foreign_keys and features.can_defer_constraint_checks
    )
    # Where foreign keys are checked at once (not at commit), a nullable link is cleared
    # first so the rows can be deleted in any order.
    if field.null and checked_at_once:
        collector.add_field_update(field, None, sub_objs)


def PROTECT(collector, field, sub_objs, using):
    target = field.remote_field.model.__name__
    referrer = type(sub_objs[0]).__name__
    raise ProtectedError(
        f"Cannot delete some instances of model '{target}' because they are referenced "
        f"through a protected foreign key: '{referrer}.{field.name}'",
        sub_objs,
    )


def RESTRICT(collector, field, sub_objs, using):
    # Only an error if nothing else (a CASCADE path) deletes sub_objs: decided in collect().
    collector.add_restricted_objects(field, sub_objs)
    collector.add_dependency(field.remote_field.model, field.model)


class _SetTo:
    """The handler SET(value) returns: the referencing field gets ``value`` (or, when it is
    callable, what calling it returns)."""

    lazy_sub_objs = True

    def __init__(self, value):
        self.value = value

    def __call__(self, collector, field, sub_objs, using):
        new_value = self.value() if callable(self.value) else self.value
        collector.add_field_update(field, new_value, sub_objs)

    def deconstruct(self):
        return "reinhardt.orm.models.SET", (self.value,), {}


def SET(value):
    return _SetTo(value)


def SET_NULL(collector, field, sub_objs, using):
    collector.add_field_update(field, None, sub_objs)


def SET_DEFAULT(collector, field, sub_objs, using):
    collector.add_field_update(field, field.get_default(), sub_objs)


SET_NULL.lazy_sub_objs = SET_DEFAULT.lazy_sub_objs = True


def DO_NOTHING(collector, field, sub_objs, using):
    """Leave the references alone (the database, or the user, deals with them)."""


def get_candidate_relations_to_delete(opts):
    """The reverse relations whose rows may have to go (or change) with ``opts``'s rows:
    foreign keys and one-to-ones pointing here. Many-to-many links are rows of their
    through model, which has its own foreign keys."""
    for relation in opts.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete and (
            relation.one_to_many or relation.one_to_one
        ):
            yield relation


def _sets_by_field():
    return defaultdict(set)


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _has_delete_receivers(model) -> bool:
    return signals.pre_delete.has_listeners(model) or signals.post_delete.has_listeners(model)


def _is_unevaluated_queryset(objs) -> bool:
    return hasattr(objs, "_raw_delete") and objs._result_cache is None


class Collector:
    """Everything one delete() touches, and the order to delete it in."""

    def __init__(self, using, origin=None):
        self.using = using
        # What delete() was called on (a model instance or a QuerySet), for the signals.
        self.origin = origin
        # {model: {instances}} while collecting; lists in deletion order once delete() runs.
        self.data = defaultdict(set)
        # {(field, value): [instance lists or QuerySets to update]}
        self.field_updates = defaultdict(list)
        # {model: {field: {instances}}} referenced through RESTRICT.
        self.restricted_objects = defaultdict(_sets_by_field)
        # Querysets deleted with one DELETE each, without loading their rows.
        self.fast_deletes = []
        # {concrete model: concrete models to delete before it}, for databases that check
        # foreign keys immediately. Only tables matter, hence concrete models.
        self.dependencies = defaultdict(set)

    # ---- bookkeeping ------------------------------------------------------------------------

    def add(self, objs, source=None, nullable=False, reverse_dependency=False):
        """Add ``objs`` to the collection; return those not already collected."""
        if not objs:
            return []
        model = type(objs[0])
        collected = self.data[model]
        fresh = [obj for obj in objs if obj not in collected]
        collected.update(fresh)
        # A nullable reference is set to NULL first, so it does not constrain the order.
        if source is not None and not nullable:
            self.add_dependency(source, model, reverse_dependency=reverse_dependency)
        return fresh

    def add_dependency(self, model, dependency, reverse_dependency=False):
        """Record that ``dependency``'s rows go before ``model``'s (or after, reversed)."""
        first, then = (model, dependency) if reverse_dependency else (dependency, model)
        self.dependencies[then._meta.concrete_model].add(first._meta.concrete_model)
        # Listed in data (maybe with no instances) so sort() orders it.
        if first not in self.data:
            self.data[first] = set()

    def add_field_update(self, field, value, objs):
        """Schedule ``field = value`` for ``objs`` (a list of instances or a QuerySet)."""
        self.field_updates[field, value].append(objs)

    def add_restricted_objects(self, field, objs):
        if objs:
            self.restricted_objects[type(objs[0])][field].update(objs)

    def clear_restricted_objects_from_set(self, model, objs):
        """``objs`` are deleted anyway: they no longer block the deletion."""
        by_field = self.restricted_objects.get(model)
        if by_field is not None:
            for field in by_field:
                by_field[field] = by_field[field] - objs

    def clear_restricted_objects_from_queryset(self, model, qs):
        by_field = self.restricted_objects.get(model)
        if by_field is not None:
            blocking_pks = [obj.pk for objs in by_field.values() for obj in objs]
            self.clear_restricted_objects_from_set(model, set(qs.filter(pk__in=blocking_pks)))

    # ---- deciding how to delete ---------------------------------------------------------

    def can_fast_delete(self, objs, from_field=None):
        """Whether ``objs`` can be deleted with one query, without loading them.

        Only when nothing depends on them: no signals, no cascades, no parents to delete.
        """
        if from_field is not None and from_field.remote_field.on_delete is not CASCADE:
            return False
        meta = getattr(objs, "_meta", None)
        if meta is not None:
            model = meta.model
        elif hasattr(objs, "_raw_delete") and hasattr(objs, "model"):
            model = objs.model
        else:
            return False
        if _has_delete_receivers(model):
            return False
        opts = model._meta
        # A multi-table child also deletes its parents' rows, unless the parent is the
        # row this cascade came from.
        if any(link != from_field for link in opts.concrete_model._meta.parents.values()):
            return False
        if any(
            relation.field.remote_field.on_delete is not DO_NOTHING
            for relation in get_candidate_relations_to_delete(opts)
        ):
            return False
        # Generic relations delete their objects in Python.
        return not any(hasattr(field, "bulk_related_objects") for field in opts.private_fields)

    def get_del_batches(self, objs, fields):
        """Split ``objs`` into batches that fit the backend's parameter limit."""
        size = connections[self.using].ops.bulk_batch_size(fields, objs)
        size = size if size > 1 else 1
        return [objs] if len(objs) <= size else list(_chunks(objs, size))

    # ---- collecting -----------------------------------------------------------------------

    def collect(self, objs, source=None, nullable=False, collect_related=True,
                source_attr=None, reverse_dependency=False, keep_parents=False,
                fail_on_restricted=True):
        """Add ``objs`` and everything that must go (or change) with them.

        Raises ProtectedError for PROTECT relations, and RestrictedError for RESTRICT
        relations whose objects are not deleted through another path.
        """
        if self.can_fast_delete(objs):
            self.fast_deletes.append(objs)
            return
        fresh = self.add(objs, source, nullable, reverse_dependency=reverse_dependency)
        if not fresh:
            return
        model = type(fresh[0])
        if not keep_parents:
            self._collect_parents(model, fresh)
        if not collect_related:
            return
        self._collect_referencing(model, fresh, keep_parents)
        for field in model._meta.private_fields:
            bulk_related = getattr(field, "bulk_related_objects", None)
            if bulk_related is not None:
                # A generic relation: its objects are deleted with these.
                self.collect(
                    bulk_related(fresh, self.using), source=model, nullable=True,
                    fail_on_restricted=False,
                )
        if fail_on_restricted:
            self._fail_if_restricted(model)

    def _collect_parents(self, model, objs):
        """Parents of a multi-table child go with it; their own relations are found when
        the parent objects are collected in turn."""
        for link in model._meta.concrete_model._meta.parents.values():
            if not link:
                continue
            self.collect(
                [getattr(obj, link.name) for obj in objs], source=model,
                source_attr=link.remote_field.related_name, collect_related=False,
                reverse_dependency=True, fail_on_restricted=False,
            )

    def _referencing_objects(self, relation, field, batch):
        """The objects pointing at ``batch`` through ``field``, loading as little as
        possible: the key and what cascading further needs (everything when delete
        signals will see the objects, and select_related() querysets are left alone)."""
        related_model = relation.related_model
        found = self.related_objects(related_model, [field], batch)
        if found.query.select_related or _has_delete_receivers(related_model):
            return found
        needed = {
            target.attname
            for further in get_candidate_relations_to_delete(related_model._meta)
            for target in further.field.foreign_related_fields
        }
        return found.only(*needed)

    def _collect_referencing(self, model, objs, keep_parents):
        """Apply the on_delete rule of every relation pointing at ``objs``."""
        opts = model._meta
        fast_by_model = defaultdict(list)
        protected = {}
        for relation in get_candidate_relations_to_delete(opts):
            if keep_parents and relation.model in opts.all_parents:
                # keep_parents=True: the parents' own relations stay.
                continue
            field = relation.field
            on_delete = field.remote_field.on_delete
            if on_delete is DO_NOTHING:
                continue
            if self.can_fast_delete(relation.related_model, from_field=field):
                fast_by_model[relation.related_model].append(field)
                continue
            lazy = getattr(on_delete, "lazy_sub_objs", False)
            for batch in self.get_del_batches(objs, [field]):
                referencing = self._referencing_objects(relation, field, batch)
                if not lazy and not referencing:
                    continue
                try:
                    on_delete(self, field, referencing, self.using)
                except ProtectedError as error:
                    protected.setdefault(_field_label(field.model, field), []).extend(
                        error.protected_objects)
        if protected:
            raise ProtectedError(
                f"Cannot delete some instances of model {model.__name__!r} because they are "
                f"referenced through protected foreign keys: {', '.join(protected)}.",
                set(chain.from_iterable(protected.values())),
            )
        for related_model, fields in fast_by_model.items():
            for batch in self.get_del_batches(objs, fields):
                self.fast_deletes.append(self.related_objects(related_model, fields, batch))

    def _fail_if_restricted(self, model):
        """RESTRICT lets an object go only when a CASCADE path collects it too."""
        for collected_model, instances in self.data.items():
            self.clear_restricted_objects_from_set(collected_model, instances)
        for qs in self.fast_deletes:
            self.clear_restricted_objects_from_queryset(qs.model, qs)
        blocking = {}
        for restricted_model, by_field in self.restricted_objects.items():
            for field, instances in by_field.items():
                if instances:
                    blocking.setdefault(_field_label(restricted_model, field), []).extend(
                        instances)
        if blocking:
            raise RestrictedError(
                f"Cannot delete some instances of model {model.__name__!r} because they are "
                f"referenced through restricted foreign keys: {', '.join(blocking)}.",
                set(chain.from_iterable(blocking.values())),
            )

    def related_objects(self, related_model, related_fields, objs):
        """The objects of ``related_model`` pointing at ``objs`` through ``related_fields``."""
        pointing_here = query_utils.Q(
            *[(f"{field.name}__in", objs) for field in related_fields],
            _connector=query_utils.Q.OR,
        )
        return related_model._base_manager.using(self.using).filter(pointing_here)

    def instances_with_model(self):
        for model, instances in self.data.items():
            yield from ((model, obj) for obj in instances)

    def sort(self):
        """Order ``data`` so each model comes after the models it depends on; on a cycle
        leave the order alone (the database defers the checks then)."""
        pending = list(self.data)
        ordered = []
        placed = set()
        while pending:
            still_pending = []
            for model in pending:
                concrete = model._meta.concrete_model
                if self.dependencies.get(concrete, placed) <= placed:
                    ordered.append(model)
                    placed.add(concrete)
                else:
                    still_pending.append(model)
            if len(still_pending) == len(pending):
                return
            pending = still_pending
        self.data = {model: self.data[model] for model in ordered}

    # ---- deleting -------------------------------------------------------------------------

    def delete(self):
        """Delete what was collected; return (total, {"app_label.Model": count})."""
        for model in self.data:
            self.data[model] = sorted(self.data[model], key=_pk_of)
        self.sort()
        single = self._single_fast_delete()
        if single is not None:
            return single
        deleted = Counter()
        with transaction.atomic(using=self.using, savepoint=False):
            self._send(signals.pre_delete, self.instances_with_model())
            for qs in self.fast_deletes:
                count = qs._raw_delete(using=self.using)
                if count:
                    deleted[qs.model._meta.label] += count
            self._apply_field_updates()
            for model, instances in self.data.items():
                # Dependents first: reverse of the primary key order within a model too.
                instances.reverse()
                count = self._delete_batch(model, [obj.pk for obj in instances])
                if count:
                    deleted[model._meta.label] += count
                self._send(signals.post_delete, ((model, obj) for obj in instances))
        for model, instances in self.data.items():
            pk_attname = model._meta.pk.attname
            for instance in instances:
                setattr(instance, pk_attname, None)
        return sum(deleted.values()), dict(deleted)

    def _single_fast_delete(self):
        """One object with nothing depending on it: a single DELETE by primary key, outside
        an explicit transaction. None when that does not apply."""
        if len(self.data) != 1:
            return None
        [(model, instances)] = self.data.items()
        if len(instances) != 1 or not self.can_fast_delete(instances[0]):
            return None
        instance = instances[0]
        with transaction.mark_for_rollback_on_error(self.using):
            count = self._delete_batch(model, [instance.pk])
        setattr(instance, model._meta.pk.attname, None)
        return count, {model._meta.label: count}

    def _send(self, signal, pairs):
        """Send ``signal`` for each (model, instance); auto-created models (m2m through
        tables) have no signals."""
        for model, instance in pairs:
            if not model._meta.auto_created:
                signal.send(sender=model, instance=instance, using=self.using,
                            origin=self.origin)

    def _apply_field_updates(self):
        """Run the scheduled SET_NULL/SET_DEFAULT/SET() updates: querysets not yet loaded
        as one UPDATE, loaded objects by primary key."""
        for (field, value), targets in self.field_updates.items():
            assignment = {field.name: value}
            querysets = [t for t in targets if _is_unevaluated_queryset(t)]
            loaded = [obj for t in targets if not _is_unevaluated_queryset(t) for obj in t]
            if querysets:
                reduce(or_, querysets).update(**assignment)
            if loaded:
                pks = list({obj.pk for obj in loaded})
                manager = type(loaded[0])._base_manager
                manager.using(self.using).filter(pk__in=pks).update(**assignment)

    def _delete_batch(self, model, pk_list):
        rows = model._base_manager.using(self.using)
        return sum(
            rows.filter(pk__in=batch)._raw_delete(using=self.using)
            for batch in self.get_del_batches(pk_list, [model._meta.pk])
        )


def _pk_of(obj):
    return obj.pk
