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
    template = getattr(context, "template", None)
    if template is None:
        return ""
    return template.engine.string_if_invalid


class Variable:
    """A template variable (``a.b.0``) or a literal (number, quoted string, _("text")).

    A literal is parsed once; ``lookups`` holds the dotted parts of a variable.
    """

    __slots__ = ("var", "literal", "lookups", "translate", "message_context")

    def __init__(self, var: str):
        self.var = var
        self.literal = None
        self.lookups = None
        self.translate = False
        self.message_context = None
        if not isinstance(var, str):
            raise TypeError(f"Variable must be a string or number, got {type(var)}")
        try:
            if "." in var or "e" in var.lower():
                self.literal = float(var)
                if var[-1] == ".":  # "2." is not a number in the template language
                    raise ValueError
            else:
                self.literal = int(var)
        except ValueError:
            if var[0:2] == "_(" and var[-1] == ")":
                self.translate = True
                var = var[2:-1]
            try:
                self.literal = mark_safe(unescape_string_literal(var))
            except ValueError:
                if var.find(VARIABLE_ATTRIBUTE_SEPARATOR + "_") > -1 or var[0] == "_":
                    raise TemplateSyntaxError(
                        f"Variables and attributes may not begin with underscores: '{var}'"
                    )
                self.lookups = tuple(var.split(VARIABLE_ATTRIBUTE_SEPARATOR))

    def resolve(self, context):
        """The variable's value in ``context``; raises VariableDoesNotExist if missing."""
        if self.lookups is not None:
            value = self._resolve_lookup(context)
        else:
            value = self.literal
        if self.translate:
            return self.translated(value)
        return value

    def translated(self, value):
        """``value`` marked for translation, as ``_("...")`` in a template does."""
        is_safe = isinstance(value, SafeData)
        msgid = value.replace("%", "%%")
        msgid = mark_safe(msgid) if is_safe else msgid
        if self.message_context:
            return pgettext_lazy(self.message_context, msgid)
        return gettext_lazy(msgid)

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


class FilterExpression:
    """A variable or literal followed by filters: ``var|f1|f2:arg``.

    ``var`` is a Variable, or the literal value itself; ``filters`` is a list of
    ``(filter_function, [(is_lookup, Variable_or_literal), ...])``.
    """

    __slots__ = ("token", "filters", "var", "is_var")

    def __init__(self, token: str, parser):
        self.token = token
        matches = filter_re.finditer(token)
        var_obj = None
        filters = []
        upto = 0
        for match in matches:
            start = match.start()
            if upto != start:
                raise TemplateSyntaxError(
                    "Could not parse some characters: "
                    f"{token[:upto]}|{token[upto:start]}|{token[start:]}"
                )
            if var_obj is None:
                if constant := match["constant"]:
                    try:
                        var_obj = Variable(constant).resolve({})
                    except VariableDoesNotExist:
                        var_obj = None
                elif (var := match["var"]) is None:
                    raise TemplateSyntaxError(f"Could not find variable at start of {token}.")
                else:
                    var_obj = Variable(var)
            else:
                filter_name = match["filter_name"]
                args = []
                if constant_arg := match["constant_arg"]:
                    args.append((False, Variable(constant_arg).resolve({})))
                elif var_arg := match["var_arg"]:
                    args.append((True, Variable(var_arg)))
                filter_func = parser.find_filter(filter_name)
                self.args_check(filter_name, filter_func, args)
                filters.append((filter_func, args))
            upto = match.end()
        if upto != len(token):
            raise TemplateSyntaxError(
                f"Could not parse the remainder: '{token[upto:]}' from '{token}'"
            )
        self.filters = filters
        self.var = var_obj
        self.is_var = isinstance(var_obj, Variable)

    def resolve(self, context, ignore_failures: bool = False):
        """Interpreted resolution, exactly as Django's (for custom tags)."""
        if self.is_var:
            try:
                obj = self.var.resolve(context)
            except VariableDoesNotExist:
                if ignore_failures:
                    obj = None
                else:
                    string_if_invalid = _string_if_invalid(context)
                    if string_if_invalid:
                        if "%s" in string_if_invalid:
                            return string_if_invalid % self.var
                        return string_if_invalid
                    obj = string_if_invalid
        else:
            obj = self.var
        for func, args in self.filters:
            arg_vals = []
            for lookup, arg in args:
                if not lookup:
                    arg_vals.append(mark_safe(arg))
                else:
                    arg_vals.append(arg.resolve(context))
            if getattr(func, "expects_localtime", False):
                obj = template_localtime(obj, context.use_tz)
            if getattr(func, "needs_autoescape", False):
                new_obj = func(obj, *arg_vals, autoescape=context.autoescape)
            else:
                new_obj = func(obj, *arg_vals)
            if getattr(func, "is_safe", False) and isinstance(obj, SafeData):
                obj = mark_safe(new_obj)
            else:
                obj = new_obj
        return obj

    @staticmethod
    def args_check(name, func, provided) -> bool:
        """Check the number of arguments a filter gets (the value counts as one)."""
        provided = list(provided)
        plen = len(provided) + 1
        func = unwrap(func)
        args, _, _, defaults, _, _, _ = getfullargspec(func)
        alen = len(args)
        dlen = len(defaults or [])
        if plen < (alen - dlen) or plen > alen:
            raise TemplateSyntaxError(
                f"{name} requires {alen - dlen} arguments, {plen} provided"
            )
        return True

    def __str__(self) -> str:
        return self.token

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__} {self.token!r}>"


def token_kwargs(bits: list, parser, support_legacy: bool = False) -> dict:
    """Parse ``a=b c=d`` (or legacy ``b as a and d as c``) from ``bits``, consuming them."""
    if not bits:
        return {}
    match = kwarg_re.match(bits[0])
    kwarg_format = match and match[1]
    if not kwarg_format:
        if not support_legacy:
            return {}
        if len(bits) < 3 or bits[1] != "as":
            return {}
    kwargs = {}
    while bits:
        if kwarg_format:
            match = kwarg_re.match(bits[0])
            if not match or not match[1]:
                return kwargs
            key, value = match.groups()
            del bits[:1]
        else:
            if len(bits) < 3 or bits[1] != "as":
                return kwargs
            key, value = bits[2], bits[0]
            del bits[:3]
        kwargs[key] = parser.compile_filter(value)
        if bits and not kwarg_format:
            if bits[0] != "and":
                return kwargs
            del bits[:1]
    return kwargs


__all__ = ["Variable", "FilterExpression", "token_kwargs", "kwarg_re", "filter_re"]
