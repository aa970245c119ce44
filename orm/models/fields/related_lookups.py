"""Lookups on relation fields: the value may be a model instance (its key is used)."""

from __future__ import annotations

from reinhardt.orm.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)


def get_normalized_value(value, lhs):
    """The key value(s) a relation lookup compares with: a model instance becomes its key."""
    from reinhardt.orm.models import Model

    if isinstance(value, Model):
        if value.pk is None:
            raise ValueError(
                f"Model instances passed to related filters must be saved: {value!r} has no "
                "primary key."
            )
        value_list = []
        sources = lhs.output_field.path_infos[-1].target_fields
        for source in sources:
            while not isinstance(value, source.model) and source.remote_field:
                source = source.remote_field.model._meta.get_field(
                    source.remote_field.field_name)
            try:
                value_list.append(getattr(value, source.attname))
            except AttributeError:
                # A case for related field to an instance of another model.
                return (value.pk,)
        return tuple(value_list)
    if not isinstance(value, tuple):
        return (value,)
    return value


def _target_field(lhs):
    output_field = lhs.output_field
    if hasattr(output_field, "path_infos"):
        return output_field.path_infos[-1].target_fields[-1]
    return None


class RelatedIn(In):
    def get_prep_lookup(self):
        if self.rhs_is_direct_value():
            self.rhs = [get_normalized_value(val, self.lhs)[0] for val in self.rhs]
            target_field = _target_field(self.lhs)
            if target_field is not None:
                self.rhs = [target_field.get_prep_value(v) for v in self.rhs]
        elif not getattr(self.rhs, "has_select_fields", True) and not getattr(
            self.lhs.field.target_field, "primary_key", False
        ):
            if (
                getattr(self.lhs.output_field, "primary_key", False)
                and self.lhs.output_field.model == self.rhs.model
            ):
                target_field = self.lhs.field.name
            else:
                target_field = self.lhs.field.target_field.name
            self.rhs.set_values([target_field])
        return super().get_prep_lookup()


class RelatedLookupMixin:
    def get_prep_lookup(self):
        if not hasattr(self.rhs, "resolve_expression"):
            self.rhs = get_normalized_value(self.rhs, self.lhs)[0]
            target_field = _target_field(self.lhs)
            if self.prepare_rhs and target_field is not None:
                self.rhs = target_field.get_prep_value(self.rhs)
        return super().get_prep_lookup()


class RelatedExact(RelatedLookupMixin, Exact):
    pass


class RelatedLessThan(RelatedLookupMixin, LessThan):
    pass


class RelatedGreaterThan(RelatedLookupMixin, GreaterThan):
    pass


class RelatedGreaterThanOrEqual(RelatedLookupMixin, GreaterThanOrEqual):
    pass


class RelatedLessThanOrEqual(RelatedLookupMixin, LessThanOrEqual):
    pass


class RelatedIsNull(RelatedLookupMixin, IsNull):
    pass
