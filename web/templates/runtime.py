"""Helpers that compiled templates call at render time.

Variable lookups follow Django's order exactly (dict key, attribute, list index; call
callables unless ``do_not_call_in_templates``; ``alters_data`` gives string_if_invalid;
exceptions with ``silent_variable_failure`` give string_if_invalid), with fast paths for
plain dicts and for objects that cannot be subscripted. A failed lookup returns the
``MISSING`` sentinel instead of raising, so the generated code decides what it becomes.
"""

from __future__ import annotations

import functools
import re
from html import escape as _html_escape
from inspect import signature
from types import FunctionType, MethodType

from reinhardt.conf import settings
from reinhardt.utils.formats import localize
from reinhardt.utils.html import conditional_escape
from reinhardt.utils.safestring import SafeData, SafeString, mark_safe
from reinhardt.utils.timezone import template_localtime
from reinhardt.web.templates.context import BaseContext
from reinhardt.web.templates.exceptions import VariableDoesNotExist


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()

_SUBSCRIPT_ERRORS = (TypeError, AttributeError, KeyError, ValueError, IndexError)
_INDEX_ERRORS = (IndexError, ValueError, KeyError, TypeError)


def _after_subscript(cur, bit):
    """Django's lookup once ``cur[bit]`` has failed: attribute, then list index."""
    try:
        if isinstance(cur, BaseContext) and getattr(type(cur), bit):
            raise AttributeError
        return getattr(cur, bit)
    except (TypeError, AttributeError):
        # An AttributeError raised inside a property must not be hidden.
        if not isinstance(cur, BaseContext) and bit in dir(cur):
            raise
    try:
        return cur[int(bit)]
    except _INDEX_ERRORS:
        return MISSING


# type -> True when its instances cannot be subscripted (so cur[bit] would raise TypeError).
_unsubscriptable: dict = {}


def _is_unsubscriptable(tp) -> bool:
    if len(_unsubscriptable) > 2000:
        _unsubscriptable.clear()
    result = _unsubscriptable[tp] = not hasattr(tp, "__getitem__") and not issubclass(tp, type)
    return result


def step(cur, bit: str):
    """One lookup step: ``cur[bit]``, ``cur.bit`` or ``cur[int(bit)]``, else MISSING."""
    tp = type(cur)
    if tp is dict:
        try:
            return cur[bit]
        except KeyError:
            return _after_subscript(cur, bit)
    unsubscriptable = _unsubscriptable.get(tp)
    if unsubscriptable is None:
        unsubscriptable = _is_unsubscriptable(tp)
    if unsubscriptable:
        # cur[bit] would raise TypeError: go straight to the attribute.
        try:
            return getattr(cur, bit)
        except (TypeError, AttributeError):
            if bit in dir(cur):
                raise
            return MISSING
    try:
        return cur[bit]
    except _SUBSCRIPT_ERRORS:
        return _after_subscript(cur, bit)


# function -> (do_not_call_in_templates, alters_data), read once per function (bounded).
_call_flags: dict = {}


@functools.cache
def lookups_for(string_if_invalid):
    """The lookup functions bound to one engine's ``string_if_invalid``."""

    def call(cur):
        tp = type(cur)
        if tp is MethodType or tp is FunctionType:
            # Plain functions and methods: their flags are read once per function.
            func = cur.__func__ if tp is MethodType else cur
            flags = _call_flags.get(func)
            if flags is None:
                if len(_call_flags) > 4000:
                    _call_flags.clear()
                flags = _call_flags[func] = (
                    getattr(cur, "do_not_call_in_templates", False),
                    getattr(cur, "alters_data", False),
                )
            do_not_call, alters_data = flags
        else:
            do_not_call = getattr(cur, "do_not_call_in_templates", False)
            alters_data = not do_not_call and getattr(cur, "alters_data", False)
        if do_not_call:
            return cur
        if alters_data:
            return string_if_invalid
        try:
            return cur()
        except TypeError:
            try:
                signature(cur).bind()
            except TypeError:  # it needs arguments: not callable from a template
                return string_if_invalid
            raise

    def chain(cur, bits, default=MISSING):
        """Resolve ``bits`` from the root value ``cur`` (found, not yet called)."""
        try:
            if callable(cur):
                cur = call(cur)
            for bit in bits:
                cur = step(cur, bit)
                if cur is MISSING:
                    return default
                if callable(cur):
                    cur = call(cur)
        except Exception as e:
            if getattr(e, "silent_variable_failure", False):
                return string_if_invalid
            raise
        return cur

    def chain1(cur, bit, default=MISSING):
        try:
            if callable(cur):
                cur = call(cur)
            # step(), inlined for the two common cases.
            tp = type(cur)
            if tp is dict and bit in cur:
                cur = cur[bit]
            elif _unsubscriptable.get(tp):
                found = getattr(cur, bit, MISSING)
                cur = step(cur, bit) if found is MISSING else found
            else:
                cur = step(cur, bit)
            if cur is MISSING:
                return default
            if callable(cur):
                cur = call(cur)
        except Exception as e:
            if getattr(e, "silent_variable_failure", False):
                return string_if_invalid
            raise
        return cur

    def root(cur):
        """A variable with no dots: only the callable check applies."""
        try:
            return call(cur)
        except Exception as e:
            if getattr(e, "silent_variable_failure", False):
                return string_if_invalid
            raise

    def context_var(context, name, bits, default=MISSING):
        for d in reversed(context.dicts):
            if name in d:
                cur = d[name]
                break
        else:
            return default
        if bits:
            return chain(cur, bits, default)
        if callable(cur):
            return root(cur)
        return cur

    def strict(context, root_value, name, bits):
        """Resolve for a filter argument: a failed lookup raises VariableDoesNotExist."""
        if root_value is MISSING:
            for d in reversed(context.dicts):
                if name in d:
                    root_value = d[name]
                    break
            else:
                raise VariableDoesNotExist("Failed lookup for key [%s] in %r", (name, context))
        cur = root_value
        try:
            if callable(cur):
                cur = call(cur)
            for bit in bits:
                found = step(cur, bit)
                if found is MISSING:
                    raise VariableDoesNotExist("Failed lookup for key [%s] in %r", (bit, cur))
                cur = found
                if callable(cur):
                    cur = call(cur)
        except Exception as e:
            if getattr(e, "silent_variable_failure", False):
                return string_if_invalid
            raise
        return cur

    return {
        "_call": call, "_chain": chain, "_chain1": chain1, "_root": root,
        "_cv": context_var, "_strict": strict,
    }


def context_get(context, name, default=MISSING):
    for d in reversed(context.dicts):
        if name in d:
            return d[name]
    return default


_needs_escape = re.compile("[&<>\"']").search


def escape_text(value: str) -> str:
    """html.escape(value) for a str, skipping the work when there is nothing to escape."""
    if _needs_escape(value) is None:
        return value
    return _html_escape(value)


def render_value(value, context) -> str:
    """Django's render_value_in_context with autoescaping on."""
    tp = type(value)
    if tp is str:
        return escape_text(value)
    if tp is SafeString:
        return value
    if tp is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    value = localize(template_localtime(value, use_tz=context.use_tz), use_l10n=context.use_l10n)
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def render_value_raw(value, context) -> str:
    """Django's render_value_in_context with autoescaping off."""
    tp = type(value)
    if tp is str or tp is SafeString:
        return value
    value = localize(template_localtime(value, use_tz=context.use_tz), use_l10n=context.use_l10n)
    return str(value)


def render_value_in_context(value, context) -> str:
    """Convert a value to text for output, localized and escaped as the context says."""
    if context.autoescape:
        return render_value(value, context)
    return render_value_raw(value, context)


def safe_result(old, new):
    """An ``is_safe`` filter keeps its input's safety."""
    if isinstance(old, SafeData):
        return mark_safe(new)
    return new


def unpack(item, count: int):
    """Unpack a for-loop item into ``count`` variables, with Django's error."""
    try:
        len_item = len(item)
    except TypeError:  # not a container
        len_item = 1
    if count != len_item:
        raise ValueError(f"Need {count} values to unpack in for loop; got {len_item}. ")
    return tuple(item)


def loop_sequence(values):
    """The sequence a {% for %} iterates: None becomes empty, iterators become lists."""
    if values is None:
        return []
    if not hasattr(values, "__len__"):
        return list(values)
    return values


def string_if_invalid_output(string_if_invalid: str, var) -> str:
    if "%s" in string_if_invalid:
        return string_if_invalid % var
    return string_if_invalid


__all__ = [
    "MISSING", "step", "lookups_for", "context_get", "render_value", "render_value_raw",
    "render_value_in_context", "safe_result", "unpack", "loop_sequence",
]
