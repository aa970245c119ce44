"""Runs one generated operation on the backend under test and checks the contract: the
reference's answer, or NotSupportedError naming a flag the backend declares unsupported."""

from __future__ import annotations

from collections import Counter

from compat_tests import values as V
from reinhardt.orm import NotSupportedError, connection


def refused(error: NotSupportedError, operation) -> None:
    """A refusal is allowed only for a capability the backend's Features declare missing."""
    features = connection.features
    flag = getattr(error, "flag", None)
    if flag is None or not hasattr(features, flag):
        raise AssertionError(
            f"{features.display_name} raised NotSupportedError without naming a capability "
            f"flag for\n    {operation!r}\n  {error}"
        )
    if getattr(features, flag):
        raise AssertionError(
            f"{features.display_name} refused\n    {operation!r}\n  naming {flag}, which its "
            f"Features declare supported ({getattr(features, flag)!r}): {error}"
        )


def _row(item):
    """One representation of a row (a value, a values() dict or a values_list() tuple)."""
    if isinstance(item, dict):
        return repr({key: V.norm(value) for key, value in item.items()})
    if isinstance(item, tuple):
        return repr(tuple(V.norm(value) for value in item))
    return repr(V.norm(item))


def _multiset(items):
    return Counter(_row(item) for item in items)


def same(expected, got, ordered: bool) -> bool:
    if isinstance(expected, dict):
        return expected.keys() == got.keys() and all(
            V.close(expected[k], got[k]) for k in expected)
    if isinstance(expected, list):
        if ordered:
            return len(expected) == len(got) and all(
                e == g or V.close(e, g) if not isinstance(e, (dict, tuple)) else e == g
                for e, g in zip(expected, got))
        return _multiset(expected) == _multiset(got)
    return expected == got


def mismatch(data, operation, expected, got) -> AssertionError:
    return AssertionError(
        f"{connection.features.display_name} disagrees with the reference.\n"
        f"  data:      {data!r}\n"
        f"  operation: {operation!r}\n"
        f"  expected:  {expected!r}\n"
        f"  got:       {got!r}"
    )
