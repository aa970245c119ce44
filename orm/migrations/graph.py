"""The graph of migrations and their dependencies, and plans through it.

Nodes are ``(app_label, migration_name)`` keys. An edge goes from a dependency (parent) to
the migration that needs it (child). Squashed migrations either replace the nodes they
squash (when none or all of those are applied) or are removed from the graph.
"""

from __future__ import annotations

from functools import total_ordering

from reinhardt.orm.migrations.exceptions import CircularDependencyError, NodeNotFoundError
from reinhardt.orm.migrations.state import ProjectState

Key = tuple[str, str]


@total_ordering
class Node:
    """One migration in the graph, with links to its parents and children."""

    def __init__(self, key: Key):
        self.key = key
        self.children: set[Node] = set()
        self.parents: set[Node] = set()

    def __eq__(self, other) -> bool:
        return self.key == other

    def __lt__(self, other) -> bool:
        return self.key < other

    def __hash__(self) -> int:
        return hash(self.key)

    def __getitem__(self, item):
        return self.key[item]

    def __str__(self) -> str:
        return str(self.key)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}: ({self.key[0]!r}, {self.key[1]!r})>"

    def add_child(self, child: Node) -> None:
        self.children.add(child)

    def add_parent(self, parent: Node) -> None:
        self.parents.add(parent)


class DummyNode(Node):
    """A placeholder for a dependency that is not on disk.

    It may be replaced by a squashed migration; if it is still in the graph once the graph
    is built, the dependency is really missing and ``raise_error()`` says which one.
    """

    def __init__(self, key: Key, origin, error_message: str):
        super().__init__(key)
        self.origin = origin
        self.error_message = error_message

    def raise_error(self):
        raise NodeNotFoundError(self.error_message, self.key, origin=self.origin)


class MigrationGraph:
    """All migrations of a project and their dependencies, within and across apps."""

    def __init__(self):
        self.node_map: dict[Key, Node] = {}
        self.nodes: dict[Key, object] = {}

    def add_node(self, key: Key, migration) -> None:
        assert key not in self.node_map
        self.node_map[key] = Node(key)
        self.nodes[key] = migration

    def add_dummy_node(self, key: Key, origin, error_message: str) -> None:
        self.node_map[key] = DummyNode(key, origin, error_message)
        self.nodes[key] = None

    def add_dependency(self, migration, child: Key, parent: Key,
                       skip_validation: bool = False) -> None:
        """Record that ``child`` depends on ``parent``.

        With ``skip_validation``, a missing node becomes a dummy that ``validate_consistency``
        reports later (a squashed migration may still provide it).
        """
        if child not in self.nodes:
            error_message = (
                f"Migration {migration} dependencies reference nonexistent child node {child!r}"
            )
            self.add_dummy_node(child, migration, error_message)
        if parent not in self.nodes:
            error_message = (
                f"Migration {migration} dependencies reference nonexistent parent node "
                f"{parent!r}"
            )
            self.add_dummy_node(parent, migration, error_message)
        self.node_map[child].add_parent(self.node_map[parent])
        self.node_map[parent].add_child(self.node_map[child])
        if not skip_validation:
            self.validate_consistency()

    def remove_replaced_nodes(self, replacement: Key, replaced: list[Key]) -> None:
        """Use the squashed migration ``replacement`` instead of the ones it replaces."""
        replaced = set(replaced)
        try:
            replacement_node = self.node_map[replacement]
        except KeyError as err:
            raise NodeNotFoundError(
                f"Unable to find replacement node {replacement!r}. It was either never added"
                " to the migration graph, or has been removed.",
                replacement,
            ) from err
        for replaced_key in replaced:
            self.nodes.pop(replaced_key, None)
            replaced_node = self.node_map.pop(replaced_key, None)
            if replaced_node is None:
                continue
            for child in replaced_node.children:
                child.parents.remove(replaced_node)
                # A child inside the replaced set is not re-linked: it is replaced too.
                if child.key not in replaced:
                    replacement_node.add_child(child)
                    child.add_parent(replacement_node)
            for parent in replaced_node.parents:
                parent.children.remove(replaced_node)
                if parent.key not in replaced:
                    replacement_node.add_parent(parent)
                    parent.add_child(replacement_node)

    def remove_replacement_node(self, replacement: Key, replaced: list[Key]) -> None:
        """Drop the squashed migration ``replacement`` and keep the migrations it replaces.

        Used when only some of the replaced migrations are applied.
        """
        self.nodes.pop(replacement)
        try:
            replacement_node = self.node_map.pop(replacement)
        except KeyError as err:
            raise NodeNotFoundError(
                f"Unable to remove replacement node {replacement!r}. It was either never "
                "added to the migration graph, or has been removed already.",
                replacement,
            ) from err
        replaced_nodes = set()
        replaced_nodes_parents = set()
        for key in replaced:
            replaced_node = self.node_map.get(key)
            if replaced_node:
                replaced_nodes.add(replaced_node)
                replaced_nodes_parents |= replaced_node.parents
        # The last of the replaced migrations takes over the replacement's children.
        replaced_nodes -= replaced_nodes_parents
        for child in replacement_node.children:
            child.parents.remove(replacement_node)
            for replaced_node in replaced_nodes:
                replaced_node.add_child(child)
                child.add_parent(replaced_node)
        for parent in replacement_node.parents:
            parent.children.remove(replacement_node)

    def validate_consistency(self) -> None:
        """Raise NodeNotFoundError for the first dependency that no migration provides."""
        for node in self.node_map.values():
            if isinstance(node, DummyNode):
                node.raise_error()

    def forwards_plan(self, target: Key) -> list[Key]:
        """The migrations to apply, in order, to reach ``target`` (including it)."""
        if target not in self.nodes:
            raise NodeNotFoundError(f"Node {target!r} not a valid node", target)
        return self.iterative_dfs(self.node_map[target])

    def backwards_plan(self, target: Key) -> list[Key]:
        """The migrations to unapply, in order, to undo ``target`` (including it)."""
        if target not in self.nodes:
            raise NodeNotFoundError(f"Node {target!r} not a valid node", target)
        return self.iterative_dfs(self.node_map[target], forwards=False)

    def iterative_dfs(self, start: Node, forwards: bool = True) -> list[Key]:
        """Post-order depth-first walk from ``start`` over parents (or children)."""
        visited: list[Key] = []
        visited_set: set[Node] = set()
        stack: list[tuple[Node, bool]] = [(start, False)]
        while stack:
            node, processed = stack.pop()
            if node in visited_set:
                continue
            if processed:
                visited_set.add(node)
                visited.append(node.key)
            else:
                stack.append((node, True))
                neighbours = node.parents if forwards else node.children
                stack += [(n, False) for n in sorted(neighbours)]
        return visited

    def root_nodes(self, app: str | None = None) -> list[Key]:
        """Migrations with no dependency inside their own app (the ``0001``s)."""
        roots = set()
        for node in self.nodes:
            if all(key[0] != node[0] for key in self.node_map[node].parents) and (
                not app or app == node[0]
            ):
                roots.add(node)
        return sorted(roots)

    def leaf_nodes(self, app: str | None = None) -> list[Key]:
        """The latest migration(s) of each app: nothing in the same app depends on them.

        More than one leaf for an app means conflicting migrations that need a merge.
        """
        leaves = set()
        for node in self.nodes:
            if all(key[0] != node[0] for key in self.node_map[node].children) and (
                not app or app == node[0]
            ):
                leaves.add(node)
        return sorted(leaves)

    def ensure_not_cyclic(self) -> None:
        """Raise CircularDependencyError naming the migrations of a cycle, if there is one."""
        todo = set(self.nodes)
        while todo:
            node = todo.pop()
            stack = [node]
            while stack:
                top = stack[-1]
                for child in self.node_map[top].children:
                    # Only keys are stored on the stack to keep it cheap.
                    child_key = child.key
                    if child_key in stack:
                        cycle = stack[stack.index(child_key):]
                        raise CircularDependencyError(", ".join(f"{a}.{n}" for a, n in cycle))
                    if child_key in todo:
                        stack.append(child_key)
                        todo.remove(child_key)
                        break
                else:
                    stack.pop()

    def __str__(self) -> str:
        nodes, edges = self._nodes_and_edges()
        return f"Graph: {nodes} nodes, {edges} edges"

    def __repr__(self) -> str:
        nodes, edges = self._nodes_and_edges()
        return f"<{self.__class__.__name__}: nodes={nodes}, edges={edges}>"

    def _nodes_and_edges(self) -> tuple[int, int]:
        return len(self.nodes), sum(len(node.parents) for node in self.node_map.values())

    def _generate_plan(self, nodes: list[Key], at_end: bool) -> list[Key]:
        plan: list[Key] = []
        for node in nodes:
            for migration in self.forwards_plan(node):
                if migration not in plan and (at_end or migration not in nodes):
                    plan.append(migration)
        return plan

    def make_state(self, nodes=None, at_end: bool = True, real_apps=None) -> ProjectState:
        """The project state after applying ``nodes`` (by default, every leaf).

        With ``at_end=False`` the state is the one just before ``nodes`` are applied.
        """
        if nodes is None:
            nodes = list(self.leaf_nodes())
        if not nodes:
            return ProjectState(real_apps=real_apps)
        if not isinstance(nodes[0], tuple):
            nodes = [nodes]
        plan = self._generate_plan(nodes, at_end)
        project_state = ProjectState(real_apps=real_apps)
        for node in plan:
            project_state = self.nodes[node].mutate_state(project_state, preserve=False)
        return project_state

    def __contains__(self, node) -> bool:
        return node in self.nodes
