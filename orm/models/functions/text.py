"""String functions (``Concat``, ``Lower``, ``Substr``, ``LPad``, hashes, ...).

The one-argument ones are transforms (usable in lookups as ``name__lower``) that differ only
in SQL name, lookup name and result type, so they are declared as a table. The compilers pick
a dialect's spelling by class name (``visit_Left``, ``mql_ConcatPair``, ...).
"""

from reinhardt.orm.models.expressions import Func, Value
from reinhardt.orm.models.fields import CharField, IntegerField
from reinhardt.orm.models.lookups import Transform


class MySQLSHA2Mixin:
    """Present so code written against Django's class hierarchy still imports."""


class PostgreSQLSHAMixin:
    """Present so code written against Django's class hierarchy still imports."""


def _transform(name, *, sql=None, lookup=None, result=None):
    attrs = {"function": sql or name.upper(), "lookup_name": lookup or name.lower()}
    if result is not None:
        attrs["output_field"] = result
    return type(name, (Transform,), attrs)


Chr = _transform("Chr", result=CharField())
Length = _transform("Length", result=IntegerField())
Lower = _transform("Lower")
LTrim = _transform("LTrim")
MD5 = _transform("MD5")
Ord = _transform("Ord", sql="ASCII", result=IntegerField())
Reverse = _transform("Reverse")
RTrim = _transform("RTrim")
SHA1 = _transform("SHA1")
SHA224 = _transform("SHA224")
SHA256 = _transform("SHA256")
SHA384 = _transform("SHA384")
SHA512 = _transform("SHA512")
Trim = _transform("Trim")
Upper = _transform("Upper")


def _at_least(value, minimum, message):
    """Check a plain Python bound now; expressions are only known to the database."""
    if value is None or hasattr(value, "resolve_expression"):
        return
    if value < minimum:
        raise ValueError(message)


class ConcatPair(Func):
    """Two operands joined; a NULL operand is treated as ''. Dialects render it."""

    function = "CONCAT"


class Concat(Func):
    """``Concat(a, b, ...)``: the operands joined, NULLs counting as empty strings.

    Held as a right-leaning chain of ``ConcatPair`` nodes (``a || (b || c)``), so a dialect
    only has to know how to join two things."""

    template = "%(expressions)s"
    function = None

    def __init__(self, *expressions, **extra):
        if len(expressions) <= 1:
            raise ValueError("Concat must take at least two expressions")
        result_type = extra.get("output_field")
        chain = ConcatPair(expressions[-2], expressions[-1], output_field=result_type)
        for operand in reversed(expressions[:-2]):
            chain = ConcatPair(operand, chain, output_field=result_type)
        super().__init__(chain, **extra)


class Left(Func):
    """The first ``length`` characters of the text."""

    function = "LEFT"
    output_field = CharField()
    arity = 2

    def __init__(self, expression, length, **extra):
        _at_least(length, 1, "'length' must be greater than 0.")
        super().__init__(expression, length, **extra)

    def get_substr(self):
        """The same slice spelled as ``Substr``, for dialects without LEFT()/RIGHT()."""
        text, length = self.source_expressions
        return Substr(text, self._first_position(length), length)

    @staticmethod
    def _first_position(length):
        return Value(1)


class Right(Left):
    """The last ``length`` characters of the text."""

    function = "RIGHT"

    @staticmethod
    def _first_position(length):
        # A negative start counts from the end of the text.
        return length * Value(-1)


class LPad(Func):
    """The text padded on the left with ``fill_text`` to ``length`` characters (cut when
    longer)."""

    output_field = CharField()
    function = "LPAD"

    def __init__(self, expression, length, fill_text=Value(" "), **extra):
        _at_least(length, 0, "'length' must be greater or equal to 0.")
        super().__init__(expression, length, fill_text, **extra)


class RPad(LPad):
    """As ``LPad``, padding on the right."""

    function = "RPAD"


class Repeat(Func):
    """The text repeated ``number`` times."""

    output_field = CharField()
    function = "REPEAT"

    def __init__(self, expression, number, **extra):
        _at_least(number, 0, "'number' must be greater or equal to 0.")
        super().__init__(expression, number, **extra)


class Replace(Func):
    """Every occurrence of ``text`` replaced by ``replacement`` (removed by default)."""

    function = "REPLACE"

    def __init__(self, expression, text, replacement=Value(""), **extra):
        Func.__init__(self, expression, text, replacement, **extra)


class StrIndex(Func):
    """The 1-based position of ``substring`` in ``string`` (0 when absent)."""

    function = "INSTR"
    output_field = IntegerField()
    arity = 2


class Substr(Func):
    """``Substr(text, pos, length=None)``: from the 1-based ``pos``, ``length`` characters
    or to the end."""

    output_field = CharField()
    function = "SUBSTRING"

    def __init__(self, expression, pos, length=None, **extra):
        _at_least(pos, 1, "'pos' must be greater than 0")
        operands = (expression, pos) if length is None else (expression, pos, length)
        super().__init__(*operands, **extra)
