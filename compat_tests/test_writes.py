"""Writes: update() (values and F()), delete() (cascades, SET_NULL, many-to-many rows),
bulk_create(), bulk_update(), and nested atomic() blocks rolled back or committed."""

from hypothesis import example, given

from compat_tests.data import B, Data, load, snapshot_data, snapshot_db
from compat_tests.harness import refused
from compat_tests.profiles import share
from compat_tests.spec import FRef, Scenario
from compat_tests.strategies import write_scenarios
from compat_tests.writes import Update, normalise
from reinhardt.orm import NotSupportedError, connection


def check_write(data, operation):
    load(data)
    expected, after = operation.apply(data)
    try:
        got = operation.run()
    except NotSupportedError as e:
        refused(e, operation)
        return
    problems = []
    if normalise(got) != normalise(expected):
        problems.append(f"  returned:  {got!r}\n  expected:  {expected!r}")
    state, want = snapshot_db(), snapshot_data(after)
    if state != want:
        for table in want:
            for ref in sorted(set(want[table]) | set(state[table])):
                if want[table].get(ref) != state[table].get(ref):
                    problems.append(f"  {table} ref={ref}: database {state[table].get(ref)!r}"
                                    f"\n  {' ' * len(table)}        reference {want[table].get(ref)!r}")
    if problems:
        raise AssertionError(
            f"{connection.features.display_name} disagrees with the reference.\n"
            f"  data:      {data!r}\n  operation: {operation!r}\n" + "\n".join(problems))


@share(0.5)
@given(write_scenarios())
# MySQL/MariaDB ran SET assignments left to right: big=F("pages") read the NULL just written
@example(Scenario(Data(books=(B(1, pages=-(2**31)),)),
                  Update((), (("pages", None), ("big", FRef("pages"))))))
def test_write(scenario):
    check_write(scenario.data, scenario.operation)
