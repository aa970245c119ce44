"""Variables and filter expressions: ``{{ a.b|f:"x"|g:c }}``.

These are Django's public parse-time objects. The compiler reads their structure to
generate code; their ``resolve(context)`` methods are the interpreted path that custom tags
written for Django call.
"""

from __future__ import annotations

import re
from inspect import getfullargspec, unwrap

from reinhardt.utils.safestring import SafeData, mark_safe
from reinhardt.utils.text import unescape_string_literal
from reinhardt.utils.timezone import template_localtime
from reinhardt.utils.translation import gettext_lazy, pgettext_lazy
from reinhardt.web.templates.exceptions import TemplateSyntaxError, VariableDoesNotExist
from reinhardt.web.templates.lexer import (
    FILTER_ARGUMENT_SEPARATOR,
    FILTER_SEPARATOR,
    VARIABLE_ATTRIBUTE_SEPARATOR,
)
from reinhardt.web.templates.runtime import MISSING, lookups_for, step

_STR_DQ = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_STR_SQ = r"'[^'\\]*(?:\\.[^'\\]*)*'"
_I18N = r"_\(%s\)"
_CONSTANT = rf"(?:{_I18N % _STR_DQ}|{_I18N % _STR_SQ}|{_STR_DQ}|{_STR_SQ})"
_NUM = r"[-+.]?\d[\d.e]*"
_VAR = r"[\w.]+"
filter_re = re.compile(
    rf"^(?P<constant>{_CONSTANT})"
    rf"|^(?P<var>{_VAR}|{_NUM})"
    rf"|(?:\s*{re.escape(FILTER_SEPARATOR)}\s*(?P<filter_name>\w+)"
    rf"(?:{re.escape(FILTER_ARGUMENT_SEPARATOR)}"
    rf"(?:(?P<constant_arg>{_CONSTANT})|(?P<var_arg>{_VAR}|{_NUM})))?)"
)

kwarg_re = re.compile(r"(?:(\w+)=)?(.+)")


def _string_if_invalid(context) -> str:
    """The engine's string_if_invalid for ``context`` ("" outside a template)."""
    template = getattr(context, "template", None)
    return "" if template is None else template.engine.string_if_invalid


def _number(text: str):
    """``text`` as an int or float literal; ValueError when it is not one.

    A dot or an exponent makes a float, except that "2." is not a number in templates.
    """
    if "." not in text and "e" not in text.lower():
        return int(text)
    if text.endswith("."):
        raise ValueError(text)
    return float(text)


def _parse_variable(text: str):
    """(literal, lookups, translate) for the text of a Variable."""
    try:
        return _number(text), None, False
    except ValueError:
        pass
    translate = text.startswith("_(") and text.endswith(")")
    inner = text[2:-1] if translate else text
    try:
        return mark_safe(unescape_string_literal(inner)), None, translate
    except ValueError:
        pass
    parts = tuple(inner.split(VARIABLE_ATTRIBUTE_SEPARATOR))
    if any(part.startswith("_") for part in parts):
        raise TemplateSyntaxError(
            f"Variables and attributes may not begin with underscores: '{inner}'"
        )
    return None, parts, translate


class Variable:
    """A template variable (``a.b.0``) or a literal (number, quoted string, _("text")).

    The text is classified once, here: ``literal`` holds a literal's value, ``lookups``
    the dotted parts of a variable (None for a literal), ``translate`` whether it was
    wrapped in ``_( )``. The compiler reads these attributes to generate code.
    """

    __slots__ = ("var", "literal", "lookups", "translate", "message_context")

    def __init__(self, var: str):
        if not isinstance(var, str):
            raise TypeError(f"Variable must be a string or number, got {type(var)}")
        self.var = var
        self.message_context = None  # set by {% translate ... context "..." %}
        self.literal, self.lookups, self.translate = _parse_variable(var)

    def resolve(self, context):
        """The variable's value in ``context``; raises VariableDoesNotExist if missing."""
        found = self.literal if self.lookups is None else self._resolve_lookup(context)
        return self.translated(found) if self.translate else found

    def translated(self, value):
        """``value`` marked for translation, as ``_("...")`` in a template does."""
        # A literal % in the message must survive the later %-formatting of translations.
        escaped = value.replace("%", "%%")
        if isinstance(value, SafeData):
            escaped = mark_safe(escaped)
        if not self.message_context:
            return gettext_lazy(escaped)
        return pgettext_lazy(self.message_context, escaped)

    def _resolve_lookup(self, context):
        lookups = lookups_for(_string_if_invalid(context))
        name, *bits = self.lookups
        if hasattr(context, "dicts"):
            return lookups["_strict"](context, MISSING, name, bits)
        # A plain dict (or any object) used as the context: the first step is a lookup too.
        root = step(context, name)
        if root is MISSING:
            raise VariableDoesNotExist("Failed lookup for key [%s] in %r", (name, context))
        return lookups["_strict"](context, root, name, bits)

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__}: {self.var!r}>"

    def __str__(self) -> str:
        return self.var


def _filter_argument(match):
    """The ``(is_lookup, value)`` pair for a filter's argument, or None if it has none."""
    quoted, name = match["constant_arg"], match["var_arg"]
    if quoted:
        return (False, Variable(quoted).resolve({}))
    if name:
        return (True, Variable(name))
    return None


class FilterExpression:
    """A variable or literal followed by filters: ``var|f1|f2:arg``.

    ``var`` is a Variable, or the literal value itself; ``filters`` is a list of
    ``(filter_function, [(is_lookup, Variable_or_literal), ...])``.
    """

    __slots__ = ("token", "filters", "var", "is_var")

    def __init__(self, token: str, parser):
        self.token = token
        head = None
        chain = []
        consumed = 0
        for position, match in enumerate(filter_re.finditer(token)):
            if match.start() != consumed:
                gap = match.start()
                raise TemplateSyntaxError(
                    "Could not parse some characters: "
                    f"{token[:consumed]}|{token[consumed:gap]}|{token[gap:]}"
                )
            consumed = match.end()
            if position == 0:
                head = self._head(match, token)
                continue
            name = match["filter_name"]
            argument = _filter_argument(match)
            arguments = [] if argument is None else [argument]
            function = parser.find_filter(name)
            self.args_check(name, function, arguments)
            chain.append((function, arguments))
        if consumed != len(token):
            raise TemplateSyntaxError(
                f"Could not parse the remainder: '{token[consumed:]}' from '{token}'"
            )
        self.var, self.filters = head, chain
        self.is_var = isinstance(head, Variable)

    @staticmethod
    def _head(match, token: str):
        """The value or Variable the expression starts with."""
        if match["constant"]:
            return Variable(match["constant"]).resolve({})
        if match["var"] is None:
            raise TemplateSyntaxError(f"Could not find variable at start of {token}.")
        return Variable(match["var"])

    def _missing_value(self, context, ignore_failures: bool):
        """(value, final): what a missing variable becomes; final skips the filters."""
        if ignore_failures:
            return None, False
        placeholder = _string_if_invalid(context)
        if not placeholder:
            return placeholder, False
        if "%s" in placeholder:
            return placeholder % self.var, True
        return placeholder, True

    def resolve(self, context, ignore_failures: bool = False):
        """The interpreted value, for custom tags that call it (templates are compiled)."""
        value = self.var
        if self.is_var:
            try:
                value = self.var.resolve(context)
            except VariableDoesNotExist:
                value, final = self._missing_value(context, ignore_failures)
                if final:
                    return value
        for function, arguments in self.filters:
            values = [arg.resolve(context) if is_lookup else mark_safe(arg)
                      for is_lookup, arg in arguments]
            if getattr(function, "expects_localtime", False):
                value = template_localtime(value, context.use_tz)
            extra = {}
            if getattr(function, "needs_autoescape", False):
                extra["autoescape"] = context.autoescape
            result = function(value, *values, **extra)
            # A filter marked is_safe keeps safe input safe.
            keep_safe = isinstance(value, SafeData) and getattr(function, "is_safe", False)
            value = mark_safe(result) if keep_safe else result
        return value

    @staticmethod
    def args_check(name, func, provided) -> bool:
        """Check the number of arguments a filter gets (the value counts as one)."""
        spec = getfullargspec(unwrap(func))
        most = len(spec.args)
        fewest = most - len(spec.defaults or ())
        given = len(list(provided)) + 1
        if fewest <= given <= most:
            return True
        raise TemplateSyntaxError(f"{name} requires {fewest} arguments, {given} provided")

    def __str__(self) -> str:
        return self.token

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__} {self.token!r}>"


def _legacy_pair(bits: list):
    """(name, expression) from ``expression as name`` at the start of ``bits``, or None."""
    if len(bits) >= 3 and bits[1] == "as":
        return bits[2], bits[0]
    return None


def token_kwargs(bits: list, parser, support_legacy: bool = False) -> dict:
    """Parse ``a=b c=d`` (or legacy ``b as a and d as c``) from ``bits``, consuming them.

    Parsing stops at the first bit that does not fit the form the first bit used; what
    was parsed is returned and removed from ``bits``.
    """
    if not bits:
        return {}
    first = kwarg_re.match(bits[0])
    keyword_form = bool(first and first[1])
    if not keyword_form and not (support_legacy and _legacy_pair(bits)):
        return {}
    parsed = {}
    while bits:
        if keyword_form:
            found = kwarg_re.match(bits[0])
            if not (found and found[1]):
                break
            name, expression = found[1], found[2]
            width = 1
        else:
            pair = _legacy_pair(bits)
            if pair is None:
                break
            (name, expression), width = pair, 3
        del bits[:width]
        parsed[name] = parser.compile_filter(expression)
        if not keyword_form and bits:
            # Legacy pairs are joined by "and".
            if bits[0] != "and":
                break
            del bits[0]
    return parsed


__all__ = ["Variable", "FilterExpression", "token_kwargs", "kwarg_re", "filter_re"]
