"""The other side of a relation: what ``Author._meta.get_field('book')`` returns.

A ForeignKey on Book creates a ManyToOneRel on Author; these objects answer the same
questions as fields (name, related_model, get_joining_columns) so queries can walk relations
in either direction.
"""

from __future__ import annotations

from reinhardt.core import exceptions
from reinhardt.orm.models.fields import BLANK_CHOICE_DASH
from reinhardt.orm.models.query_utils import PathInfo
from reinhardt.utils.functional import cached_property
from reinhardt.utils.hashable import make_hashable


class ForeignObjectRel:
    """The reverse side of a relation field."""

    # Field flags
    auto_created = True
    concrete = False
    editable = False
    is_relation = True
    # Nothing forces a related row to exist, so the reverse side is always optional.
    null = True
    empty_strings_allowed = False

    def __init__(self, field, to, related_name=None, related_query_name=None,
                 limit_choices_to=None, parent_link=False, on_delete=None):
        self.field = field
        self.model = to
        self.related_name = related_name
        self.related_query_name = related_query_name
        self.limit_choices_to = {} if limit_choices_to is None else limit_choices_to
        self.parent_link = parent_link
        self.on_delete = on_delete
        self.symmetrical = False
        self.multiple = True

    # The properties below need the field's model, which is only set by
    # contribute_to_class().
    @cached_property
    def hidden(self) -> bool:
        """A relation whose related_name ends with '+' has no reverse accessor."""
        return self.is_hidden()

    @cached_property
    def name(self):
        return self.field.related_query_name()

    @property
    def remote_field(self):
        return self.field

    @property
    def target_field(self):
        """The field on the related object this relation points to."""
        target_fields = self.path_infos[-1].target_fields
        if len(target_fields) > 1:
            raise exceptions.FieldError("Can't use target_field for multicolumn relations.")
        return target_fields[0]

    @cached_property
    def related_model(self):
        if not self.field.model:
            raise AttributeError(
                "This property can't be accessed before self.field.contribute_to_class has "
                "been called."
            )
        return self.field.model

    @cached_property
    def many_to_many(self):
        return self.field.many_to_many

    @cached_property
    def many_to_one(self):
        return self.field.one_to_many

    @cached_property
    def one_to_many(self):
        return self.field.many_to_one

    @cached_property
    def one_to_one(self):
        return self.field.one_to_one

    def get_lookup(self, lookup_name):
        return self.field.get_lookup(lookup_name)

    def get_lookups(self):
        return self.field.get_lookups()

    def get_transform(self, name):
        return self.field.get_transform(name)

    def get_internal_type(self):
        return self.field.get_internal_type()

    @property
    def db_type(self):
        return self.field.db_type

    def __repr__(self):
        return "<%s: %s.%s>" % (
            type(self).__name__, self.related_model._meta.app_label,
            self.related_model._meta.model_name,
        )

    @property
    def identity(self):
        return (
            self.field,
            self.model,
            self.related_name,
            self.related_query_name,
            make_hashable(self.limit_choices_to),
            self.parent_link,
            self.on_delete,
            self.symmetrical,
            self.multiple,
        )

    def __eq__(self, other):
        if not isinstance(other, self.__class__):
            return NotImplemented
        return self.identity == other.identity

    def __hash__(self):
        return hash(self.identity)

    def __getstate__(self):
        state = self.__dict__.copy()
        # path_infos may refer to an auto-created through model that cannot be pickled by
        # reference; it is recomputed after unpickling.
        state.pop("path_infos", None)
        return state

    def get_choices(self, include_blank=True, blank_choice=BLANK_CHOICE_DASH,
                    limit_choices_to=None, ordering=()):
        limit_choices_to = limit_choices_to or self.limit_choices_to
        qs = self.related_model._default_manager.complex_filter(limit_choices_to)
        if ordering:
            qs = qs.order_by(*ordering)
        return (blank_choice if include_blank else []) + [(x.pk, str(x)) for x in qs]

    def is_hidden(self) -> bool:
        return bool(self.related_name) and self.related_name[-1] == "+"

    def get_joining_columns(self):
        return self.field.get_reverse_joining_columns()

    def get_joining_fields(self):
        return self.field.get_reverse_joining_fields()

    def get_extra_restriction(self, alias, related_alias):
        return self.field.get_extra_restriction(related_alias, alias)

    def set_field_name(self):
        """Set the related field's name (not available until later stages of app loading)."""
        self.field_name = None

    def get_accessor_name(self, model=None):
        """The attribute name of the reverse accessor on the related model (e.g. book_set)."""
        opts = model._meta if model else self.related_model._meta
        model = model or self.related_model
        if self.multiple:
            # A symmetrical self-relation has no separate reverse accessor.
            if self.symmetrical and model == self.model:
                return None
        if self.related_name:
            return self.related_name
        return opts.model_name + ("_set" if self.multiple else "")

    @property
    def accessor_name(self):
        return self.get_accessor_name()

    def get_path_info(self, filtered_relation=None):
        if filtered_relation:
            return self.field.get_reverse_path_info(filtered_relation)
        return self.field.reverse_path_infos

    @cached_property
    def path_infos(self):
        return self.get_path_info()

    def get_cache_name(self):
        """Where the related object is cached on instances."""
        return self.get_accessor_name()

    @cached_property
    def cache_name(self):
        return self.get_cache_name()


class ManyToOneRel(ForeignObjectRel):
    """The reverse side of a ForeignKey: ``author.book_set``."""

    def __init__(self, field, to, field_name, related_name=None, related_query_name=None,
                 limit_choices_to=None, parent_link=False, on_delete=None):
        super().__init__(field, to, related_name=related_name,
                         related_query_name=related_query_name,
                         limit_choices_to=limit_choices_to, parent_link=parent_link,
                         on_delete=on_delete)
        self.field_name = field_name

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("related_model", None)
        return state

    @property
    def identity(self):
        return super().identity + (self.field_name,)

    def get_related_field(self):
        """The field on the target model the foreign key points to (usually its pk)."""
        field = self.model._meta.get_field(self.field_name)
        if not field.concrete:
            raise exceptions.FieldDoesNotExist("No related field named '%s'" % self.field_name)
        return field

    def set_field_name(self):
        self.field_name = self.field_name or self.model._meta.pk.name


class OneToOneRel(ManyToOneRel):
    """The reverse side of a OneToOneField: ``place.restaurant``."""

    def __init__(self, field, to, field_name, related_name=None, related_query_name=None,
                 limit_choices_to=None, parent_link=False, on_delete=None):
        super().__init__(field, to, field_name, related_name=related_name,
                         related_query_name=related_query_name,
                         limit_choices_to=limit_choices_to, parent_link=parent_link,
                         on_delete=on_delete)
        self.multiple = False


class ManyToManyRel(ForeignObjectRel):
    """The reverse side of a ManyToManyField: ``topping.pizza_set``."""

    def __init__(self, field, to, related_name=None, related_query_name=None,
                 limit_choices_to=None, symmetrical=True, through=None, through_fields=None,
                 db_constraint=True):
        super().__init__(field, to, related_name=related_name,
                         related_query_name=related_query_name,
                         limit_choices_to=limit_choices_to)
        if through and not db_constraint:
            raise ValueError("Can't supply a through model and db_constraint=False")
        self.through = through
        if through_fields and not through:
            raise ValueError("Cannot specify through_fields without a through model")
        self.through_fields = through_fields
        self.symmetrical = symmetrical
        self.db_constraint = db_constraint

    @property
    def identity(self):
        return super().identity + (
            self.through,
            make_hashable(self.through_fields),
            self.db_constraint,
        )

    def get_related_field(self):
        """The field in the 'to' object the through model points at."""
        opts = self.through._meta
        if self.through_fields:
            field = opts.get_field(self.through_fields[0])
        else:
            for field in opts.fields:
                rel = getattr(field, "remote_field", None)
                if rel and rel.model == self.model:
                    break
        return field.foreign_related_fields[0]


__all__ = ["ForeignObjectRel", "ManyToOneRel", "OneToOneRel", "ManyToManyRel", "PathInfo"]
