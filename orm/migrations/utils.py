"""Helpers shared by the migration modules: relation resolution, field-reference lookups
over a project state, comparable regexes, and the timestamp used in migration names."""

from __future__ import annotations

import re
from collections import namedtuple
from datetime import datetime

# How a field points at a model: ``to`` is (remote_field, to_fields) for a direct relation,
# ``through`` is (remote_field, through_fields) for a many-to-many's intermediate model;
# either may be None.
FieldReference = namedtuple("FieldReference", "to through")

COMPILED_REGEX_TYPE = type(re.compile(""))

# ForeignKey("self") points at the model that declares it.
RECURSIVE_RELATIONSHIP_CONSTANT = "self"


class RegexObject:
    """A compiled regex that compares equal to another with the same pattern and flags."""

    def __init__(self, obj):
        self.pattern, self.flags = obj.pattern, obj.flags

    def _key(self):
        return self.pattern, self.flags

    def __eq__(self, other) -> bool:
        return self._key() == other._key() if isinstance(other, RegexObject) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())


def get_migration_name_timestamp() -> str:
    """Local date and time as 'YYYYMMDD_HHMM', for automatically named migrations."""
    return f"{datetime.now():%Y%m%d_%H%M}"


def resolve_relation(model, app_label: str | None = None,
                     model_name: str | None = None) -> tuple[str, str]:
    """``(app_label, model_name)`` (lower case) for a relation's target.

    ``model`` is a model class, ``"app_label.ModelName"``, ``"ModelName"`` (same app as
    ``app_label``) or ``"self"`` (needs ``app_label`` and ``model_name``).
    """
    if not isinstance(model, str):
        meta = model._meta
        return meta.app_label, meta.model_name
    if model == RECURSIVE_RELATIONSHIP_CONSTANT:
        if None in (app_label, model_name):
            raise TypeError(
                "app_label and model_name must be provided to resolve recursive "
                "relationships."
            )
        return app_label, model_name
    label, dot, name = model.partition(".")
    if dot:
        return label, name.lower()
    if app_label is None:
        raise TypeError("app_label must be provided to resolve unscoped model relationships.")
    return app_label, model.lower()


def _targets_reference(to_fields, name, reference_field):
    """Whether a direct relation with *to_fields* reaches the referenced field."""
    if name is None:
        return True  # any reference to the model counts
    if to_fields is not None:
        return name in to_fields
    # Without to_fields the relation points at the primary key.
    return reference_field is None or reference_field.primary_key


def field_references(model_tuple: tuple[str, str], field, reference_model_tuple: tuple[str, str],
                     reference_field_name: str | None = None, reference_field=None):
    """A FieldReference if ``field`` (on ``model_tuple``) points at the reference model
    (and field, when given); False otherwise."""
    remote = field.remote_field
    if not remote:
        return False
    direct = via_through = None
    if resolve_relation(remote.model, *model_tuple) == reference_model_tuple:
        to_fields = getattr(field, "to_fields", None)
        if _targets_reference(to_fields, reference_field_name, reference_field):
            direct = (remote, to_fields)
    through = getattr(remote, "through", None)
    if through and resolve_relation(through, *model_tuple) == reference_model_tuple:
        through_fields = remote.through_fields
        if (reference_field_name is None or through_fields is None
                or reference_field_name in through_fields):
            via_through = (remote, through_fields)
    if direct or via_through:
        return FieldReference(direct, via_through)
    return False


def get_references(state, model_tuple: tuple[str, str], field_tuple=()):
    """Yield ``(model_state, field_name, field, FieldReference)`` for every field in
    ``state`` that references ``model_tuple`` (optionally a specific ``(name, field)``)."""
    for owner_tuple, model_state in state.models.items():
        for field_name, field in model_state.fields.items():
            found = field_references(owner_tuple, field, model_tuple, *field_tuple)
            if found:
                yield model_state, field_name, field, found


def field_is_referenced(state, model_tuple: tuple[str, str], field_tuple) -> bool:
    """True if any field in ``state`` references the given field of ``model_tuple``."""
    return any(True for _ in get_references(state, model_tuple, field_tuple))
