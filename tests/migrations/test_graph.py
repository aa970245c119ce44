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


def test_several_dependencies_are_planned_largest_key_first():
    graph = build([
        (("c", "0001"), ("a", "0001")),
        (("c", "0001"), ("b", "0001")),
        (("b", "0001"), ("a", "0001")),
        (("d", "0001"), ("c", "0001")),
        (("d", "0001"), ("a", "0002")),
    ])
    # c.0001's branch is explored before a.0002; a.0001 comes in through b.0001, once.
    assert graph.forwards_plan(("d", "0001")) == [
        ("a", "0001"), ("b", "0001"), ("c", "0001"), ("a", "0002"), ("d", "0001"),
    ]
    assert graph.backwards_plan(("a", "0001")) == [
        ("d", "0001"), ("c", "0001"), ("b", "0001"), ("a", "0001"),
    ]


def test_walking_a_cyclic_graph_terminates():
    graph = build([(("a", "1"), ("a", "2")), (("a", "2"), ("a", "1"))])
    assert sorted(graph.forwards_plan(("a", "1"))) == [("a", "1"), ("a", "2")]


def test_missing_child_and_deferred_validation():
    graph = MigrationGraph()
    graph.add_node(("a", "0001"), None)
    graph.add_dependency("x", ("z", "0001"), ("a", "0001"), skip_validation=True)
    assert ("z", "0001") in graph  # a placeholder, until validated
    with pytest.raises(NodeNotFoundError, match=r"nonexistent child node \('z', '0001'\)"):
        graph.validate_consistency()


def test_replacement_errors_name_the_node():
    graph = MigrationGraph()
    with pytest.raises(NodeNotFoundError, match="Unable to find replacement node"):
        graph.remove_replaced_nodes(("a", "9"), [])
    with pytest.raises(NodeNotFoundError, match="Unable to remove replacement node"):
        graph.remove_replacement_node(("a", "9"), [])


def test_nodes_behave_like_their_keys_and_graph_describes_itself():
    graph = build([(("a", "0002"), ("a", "0001"))])
    node = graph.node_map["a", "0002"]
    assert node == ("a", "0002") and node[0] == "a" and ("a", "0001") in node.parents
    assert sorted([graph.node_map["a", "0002"], graph.node_map["a", "0001"]])[0] == ("a", "0001")
    assert repr(node) == "<Node: ('a', '0002')>"
    assert str(graph) == "Graph: 2 nodes, 1 edges"
    assert repr(graph) == "<MigrationGraph: nodes=2, edges=1>"


class _Recorder:
    def __init__(self, name, log):
        self.name, self.log = name, log

    def mutate_state(self, state, preserve=True):
        self.log.append(self.name)
        return state


def test_make_state_before_or_after_the_targets():
    log = []
    graph = MigrationGraph()
    for name in ("0001", "0002", "0003"):
        graph.add_node(("a", name), _Recorder(name, log))
    graph.add_dependency("", ("a", "0002"), ("a", "0001"))
    graph.add_dependency("", ("a", "0003"), ("a", "0002"))
    graph.make_state()
    assert log == ["0001", "0002", "0003"]
    log.clear()
    graph.make_state(("a", "0002"), at_end=False)
    assert log == ["0001"]
    log.clear()
    graph.make_state([("a", "0002")])
    assert log == ["0001", "0002"]
    assert MigrationGraph().make_state().models == {}
