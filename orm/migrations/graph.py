"""The graph of migrations and their dependencies, and plans through it.

Nodes are ``(app_label, migration_name)`` keys. An edge goes from a dependency (parent) to
the migration that needs it (child). Squashed migrations either replace the nodes they
squash (when none or all of those are applied) or are removed from the graph.

Plans are post-order walks: every dependency of a migration comes before it. Where a
migration has several dependencies, they are explored largest key first, which makes
plans deterministic (and the same as Django's, so ``migrate`` applies in the same order).
"""

from __future__ import annotations

from functools import total_ordering

from reinhardt.orm.migrations.exceptions import CircularDependencyError, NodeNotFoundError
from reinhardt.orm.migrations.state import ProjectState

Key = tuple[str, str]


def _key_of(thing):
    return thing.key if isinstance(thing, Node) else thing


@total_ordering
class Node:
    """One migration in the graph, with links to its parents and children.

    A Node compares, hashes and indexes like its key, so sets of nodes can be searched
    with plain ``(app_label, name)`` tuples.
    """

    def __init__(self, key: Key):
        self.key = key
        self.parents: set[Node] = set()
        self.children: set[Node] = set()

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other) -> bool:
        return self.key == _key_of(other)

    def __lt__(self, other) -> bool:
        return self.key < _key_of(other)

    def __getitem__(self, index):
        return self.key[index]

    def __str__(self) -> str:
        return str(self.key)

    def __repr__(self) -> str:
        app_label, name = self.key
        return f"<{type(self).__name__}: ({app_label!r}, {name!r})>"

    def add_parent(self, parent: Node) -> None:
        self.parents.add(parent)

    def add_child(self, child: Node) -> None:
        self.children.add(child)


class DummyNode(Node):
    """A placeholder for a dependency that is not on disk.

    It may be replaced by a squashed migration; if it is still in the graph once the graph
    is built, the dependency is really missing and ``raise_error()`` says which one.
    """

    def __init__(self, key: Key, origin, error_message: str):
        super().__init__(key)
        self.origin, self.error_message = origin, error_message

    def raise_error(self):
        raise NodeNotFoundError(self.error_message, self.key, origin=self.origin)


def _link(parent: Node, child: Node) -> None:
    parent.add_child(child)
    child.add_parent(parent)


class MigrationGraph:
    """All migrations of a project and their dependencies, within and across apps.

    ``nodes`` maps each key to its Migration (None for a placeholder); ``node_map`` maps
    it to its Node.
    """

    def __init__(self):
        self.nodes: dict[Key, object] = {}
        self.node_map: dict[Key, Node] = {}

    def __contains__(self, node) -> bool:
        return node in self.nodes

    def _edge_count(self) -> int:
        return sum(map(len, (node.parents for node in self.node_map.values())))

    def __str__(self) -> str:
        return f"Graph: {len(self.nodes)} nodes, {self._edge_count()} edges"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: nodes={len(self.nodes)}, edges={self._edge_count()}>"

    # -- building ---------------------------------------------------------------------------

    def add_node(self, key: Key, migration) -> None:
        assert key not in self.node_map, f"migration {key!r} is already in the graph"
        self.nodes[key], self.node_map[key] = migration, Node(key)

    def add_dummy_node(self, key: Key, origin, error_message: str) -> None:
        self.nodes[key], self.node_map[key] = None, DummyNode(key, origin, error_message)

    def add_dependency(self, migration, child: Key, parent: Key,
                       skip_validation: bool = False) -> None:
        """Record that ``child`` depends on ``parent``.

        With ``skip_validation``, a missing node becomes a dummy that ``validate_consistency``
        reports later (a squashed migration may still provide it).
        """
        for role, key in (("child", child), ("parent", parent)):
            if key not in self.nodes:
                self.add_dummy_node(key, migration, (
                    f"Migration {migration} dependencies reference nonexistent {role} node "
                    f"{key!r}"
                ))
        _link(self.node_map[parent], self.node_map[child])
        if not skip_validation:
            self.validate_consistency()

    def validate_consistency(self) -> None:
        """Raise NodeNotFoundError for the first dependency that no migration provides."""
        for node in self.node_map.values():
            if isinstance(node, DummyNode):
                node.raise_error()

    # -- squashed migrations ----------------------------------------------------------------

    def remove_replaced_nodes(self, replacement: Key, replaced: list[Key]) -> None:
        """Use the squashed migration ``replacement`` instead of the ones it replaces.

        Dependencies on any replaced migration move to the replacement, and so do the
        replaced migrations' own dependencies outside the squashed set.
        """
        squashed = set(replaced)
        squash = self.node_map.get(replacement)
        if squash is None:
            raise NodeNotFoundError(
                f"Unable to find replacement node {replacement!r}. It was either never added"
                " to the migration graph, or has been removed.",
                replacement,
            )
        for key in squashed:
            self.nodes.pop(key, None)
            old = self.node_map.pop(key, None)
            if old is None:
                continue
            for child in old.children:
                child.parents.discard(old)
                if child.key not in squashed:
                    _link(squash, child)
            for parent in old.parents:
                parent.children.discard(old)
                if parent.key not in squashed:
                    _link(parent, squash)

    def remove_replacement_node(self, replacement: Key, replaced: list[Key]) -> None:
        """Drop the squashed migration ``replacement`` and keep the migrations it replaces.

        Used when only some of the replaced migrations are applied. Whatever depended on
        the replacement now depends on the last of the replaced migrations.
        """
        squash = self.node_map.pop(replacement, None)
        if squash is None:
            raise NodeNotFoundError(
                f"Unable to remove replacement node {replacement!r}. It was either never "
                "added to the migration graph, or has been removed already.",
                replacement,
            )
        self.nodes.pop(replacement, None)
        present = [self.node_map[key] for key in replaced if key in self.node_map]
        depended_on = {parent for node in present for parent in node.parents}
        last_ones = [node for node in present if node not in depended_on]
        for parent in squash.parents:
            # The replaced migrations already depend on these.
            parent.children.discard(squash)
        for child in squash.children:
            child.parents.discard(squash)
            for node in last_ones:
                _link(node, child)

    # -- questions and plans ----------------------------------------------------------------

    def _require(self, target: Key) -> Node:
        if target not in self.nodes:
            raise NodeNotFoundError(f"Node {target!r} not a valid node", target)
        return self.node_map[target]

    def forwards_plan(self, target: Key) -> list[Key]:
        """The migrations to apply, in order, to reach ``target`` (including it)."""
        return self.iterative_dfs(self._require(target))

    def backwards_plan(self, target: Key) -> list[Key]:
        """The migrations to unapply, in order, to undo ``target`` (including it)."""
        return self.iterative_dfs(self._require(target), forwards=False)

    def iterative_dfs(self, start: Node, forwards: bool = True) -> list[Key]:
        """Post-order depth-first walk from ``start`` over parents (or children).

        Iterative, so long histories do not hit the recursion limit. A node already on the
        current path is not entered again, so even a cyclic graph cannot loop forever
        (``ensure_not_cyclic`` reports cycles).
        """

        def next_steps(node):
            return iter(sorted(node.parents if forwards else node.children, reverse=True))

        order: list[Key] = []
        finished: set[Node] = set()
        path = [(start, next_steps(start))]
        on_path = {start}
        while path:
            node, steps = path[-1]
            step = next((s for s in steps if s not in finished and s not in on_path), None)
            if step is not None:
                path.append((step, next_steps(step)))
                on_path.add(step)
                continue
            path.pop()
            on_path.discard(node)
            finished.add(node)
            order.append(node.key)
        return order

    def _app_ends(self, app: str | None, neighbours) -> list[Key]:
        ends = []
        for key in self.nodes:
            if app and key[0] != app:
                continue
            if all(other[0] != key[0] for other in neighbours(self.node_map[key])):
                ends.append(key)
        return sorted(ends)

    def root_nodes(self, app: str | None = None) -> list[Key]:
        """Migrations with no dependency inside their own app (the ``0001``s)."""
        return self._app_ends(app, lambda node: node.parents)

    def leaf_nodes(self, app: str | None = None) -> list[Key]:
        """The latest migration(s) of each app: nothing in the same app depends on them.

        More than one leaf for an app means conflicting migrations that need a merge.
        """
        return self._app_ends(app, lambda node: node.children)

    def ensure_not_cyclic(self) -> None:
        """Raise CircularDependencyError naming the migrations of a cycle, if there is one."""
        done: set[Key] = set()
        for root in self.nodes:
            if root in done:
                continue
            path = [root]
            pending = [iter(self.node_map[root].children)]
            while path:
                step = next((c.key for c in pending[-1] if c.key not in done), None)
                if step is None:
                    done.add(path.pop())
                    pending.pop()
                elif step in path:
                    cycle = path[path.index(step):]
                    raise CircularDependencyError(
                        ", ".join(f"{app_label}.{name}" for app_label, name in cycle)
                    )
                else:
                    path.append(step)
                    pending.append(iter(self.node_map[step].children))

    def _generate_plan(self, nodes: list[Key], at_end: bool) -> list[Key]:
        """Every migration the targets need, in order; the targets themselves only when
        ``at_end``."""
        plan: list[Key] = []
        planned: set[Key] = set()
        excluded = set() if at_end else set(nodes)
        for target in nodes:
            for key in self.forwards_plan(target):
                if key not in planned and key not in excluded:
                    planned.add(key)
                    plan.append(key)
        return plan

    def make_state(self, nodes=None, at_end: bool = True, real_apps=None) -> ProjectState:
        """The project state after applying ``nodes`` (by default, every leaf).

        ``nodes`` is a list of keys or one key. With ``at_end=False`` the state is the one
        just before ``nodes`` are applied.
        """
        targets = self.leaf_nodes() if nodes is None else nodes
        if not targets:
            return ProjectState(real_apps=real_apps)
        if not isinstance(targets[0], tuple):
            targets = [targets]
        state = ProjectState(real_apps=real_apps)
        for key in self._generate_plan(targets, at_end):
            state = self.nodes[key].mutate_state(state, preserve=False)
        return state
