"""Functions that only make sense inside ``Window(...)``: ranking, distribution and the
value-at-offset family (``Lag``, ``Lead``, ``FirstValue``, ``NthValue``, ...)."""

from reinhardt.orm.models.expressions import Func
from reinhardt.orm.models.fields import FloatField, IntegerField

__all__ = [
    "CumeDist", "DenseRank", "FirstValue", "Lag", "LastValue", "Lead", "NthValue", "Ntile",
    "PercentRank", "Rank", "RowNumber",
]


class _WindowOnly(Func):
    """Marks a function as one a ``Window`` may wrap (backends refuse it elsewhere)."""

    window_compatible = True


class _ValueOfSource(_WindowOnly):
    """Functions that return a value of their first argument, so they take its type."""

    def _resolve_output_field(self):
        return self.get_source_expressions()[0].output_field


def _need_source(func_class, expression):
    if expression is None:
        raise ValueError(f"{func_class.__name__} requires a non-null source expression.")


def _ranking(name, result_field):
    return type(name, (_WindowOnly,), {"function": _SQL_NAMES[name], "output_field": result_field})


_SQL_NAMES = {
    "CumeDist": "CUME_DIST", "DenseRank": "DENSE_RANK", "PercentRank": "PERCENT_RANK",
    "Rank": "RANK", "RowNumber": "ROW_NUMBER",
}

# Position of the current row within its partition, as an integer or a fraction.
CumeDist = _ranking("CumeDist", FloatField())
DenseRank = _ranking("DenseRank", IntegerField())
PercentRank = _ranking("PercentRank", FloatField())
Rank = _ranking("Rank", IntegerField())
RowNumber = _ranking("RowNumber", IntegerField())


class FirstValue(_ValueOfSource):
    """The expression's value on the first row of the window frame."""

    function = "FIRST_VALUE"
    arity = 1


class LastValue(_ValueOfSource):
    """The expression's value on the last row of the window frame."""

    function = "LAST_VALUE"
    arity = 1


class LagLeadFunction(_ValueOfSource):
    """``Lag``/``Lead(expression, offset=1, default=None)``: the value ``offset`` rows away,
    or ``default`` when that row lies outside the partition."""

    def __init__(self, expression, offset=1, default=None, **extra):
        _need_source(type(self), expression)
        if offset is None or offset <= 0:
            raise ValueError(
                f"{type(self).__name__} requires a positive integer for the offset.")
        arguments = [expression, offset] if default is None else [expression, offset, default]
        super().__init__(*arguments, **extra)


class Lag(LagLeadFunction):
    function = "LAG"


class Lead(LagLeadFunction):
    function = "LEAD"


class NthValue(_ValueOfSource):
    """The expression's value on the ``nth`` row (1-based) of the window frame."""

    function = "NTH_VALUE"

    def __init__(self, expression, nth=1, **extra):
        _need_source(type(self), expression)
        if nth is None or nth <= 0:
            raise ValueError(f"{type(self).__name__} requires a positive integer as for nth.")
        super().__init__(expression, nth, **extra)


class Ntile(_WindowOnly):
    """Splits the partition into ``num_buckets`` groups and numbers them from 1."""

    function = "NTILE"
    output_field = IntegerField()

    def __init__(self, num_buckets=1, **extra):
        positive = num_buckets > 0
        if not positive:
            raise ValueError("num_buckets must be greater than 0.")
        _WindowOnly.__init__(self, num_buckets, **extra)
