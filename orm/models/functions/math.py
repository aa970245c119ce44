"""Numeric functions (``Abs``, ``Sqrt``, ``Power``, ``Round``, ...).

Nearly all of them differ only in their SQL name, their arity and whether the result is
numeric-typed (Decimal in, Decimal out; otherwise float) or keeps the input's own type. So
they are declared as a table below rather than as two dozen near-identical class bodies; the
compilers dispatch on the class name, which the table keeps exactly as documented.
"""

from reinhardt.orm.models.expressions import Func
from reinhardt.orm.models.functions.mixins import (
    FixDecimalInputMixin,
    NumericOutputFieldMixin,
)
from reinhardt.orm.models.lookups import Transform

__all__ = [
    "Abs", "ACos", "ASin", "ATan", "ATan2", "Ceil", "Cos", "Cot", "Degrees", "Exp", "Floor",
    "Ln", "Log", "Mod", "Pi", "Power", "Radians", "Random", "Round", "Sign", "Sin", "Sqrt",
    "Tan",
]


def _declare(name, base, *, sql=None, numeric=True, decimal_input=False, **attrs):
    """Build one function class. ``sql`` defaults to the upper-cased class name; unary
    transforms also register under the lower-cased class name as a lookup."""
    parents = [base]
    if numeric:
        parents.insert(0, NumericOutputFieldMixin)
    if decimal_input:
        parents.insert(0, FixDecimalInputMixin)
    attrs["function"] = sql or name.upper()
    if base is Transform:
        attrs.setdefault("lookup_name", name.lower())
    return type(name, tuple(parents), attrs)


# One argument, usable as a transform in lookups (``pages__sqrt__gt=3``).
Abs = _declare("Abs", Transform, numeric=False)
ACos = _declare("ACos", Transform)
ASin = _declare("ASin", Transform)
ATan = _declare("ATan", Transform)
Ceil = _declare("Ceil", Transform, sql="CEILING", numeric=False)
Cos = _declare("Cos", Transform)
Cot = _declare("Cot", Transform)
Degrees = _declare("Degrees", Transform)
Exp = _declare("Exp", Transform)
Floor = _declare("Floor", Transform, numeric=False)
Ln = _declare("Ln", Transform)
Radians = _declare("Radians", Transform)
Sign = _declare("Sign", Transform, numeric=False)
Sin = _declare("Sin", Transform)
Sqrt = _declare("Sqrt", Transform)
Tan = _declare("Tan", Transform)

# Two arguments. ``Log(base, x)`` takes the base first, as the SQL standard does.
ATan2 = _declare("ATan2", Func, arity=2)
Log = _declare("Log", Func, decimal_input=True, arity=2)
Mod = _declare("Mod", Func, decimal_input=True, arity=2)
Power = _declare("Power", Func, arity=2)

# No arguments.
Pi = _declare("Pi", Func, arity=0)
Random = _declare("Random", Func, arity=0,
                  # A fresh value per row: grouping by it would split every group.
                  get_group_by_cols=lambda self: [])


class Round(FixDecimalInputMixin, Transform):
    """``Round(x, precision=0)``: x rounded to ``precision`` decimal places, typed like x."""

    lookup_name = "round"
    function = "ROUND"
    arity = None

    def __init__(self, expression, precision=0, **extra):
        super().__init__(expression, precision, **extra)

    def _resolve_output_field(self):
        return self.get_source_expressions()[0].output_field
