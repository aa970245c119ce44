"""Number formatting with a decimal separator, fixed decimals and digit grouping."""

from __future__ import annotations

from decimal import Decimal

from reinhardt.conf import settings
from reinhardt.utils.safestring import mark_safe


def _group(int_part: str, grouping, thousand_sep: str) -> str:
    """Insert ``thousand_sep`` into a string of digits, grouping from the right.

    ``grouping`` is a group size, or a sequence of sizes from the right where 0 repeats the
    previous size (the locale convention).
    """
    if isinstance(grouping, int):
        sizes = [grouping, 0]
    else:
        sizes = list(grouping)
    size = sizes.pop(0)
    groups = []
    rest = int_part
    while rest:
        if not size or len(rest) <= size:
            groups.append(rest)
            break
        groups.append(rest[-size:])
        rest = rest[:-size]
        if sizes:
            size = sizes.pop(0) or size
    return thousand_sep.join(reversed(groups))


def format(number, decimal_sep, decimal_pos=None, grouping=0, thousand_sep="",
           force_grouping=False, use_l10n=None) -> str:
    """Format ``number`` (int, float, Decimal or numeric string) as Django does.

    ``decimal_pos`` fixes the number of decimals (truncating, not rounding); grouping
    applies when forced, or when localizing with USE_THOUSAND_SEPARATOR on.
    """
    if number is None or number == "":
        return mark_safe(number)
    if use_l10n is None:
        use_l10n = True
    use_grouping = (force_grouping or (use_l10n and settings.USE_THOUSAND_SEPARATOR))
    use_grouping = use_grouping and grouping != 0
    if isinstance(number, int) and not use_grouping and not decimal_pos:
        return mark_safe(number)

    if isinstance(number, float) and "e" in str(number).lower():
        number = Decimal(str(number))
    if isinstance(number, Decimal):
        if decimal_pos is not None:
            smallest = Decimal("1").scaleb(-max(decimal_pos, 1))
            if abs(number) < smallest:
                number = Decimal("0")
        _, digits, exponent = number.as_tuple()
        if abs(exponent) + len(digits) > 200:
            # Scientific notation for huge precision, to bound memory use.
            coefficient, exp = f"{number:e}".split("e")
            coefficient = format(coefficient, decimal_sep, decimal_pos, grouping, thousand_sep,
                                 force_grouping, use_l10n)
            return f"{coefficient}e{exp}"
        text = f"{number:f}"
    else:
        text = str(number)

    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    int_part, _, dec_part = text.partition(".")
    if decimal_pos is not None:
        dec_part = dec_part[:decimal_pos].ljust(decimal_pos, "0")
    if dec_part:
        dec_part = decimal_sep + dec_part
    if use_grouping:
        int_part = _group(int_part, grouping, thousand_sep)
    return sign + int_part + dec_part
