"""Output-type rules shared by numeric functions."""

from reinhardt.orm.models.fields import DecimalField, FloatField, IntegerField


class FixDecimalInputMixin:
    """Kept for Django compatibility (decimal inputs are cast by the compilers)."""


class FixDurationInputMixin:
    """Kept for Django compatibility (durations are converted by the compilers)."""


class NumericOutputFieldMixin:
    """Decimal in, Decimal out; integers (or nothing) in, float out."""

    def _resolve_output_field(self):
        source_fields = self.get_source_fields()
        if any(isinstance(s, DecimalField) for s in source_fields):
            return DecimalField()
        if any(isinstance(s, IntegerField) for s in source_fields):
            return FloatField()
        return super()._resolve_output_field() if source_fields else FloatField()
