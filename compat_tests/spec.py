"""Generated QuerySet operations as plain data: each prints as the QuerySet expression it
stands for, builds the real QuerySet, evaluates itself over the Python reference graph, and
names the capability flags it relies on."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from compat_tests import values as V
from compat_tests.schema import MODELS, MULTI_PARENT, path
from reinhardt.orm import models
from reinhardt.orm.models import Q

# ----- filters --------------------------------------------------------------------------


@dataclass(frozen=True)
class FRef:
    """F('field'): compare against another column of the same row."""

    name: str

    def __repr__(self):
        return f"F({self.name!r})"


@dataclass(frozen=True)
class Leaf:
    path: str
    lookup: str
    value: object
    transform: str | None = None

    def key(self) -> str:
        parts = [self.path]
        if self.transform:
            parts.append(self.transform)
        if self.lookup != "exact":
            parts.append(self.lookup)
        return "__".join(parts)

    def __repr__(self):
        return f"Q({self.key()}={self.value!r})"

    def q(self) -> Q:
        value = models.F(self.value.name) if isinstance(self.value, FRef) else self.value
        return Q(**{self.key(): value})


@dataclass(frozen=True)
class And:
    children: tuple

    def __repr__(self):
        return "(" + " & ".join(map(repr, self.children)) + ")"

    def q(self) -> Q:
        return _reduce(operator.and_, self.children)


@dataclass(frozen=True)
class Or:
    children: tuple

    def __repr__(self):
        return "(" + " | ".join(map(repr, self.children)) + ")"

    def q(self) -> Q:
        return _reduce(operator.or_, self.children)


@dataclass(frozen=True)
class Not:
    child: object

    def __repr__(self):
        return "~" + repr(self.child)

    def q(self) -> Q:
        return ~self.child.q()


def _reduce(op, children):
    q = children[0].q()
    for child in children[1:]:
        q = op(q, child.q())
    return q


def leaves(node):
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, Not):
        yield from leaves(node.child)
    else:
        for child in node.children:
            yield from leaves(child)


def _compare(lookup, value, target):
    if lookup == "isnull":
        return (value is None) == target
    if value is None:
        return False
    if lookup == "in":
        return any(V.norm(value) == V.norm(t) for t in target if t is not None)
    if target is None:  # only exact/iexact get None: they mean isnull
        return False
    if lookup == "exact":
        return V.norm(value) == V.norm(target)
    if lookup == "iexact":
        return V.fold(value) == V.fold(target)
    if lookup == "contains":
        return target in value
    if lookup == "icontains":
        return V.fold(target) in V.fold(value)
    if lookup == "startswith":
        return value.startswith(target)
    if lookup == "istartswith":
        return V.fold(value).startswith(V.fold(target))
    if lookup == "endswith":
        return value.endswith(target)
    if lookup == "iendswith":
        return V.fold(value).endswith(V.fold(target))
    if lookup == "regex":
        return re.search(target, value) is not None
    if lookup == "iregex":
        return re.search(target, value, re.IGNORECASE) is not None
    if lookup == "range":
        low, high = target
        return V.norm(low) <= V.norm(value) <= V.norm(high)
    ops = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
    return ops[lookup](V.norm(value), V.norm(target))


class Reference:
    """Evaluates operations over a Graph with the documented (Django) semantics."""

    def __init__(self, model: str, nulls_largest: bool):
        self.model = model
        self.nulls_largest = nulls_largest

    # -- paths --
    def resolve(self, row, name, combo):
        p = path(self.model, name)
        if p.multi is not None:
            obj = combo[p.multi]
            rest = name[len(p.multi) + 2:]
        else:
            obj, rest = row, name
        parts = rest.split("__")
        for part in parts[:-1]:
            if obj is None:
                return None
            obj = obj[part]
        return None if obj is None else obj[parts[-1]]

    def related(self, row, multi, combo):
        parent = MULTI_PARENT[multi]
        if parent is None:
            return row[multi]
        owner = combo.get(parent)
        return [] if owner is None else owner[multi[len(parent) + 2:]]

    def combos(self, row, multis, outer=True):
        """Every combination of related rows for the relations in ``multis`` (a LEFT JOIN
        gives one combination with None where a row has no related rows)."""
        ordered = sorted(multis, key=lambda m: m.count("__"))
        result = [{}]
        for multi in ordered:
            extended = []
            for combo in result:
                related = self.related(row, multi, combo)
                if not related and outer:
                    related = [None]
                extended.extend({**combo, multi: r} for r in related)
            result = extended
        return result

    # -- filters --
    def test(self, node, row, combo) -> bool:
        if isinstance(node, Leaf):
            value = self.resolve(row, node.path, combo)
            if node.transform:
                value = V.transform(value, node.transform)
            target = node.value
            if isinstance(target, FRef):
                target = self.resolve(row, target.name, combo)
                if target is None:
                    return False
            if node.lookup in ("exact", "iexact") and target is None:
                return value is None
            return _compare(node.lookup, value, target)
        if isinstance(node, And):
            return all(self.test(c, row, combo) for c in node.children)
        if isinstance(node, Or):
            return any(self.test(c, row, combo) for c in node.children)
        # Not: a multi-valued condition under a negation is a subquery: "no (LEFT-joined)
        # related row matches", the complement of filter(); anything else is the row's
        # complement (a NULL never matches a positive lookup).
        child = node.child
        if isinstance(child, Leaf) and path(self.model, child.path).multi:
            multi = path(self.model, child.path).multi
            return not any(self.test(child, row, c) for c in self.combos(row, _chain(multi)))
        return not self.test(child, row, combo)

    def positive_multis(self, node, negated=False):
        if isinstance(node, Leaf):
            multi = path(self.model, node.path).multi
            return set(_chain(multi)) if multi and not negated else set()
        if isinstance(node, Not):
            return self.positive_multis(node.child, True)
        return set().union(*(self.positive_multis(c, negated) for c in node.children))

    def matches(self, node, row) -> int:
        """How many rows one filter() call yields for ``row`` (joins multiply)."""
        combos = self.combos(row, self.positive_multis(node))
        return sum(1 for combo in combos if self.test(node, row, combo))

    # -- ordering --
    def order(self, rows, items):
        rows = list(rows)
        for item in reversed(items):
            nulls_first = item.nulls == "first" if item.nulls else (
                item.desc if self.nulls_largest else not item.desc)
            present = [r for r in rows if self.resolve(r, item.path, {}) is not None]
            absent = [r for r in rows if self.resolve(r, item.path, {}) is None]
            present.sort(key=lambda r: V.sort_key(self.resolve(r, item.path, {})),
                         reverse=item.desc)
            rows = absent + present if nulls_first else present + absent
        return rows


def _chain(multi):
    """A multi-valued relation and the ones it hangs from."""
    chain = []
    while multi is not None:
        chain.append(multi)
        multi = MULTI_PARENT[multi]
    return chain


# ----- queries --------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderItem:
    path: str
    desc: bool = False
    nulls: str | None = None  # "first", "last" or the backend's default

    def __repr__(self):
        if self.nulls:
            method = "desc" if self.desc else "asc"
            return f"F({self.path!r}).{method}(nulls_{self.nulls}=True)"
        return repr(("-" if self.desc else "") + self.path)

    def arg(self):
        if self.nulls:
            f = models.F(self.path)
            kw = {f"nulls_{self.nulls}": True}
            return f.desc(**kw) if self.desc else f.asc(**kw)
        return ("-" if self.desc else "") + self.path


@dataclass(frozen=True)
class Agg:
    func: str  # Count, Sum, Avg, Min, Max
    path: str
    distinct: bool = False

    def __repr__(self):
        extra = ", distinct=True" if self.distinct else ""
        return f"{self.func}({self.path!r}{extra})"

    def expr(self):
        cls = getattr(models, self.func)
        return cls(self.path, distinct=True) if self.distinct else cls(self.path)

    def compute(self, values):
        if self.func == "Count":
            present = [V.norm(v) for v in values if v is not None]
            return len(set(present)) if self.distinct else len(present)
        present = [v for v in values if v is not None]
        if self.distinct:
            present = list({V.norm(v): v for v in present}.values())
        if not present:
            return None
        if self.func == "Sum":
            return sum(present)
        if self.func == "Avg":
            return sum(float(v) for v in present) / len(present)
        pick = min if self.func == "Min" else max
        return pick(present, key=V.sort_key)


@dataclass(frozen=True)
class Scenario:
    """Rows and one operation over them: prints as the code that reproduces a failure."""

    data: object
    operation: object

    def __repr__(self):
        return f"Scenario(\n    {self.data!r},\n    {self.operation!r},\n)"

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


@dataclass(frozen=True)
class Query:
    """``<model>.objects`` + filter()/exclude() calls + distinct + order_by + an output
    (objects, values, values_list, count, exists, aggregate) + a slice."""

    model: str
    steps: tuple = ()  # ("filter" | "exclude", node)
    distinct: bool = False
    ordering: tuple = ()  # OrderItems; the suite appends "ref" so the order is total
    output: tuple = ("objects",)
    slice: tuple | None = None

    # -- printing --
    def __repr__(self):
        text = f"{self.model}.objects"
        if not self.steps:
            text += ".all()"
        for kind, node in self.steps:
            text += f".{kind}({_arg(node)})"
        if self.distinct:
            text += ".distinct()"
        if self.ordering:
            text += ".order_by(" + ", ".join(map(repr, self.ordering)) + ")"
        kind = self.output[0]
        if kind in ("values", "values_list"):
            args = ", ".join(map(repr, self.output[1]))
            if kind == "values_list" and self.output[2]:
                args += ", flat=True"
            text += f".{kind}({args})"
        if self.slice:
            start, stop = self.slice
            text += f"[{'' if start is None else start}:{'' if stop is None else stop}]"
        if kind in ("count", "exists"):
            text += f".{kind}()"
        elif kind == "aggregate":
            text += ".aggregate(" + ", ".join(f"{k}={a!r}" for k, a in self.output[1]) + ")"
        return text

    # -- flags --
    def flags(self) -> set:
        flags = set()
        for kind, node in self.steps:
            flags |= node_flags(self.model, node)
            if kind == "exclude":
                flags.add("supports_negated_filters")
                if any(path(self.model, leaf.path).multi for leaf in leaves(node)):
                    flags.add("supports_subqueries")
        paths = [o.path for o in self.ordering]
        if self.output[0] in ("values", "values_list"):
            paths += list(self.output[1])
        if any("__" in p for p in paths):
            flags.add("supports_joins")
        if self.distinct:
            flags.add("supports_distinct")
        if self.slice and self.slice[0]:
            flags.add("supports_slicing_offset")
        if self.output[0] == "aggregate":
            flags.add("supports_aggregates")
        return flags

    # -- the real QuerySet --
    def queryset(self):
        qs = MODELS[self.model].objects.all()
        for kind, node in self.steps:
            qs = getattr(qs, kind)(node.q())
        if self.distinct:
            qs = qs.distinct()
        if self.ordering:
            qs = qs.order_by(*(o.arg() for o in self.ordering))
        kind = self.output[0]
        if kind == "values":
            qs = qs.values(*self.output[1])
        elif kind == "values_list":
            qs = qs.values_list(*self.output[1], flat=self.output[2])
        if self.slice:
            qs = qs[slice(*self.slice)]
        return qs

    def run(self):
        qs = self.queryset()
        kind = self.output[0]
        if kind == "objects":
            return [obj.ref for obj in qs]
        if kind == "values":
            return [{k: V.norm(v) for k, v in row.items()} for row in qs]
        if kind == "values_list":
            if self.output[2]:
                return [V.norm(v) for v in qs]
            return [tuple(V.norm(v) for v in row) for row in qs]
        if kind == "count":
            return qs.count()
        if kind == "exists":
            return qs.exists()
        return qs.aggregate(**{k: a.expr() for k, a in self.output[1]})

    # -- the reference --
    def evaluate(self, graph, nulls_largest: bool):
        ref = Reference(self.model, nulls_largest)
        rows = list(graph.roots(self.model))
        for kind, node in self.steps:
            if kind == "exclude":
                node = Not(node)
            rows = [r for r in rows for _ in range(ref.matches(node, r))]
        kind = self.output[0]
        if self.distinct and kind not in ("values", "values_list"):
            rows = list({id(r): r for r in rows}.values())
        rows = ref.order(rows, self.ordering)
        if kind in ("values", "values_list"):
            fields = self.output[1]
            multis = {path(self.model, f).multi for f in fields} - {None}
            chains = set().union(*(_chain(m) for m in multis)) if multis else set()
            out = []
            for r in rows:
                for combo in ref.combos(r, chains):
                    out.append(tuple(V.norm(ref.resolve(r, f, combo)) for f in fields))
            if self.distinct:
                out = list(dict.fromkeys(out))
            if kind == "values":
                out = [dict(zip(fields, row)) for row in out]
            elif self.output[2]:
                out = [row[0] for row in out]
        else:
            out = [r["ref"] for r in rows]
        if self.slice:
            out = out[slice(*self.slice)]
        if kind == "count":
            return len(out)
        if kind == "exists":
            return bool(out)
        if kind == "aggregate":
            return {k: a.compute([ref.resolve(r, a.path, {}) for r in rows])
                    for k, a in self.output[1]}
        return out

    def ordered(self) -> bool:
        """Whether the result order is defined (otherwise results compare as multisets)."""
        if not self.ordering or self.output[0] not in ("objects", "values", "values_list"):
            return False
        if self.output[0] != "objects":
            if self.distinct:
                return False
            if any(path(self.model, f).multi for f in self.output[1]):
                return False
        return True


def _arg(node):
    text = repr(node)
    return text[1:-1] if isinstance(node, (And, Or)) else text


def node_flags(model, node) -> set:
    flags = set()
    if isinstance(node, Or):
        flags.add("supports_or_filters")
    if isinstance(node, Not):
        flags.add("supports_negated_filters")
        child = node.child
        if isinstance(child, Leaf) and path(model, child.path).multi:
            flags.add("supports_subqueries")
    if isinstance(node, Leaf):
        if "__" in node.path or isinstance(node.value, FRef) and "__" in node.value.name:
            flags.add("supports_joins")
        lookup = node.lookup
        if lookup == "in":
            flags.add("supports_or_filters")
        if lookup in ("contains", "startswith", "endswith"):
            flags.add("supports_like_lookups")
        if lookup in ("iexact", "icontains", "istartswith", "iendswith", "iregex"):
            flags.add("supports_case_insensitive_lookups")
        if lookup in ("regex", "iregex"):
            flags.add("supports_regex_lookups")
        if node.transform:
            flags.add("supports_date_lookups")
        if isinstance(node.value, FRef):
            flags.add("supports_expression_filters")
        return flags
    for child in (node.children if isinstance(node, (And, Or)) else (node.child,)):
        flags |= node_flags(model, child)
    inequalities = {leaf.path for leaf in leaves(node)
                    if leaf.lookup in ("gt", "gte", "lt", "lte", "range")}
    if len(inequalities) > 1:
        flags.add("supports_multiple_inequality_filters")
    return flags



# ----- annotations and grouping ---------------------------------------------------------


@dataclass(frozen=True)
class Annotated:
    """``<model>.objects.filter(...).annotate(x=Agg('relation__field'), ...)``, optionally
    filtered on an annotation (HAVING), ordered by it, read as (ref, x, ...) tuples; or, with
    ``group_by``, ``.values(<field>).annotate(...)`` rows per group."""

    model: str
    steps: tuple
    annotations: tuple  # (alias, Agg)
    having: tuple | None = None  # (alias, lookup, value)
    group_by: str | None = None

    def __repr__(self):
        text = repr(Query(self.model, self.steps)).removesuffix(".all()")
        if self.group_by:
            text += f".values({self.group_by!r})"
        text += ".annotate(" + ", ".join(f"{k}={a!r}" for k, a in self.annotations) + ")"
        if self.having:
            alias, lookup, value = self.having
            text += f".filter({alias}__{lookup}={value!r})"
        aliases = [k for k, _ in self.annotations]
        if self.group_by:
            return text + f".values_list({self.group_by!r}, {', '.join(map(repr, aliases))})"
        return text + f".order_by('ref').values_list('ref', {', '.join(map(repr, aliases))})"

    def flags(self):
        flags = Query(self.model, self.steps).flags() | {"supports_aggregates"}
        if any("__" in a.path or a.path in ("tags", "books") for _, a in self.annotations):
            flags.add("supports_joins")
        if self.group_by:
            flags.add("supports_group_by")
        return flags

    def run(self):
        qs = Query(self.model, self.steps).queryset()
        if self.group_by:
            qs = qs.values(self.group_by)
        qs = qs.annotate(**{k: a.expr() for k, a in self.annotations})
        if self.having:
            alias, lookup, value = self.having
            qs = qs.filter(**{f"{alias}__{lookup}": value})
        aliases = [k for k, _ in self.annotations]
        if self.group_by:
            return [tuple(V.norm(v) for v in row)
                    for row in qs.values_list(self.group_by, *aliases)]
        return [tuple(V.norm(v) for v in row)
                for row in qs.order_by("ref").values_list("ref", *aliases)]

    def evaluate(self, graph, nulls_largest):
        ref = Reference(self.model, nulls_largest)
        rows = list(graph.roots(self.model))
        for kind, node in self.steps:
            if kind == "exclude":
                node = Not(node)
            rows = [r for r in rows if ref.matches(node, r)]
        multis = set()
        for _, agg in self.annotations:
            p = _agg_path(self.model, agg.path)
            if p.multi:
                multis |= set(_chain(p.multi))

        def values(row, agg):
            out = []
            for combo in ref.combos(row, multis):
                if agg.path in MULTI_PARENT:  # Count('tags'): the related row's id
                    out.append(None if combo[agg.path] is None else combo[agg.path]["ref"])
                else:
                    out.append(ref.resolve(row, agg.path, combo))
            return out

        if self.group_by:
            groups = {}
            for row in rows:
                key = V.norm(ref.resolve(row, self.group_by, {}))
                groups.setdefault(key, []).append(row)
            result = []
            for key, members in groups.items():
                result.append((key, *(agg.compute([v for m in members for v in values(m, agg)])
                                      for _, agg in self.annotations)))
        else:
            result = [(row["ref"], *(agg.compute(values(row, agg)) for _, agg in
                                     self.annotations)) for row in rows]
            result.sort(key=lambda r: r[0])
        if self.having:
            alias, lookup, value = self.having
            index = 1 + [k for k, _ in self.annotations].index(alias)
            result = [r for r in result if _compare(lookup, r[index], value)]
        return [tuple(V.norm(v) for v in r) for r in result]

    def ordered(self):
        return not self.group_by


def _agg_path(model, name):
    if name in MULTI_PARENT:  # Count('tags') counts the related rows
        return path(model, name + "__ref")
    return path(model, name)
