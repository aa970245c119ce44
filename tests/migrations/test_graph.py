"""The migration graph: plans, leaves, cycles, squashed replacements."""

import pytest

from reinhardt.orm.migrations.exceptions import CircularDependencyError, NodeNotFoundError
from reinhardt.orm.migrations.graph import MigrationGraph


def build(edges, nodes=()):
    graph = MigrationGraph()
    keys = set(nodes)
    for child, parent in edges:
        keys |= {child, parent}
    for key in sorted(keys):
        graph.add_node(key, f"{key[0]}.{key[1]}")
    for child, parent in edges:
        graph.add_dependency(f"{child}", child, parent)
    return graph


def test_forwards_plan_follows_dependencies_across_apps():
    graph = build([
        (("app_a", "0002"), ("app_a", "0001")),
        (("app_a", "0003"), ("app_a", "0002")),
        (("app_a", "0003"), ("app_b", "0002")),
        (("app_b", "0002"), ("app_b", "0001")),
    ])
    assert graph.forwards_plan(("app_a", "0003")) == [
        ("app_b", "0001"), ("app_b", "0002"), ("app_a", "0001"), ("app_a", "0002"),
        ("app_a", "0003"),
    ]
    assert graph.backwards_plan(("app_b", "0001")) == [
        ("app_a", "0003"), ("app_b", "0002"), ("app_b", "0001"),
    ]
    assert graph.leaf_nodes() == [("app_a", "0003"), ("app_b", "0002")]
    assert graph.root_nodes() == [("app_a", "0001"), ("app_b", "0001")]
    assert graph.leaf_nodes("app_b") == [("app_b", "0002")]


def test_two_leaves_in_one_app_are_a_conflict_to_merge():
    graph = build([(("a", "0002_x"), ("a", "0001")), (("a", "0002_y"), ("a", "0001"))])
    assert graph.leaf_nodes("a") == [("a", "0002_x"), ("a", "0002_y")]


def test_cycles_are_reported_with_their_members():
    graph = build([(("a", "1"), ("a", "2")), (("a", "2"), ("a", "3")), (("a", "3"), ("a", "1"))])
    with pytest.raises(CircularDependencyError, match="a.1|a.2|a.3"):
        graph.ensure_not_cyclic()


def test_missing_dependency_names_the_migration():
    graph = MigrationGraph()
    graph.add_node(("a", "0001"), None)
    with pytest.raises(NodeNotFoundError, match=r"nonexistent parent node \('b', '0001'\)"):
        graph.add_dependency("a.0001", ("a", "0001"), ("b", "0001"))


def test_squashed_migration_takes_the_place_of_the_ones_it_replaces():
    graph = build([
        (("a", "0002"), ("a", "0001")),
        (("a", "0003"), ("a", "0002")),
        (("b", "0001"), ("a", "0002")),
    ], nodes=[("a", "0001_squashed_0002")])
    graph.remove_replaced_nodes(("a", "0001_squashed_0002"), [("a", "0001"), ("a", "0002")])
    assert ("a", "0001") not in graph
    assert graph.forwards_plan(("a", "0003")) == [("a", "0001_squashed_0002"), ("a", "0003")]
    assert graph.forwards_plan(("b", "0001")) == [("a", "0001_squashed_0002"), ("b", "0001")]


def test_partly_applied_squash_is_dropped_for_the_originals():
    graph = build([
        (("a", "0002"), ("a", "0001")),
        (("a", "0003"), ("a", "0001_squashed_0002")),
    ], nodes=[("a", "0001_squashed_0002")])
    graph.remove_replacement_node(("a", "0001_squashed_0002"), [("a", "0001"), ("a", "0002")])
    assert graph.forwards_plan(("a", "0003")) == [("a", "0001"), ("a", "0002"), ("a", "0003")]
