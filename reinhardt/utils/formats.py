"""Locale-aware formats (dates, numbers) with Django's names.

Locale format modules are not shipped yet: English ('en', the default LANGUAGE_CODE's
language) is built in, other languages and ``{% localize off %}`` use the settings
(DATE_FORMAT, DECIMAL_SEPARATOR, ...). FORMAT_MODULE_PATH modules are honoured.
"""

from __future__ import annotations

import datetime
import decimal
import functools
from importlib import import_module

from reinhardt.conf import settings
from reinhardt.utils import dateformat, numberformat
from reinhardt.utils.translation import get_language, to_locale

FORMAT_SETTINGS = frozenset([
    "DECIMAL_SEPARATOR", "THOUSAND_SEPARATOR", "NUMBER_GROUPING", "FIRST_DAY_OF_WEEK",
    "MONTH_DAY_FORMAT", "TIME_FORMAT", "DATE_FORMAT", "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "YEAR_MONTH_FORMAT",
    "DATE_INPUT_FORMATS", "TIME_INPUT_FORMATS", "DATETIME_INPUT_FORMATS",
])

# The English locale's formats (what Django's 'en' locale defines).
_BUILTIN_LOCALES = {
    "en": {
        "DATE_FORMAT": "N j, Y",
        "TIME_FORMAT": "P",
        "DATETIME_FORMAT": "N j, Y, P",
        "YEAR_MONTH_FORMAT": "F Y",
        "MONTH_DAY_FORMAT": "F j",
        "SHORT_DATE_FORMAT": "m/d/Y",
        "SHORT_DATETIME_FORMAT": "m/d/Y P",
        "FIRST_DAY_OF_WEEK": 0,
        "DECIMAL_SEPARATOR": ".",
        "THOUSAND_SEPARATOR": ",",
        "NUMBER_GROUPING": 3,
    },
}


def _user_format_modules(locale: str) -> list:
    path = getattr(settings, "FORMAT_MODULE_PATH", None)
    if not path:
        return []
    paths = [path] if isinstance(path, str) else list(path)
    modules = []
    for prefix in paths:
        for name in (locale, locale.split("_")[0]):
            try:
                modules.append(import_module(f"{prefix}.{name}.formats"))
            except ImportError:
                pass
    return modules


def _locale_value(lang: str, format_type: str):
    locale = to_locale(lang)
    for module in _user_format_modules(locale):
        value = getattr(module, format_type, None)
        if value is not None:
            return value
    for name in (locale, locale.split("_")[0]):
        table = _BUILTIN_LOCALES.get(name)
        if table is not None and format_type in table:
            return table[format_type]
    return None


# (format_type, language or None) -> value; cleared whenever a setting changes.
_format_cache: dict = {}


def reset_format_cache(**kwargs) -> None:
    _format_cache.clear()


def get_format(format_type, lang=None, use_l10n=None):
    """The format named ``format_type`` for the language; any other string is returned as is."""
    if use_l10n is None:
        use_l10n = True
    format_type = str(format_type)
    if format_type not in FORMAT_SETTINGS:
        return format_type  # a format string such as "Y-m-d", not the name of a format
    if use_l10n:
        if lang is None:
            uniform = _uniform_value(format_type)
            if uniform is not _VARIES:
                return uniform
        lang = lang or get_language() or settings.LANGUAGE_CODE
    else:
        lang = None
    key = (format_type, lang)
    try:
        return _format_cache[key]
    except KeyError:
        pass
    value = _locale_value(lang, format_type) if lang is not None else None
    if value is None:
        value = getattr(settings, format_type)
    _format_cache[key] = value
    return value


_VARIES = object()


def _uniform_value(format_type: str):
    """The format's value when every language has the same one (no need to ask which
    language is active), else _VARIES."""
    key = (format_type, _VARIES)
    try:
        return _format_cache[key]
    except KeyError:
        pass
    value = getattr(settings, format_type)
    if getattr(settings, "FORMAT_MODULE_PATH", None) or any(
        table.get(format_type, value) != value for table in _BUILTIN_LOCALES.values()
    ):
        value = _VARIES
    _format_cache[key] = value
    return value


def _connect_reset() -> None:
    from reinhardt.test.signals import setting_changed

    setting_changed.connect(reset_format_cache, dispatch_uid="reinhardt.utils.formats.reset")


_connect_reset()


get_format_lazy = functools.partial(get_format)


def date_format(value, format=None, use_l10n=None) -> str:
    return dateformat.format(value, get_format(format or "DATE_FORMAT", use_l10n=use_l10n))


def time_format(value, format=None, use_l10n=None) -> str:
    return dateformat.time_format(value, get_format(format or "TIME_FORMAT", use_l10n=use_l10n))


def number_format(value, decimal_pos=None, use_l10n=None, force_grouping=False) -> str:
    if use_l10n is None:
        use_l10n = True
    lang = get_language() if use_l10n else None
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR", lang, use_l10n=use_l10n),
        decimal_pos,
        get_format("NUMBER_GROUPING", lang, use_l10n=use_l10n),
        get_format("THOUSAND_SEPARATOR", lang, use_l10n=use_l10n),
        force_grouping=force_grouping,
        use_l10n=use_l10n,
    )


def localize(value, use_l10n=None):
    """Format numbers, dates and times for display; other values pass through."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (decimal.Decimal, float, int)):
        return number_format(value, use_l10n=use_l10n)
    if isinstance(value, datetime.datetime):
        return date_format(value, "DATETIME_FORMAT", use_l10n=use_l10n)
    if isinstance(value, datetime.date):
        return date_format(value, use_l10n=use_l10n)
    if isinstance(value, datetime.time):
        return time_format(value, use_l10n=use_l10n)
    return value


def localize_input(value, default=None):
    """Format a value for a form input (the first of the *_INPUT_FORMATS)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (decimal.Decimal, float, int)):
        return number_format(value)
    if isinstance(value, datetime.datetime):
        fmt = default or get_format("DATETIME_INPUT_FORMATS")[0]
        return value.strftime(fmt)
    if isinstance(value, datetime.date):
        return value.strftime(default or get_format("DATE_INPUT_FORMATS")[0])
    if isinstance(value, datetime.time):
        return value.strftime(default or get_format("TIME_INPUT_FORMATS")[0])
    return value


def sanitize_separators(value):
    """Turn a localized number string into one Python can parse."""
    if isinstance(value, str):
        parts = []
        decimal_separator = get_format("DECIMAL_SEPARATOR")
        if decimal_separator in value:
            value, decimals = value.split(decimal_separator, 1)
            parts.append(decimals)
        if settings.USE_THOUSAND_SEPARATOR:
            thousand_sep = get_format("THOUSAND_SEPARATOR")
            for replacement in {thousand_sep, thousand_sep.replace("\xa0", " ")}:
                value = value.replace(replacement, "")
        parts.append(value)
        value = ".".join(reversed(parts))
    return value
