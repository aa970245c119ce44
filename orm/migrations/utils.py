"""Small helpers shared by the migration modules."""

from __future__ import annotations

import datetime
import re
from collections import namedtuple

FieldReference = namedtuple("FieldReference", "to through")

COMPILED_REGEX_TYPE = type(re.compile(""))
# ForeignKey("self") points at the model that declares it.
RECURSIVE_RELATIONSHIP_CONSTANT = "self"


class RegexObject:
    """A compiled regex that compares equal to another with the same pattern and flags."""

    def __init__(self, obj):
        self.pattern = obj.pattern
        self.flags = obj.flags

    def __eq__(self, other) -> bool:
        if not isinstance(other, RegexObject):
            return NotImplemented
        return self.pattern == other.pattern and self.flags == other.flags

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))


def get_migration_name_timestamp() -> str:
    return datetime.datetime.now().strftime("%Y%m%d_%H%M")


def resolve_relation(model, app_label: str | None = None,
                     model_name: str | None = None) -> tuple[str, str]:
    """``(app_label, model_name)`` (lower case) for a relation's target.

    ``model`` is a model class, ``"app_label.ModelName"``, ``"ModelName"`` (same app as
    ``app_label``) or ``"self"`` (needs ``app_label`` and ``model_name``).
    """
    if isinstance(model, str):
        if model == RECURSIVE_RELATIONSHIP_CONSTANT:
            if app_label is None or model_name is None:
                raise TypeError(
                    "app_label and model_name must be provided to resolve recursive "
                    "relationships."
                )
            return app_label, model_name
        if "." in model:
            app_label, model_name = model.split(".", 1)
            return app_label, model_name.lower()
        if app_label is None:
            raise TypeError("app_label must be provided to resolve unscoped model relationships.")
        return app_label, model.lower()
    return model._meta.app_label, model._meta.model_name


def field_references(model_tuple: tuple[str, str], field, reference_model_tuple: tuple[str, str],
                     reference_field_name: str | None = None, reference_field=None):
    """A FieldReference if ``field`` (on ``model_tuple``) points at the reference model
    (and field, when given); False otherwise."""
    remote_field = field.remote_field
    if not remote_field:
        return False
    references_to = None
    references_through = None
    if resolve_relation(remote_field.model, *model_tuple) == reference_model_tuple:
        to_fields = getattr(field, "to_fields", None)
        if (
            reference_field_name is None
            # A ForeignKey without to_field points at the primary key.
            or (to_fields is None and (reference_field is None or reference_field.primary_key))
            or (to_fields is not None and reference_field_name in to_fields)
        ):
            references_to = (remote_field, to_fields)
    through = getattr(remote_field, "through", None)
    if through and resolve_relation(through, *model_tuple) == reference_model_tuple:
        through_fields = remote_field.through_fields
        if (
            reference_field_name is None
            or through_fields is None
            or reference_field_name in through_fields
        ):
            references_through = (remote_field, through_fields)
    if not (references_to or references_through):
        return False
    return FieldReference(references_to, references_through)


def get_references(state, model_tuple: tuple[str, str], field_tuple=()):
    """Yield ``(model_state, field_name, FieldReference)`` for every field in ``state``
    that references ``model_tuple`` (optionally a specific ``(name, field)`` of it)."""
    for state_model_tuple, model_state in state.models.items():
        for name, field in model_state.fields.items():
            reference = field_references(state_model_tuple, field, model_tuple, *field_tuple)
            if reference:
                yield model_state, name, field, reference


def field_is_referenced(state, model_tuple: tuple[str, str], field_tuple) -> bool:
    """True if any field in ``state`` references the given field of ``model_tuple``."""
    return next(get_references(state, model_tuple, field_tuple), None) is not None
