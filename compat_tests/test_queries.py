"""Reads: filters (every lookup, Q combinations, exclude, relation paths), ordering, slicing,
values()/values_list(), count(), exists(), aggregate()."""

from hypothesis import given, note

from reinhardt.orm import NotSupportedError, connection

from compat_tests.data import graph, load
from compat_tests.harness import mismatch, refused, same
from compat_tests.strategies import scenarios


def check_query(data, query):
    load(data)
    expected = query.evaluate(graph(data), bool(connection.features.nulls_order_largest))

    try:
        got = query.run()
    except NotSupportedError as e:
        refused(e, query)
        return
    if not same(expected, got, query.ordered()):
        raise mismatch(data, query, expected, got)


@given(scenarios())
def test_query(scenario):
    check_query(scenario.data, scenario.operation)
