"""Compiled SELECT statements, cached by the shape of the Query.

A query's *shape* is everything that decides its SQL text except the values compared in its
WHERE clause: model, joins, selected columns, the WHERE tree's structure and columns,
grouping, ordering, limits, select_related, only()/defer(). Two queries with the same shape
compile to the same SQL; only their parameters differ.

On a hit, each WHERE condition ("leaf") is compiled again — cheap, a column and a value —
and its SQL fragment must equal the one recorded when the statement was first compiled;
the parameters are the leaves' parameters in order. Anything else (a leaf that now matches
nothing or everything, a different fragment, an unexpected node) falls back to a full
compilation, so the cache can never produce a statement the compiler would not.

Only queries built from plain parts are cached (see ``shape_of``); others always compile.
"""

from __future__ import annotations

from reinhardt.orm.models.aggregates import Aggregate
from reinhardt.orm.models.expressions import Col, Ref, Star
from reinhardt.orm.models.lookups import Lookup
from reinhardt.orm.query.datastructures import BaseTable, Join
from reinhardt.orm.query.query import Query
from reinhardt.orm.query.where import WhereNode

# Entries: shape -> _Entry, or _UNCACHEABLE when verification showed the shape carries
# parameters outside its WHERE leaves.
_cache: dict = {}
_UNCACHEABLE = object()
MAX_ENTRIES = 4096


class _Entry:
    __slots__ = ("sql", "leaf_sqls", "select", "klass_info", "annotation_col_map",
                 "col_count", "has_extra_select", "converters", "row_factory")

    def __init__(self, compiler, sql, leaf_sqls):
        self.sql = sql
        self.leaf_sqls = leaf_sqls
        self.select = compiler.select
        self.klass_info = compiler.klass_info
        self.annotation_col_map = compiler.annotation_col_map
        self.col_count = compiler.col_count
        self.has_extra_select = compiler.has_extra_select
        self.converters = None
        self.row_factory = None


class _NotCacheable(Exception):
    pass


def _col_shape(expr):
    if type(expr) is Col:
        return (expr.alias, expr.target, expr.output_field)
    raise _NotCacheable


def _expr_shape(expr):
    """Shape of a selected/annotated expression: columns and parameter-free aggregates."""
    cls = type(expr)
    if cls is Col:
        return ("C", expr.alias, expr.target, expr.output_field)
    if cls is Star:
        return ("*",)
    if cls is Ref:
        return ("R", expr.refs, _expr_shape(expr.source))
    if isinstance(expr, Aggregate) and cls.__module__.startswith("reinhardt."):
        if expr.filter is not None or expr.extra:
            raise _NotCacheable
        return (cls, expr.distinct, tuple(_expr_shape(e) for e in expr.source_expressions))
    raise _NotCacheable


def _where_shape(node, leaves):
    if type(node) is WhereNode:
        return (node.connector, node.negated, node.resolved,
                tuple(_where_shape(child, leaves) for child in node.children))
    if isinstance(node, Lookup) and type(node).__module__.startswith("reinhardt."):
        lhs = node.lhs
        if type(lhs) is not Col or node.bilateral_transforms:
            raise _NotCacheable
        rhs = node.rhs
        if type(rhs) is Col:
            rhs_shape = _col_shape(rhs)
        elif hasattr(rhs, "resolve_expression") or hasattr(rhs, "as_sql"):
            raise _NotCacheable
        elif isinstance(rhs, (list, tuple)):
            rhs_shape = (type(rhs), len(rhs))
        else:
            rhs_shape = type(rhs)
        leaves.append(node)
        return (type(node), _col_shape(lhs), rhs_shape)
    raise _NotCacheable


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def shape_of(compiler):
    """(shape key, where leaves in compile order), or (None, None) if not cacheable."""
    query = compiler.query
    if (
        type(query) is not Query
        or query.combinator
        or query.extra
        or query._filtered_relations
        or query.explain_info
        or query.select_for_update
        or query.extra_order_by
        or query.distinct_fields
    ):
        return None, None
    try:
        leaves = []
        where = _where_shape(query.where, leaves)
        alias_map = []
        refcount = query.alias_refcount
        for alias, table in query.alias_map.items():
            if type(table) is BaseTable:
                alias_map.append((alias, table.table_name, refcount[alias] > 0))
            elif type(table) is Join and table.filtered_relation is None:
                alias_map.append((alias, table.table_name, table.parent_alias,
                                  table.join_field, table.join_type, table.nullable,
                                  refcount[alias] > 0))
            else:
                raise _NotCacheable
        annotations = tuple(
            (alias, _expr_shape(expr)) for alias, expr in query.annotations.items()
        )
        select = tuple(_expr_shape(expr) for expr in query.select)
        group_by = query.group_by
        if isinstance(group_by, tuple):
            group_by = tuple(_expr_shape(expr) for expr in group_by)
        order_by = query.order_by
        if not all(type(item) is str for item in order_by):
            raise _NotCacheable
    except _NotCacheable:
        return None, None
    mask = query.annotation_select_mask
    key = (
        compiler.connection.alias, type(compiler), query.model, query.alias_prefix,
        tuple(alias_map), where, select, annotations,
        None if mask is None else tuple(mask),
        group_by, order_by, query.default_ordering, query.standard_ordering,
        query.low_mark, query.high_mark, query.distinct, query.default_cols,
        query.values_select, _freeze(query.select_related), query.max_depth,
        frozenset(query.deferred_loading[0]), query.deferred_loading[1], query.has_select_fields,
    )
    return key, leaves


def lookup(compiler):
    """The (sql, params) of a cached statement for this compiler's query, or None."""
    key, leaves = shape_of(compiler)
    compiler._cache_key = key
    compiler._cache_leaves = leaves
    if key is None:
        return None
    entry = _cache.get(key)
    if entry is None or entry is _UNCACHEABLE:
        return None
    params = []
    compile_leaf = compiler.compile
    try:
        for leaf, expected_sql in zip(leaves, entry.leaf_sqls):
            sql, leaf_params = compile_leaf(leaf)
            if sql != expected_sql:
                return None
            params.extend(leaf_params)
    except Exception:
        # The leaf matches nothing/everything now, or fails: compile it all properly.
        return None
    compiler.select = entry.select
    compiler.klass_info = entry.klass_info
    compiler.annotation_col_map = entry.annotation_col_map
    compiler.col_count = entry.col_count
    compiler.has_extra_select = entry.has_extra_select
    compiler._cache_entry = entry
    return entry.sql, tuple(params)


def store(compiler, sql, params):
    """Remember the statement just compiled, if its parameters all come from its leaves."""
    key = getattr(compiler, "_cache_key", None)
    if key is None or key in _cache:
        return
    leaves = compiler._cache_leaves
    leaf_sqls = []
    leaf_params = []
    try:
        for leaf in leaves:
            leaf_sql, p = compiler.compile(leaf)
            leaf_sqls.append(leaf_sql)
            leaf_params.extend(p)
    except Exception:
        return
    if len(_cache) >= MAX_ENTRIES:
        _cache.clear()
    if tuple(leaf_params) != tuple(params) or any(s not in sql for s in leaf_sqls):
        _cache[key] = _UNCACHEABLE
        return
    entry = _Entry(compiler, sql, leaf_sqls)
    _cache[key] = entry
    compiler._cache_entry = entry


def clear() -> None:
    _cache.clear()


def _on_setting_changed(setting, **kwargs):
    # Converters and adapters depend on these: compiled statements and plans must go.
    if setting in {"USE_TZ", "TIME_ZONE", "DATABASES"}:
        from reinhardt.orm import connections
        from reinhardt.orm.models.query import clear_plans

        clear()
        clear_plans()
        for conn in connections.all(initialized_only=True):
            conn.__dict__.pop("timezone", None)
            conn.__dict__.pop("timezone_name", None)


from reinhardt.core.signals import setting_changed  # noqa: E402

setting_changed.connect(_on_setting_changed)
