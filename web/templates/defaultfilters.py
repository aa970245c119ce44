"""Django's built-in filters, with the same output to the character."""

from __future__ import annotations

import random as random_module
import re
import types
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, getcontext
from functools import wraps
from inspect import unwrap
from operator import itemgetter
from pprint import pformat
from urllib.parse import quote

from reinhardt.conf import settings
from reinhardt.utils import formats
from reinhardt.utils.dateformat import format as date_format_string
from reinhardt.utils.dateformat import time_format as time_format_string
from reinhardt.utils.encoding import iri_to_uri
from reinhardt.utils.html import (
    avoid_wrapping,
    conditional_escape,
    escape,
    escapejs,
    linebreaks,
    normalize_newlines,
    strip_tags,
)
from reinhardt.utils.html import json_script as _json_script
from reinhardt.utils.html import urlize as _urlize
from reinhardt.utils.safestring import SafeData, SafeString, mark_safe
from reinhardt.utils.text import Truncator, phone2numeric, wrap
from reinhardt.utils.text import capfirst as _capfirst
from reinhardt.utils.text import slugify as _slugify
from reinhardt.utils.timesince import timesince, timeuntil
from reinhardt.utils.translation import gettext, ngettext
from reinhardt.web.templates.lexer import VARIABLE_ATTRIBUTE_SEPARATOR
from reinhardt.web.templates.library import Library

register = Library()


def stringfilter(func):
    """Decorator: the filter's first argument is converted to str (keeping it safe if the
    filter is ``is_safe``)."""

    @wraps(func)
    def _dec(first, *args, **kwargs):
        first = str(first)
        result = func(first, *args, **kwargs)
        if isinstance(first, SafeData) and getattr(unwrap(func), "is_safe", False):
            result = mark_safe(result)
        return result

    return _dec


# ---- strings ------------------------------------------------------------------------------
@register.filter(is_safe=True)
@stringfilter
def addslashes(value):
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")


@register.filter(is_safe=True)
@stringfilter
def capfirst(value):
    return _capfirst(value)


@register.filter("escapejs")
@stringfilter
def escapejs_filter(value):
    return escapejs(value)


@register.filter(is_safe=True)
def json_script(value, element_id=None):
    return _json_script(value, element_id)


_PLAIN_NUMBERS = (float, int, Decimal)
_QUANTA: dict = {}  # decimal places -> Decimal("1e-places")
_CONTEXTS: dict = {}  # precision -> decimal Context (they are not mutated here)


def _floatformat_fast(number, p: int):
    """floatformat for a plain number and an integer argument, without grouping: the same
    result as the general path below, with less work. None means "take the general path"."""
    if settings.USE_THOUSAND_SEPARATOR:
        return None
    d = Decimal(str(number))
    if not d.is_finite():
        return None
    _, digits, exponent = d.as_tuple()
    if len(digits) + abs(exponent) > 200:
        return None
    whole = int(d)
    fractional = whole != d
    if not fractional and p <= 0:
        return SafeString(str(whole))
    places = abs(p)
    units = len(digits) + (-exponent if fractional else exponent)
    prec = max(getcontext().prec, places + units + 1)
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = _QUANTA[places] = Decimal(1).scaleb(-places)
    context = _CONTEXTS.get(prec)
    if context is None:
        context = _CONTEXTS[prec] = Context(prec=prec, rounding=ROUND_HALF_UP)
    rounded = d.quantize(quantum, ROUND_HALF_UP, context)
    text = f"{rounded:f}"
    if text[0] == "-" and not rounded:
        text = text[1:]  # no "-0.00"
    if places:
        separator = formats.get_format("DECIMAL_SEPARATOR")
        if separator != ".":
            text = text.replace(".", separator)
    return SafeString(text)


@register.filter(is_safe=True)
def floatformat(text, arg=-1):
    """Round to ``arg`` decimals; a negative arg shows decimals only when there are some.
    A 'g' suffix groups thousands, a 'u' suffix turns localization off."""
    if type(arg) is int and type(text) in _PLAIN_NUMBERS:
        result = _floatformat_fast(text, arg)
        if result is not None:
            return result
    force_grouping = False
    use_l10n = True
    if isinstance(arg, str):
        last_char = arg[-1]
        if arg[-2:] in {"gu", "ug"}:
            force_grouping = True
            use_l10n = False
            arg = arg[:-2] or -1
        elif last_char == "g":
            force_grouping = True
            arg = arg[:-1] or -1
        elif last_char == "u":
            use_l10n = False
            arg = arg[:-1] or -1
    try:
        input_val = str(text)
        d = Decimal(input_val)
    except InvalidOperation:
        try:
            d = Decimal(str(float(text)))
        except (ValueError, InvalidOperation, TypeError):
            return ""
    try:
        p = int(arg)
    except ValueError:
        return input_val
    _, digits, exponent = d.as_tuple()
    try:
        size = len(digits) + abs(exponent)
    except TypeError:  # special values: exponent is 'F', 'n' or 'N'
        size = 0
    if size > 200:
        return input_val  # refuse huge precision (memory)
    try:
        m = int(d) - d
    except (ValueError, OverflowError, InvalidOperation):
        return input_val
    if not m and p <= 0:
        return mark_safe(formats.number_format(str(int(d)), 0, use_l10n=use_l10n,
                                               force_grouping=force_grouping))
    places = abs(p)
    # Enough precision for every digit before the point plus the requested decimals.
    integer_digits = len(digits) + (-exponent if m else exponent)
    context = Context(prec=max(getcontext().prec, places + integer_digits + 1))
    rounded = d.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, context)
    number = f"{rounded:f}"  # fixed-point, never scientific notation
    if number.startswith("-") and not rounded:
        number = number[1:]  # rounding to zero drops the sign
    return mark_safe(formats.number_format(number, places, use_l10n=use_l10n,
                                           force_grouping=force_grouping))


@register.filter(is_safe=True)
@stringfilter
def iriencode(value):
    return iri_to_uri(value)


@register.filter(is_safe=True, needs_autoescape=True)
@stringfilter
def linenumbers(value, autoescape=True):
    lines = value.split("\n")
    digits = len(str(len(lines)))  # numbers are zero-padded to the widest one
    clean = escape if autoescape and not isinstance(value, SafeData) else str
    numbered = (f"{number:0{digits}d}. {clean(line)}" for number, line in enumerate(lines, 1))
    return mark_safe("\n".join(numbered))


@register.filter(is_safe=True)
@stringfilter
def lower(value):
    return value.lower()


@register.filter(is_safe=False)
@stringfilter
def make_list(value):
    return list(value)


@register.filter(is_safe=True)
@stringfilter
def slugify(value):
    return _slugify(value)


@register.filter(is_safe=True)
def stringformat(value, arg):
    """Python %-formatting: ``{{ value|stringformat:"03d" }}``; '' when it fails."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        return ("%" + str(arg)) % value
    except (ValueError, TypeError):
        return ""


_TITLE_APOSTROPHE = re.compile("([a-z])'([A-Z])")
_TITLE_DIGIT = re.compile(r"\d([A-Z])")


def _lower_match(match):
    return match[0].lower()


@register.filter(is_safe=True)
@stringfilter
def title(value):
    t = _TITLE_APOSTROPHE.sub(_lower_match, value.title())
    return _TITLE_DIGIT.sub(_lower_match, t)


@register.filter(is_safe=True)
@stringfilter
def truncatechars(value, arg):
    try:
        length = int(arg)
    except ValueError:
        return value
    return Truncator(value).chars(length)


@register.filter(is_safe=True)
@stringfilter
def truncatechars_html(value, arg):
    try:
        length = int(arg)
    except ValueError:
        return value
    return Truncator(value).chars(length, html=True)


@register.filter(is_safe=True)
@stringfilter
def truncatewords(value, arg):
    try:
        length = int(arg)
    except ValueError:
        return value
    return Truncator(value).words(length, truncate=" …")


@register.filter(is_safe=True)
@stringfilter
def truncatewords_html(value, arg):
    try:
        length = int(arg)
    except ValueError:
        return value
    return Truncator(value).words(length, html=True, truncate=" …")


@register.filter(is_safe=False)
@stringfilter
def upper(value):
    return value.upper()


@register.filter(is_safe=False)
@stringfilter
def urlencode(value, safe=None):
    kwargs = {}
    if safe is not None:
        kwargs["safe"] = safe
    return quote(value, **kwargs)


@register.filter(is_safe=True, needs_autoescape=True)
@stringfilter
def urlize(value, autoescape=True):
    return mark_safe(_urlize(value, nofollow=True, autoescape=autoescape))


@register.filter(is_safe=True, needs_autoescape=True)
@stringfilter
def urlizetrunc(value, limit, autoescape=True):
    return mark_safe(_urlize(value, trim_url_limit=int(limit), nofollow=True,
                             autoescape=autoescape))


@register.filter(is_safe=False)
@stringfilter
def wordcount(value):
    return len(value.split())


@register.filter(is_safe=True)
@stringfilter
def wordwrap(value, arg):
    return wrap(value, int(arg))


@register.filter(is_safe=True)
@stringfilter
def ljust(value, arg):
    return value.ljust(int(arg))


@register.filter(is_safe=True)
@stringfilter
def rjust(value, arg):
    return value.rjust(int(arg))


@register.filter(is_safe=True)
@stringfilter
def center(value, arg):
    return value.center(int(arg))


@register.filter
@stringfilter
def cut(value, arg):
    """Remove every ``arg`` from the string."""
    safe = isinstance(value, SafeData)
    value = value.replace(arg, "")
    if safe and arg != ";":
        return mark_safe(value)
    return value


# ---- HTML ---------------------------------------------------------------------------------
@register.filter("escape", is_safe=True)
@stringfilter
def escape_filter(value):
    return conditional_escape(value)


@register.filter(is_safe=True)
def escapeseq(value):
    return [conditional_escape(obj) for obj in value]


@register.filter(is_safe=True)
@stringfilter
def force_escape(value):
    return escape(value)


@register.filter("linebreaks", is_safe=True, needs_autoescape=True)
@stringfilter
def linebreaks_filter(value, autoescape=True):
    autoescape = autoescape and not isinstance(value, SafeData)
    return mark_safe(linebreaks(value, autoescape))


@register.filter(is_safe=True, needs_autoescape=True)
@stringfilter
def linebreaksbr(value, autoescape=True):
    autoescape = autoescape and not isinstance(value, SafeData)
    value = normalize_newlines(value)
    if autoescape:
        value = escape(value)
    return mark_safe(value.replace("\n", "<br>"))


@register.filter(is_safe=True)
@stringfilter
def safe(value):
    return mark_safe(value)


@register.filter(is_safe=True)
def safeseq(value):
    return [mark_safe(obj) for obj in value]


@register.filter(is_safe=True)
@stringfilter
def striptags(value):
    return strip_tags(value)


# ---- lists --------------------------------------------------------------------------------
def _property_resolver(arg):
    """A sort key for ``arg``: an index if it is a number, else a dotted lookup."""
    try:
        float(arg)
    except ValueError:
        if VARIABLE_ATTRIBUTE_SEPARATOR + "_" in arg or arg[0] == "_":
            raise AttributeError("Access to private variables is forbidden.")
        parts = arg.split(VARIABLE_ATTRIBUTE_SEPARATOR)

        def resolve(value):
            for part in parts:
                try:
                    value = value[part]
                except (AttributeError, IndexError, KeyError, TypeError, ValueError):
                    value = getattr(value, part)
            return value

        return resolve
    return itemgetter(arg)


@register.filter(is_safe=False)
def dictsort(value, arg):
    try:
        return sorted(value, key=_property_resolver(arg))
    except (AttributeError, TypeError):
        return ""


@register.filter(is_safe=False)
def dictsortreversed(value, arg):
    try:
        return sorted(value, key=_property_resolver(arg), reverse=True)
    except (AttributeError, TypeError):
        return ""


@register.filter(is_safe=False)
def first(value):
    try:
        return value[0]
    except IndexError:
        return ""


@register.filter(is_safe=True, needs_autoescape=True)
def join(value, arg, autoescape=True):
    try:
        if autoescape:
            data = conditional_escape(arg).join([conditional_escape(v) for v in value])
        else:
            data = arg.join(value)
    except TypeError:  # not iterable
        return value
    return mark_safe(data)


@register.filter(is_safe=True)
def last(value):
    try:
        return value[-1]
    except IndexError:
        return ""


@register.filter(is_safe=False)
def length(value):
    try:
        return len(value)
    except (ValueError, TypeError):
        return 0


@register.filter(is_safe=False)
def length_is(value, arg):
    """Removed from Django 5.1; kept so older templates still render."""
    try:
        return len(value) == int(arg)
    except (ValueError, TypeError):
        return ""


@register.filter(is_safe=True)
def random(value):
    try:
        return random_module.choice(value)
    except IndexError:
        return ""


@register.filter("slice", is_safe=True)
def slice_filter(value, arg):
    try:
        bits = [int(x) if x else None for x in str(arg).split(":")]
        return value[slice(*bits)]
    except (ValueError, TypeError, KeyError):
        return value


@register.filter(is_safe=True, needs_autoescape=True)
def unordered_list(value, autoescape=True):
    """Nested lists as <li> items (without the outer <ul>)."""
    show = conditional_escape if autoescape else str
    nested_types = (list, tuple, types.GeneratorType)

    def pairs(items):
        """(item, its sub-list or None): a list right after an item nests under it."""
        pending = []  # at most one item waiting for a possible sub-list
        for entry in items:
            if pending and isinstance(entry, nested_types):
                yield pending.pop(), entry
            else:
                if pending:
                    yield pending.pop(), None
                pending.append(entry)
        if pending:
            yield pending.pop(), None

    def render(items, depth):
        tabs = "\t" * depth
        rendered = []
        for item, children in pairs(items):
            inner = show(item)
            if children:
                inner += f"\n{tabs}<ul>\n{render(children, depth + 1)}\n{tabs}</ul>\n{tabs}"
            rendered.append(f"{tabs}<li>{inner}</li>")
        return "\n".join(rendered)

    return mark_safe(render(value, 1))


# ---- numbers ------------------------------------------------------------------------------
@register.filter(is_safe=False)
def add(value, arg):
    try:
        return int(value) + int(arg)
    except (ValueError, TypeError):
        try:
            return value + arg
        except Exception:
            return ""


@register.filter(is_safe=False)
def get_digit(value, arg):
    """The ``arg``-th digit from the right (1 = last); 0 past the first digit; the value
    unchanged when either is not a whole number or ``arg`` < 1."""
    try:
        position, number = int(arg), int(value)
    except ValueError:
        return value
    if position < 1:
        return value
    text = str(number)
    return int(text[-position]) if position <= len(text) else 0


# ---- dates --------------------------------------------------------------------------------
@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    if value in (None, ""):
        return ""
    try:
        return formats.date_format(value, arg)
    except AttributeError:
        try:
            return date_format_string(value, arg)
        except AttributeError:
            return ""


@register.filter(expects_localtime=True, is_safe=False)
def time(value, arg=None):
    if value in (None, ""):
        return ""
    try:
        return formats.time_format(value, arg)
    except (AttributeError, TypeError):
        try:
            return time_format_string(value, arg)
        except (AttributeError, TypeError):
            return ""


@register.filter("timesince", is_safe=False)
def timesince_filter(value, arg=None):
    if not value:
        return ""
    try:
        if arg:
            return timesince(value, arg)
        return timesince(value)
    except (ValueError, TypeError):
        return ""


@register.filter("timeuntil", is_safe=False)
def timeuntil_filter(value, arg=None):
    if not value:
        return ""
    try:
        return timeuntil(value, arg)
    except (ValueError, TypeError):
        return ""


# ---- logic --------------------------------------------------------------------------------
@register.filter(is_safe=False)
def default(value, arg):
    return value or arg


@register.filter(is_safe=False)
def default_if_none(value, arg):
    if value is None:
        return arg
    return value


@register.filter(is_safe=False)
def divisibleby(value, arg):
    return int(value) % int(arg) == 0


@register.filter(is_safe=False)
def yesno(value, arg=None):
    choices = (gettext("yes,no,maybe") if arg is None else arg).split(",")
    if len(choices) < 2:
        return value  # not a usable mapping
    if value is None:
        return choices[2] if len(choices) == 3 else choices[1]  # no "maybe": None is "no"
    return choices[0] if value else choices[1]


# ---- misc ---------------------------------------------------------------------------------
@register.filter(is_safe=True)
def filesizeformat(bytes_):
    """'13 KB', '4.1 MB', '102 bytes' (1024-based units)."""
    try:
        size = int(bytes_)
    except (TypeError, ValueError, UnicodeDecodeError):
        size = 0  # anything unreadable shows as "0 bytes"
    magnitude = abs(size)
    if magnitude < 1024:
        text = ngettext("%(size)d byte", "%(size)d bytes", magnitude) % {"size": magnitude}
    else:
        # The largest unit that keeps the number at 1 or more, up to PB; one decimal.
        units = [gettext("%s KB"), gettext("%s MB"), gettext("%s GB"), gettext("%s TB"),
                 gettext("%s PB")]
        power = min(len(units), (magnitude.bit_length() - 1) // 10)
        scaled = magnitude / (1 << (10 * power))
        text = units[power - 1] % formats.number_format(round(scaled, 1), 1)
    return avoid_wrapping(f"-{text}" if size < 0 else text)


@register.filter(is_safe=False)
def pluralize(value, arg="s"):
    """'s' unless the value (a number, or the length of a list) is 1; 'y,ies' style too."""
    suffixes = arg.split(",") if "," in arg else ["", arg]
    if len(suffixes) != 2:
        return ""
    singular, plural = suffixes
    try:
        count = float(value)
    except ValueError:
        return ""  # text that is not a number
    except TypeError:
        try:
            count = len(value)  # a collection: its size
        except TypeError:
            return ""
    return singular if count == 1 else plural


@register.filter("phone2numeric", is_safe=True)
def phone2numeric_filter(value):
    return phone2numeric(value)


@register.filter(is_safe=True)
def pprint(value):
    try:
        return pformat(value)
    except Exception as e:
        return f"Error in formatting: {e.__class__.__name__}: {e}"


__all__ = ["register", "stringfilter"]
