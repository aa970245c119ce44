"""Relation objects: how a relation looks when seen from the model it points at.

Declaring ``author = ForeignKey(Author, ...)`` on Book gives Author a ManyToOneRel, so that
``Author._meta.get_field("book")`` answers the same questions a field does (its name, the
related model, the columns to join on). Queries use these objects to follow a relation
backwards; descriptors use them to build ``author.book_set``.
"""

from __future__ import annotations

from reinhardt.core import exceptions
from reinhardt.orm.models.fields import BLANK_CHOICE_DASH
from reinhardt.orm.models.query_utils import PathInfo
from reinhardt.utils.functional import cached_property
from reinhardt.utils.hashable import make_hashable

# Attributes that a cached_property stores in __dict__ and that must not survive pickling:
# they can point at auto-created through models, which pickle cannot find by name.
_UNPICKLED = ("path_infos",)


def _ask_field(method_name, public_name=None):
    """A method that forwards its call to the same-purpose method of the relation field."""

    def forward(self, *args, **kwargs):
        return getattr(self.field, method_name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = public_name or method_name
    return forward


class ForeignObjectRel:
    """What the target model of a relation field knows about that relation."""

    # Field-like flags: the reverse side never has a column, is never edited in forms and is
    # always optional (no row is required to point back at an object).
    auto_created, is_relation, null = True, True, True
    concrete = editable = empty_strings_allowed = False

    # Whether many objects can be on the far side (False only for one-to-one).
    multiple = True

    def __init__(self, field, to, related_name=None, related_query_name=None,
                 limit_choices_to=None, parent_link=False, on_delete=None):
        self.field, self.model = field, to
        self.related_name, self.related_query_name = related_name, related_query_name
        self.limit_choices_to = limit_choices_to if limit_choices_to is not None else {}
        self.parent_link, self.on_delete = parent_link, on_delete
        self.symmetrical = False
        self.multiple = type(self).multiple

    # -- what the relation looks like from the target model --------------------------------

    remote_field = property(lambda self: self.field, doc="The relation field itself.")

    @cached_property
    def related_model(self):
        """The model that declares the relation field (Book for Book.author)."""
        owner = self.field.model
        if not owner:
            raise AttributeError(
                f"{type(self).__name__} of {self.field!r}: related_model is only known once "
                "the field has been added to a model class (contribute_to_class)."
            )
        return owner

    @cached_property
    def name(self):
        """The name lookups use to follow the relation backwards."""
        query_name = self.field.related_query_name
        return query_name()

    @cached_property
    def hidden(self) -> bool:
        """True when related_name ends in '+': no reverse accessor is installed."""
        return self.is_hidden()

    def is_hidden(self) -> bool:
        return (self.related_name or "").endswith("+")

    # The cardinality flags read the declaring field's from the other end.
    many_to_many = cached_property(lambda self: self.field.many_to_many)
    many_to_one = cached_property(lambda self: self.field.one_to_many)
    one_to_many = cached_property(lambda self: self.field.many_to_one)
    one_to_one = cached_property(lambda self: self.field.one_to_one)

    @property
    def target_field(self):
        """The single field this relation reaches on the declaring model."""
        last_hop = self.path_infos[-1]
        if len(last_hop.target_fields) != 1:
            raise exceptions.FieldError(
                f"{self!r} joins on {len(last_hop.target_fields)} columns; target_field is "
                "only defined for single-column relations."
            )
        return last_hop.target_fields[0]

    # -- lookups and types are the declaring field's ----------------------------------------

    get_lookup = _ask_field("get_lookup")
    get_lookups = _ask_field("get_lookups")
    get_transform = _ask_field("get_transform")
    get_internal_type = _ask_field("get_internal_type")
    db_type = property(lambda self: self.field.db_type)

    # -- identity ---------------------------------------------------------------------------

    @property
    def identity(self) -> tuple:
        """A hashable tuple of everything that distinguishes two relation objects."""
        return (
            self.field, self.model, self.related_name, self.related_query_name,
            make_hashable(self.limit_choices_to), self.parent_link, self.on_delete,
            self.symmetrical, self.multiple,
        )

    def __eq__(self, other):
        if isinstance(other, type(self)):
            return self.identity == other.identity
        return NotImplemented

    def __hash__(self):
        return hash(self.identity)

    def __repr__(self):
        declaring = self.related_model._meta
        return f"<{type(self).__name__}: {declaring.app_label}.{declaring.model_name}>"

    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items() if key not in _UNPICKLED}

    # -- joins ------------------------------------------------------------------------------

    # The declaring field describes joins from its own side; these are its mirror images.
    get_joining_columns = _ask_field("get_reverse_joining_columns", "get_joining_columns")
    get_joining_fields = _ask_field("get_reverse_joining_fields", "get_joining_fields")

    def get_extra_restriction(self, alias, related_alias):
        return self.field.get_extra_restriction(related_alias, alias)

    def get_path_info(self, filtered_relation=None):
        if filtered_relation is None:
            return self.field.reverse_path_infos
        return self.field.get_reverse_path_info(filtered_relation)

    path_infos = cached_property(lambda self: self.get_path_info())

    # -- naming -----------------------------------------------------------------------------

    def set_field_name(self):
        """Called once the target model is known; only foreign keys name a target field."""
        self.field_name = None

    def get_accessor_name(self, model=None):
        """The reverse attribute installed on the target model, e.g. ``book_set``.

        A symmetrical many-to-many relation from a model to itself has none: the forward
        accessor already shows both directions.
        """
        owner = model or self.related_model
        if self.multiple and self.symmetrical and owner == self.model:
            return None
        return self.related_name or (
            owner._meta.model_name + ("_set" if self.multiple else "")
        )

    @property
    def accessor_name(self):
        return self.get_accessor_name()

    def get_cache_name(self):
        """The key under which instances cache the related object(s)."""
        return self.accessor_name

    @cached_property
    def cache_name(self):
        return self.get_cache_name()

    # -- forms ------------------------------------------------------------------------------

    def get_choices(self, include_blank=True, blank_choice=BLANK_CHOICE_DASH,
                    limit_choices_to=None, ordering=()):
        """(pk, label) pairs of the declaring model's objects, for a choice widget."""
        restriction = limit_choices_to or self.limit_choices_to
        objects = self.related_model._default_manager.complex_filter(restriction)
        if ordering:
            objects = objects.order_by(*ordering)
        options = [(obj.pk, str(obj)) for obj in objects]
        return [*blank_choice, *options] if include_blank else options


class ManyToOneRel(ForeignObjectRel):
    """The reverse of a ForeignKey, behind ``author.book_set``.

    ``field_name`` names the field of the target model the key stores (its primary key
    unless ``to_field`` was given).
    """

    def __init__(self, field, to, field_name, related_name=None, related_query_name=None,
                 limit_choices_to=None, parent_link=False, on_delete=None):
        super().__init__(
            field, to, related_name=related_name, related_query_name=related_query_name,
            limit_choices_to=limit_choices_to, parent_link=parent_link, on_delete=on_delete,
        )
        self.field_name = field_name

    @property
    def identity(self):
        return (*super().identity, self.field_name)

    def __getstate__(self):
        # related_model is recomputed from the field after unpickling.
        return {k: v for k, v in super().__getstate__().items() if k != "related_model"}

    def set_field_name(self):
        if not self.field_name:
            self.field_name = self.model._meta.pk.name

    def get_related_field(self):
        """The target model's field that the foreign key's values refer to."""
        target = self.model._meta.get_field(self.field_name)
        if target.concrete:
            return target
        raise exceptions.FieldDoesNotExist(
            f"{self.model._meta.label} has no concrete field {self.field_name!r} for "
            f"{self.field!r} to refer to."
        )


class OneToOneRel(ManyToOneRel):
    """The reverse of a OneToOneField: ``place.restaurant`` is one object, not a manager."""

    multiple = False


class ManyToManyRel(ForeignObjectRel):
    """The reverse of a ManyToManyField, and the holder of its ``through`` model."""

    def __init__(self, field, to, related_name=None, related_query_name=None,
                 limit_choices_to=None, symmetrical=True, through=None, through_fields=None,
                 db_constraint=True):
        if through:
            if not db_constraint:
                raise ValueError(
                    f"{field!r}: db_constraint=False cannot be combined with a through model; "
                    "set db_constraint on the through model's foreign keys instead."
                )
        elif through_fields:
            raise ValueError(
                f"{field!r}: through_fields needs a through model (through=...)."
            )
        super().__init__(field, to, related_name=related_name,
                         related_query_name=related_query_name,
                         limit_choices_to=limit_choices_to)
        self.through, self.through_fields = through, through_fields
        self.symmetrical, self.db_constraint = symmetrical, db_constraint

    @property
    def identity(self):
        extra = (self.through, make_hashable(self.through_fields), self.db_constraint)
        return super().identity + extra

    def get_related_field(self):
        """The field of the target model that the through model's link points at."""
        through_opts = self.through._meta
        if self.through_fields:
            link = through_opts.get_field(self.through_fields[0])
        else:
            links = [
                candidate for candidate in through_opts.fields
                if getattr(candidate, "remote_field", None)
                and candidate.remote_field.model == self.model
            ]
            if not links:
                raise exceptions.FieldDoesNotExist(
                    f"{through_opts.label} has no foreign key to {self.model._meta.label}."
                )
            link = links[0]
        return link.foreign_related_fields[0]


__all__ = ["ForeignObjectRel", "ManyToOneRel", "OneToOneRel", "ManyToManyRel", "PathInfo"]
