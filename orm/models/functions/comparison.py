"""Functions that compare, coerce or pick among values: Cast, Coalesce, Collate, Greatest,
JSONObject, Least and NullIf.

Each class only records its arguments; how it is rendered is decided by the compiler of the
backend in use (the SQL renderer visits it by class name, MongoDB maps it to an operator).
"""

from reinhardt.orm.models.expressions import Func, Value
from reinhardt.orm.models.fields.json import JSONField


def _require_two(name, args):
    """Variadic comparison functions are meaningless with fewer than two arguments."""
    if len(args) >= 2:
        return args
    raise ValueError(f"{name} must take at least two expressions")


class _Variadic(Func):
    """A function over two or more expressions (the count is checked up front)."""

    def __init__(self, *expressions, **extra):
        Func.__init__(self, *_require_two(self._label, expressions), **extra)


class Cast(Func):
    """``CAST(expr AS type)``: the value of *expression* converted to *output_field*'s type."""

    def __init__(self, expression, output_field):
        Func.__init__(self, expression, output_field=output_field)

    template = "%(function)s(%(expressions)s AS %(db_type)s)"
    function = "CAST"


class Coalesce(_Variadic):
    """The first of its arguments that is not NULL."""

    function = "COALESCE"
    _label = "Coalesce"

    @property
    def empty_result_set_value(self):
        # Over an empty result set each argument has its own fallback; the first one that
        # is known (not None) decides, and an unknown one (NotImplemented) stops the search.
        for source in self.get_source_expressions():
            fallback = source.empty_result_set_value
            if fallback is None:
                continue
            return fallback
        return None


def _valid_collation(name):
    """Collation names are spliced into SQL, so only letters, digits, '_' and '-' pass."""
    return bool(name) and all(ch.isalnum() or ch in "_-" for ch in name) and any(
        ch.isalnum() for ch in name
    )


class Collate(Func):
    """*expression* compared and sorted under the named database *collation*."""

    def __init__(self, expression, collation):
        if not _valid_collation(collation):
            raise ValueError(f"Invalid collation name: {collation!r}.")
        self.collation = collation
        Func.__init__(self, expression)

    allowed_default = False  # a collation cannot wrap a column default
    template = "%(expressions)s %(function)s %(collation)s"
    function = "COLLATE"


class Greatest(_Variadic):
    """The largest of its arguments.

    NULL handling is the database's own: PostgreSQL skips NULL arguments, while SQLite and
    MySQL give NULL when any argument is NULL.
    """

    function = "GREATEST"
    _label = "Greatest"


class Least(_Variadic):
    """The smallest of its arguments (NULL handling as for :class:`Greatest`)."""

    function = "LEAST"
    _label = "Least"


class JSONObject(Func):
    """A JSON object built from keyword arguments: each key maps to an expression."""

    def __init__(self, **fields):
        flat = []
        for key in fields:
            flat += [Value(key), fields[key]]
        Func.__init__(self, *flat)

    output_field = JSONField()
    function = "JSON_OBJECT"


class NullIf(Func):
    """NULL when its two arguments are equal, otherwise the first argument."""

    arity = 2  # exactly two arguments
    function = "NULLIF"
