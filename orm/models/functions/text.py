"""Text functions."""

from reinhardt.orm.models.expressions import Func, Value
from reinhardt.orm.models.fields import CharField, IntegerField, TextField
from reinhardt.orm.models.lookups import Transform


class MySQLSHA2Mixin:
    """Kept for Django compatibility."""


class PostgreSQLSHAMixin:
    """Kept for Django compatibility."""


class Chr(Transform):
    function = "CHR"
    lookup_name = "chr"
    output_field = CharField()


class ConcatPair(Func):
    """Concatenate two arguments (NULL counts as an empty string)."""

    function = "CONCAT"


class Concat(Func):
    """Concatenate text fields together; NULLs count as empty strings."""

    function = None
    template = "%(expressions)s"

    def __init__(self, *expressions, **extra):
        if len(expressions) < 2:
            raise ValueError("Concat must take at least two expressions")
        paired = self._paired(expressions, output_field=extra.get("output_field"))
        super().__init__(paired, **extra)

    def _paired(self, expressions, output_field):
        # Nested pairs: Concat(a, b, c) is ConcatPair(a, ConcatPair(b, c)).
        if len(expressions) == 2:
            return ConcatPair(*expressions, output_field=output_field)
        return ConcatPair(
            expressions[0],
            self._paired(expressions[1:], output_field=output_field),
            output_field=output_field,
        )


class Left(Func):
    function = "LEFT"
    arity = 2
    output_field = CharField()

    def __init__(self, expression, length, **extra):
        """``expression``: a field name or any text-valued expression."""
        if not hasattr(length, "resolve_expression"):
            if length < 1:
                raise ValueError("'length' must be greater than 0.")
        super().__init__(expression, length, **extra)

    def get_substr(self):
        return Substr(self.source_expressions[0], Value(1), self.source_expressions[1])


class Length(Transform):
    """The number of characters in the expression."""

    function = "LENGTH"
    lookup_name = "length"
    output_field = IntegerField()


class Lower(Transform):
    function = "LOWER"
    lookup_name = "lower"


class LPad(Func):
    function = "LPAD"
    output_field = CharField()

    def __init__(self, expression, length, fill_text=Value(" "), **extra):
        if (
            not hasattr(length, "resolve_expression")
            and length is not None
            and length < 0
        ):
            raise ValueError("'length' must be greater or equal to 0.")
        super().__init__(expression, length, fill_text, **extra)


class LTrim(Transform):
    function = "LTRIM"
    lookup_name = "ltrim"


class MD5(Transform):
    function = "MD5"
    lookup_name = "md5"


class Ord(Transform):
    function = "ASCII"
    lookup_name = "ord"
    output_field = IntegerField()


class Repeat(Func):
    function = "REPEAT"
    output_field = CharField()

    def __init__(self, expression, number, **extra):
        if (
            not hasattr(number, "resolve_expression")
            and number is not None
            and number < 0
        ):
            raise ValueError("'number' must be greater or equal to 0.")
        super().__init__(expression, number, **extra)


class Replace(Func):
    function = "REPLACE"

    def __init__(self, expression, text, replacement=Value(""), **extra):
        super().__init__(expression, text, replacement, **extra)


class Reverse(Transform):
    function = "REVERSE"
    lookup_name = "reverse"


class Right(Left):
    function = "RIGHT"

    def get_substr(self):
        from reinhardt.orm.models.functions.math import Abs  # noqa: F401

        return Substr(
            self.source_expressions[0],
            self.source_expressions[1] * Value(-1),
            self.source_expressions[1],
        )


class RPad(LPad):
    function = "RPAD"


class RTrim(Transform):
    function = "RTRIM"
    lookup_name = "rtrim"


class SHA1(Transform):
    function = "SHA1"
    lookup_name = "sha1"


class SHA224(Transform):
    function = "SHA224"
    lookup_name = "sha224"


class SHA256(Transform):
    function = "SHA256"
    lookup_name = "sha256"


class SHA384(Transform):
    function = "SHA384"
    lookup_name = "sha384"


class SHA512(Transform):
    function = "SHA512"
    lookup_name = "sha512"


class StrIndex(Func):
    """The 1-based position of ``substring`` in ``string`` (0 when absent)."""

    function = "INSTR"
    arity = 2
    output_field = IntegerField()


class Substr(Func):
    function = "SUBSTRING"
    output_field = CharField()

    def __init__(self, expression, pos, length=None, **extra):
        """``pos``: 1-based start; ``length``: how many characters (None: to the end)."""
        if not hasattr(pos, "resolve_expression"):
            if pos < 1:
                raise ValueError("'pos' must be greater than 0")
        expressions = [expression, pos]
        if length is not None:
            expressions.append(length)
        super().__init__(*expressions, **extra)


class Trim(Transform):
    function = "TRIM"
    lookup_name = "trim"


class Upper(Transform):
    function = "UPPER"
    lookup_name = "upper"


_ = TextField
