"""Which composite indexes Datastore queries need, and index.yaml for them.

Datastore answers from its built-in single-property indexes a query that filters and sorts on
one property, or that has only equality filters. Anything else needs a composite index listing
the equality properties, then the sort orders, then the remaining inequality properties.
The backend records the index each query it runs needs (``record``); the
``datastore_indexes`` management command writes index.yaml from those records (a file
named by the database's ``OPTIONS["INDEX_LOG"]``) and from the models' Meta.ordering and
Meta.indexes.
"""

from __future__ import annotations

import json

# {(kind, ((property, "asc"|"desc"), ...))}
needed: set = set()


def _props(tree, equality, inequality):
    kind = tree[0]
    if kind == "leaf":
        _, prop, op, _value = tree
        if prop == "__key__":
            return
        (equality if op in ("=", "IN") else inequality).append(prop)
    elif kind in ("and", "or"):
        for child in tree[1]:
            _props(child, equality, inequality)


ANCESTOR = ("__ancestor__", "yes")


def index_for(kind, tree, order, projection=(), ancestor=False):
    """The composite index a query needs, or None when built-in indexes serve it. A
    projection query also needs its projected properties in the index (after the rest); an
    ancestor query with sort orders or inequality filters needs an ``ancestor: yes`` index
    (one with only equality filters is served by the built-in ones)."""
    equality, inequality = [], []
    _props(tree, equality, inequality)
    order = [(p, d) for p, d in order if p != "__key__"]
    properties = set(equality) | set(inequality) | {p for p, _ in order}
    projected = [p for p in dict.fromkeys(projection) if p not in properties]
    if not inequality and not order and not projected:
        return None
    if len(properties) + len(projected) <= 1 and not ancestor:
        return None
    columns = []
    for prop in dict.fromkeys(equality):
        if prop not in {p for p, _ in order} and prop not in inequality:
            columns.append((prop, "asc"))
    for prop, desc in order:
        if prop not in {c for c, _ in columns}:
            columns.append((prop, "desc" if desc else "asc"))
    for prop in dict.fromkeys(inequality):
        if prop not in {c for c, _ in columns}:
            columns.append((prop, "asc"))
    columns.extend((prop, "asc") for prop in projected)
    if ancestor:
        return (kind, (ANCESTOR, *columns))
    return (kind, tuple(columns)) if len(columns) > 1 else None


def record(connection, kind, tree, order, projection=(), ancestor=False):
    index = index_for(kind, tree, order, projection, ancestor)
    if index is None:
        return
    if index not in needed:
        needed.add(index)
        log = (connection.settings_dict.get("OPTIONS") or {}).get("INDEX_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(json.dumps([index[0], list(index[1])]) + "\n")


def from_models(models):
    """Indexes the models declare or imply: multi-field Meta.ordering and Meta.indexes."""
    out = set()
    for model in models:
        meta = model._meta
        kind = meta.db_table
        ordering = []
        for name in meta.ordering or []:
            if not isinstance(name, str) or name == "?" or "__" in name:
                continue
            desc = name.startswith("-")
            field = meta.get_field(name.lstrip("-").replace("pk", meta.pk.name, 1)
                                   if name.lstrip("-") == "pk" else name.lstrip("-"))
            if field.primary_key:
                break
            ordering.append((field.column, "desc" if desc else "asc"))
        if len(ordering) > 1:
            out.add((kind, tuple(ordering)))
        for index in meta.indexes:
            columns = []
            for name in index.fields:
                desc = name.startswith("-")
                columns.append((meta.get_field(name.lstrip("-")).column,
                                "desc" if desc else "asc"))
            if len(columns) > 1:
                out.add((kind, tuple(columns)))
    return out


def read_log(path):
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                kind, columns = json.loads(line)
                out.add((kind, tuple(tuple(c) for c in columns)))
    return out


def to_yaml(indexes) -> str:
    lines = ["indexes:"]
    for kind, columns in sorted(indexes):
        lines.append("")
        lines.append(f"- kind: {kind}")
        if columns and tuple(columns[0]) == ANCESTOR:
            lines.append("  ancestor: yes")
            columns = columns[1:]
        lines.append("  properties:")
        for name, direction in columns:
            lines.append(f"  - name: {name}")
            if direction == "desc":
                lines.append("    direction: desc")
    return "\n".join(lines) + "\n"
