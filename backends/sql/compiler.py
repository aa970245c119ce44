"""The SQL compiler shared by every SQL backend.

It turns a Query into one SQL statement (or a few, for bulk inserts) and turns result rows
into Python values. Dialects subclass these classes and override small hooks (a
``visit_<Node>`` method, or an operations method); see ARCHITECTURE section 3.

Compiled SELECT statements are cached by the shape of the Query (``statement_cache``), so a
repeated query — same model, filters, joins, ordering, limits; different values — skips
compilation and only re-derives its parameters.
"""

from __future__ import annotations

import collections
import re
from functools import partial
from itertools import chain

from reinhardt.backends.base.features import EMULATED
from reinhardt.core.exceptions import EmptyResultSet, FieldError, FullResultSet
from reinhardt.orm.errors import DatabaseError
from reinhardt.orm.models.constants import LOOKUP_SEP
from reinhardt.orm.models.expressions import F, OrderBy, PositionRef, Ref, Value
from reinhardt.orm.models.functions import Cast, Random
from reinhardt.orm.models.lookups import Lookup
from reinhardt.orm.models.query_utils import select_related_descend
from reinhardt.orm.query.constants import (
    CURSOR,
    GET_ITERATOR_CHUNK_SIZE,
    MULTI,
    NO_RESULTS,
    ORDER_DIR,
    ROW_COUNT,
    SINGLE,
)
from reinhardt.orm.query.query import Query, get_order_dir
from reinhardt.orm.transaction import TransactionManagementError
from reinhardt.utils.functional import cached_property
from reinhardt.utils.hashable import make_hashable

from . import statement_cache
from .rendering import NodeRenderer


def _ignore_cache(obj, from_obj):
    """A select_related() setter for a side that caches nothing."""


def _cache_on_related_row(field, obj, from_obj):
    # Cache the reverse side only when the joined row exists.
    if from_obj:
        field.remote_field.set_cached_value(from_obj, obj)


def _set_attribute_of(name, obj, from_obj):
    setattr(from_obj, name, obj)


class SQLCompiler(NodeRenderer):
    """Compiles a SELECT Query."""

    vendor = "sql"

    # Multiline ordering SQL clause may appear from RawSQL.
    ordering_parts = re.compile(r"^(.*)\s(?:ASC|DESC).*", re.MULTILINE | re.DOTALL)

    def __init__(self, query, connection, using, elide_empty=True):
        self.query = query
        self.connection = connection
        self.using = using
        # elide_empty=False makes an always-empty WHERE still run (an aggregate over no rows
        # must still answer, e.g. Count() gives 0).
        self.elide_empty = elide_empty
        self.quote_cache = {"*": "*"}
        # Filled in by setup_query() while compiling; the result iterators read them to
        # build rows. Columns added only to make the SQL valid (e.g. for ORDER BY) are
        # counted separately and stay out of self.select.
        self.select = None
        self.annotation_col_map = None
        self.klass_info = None
        self._meta_ordering = None
        self.has_extra_select = False
        self.col_count = 0
        self.where = self.having = self.qualify = None
        # Statement cache bookkeeping (see statement_cache).
        self._cache_key = self._cache_leaves = self._cache_entry = None
        # Where the WHERE clause's parameters sit in the statement's (see plans).
        self._where_span = None

    def __repr__(self):
        return (
            f"<{self.__class__.__qualname__} "
            f"model={self.query.model.__qualname__ if self.query.model else None} "
            f"connection={self.connection!r} using={self.using!r}>"
        )

    def quote_name(self, name):
        try:
            return self.quote_cache[name]
        except KeyError:
            quoted = self.quote_cache[name] = self.connection.ops.quote_name(name)
            return quoted

    # Django's name for it; every identifier is quoted here.
    quote_name_unless_alias = quote_name

    def setup_query(self, with_col_aliases=False):
        if all(self.query.alias_refcount[a] == 0 for a in self.query.alias_map):
            self.query.get_initial_alias()
        self.select, self.klass_info, self.annotation_col_map = self.get_select(
            with_col_aliases=with_col_aliases,
        )
        self.col_count = len(self.select)

    def pre_sql_setup(self, with_col_aliases=False):
        """Compute the select list, ordering and grouping, and split WHERE/HAVING."""
        self.setup_query(with_col_aliases=with_col_aliases)
        order_by = self.get_order_by()
        self.where, self.having, self.qualify = self.query.where.split_having_qualify(
            must_group_by=self.query.group_by is not None
        )
        extra_select = self.get_extra_select(order_by, self.select)
        self.has_extra_select = bool(extra_select)
        group_by = self.get_group_by(self.select + extra_select, order_by)
        return extra_select, order_by, group_by

    def get_group_by(self, select, order_by):
        """The GROUP BY terms: the explicit group_by plus every non-aggregate selected,
        ordered or HAVING expression (what SQL requires)."""
        if self.query.group_by is None:
            return []
        features = self.connection.features
        if not features.supports_group_by:
            raise features.not_supported("supports_group_by", "GROUP BY (values().annotate())")
        expressions = []
        group_by_refs = set()
        if self.query.group_by is not True:
            # An explicit grouping list (set by values() before annotate()) is grouped by as
            # is; plain strings in it are turned into column references first.
            for expr in self.query.group_by:
                if not hasattr(expr, "as_sql") and not hasattr(expr, "resolve_expression"):
                    expr = self.query.resolve_ref(expr)
                if isinstance(expr, Ref):
                    if expr.refs not in group_by_refs:
                        group_by_refs.add(expr.refs)
                        expressions.append(expr.source)
                else:
                    expressions.append(expr)
        # The recorded grouping is only the minimum: everything selected, ordered by or used
        # in HAVING has to be grouped by too.
        for expr, _, alias in select:
            # Already grouped by name.
            if alias in group_by_refs:
                continue
            expressions.extend(expr.get_group_by_cols())
        if not self._meta_ordering:
            for expr, (_, _, is_ref) in order_by:
                # A reference to a selected alias adds nothing new.
                if not is_ref:
                    expressions.extend(expr.get_group_by_cols())
        having_group_by = self.having.get_group_by_cols() if self.having else ()
        for expr in having_group_by:
            expressions.append(expr)
        result = []
        seen = set()

        for expr in expressions:
            try:
                sql, params = self.compile(expr)
            except (EmptyResultSet, FullResultSet):
                continue
            sql, params = expr.select_format(self, sql, params)
            params_hash = make_hashable(params)
            if (sql, params_hash) not in seen:
                result.append((sql, params))
                seen.add((sql, params_hash))
        return result

    def get_select(self, with_col_aliases=False):
        """(select, klass_info, annotation_col_map).

        ``select``: (expression, (sql, params), alias) for each column; ``klass_info``: where
        each model's columns are in the row (select_related nests these); the annotation map
        gives the row position of each annotation.
        """
        select = []
        klass_info = None
        annotations = {}
        select_idx = 0
        for alias, (sql, params) in self.query.extra_select.items():
            annotations[alias] = select_idx
            select.append((RawSQLCol(sql, params), alias))
            select_idx += 1
        assert not (self.query.select and self.query.default_cols)
        select_mask = self.query.get_select_mask()
        if self.query.default_cols:
            cols = self.get_default_columns(select_mask)
        else:
            # An explicit column list (values(), values_list(), only pk, ...): these
            # columns are returned as they are, never turned into model instances.
            cols = self.query.select
        if cols:
            select_list = []
            for col in cols:
                select_list.append(select_idx)
                select.append((col, None))
                select_idx += 1
            klass_info = {
                "model": self.query.model,
                "select_fields": select_list,
            }
        for alias, annotation in self.query.annotation_select.items():
            annotations[alias] = select_idx
            select.append((annotation, alias))
            select_idx += 1

        if self.query.select_related:
            features = self.connection.features
            if not features.supports_select_related:
                raise features.not_supported("supports_select_related", "select_related()")
            related_klass_infos = self.get_related_selections(select, select_mask)
            klass_info["related_klass_infos"] = related_klass_infos

            def get_select_from_parent(klass_info):
                for ki in klass_info["related_klass_infos"]:
                    if ki["from_parent"]:
                        ki["select_fields"] = klass_info["select_fields"] + ki["select_fields"]
                    get_select_from_parent(ki)

            get_select_from_parent(klass_info)

        ret = []
        col_idx = 1
        for col, alias in select:
            try:
                sql, params = self.compile(col)
            except EmptyResultSet:
                empty_result_set_value = getattr(col, "empty_result_set_value", NotImplemented)
                if empty_result_set_value is NotImplemented:
                    # Select a predicate that's always False.
                    sql, params = "0", ()
                else:
                    sql, params = self.compile(Value(empty_result_set_value))
            except FullResultSet:
                sql, params = self.compile(Value(True))
            else:
                sql, params = col.select_format(self, sql, params)
            if alias is None and with_col_aliases:
                alias = f"col{col_idx}"
                col_idx += 1
            ret.append((col, (sql, params), alias))
        return ret, klass_info, annotations

    def _ordering_source(self):
        """The ordering terms in force: extra(order_by), then order_by(), then Meta.ordering
        (remembered in _meta_ordering, since GROUP BY queries drop it)."""
        query = self.query
        if query.extra_order_by:
            return query.extra_order_by
        if query.order_by or not query.default_ordering:
            return query.order_by
        meta = query.get_meta()
        if meta and meta.ordering:
            self._meta_ordering = meta.ordering
            return meta.ordering
        return ()

    def _selected_positions(self):
        """Each selected expression (and its alias, if any) mapped to a PositionRef."""
        by_key = {}
        for position, (expr, _compiled, alias) in enumerate(self.select, 1):
            ref = PositionRef(position, alias, expr)
            by_key[expr] = ref
            if alias:
                by_key[alias] = ref
        return by_key

    def _order_by_pairs(self):
        terms = self._ordering_source()
        if not terms:
            return
        query = self.query
        ascending = query.standard_ordering
        default_dir = ORDER_DIR["ASC" if ascending else "DESC"][0]
        positions = self._selected_positions() if self.select else {}
        for term in terms:
            if hasattr(term, "resolve_expression"):
                yield self._order_pair_for_expression(term, positions, ascending)
            elif term == "?":
                features = self.connection.features
                if not features.supports_random_ordering:
                    raise features.not_supported("supports_random_ordering", "order_by('?')")
                yield OrderBy(Random()), False
            else:
                yield from self._order_pairs_for_name(term, positions, default_dir)

    def _reads_differently(self, ref):
        # A column selected in its display form (e.g. a JSON key as JSON text) must be
        # ordered by the underlying expression, except in compound queries.
        return not self.query.combinator and getattr(
            ref.source, "selected_form_orders_differently", False)

    def _order_pair_for_expression(self, term, positions, ascending):
        if isinstance(term, Value):
            # A constant needs an explicit type to be orderable.
            term = Cast(term, term.output_field)
        if not isinstance(term, OrderBy):
            term = term.asc()
        if not ascending:
            term = term.copy()
            term.reverse_ordering()
        inner = term.expression
        ref = positions.get(inner)
        if ref is None and isinstance(inner, F):
            ref = positions.get(inner.name)
        if ref is None:
            return term, False
        if self._reads_differently(ref):
            term = term.copy()
            term.expression = ref.source
            return term, False
        plain = term.nulls_first is None and term.nulls_last is None
        if plain or self.connection.features.supports_order_by_nulls_modifier:
            # Order by the select-list position (NULLS emulation needs the expression).
            term = term.copy()
            term.expression = ref
        elif self.query.combinator:
            # Each part of a compound query has its own select list: go by alias.
            term = term.copy()
            term.expression = Ref(ref.refs, ref.source)
        return term, True

    def _order_pairs_for_name(self, name, positions, default_dir):
        query = self.query
        column, direction = get_order_dir(name, default_dir)
        desc = direction == "DESC"
        ref = positions.get(column)
        if ref is not None and not self._reads_differently(ref):
            yield OrderBy(ref, descending=desc), True
            return
        by_name = query.combinator and self.select
        if column in query.annotations:
            if by_name:
                # Compound parts may compute the annotation differently: use its name.
                target = F(column)
            else:
                target = query.annotations[column]
                if isinstance(target, Value):
                    target = Cast(target, target.output_field)
            yield OrderBy(target, descending=desc), False
        elif by_name:
            yield OrderBy(F(column), descending=desc), False
        else:
            # A (possibly related, possibly "-"-prefixed) field path.
            yield from self.find_ordering_name(
                name, query.get_meta(), default_order=default_dir)

    def _bind_to_compound_select(self, term, resolved):
        """Make an ORDER BY term of a compound query point at a selected column, adding the
        column to every part when it isn't selected yet."""
        query = self.query
        source = resolved.expression
        wanted = term.expression
        for sel_expr, _compiled, sel_alias in self.select:
            if source != sel_expr:
                continue
            if (query.has_select_fields and sel_alias in query.annotation_select
                    and not (isinstance(wanted, F) and wanted.name == sel_alias)):
                # values() annotations are matched by their exact alias only.
                continue
            resolved.set_source_expressions([Ref(sel_alias or source.target.column, source)])
            return
        alias = "__orderbycol%d" % (len(query.select) + 1)
        for part in query.combined_queries:
            if part.has_select_fields:
                # An explicit values() list cannot grow an extra column.
                raise DatabaseError("ORDER BY term does not match any column in the result set.")
            part.add_annotation(wanted, alias)
        query.add_select_col(resolved, alias)
        resolved.set_source_expressions([Ref(alias, source)])

    def get_order_by(self):
        """(expression, (sql, params, is_ref)) for each ORDER BY term, duplicates removed."""
        query = self.query
        compound = bool(query.combinator and self.select)
        strip_direction = self.ordering_parts.search
        terms = []
        keys = set()
        for term, is_ref in self._order_by_pairs():
            resolved = term.resolve_expression(query, allow_joins=True, reuse=None)
            if compound and not is_ref:
                self._bind_to_compound_select(term, resolved)
            sql, params = self.compile(resolved)
            # Two terms on the same expression (whatever their direction) are one term.
            key = (strip_direction(sql)[1], make_hashable(params))
            if key not in keys:
                keys.add(key)
                terms.append((resolved, (sql, params, is_ref)))
        return terms

    def get_extra_select(self, order_by, select):
        """ORDER BY terms a SELECT DISTINCT must also select."""
        query = self.query
        if not query.distinct or query.distinct_fields:
            return []
        already = [compiled for _e, compiled, _a in select]
        additions = []
        for expr, (sql, params, is_ref) in order_by:
            bare = self.ordering_parts.search(sql)[1]
            if not is_ref and (bare, params) not in already:
                additions.append((expr, (bare, params), None))
        return additions

    def get_combinator_sql(self, combinator, all):
        features = self.connection.features
        compilers = [
            query.get_compiler(self.using, self.connection, self.elide_empty)
            for query in self.query.combined_queries
        ]
        if not features.supports_slicing_ordering_in_compound:
            for compiler in compilers:
                if compiler.query.is_sliced:
                    raise DatabaseError(
                        "LIMIT/OFFSET not allowed in subqueries of compound statements."
                    )
                # The order of an unsliced part has no effect on the combined result, so
                # it is dropped (Django raises here for models with Meta.ordering).
                if compiler.query.order_by or compiler.query.default_ordering:
                    compiler.query = compiler.query.clone()
                    compiler.query.clear_ordering(force=True)
        elif self.query.is_sliced and combinator == "union":
            for compiler in compilers:
                # A sliced union cannot have its parts elided as some of them
                # might be sliced as well and in the event where only a single
                # part produces a non-empty resultset it might be impossible to
                # generate valid SQL.
                compiler.elide_empty = False
        parts = ()
        for compiler in compilers:
            try:
                # Every part of a compound query must select the same columns: copy this
                # query's values() selection to parts that have none.
                if not compiler.query.values_select and self.query.values_select:
                    compiler.query = compiler.query.clone()
                    compiler.query.set_values((
                        *self.query.extra_select,
                        *self.query.values_select,
                        *self.query.annotation_select,
                    ))
                part_sql, part_args = compiler.as_sql(with_col_aliases=True)
                if compiler.query.combinator:
                    # Backends that cannot parenthesise a compound member get it as a
                    # derived table.
                    if not features.supports_parentheses_in_compound:
                        part_sql = f"SELECT * FROM ({part_sql})"
                    # Nested compound queries need parentheses unless the backend already
                    # wraps every member.
                    elif (
                        self.query.subquery
                        or not features.supports_slicing_ordering_in_compound
                    ):
                        part_sql = f"({part_sql})"
                elif (
                    self.query.subquery
                    and features.supports_slicing_ordering_in_compound
                ):
                    part_sql = f"({part_sql})"
                parts += ((part_sql, part_args),)
            except EmptyResultSet:
                # An empty member contributes nothing to UNION, nor to EXCEPT once a first
                # member exists.
                if combinator == "union" or (combinator == "difference" and parts):
                    continue
                raise
        if not parts:
            raise EmptyResultSet
        combinator_sql = self.connection.ops.set_operators[combinator]
        if all and combinator == "union":
            combinator_sql += " ALL"
        braces = "{}"
        if not self.query.subquery and features.supports_slicing_ordering_in_compound:
            braces = "({})"
        sql_parts, args_parts = zip(
            *((braces.format(sql), args) for sql, args in parts)
        )
        result = [f" {combinator_sql} ".join(sql_parts)]
        params = []
        for part in args_parts:
            params.extend(part)
        return result, params

    def get_qualify_sql(self):
        """Filtering on window expressions: the query runs as a subquery, filtered outside."""
        where_parts = []
        if self.where:
            where_parts.append(self.where)
        if self.having:
            where_parts.append(self.having)
        inner_query = self.query.clone()
        inner_query.subquery = True
        inner_query.where = inner_query.where.__class__(where_parts)
        # Window expressions hidden by values() or alias() are still selected in the inner
        # query so the outer filter can refer to them; they are dropped again from the outer
        # select list below.
        select = {
            expr: alias for expr, _, alias in self.get_select(with_col_aliases=True)[0]
        }
        select_aliases = set(select.values())
        qual_aliases = set()
        replacements = {}

        def collect_replacements(expressions):
            while expressions:
                expr = expressions.pop()
                if expr in replacements:
                    continue
                elif select_alias := select.get(expr):
                    replacements[expr] = select_alias
                elif isinstance(expr, Lookup):
                    expressions.extend(expr.get_source_expressions())
                elif isinstance(expr, Ref):
                    if expr.refs not in select_aliases:
                        expressions.extend(expr.get_source_expressions())
                else:
                    num_qual_alias = len(qual_aliases)
                    select_alias = f"qual{num_qual_alias}"
                    qual_aliases.add(select_alias)
                    inner_query.add_annotation(expr, select_alias)
                    replacements[expr] = select_alias

        collect_replacements(list(self.qualify.leaves()))
        self.qualify = self.qualify.replace_expressions(
            {expr: Ref(alias, expr) for expr, alias in replacements.items()}
        )
        order_by = []
        for order_by_expr, *_ in self.get_order_by():
            collect_replacements(order_by_expr.get_source_expressions())
            order_by.append(
                order_by_expr.replace_expressions(
                    {expr: Ref(alias, expr) for expr, alias in replacements.items()}
                )
            )
        inner_query_compiler = inner_query.get_compiler(
            self.using, connection=self.connection, elide_empty=self.elide_empty
        )
        inner_sql, inner_params = inner_query_compiler.as_sql(
            # No LIMIT inside: slicing applies to the rows that survive the outer filter.
            with_limits=False,
            # Give every inner column an alias so the outer query can refer to it
            # unambiguously.
            with_col_aliases=True,
        )
        qualify_sql, qualify_params = self.compile(self.qualify)
        result = [
            "SELECT * FROM (",
            inner_sql,
            ")",
            self.quote_name("qualify"),
            "WHERE",
            qualify_sql,
        ]
        if qual_aliases:
            # Only the columns the caller asked for leave the outer query.
            cols = [self.quote_name(alias) for alias in select.values()]
            result = [
                "SELECT",
                ", ".join(cols),
                "FROM (",
                *result,
                ")",
                self.quote_name("qualify_mask"),
            ]
        params = list(inner_params) + qualify_params
        # A derived table's order is not guaranteed to survive, so the ordering is repeated
        # outside.
        if order_by:
            ordering_sqls = []
            for ordering in order_by:
                ordering_sql, ordering_params = self.compile(ordering)
                ordering_sqls.append(ordering_sql)
                params.extend(ordering_params)
            result.extend(["ORDER BY", ", ".join(ordering_sqls)])
        return result, params

    def as_sql(self, with_limits=True, with_col_aliases=False):
        """The SQL and parameters of the query (cached by query shape when possible)."""
        cacheable = (
            with_limits and not with_col_aliases and self.elide_empty
            and not self.query.subquery
        )
        if cacheable:
            hit = statement_cache.lookup(self)
            if hit is not None:
                return hit
        sql, params = self._as_sql(with_limits, with_col_aliases)
        if cacheable:
            statement_cache.store(self, sql, params)
        return sql, params

    def build_plan(self, origins):
        """A statement plan for this query (see plans.py), or None."""
        from .plans import build_plan

        return build_plan(self, origins)

    def _as_sql(self, with_limits=True, with_col_aliases=False):
        query = self.query
        saved_refcounts = query.alias_refcount.copy()
        try:
            return self._render_select(query, with_limits, with_col_aliases)
        finally:
            # Compiling adds join references; give them back so the Query compiles again.
            query.reset_refcounts(saved_refcounts)

    def _compile_condition(self, node, empty_fallback):
        """SQL for a WHERE/HAVING tree: "" when it matches everything; on an empty result
        either raise or (empty_fallback) use an always-false predicate."""
        if node is None:
            return "", []
        try:
            return self.compile(node)
        except FullResultSet:
            return "", []
        except EmptyResultSet:
            if empty_fallback is None:
                raise
            return empty_fallback, []

    def _render_select(self, query, with_limits, with_col_aliases):
        combinator = query.combinator
        extra_select, order_by, group_by = self.pre_sql_setup(
            with_col_aliases=with_col_aliases or bool(combinator),
        )
        features = self.connection.features
        ops = self.connection.ops
        limited = with_limits and query.is_sliced
        if limited and query.low_mark and not features.supports_slicing_offset:
            raise features.not_supported("supports_slicing_offset", "slicing with an offset")
        if query.distinct and not features.supports_distinct:
            raise features.not_supported("supports_distinct", "distinct()")
        lock_clause = None
        lock_after_from = getattr(features, "for_update_after_from", False)
        if combinator:
            parts, args = self.get_combinator_sql(combinator, query.combinator_all)
            args = list(args)
        elif self.qualify:
            parts, args = self.get_qualify_sql()
            args = list(args)
            order_by = None
        else:
            parts, args, lock_clause, order_by = self._render_plain_select(
                query, features, ops, extra_select, order_by, group_by, limited,
                lock_after_from,
            )

        if query.explain_info:
            info = query.explain_info
            parts.insert(0, ops.explain_query_prefix(info.format, **info.options))

        if order_by:
            terms = []
            for _expr, (term_sql, term_params, _is_ref) in order_by:
                terms.append(term_sql)
                args.extend(term_params)
            order_clause = "ORDER BY " + ", ".join(terms)
            if combinator and getattr(features, "requires_compound_order_by_subquery", False):
                parts = ["SELECT * FROM (", *parts, ")", order_clause]
            else:
                parts.append(order_clause)
        if limited:
            parts.append(ops.limit_offset_sql(query.low_mark, query.high_mark))
        if lock_clause and not lock_after_from:
            parts.append(lock_clause)

        body = " ".join(parts)
        if query.subquery and extra_select:
            return self._trim_subquery_columns(body, args)
        return body, tuple(args)

    def _render_plain_select(self, query, features, ops, extra_select, order_by, group_by,
                             limited, lock_after_from):
        distinct_cols, distinct_args = self.get_distinct()
        # The FROM clause is built last: the select list, ordering and DISTINCT ON may
        # still add joins.
        from_parts, from_args = self.get_from_clause()
        where_sql, where_args = self._compile_condition(
            self.where, None if self.elide_empty else "0 = 1")
        having_sql, having_args = self._compile_condition(self.having, None)

        parts = ["SELECT"]
        args = []
        if query.distinct:
            d_parts, d_args = ops.distinct_sql(distinct_cols, distinct_args)
            parts.extend(d_parts)
            args.extend(d_args)
        columns = []
        quote = ops.quote_name
        for _expr, (col_sql, col_args), col_alias in self.select + extra_select:
            columns.append(f"{col_sql} AS {quote(col_alias)}" if col_alias else col_sql)
            args.extend(col_args)
        parts.append(", ".join(columns))
        if from_parts:
            parts.append("FROM")
            parts.extend(from_parts)
        else:
            suffix = getattr(features, "bare_select_suffix", "")
            if suffix:
                parts.append(suffix)
        args.extend(from_args)

        lock_clause = self._for_update_part(limited) if query.select_for_update else None
        if lock_clause and lock_after_from:
            parts.append(lock_clause)
        if where_sql:
            parts.append("WHERE " + where_sql)
            self._where_span = (len(args), len(where_args))
            args.extend(where_args)
        if group_by:
            if distinct_cols:
                raise NotImplementedError("annotate() + distinct(fields) is not implemented.")
            keys = []
            for key_sql, key_args in group_by:
                keys.append(key_sql)
                args.extend(key_args)
            parts.append("GROUP BY " + ", ".join(keys))
            # Meta.ordering never applies to grouped queries; without an explicit order
            # some backends need to be told not to sort the groups.
            order_by = None if self._meta_ordering else (order_by or ops.force_no_ordering())
        if having_sql:
            parts.append("HAVING " + having_sql)
            args.extend(having_args)
        return parts, args, lock_clause, order_by

    def _trim_subquery_columns(self, body, args):
        # DISTINCT can force ordering terms into the select list; a subquery must still
        # return only the columns its caller compares with, so select those from a wrapper.
        ops = self.connection.ops
        wrapper = ops.quote_name("subquery")
        outer_cols, outer_args = [], []
        for expr, _compiled, col_alias in self.select:
            if col_alias:
                outer_cols.append(f"{wrapper}.{ops.quote_name(col_alias)}")
                continue
            col_sql, col_args = self.compile(expr.relabeled_clone({expr.alias: "subquery"}))
            outer_cols.append(col_sql)
            outer_args.extend(col_args)
        sql = "SELECT %s FROM (%s) subquery" % (", ".join(outer_cols), body)
        return sql, tuple(outer_args + args)

    def _for_update_part(self, with_limit_offset):
        features = self.connection.features
        if not features.supports_select_for_update:
            raise features.not_supported("supports_select_for_update", "select_for_update()")
        nowait = self.query.select_for_update_nowait
        skip_locked = self.query.select_for_update_skip_locked
        of = self.query.select_for_update_of
        no_key = self.query.select_for_no_key_update
        # Checked for emulated locking too, so code that runs here runs on every backend.
        if (
            self.connection.get_autocommit()
            # Without transactions FOR UPDATE locks nothing and needs no atomic block.
            and features.supports_transactions
        ):
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        if features.supports_select_for_update is EMULATED:
            # The database locks more than the rows (e.g. SQLite locks the whole database
            # for writing): plain locking needs no SQL, finer options can't be honoured.
            for flag, asked in (("has_select_for_update_nowait", nowait),
                                ("has_select_for_update_skip_locked", skip_locked),
                                ("has_select_for_update_of", of)):
                if asked and not getattr(features, flag):
                    raise features.not_supported(flag)
            return None
        if with_limit_offset and not features.supports_select_for_update_with_limit:
            raise features.not_supported(
                "supports_select_for_update_with_limit",
                "LIMIT/OFFSET with select_for_update()",
            )
        # An option the backend cannot honour is refused rather than dropped, since dropping
        # it could make the caller block or lock the wrong rows.
        if nowait and not features.has_select_for_update_nowait:
            raise features.not_supported("has_select_for_update_nowait",
                                         "select_for_update(nowait=True)")
        elif skip_locked and not features.has_select_for_update_skip_locked:
            raise features.not_supported("has_select_for_update_skip_locked",
                                         "select_for_update(skip_locked=True)")
        elif of and not features.has_select_for_update_of:
            raise features.not_supported("has_select_for_update_of",
                                         "select_for_update(of=...)")
        elif no_key and not features.has_select_for_no_key_update:
            raise features.not_supported("has_select_for_no_key_update",
                                         "select_for_update(no_key=True)")
        return self.connection.ops.for_update_sql(
            nowait=nowait,
            skip_locked=skip_locked,
            of=self.get_select_for_update_of_arguments(),
            no_key=no_key,
        )

    def get_default_columns(self, select_mask, start_alias=None, opts=None, from_parent=None):
        """The columns of every loaded concrete field of the model (joining to parents for
        inherited fields)."""
        result = []
        if opts is None:
            if (opts := self.query.get_meta()) is None:
                return result
        start_alias = start_alias or self.query.get_initial_alias()
        # Alias of the table each model's columns come from; None stands for the model
        # itself.
        seen_models = {None: start_alias}

        for field in opts.concrete_fields:
            model = field.model._meta.concrete_model
            # Fields of the concrete model itself (also for proxies) are read from the start
            # alias.
            if model == opts.model:
                model = None
            if (
                from_parent
                and model is not None
                and issubclass(
                    from_parent._meta.concrete_model, model._meta.concrete_model
                )
            ):
                # Parent columns already present in the select list (select_related() from a
                # parent to a child) are not selected twice.
                continue
            if select_mask and field not in select_mask:
                continue
            alias = self.query.join_parent_model(opts, model, start_alias, seen_models)
            column = field.get_col(alias)
            result.append(column)
        return result

    def get_distinct(self):
        """The DISTINCT ON terms (distinct(*fields))."""
        terms, params = [], []
        query = self.query
        for name in query.distinct_fields:
            joined = self._setup_joins(name.split(LOOKUP_SEP), query.get_meta(), None)
            _field, targets, _alias, joins, path, _opts, transform = joined
            targets, alias, _ = query.trim_joins(targets, joins, path)
            if name in query.annotation_select:
                # An annotation is referred to by its selected alias.
                terms.extend(self.connection.ops.quote_name(name) for _ in targets)
                continue
            for target in targets:
                term_sql, term_params = self.compile(transform(target, alias))
                terms.append(term_sql)
                params.append(term_params)
        return terms, params

    def find_ordering_name(self, name, opts, alias=None, default_order="ASC",
                           already_seen=None):
        """The ORDER BY terms for a field name; a relation orders by the related model's
        Meta.ordering."""
        name, order = get_order_dir(name, default_order)
        descending = order == "DESC"
        pieces = name.split(LOOKUP_SEP)
        (
            field,
            targets,
            alias,
            joins,
            path,
            opts,
            transform_function,
        ) = self._setup_joins(pieces, opts, alias)

        # Ordering by a relation without naming a column orders by the related model's own
        # Meta.ordering, unless the name is the attname (e.g. author_id) or a transform
        # follows.
        if (
            field.is_relation
            and opts.ordering
            and getattr(field, "attname", None) != pieces[-1]
            and name != "pk"
            and not getattr(transform_function, "has_transforms", False)
        ):
            # Firstly, avoid infinite loops.
            already_seen = already_seen or set()
            join_tuple = tuple(
                getattr(self.query.alias_map[j], "join_fields", None) for j in joins
            )
            if join_tuple in already_seen:
                raise FieldError("Infinite loop caused by ordering.")
            already_seen.add(join_tuple)

            results = []
            for item in opts.ordering:
                if hasattr(item, "resolve_expression") and not isinstance(item, OrderBy):
                    item = item.desc() if descending else item.asc()
                if isinstance(item, OrderBy):
                    results.append(
                        (item.prefix_references(f"{name}{LOOKUP_SEP}"), False)
                    )
                    continue
                results.extend(
                    (expr.prefix_references(f"{name}{LOOKUP_SEP}"), is_ref)
                    for expr, is_ref in self.find_ordering_name(
                        item, opts, alias, order, already_seen
                    )
                )
            return results
        targets, alias, _ = self.query.trim_joins(targets, joins, path)
        return [
            (OrderBy(transform_function(t, alias), descending=descending), False)
            for t in targets
        ]

    def _setup_joins(self, pieces, opts, alias):
        if not alias:
            alias = self.query.get_initial_alias()
        field, targets, opts, joins, path, transform_function = self.query.setup_joins(
            pieces, opts, alias
        )
        alias = joins[-1]
        return field, targets, alias, joins, path, opts, transform_function

    def get_from_clause(self):
        """The FROM clause: the base table and the joins in use (refcount > 0)."""
        features = self.connection.features
        entries, params = [], []
        for alias in list(self.query.alias_map):
            # Compiling a join may change the map; read each entry when its turn comes.
            table = self.query.alias_map.get(alias)
            if table is None or not self.query.alias_refcount[alias]:
                continue  # gone, or joined once and no longer referenced (e.g. trimmed)
            if table.join_type is not None and not features.supports_joins:
                raise features.not_supported("supports_joins", "joins across relations")
            entry_sql, entry_params = self.compile(table)
            entries.append(entry_sql)
            params.extend(entry_params)
        return entries, params

    def _relation_choices(self, opts):
        """Names select_related() accepts on ``opts``, for error messages."""
        names = [f.name for f in opts.fields if f.is_relation]
        names += [rel.field.related_query_name() for rel in opts.related_objects
                  if rel.field.unique]
        names += list(self.query._filtered_relations)
        return ", ".join(names) or "(none)"

    def _select_related_model(self, select, info, mask, alias, model, from_parent, depth,
                              requested, restricted):
        """Add ``model``'s columns (joined as ``alias``) to ``select``, record their positions
        in ``info`` and descend into its own select_related() relations."""
        start = len(select)
        select.extend(
            (col, None)
            for col in self.get_default_columns(mask, start_alias=alias, opts=model._meta,
                                                from_parent=from_parent)
        )
        info["select_fields"] = list(range(start, len(select)))
        info["related_klass_infos"] = self.get_related_selections(
            select, mask, model._meta, alias, depth + 1, requested, restricted,
        )

    def get_related_selections(self, select, select_mask, opts=None, root_alias=None,
                               cur_depth=1, requested=None, restricted=None):
        """Fill ``select`` with the columns of the select_related() models; return their
        klass_infos."""
        infos = []
        query = self.query
        if cur_depth > query.max_depth and not restricted:
            return infos
        if not opts:
            opts = query.get_meta()
            root_alias = query.get_initial_alias()
        if requested is None:
            restricted = isinstance(query.select_related, dict)
            if restricted:
                requested = query.select_related
        known = set()

        # Forward relations (foreign keys, one-to-ones) of this model.
        for field in opts.fields:
            known.add(field.name)
            if restricted:
                below = requested.get(field.name, {})
                if not field.is_relation and (below or field.name in requested):
                    raise FieldError(
                        "Non-relational field given in select_related: '%s'. "
                        "Choices are: %s" % (field.name, self._relation_choices(opts))
                    )
            else:
                below = False
            if not select_related_descend(field, restricted, requested, select_mask):
                continue
            target = field.remote_field
            info = {
                "model": target.model,
                "field": field,
                "reverse": False,
                "local_setter": field.set_cached_value,
                "remote_setter": target.set_cached_value if field.unique else _ignore_cache,
                "from_parent": False,
            }
            infos.append(info)
            alias = query.setup_joins([field.name], opts, root_alias)[3][-1]
            self._select_related_model(
                select, info, select_mask.get(field) or {}, alias, target.model, None,
                cur_depth, below, restricted,
            )

        if not restricted:
            return infos

        # Reverse one-to-one relations, only when asked for by name.
        for rel in opts.related_objects:
            if not rel.field.unique or rel.many_to_many:
                continue
            if not select_related_descend(rel, restricted, requested, select_mask):
                continue
            name = rel.field.related_query_name()
            known.add(name)
            model = rel.related_model
            alias = query.setup_joins([name], opts, root_alias).joins[-1]
            info = {
                "model": model,
                "field": rel.field,
                "reverse": True,
                "local_setter": rel.set_cached_value,
                "remote_setter": rel.field.set_cached_value,
                "from_parent": model is not opts.model and issubclass(model, opts.model),
            }
            infos.append(info)
            self._select_related_model(
                select, info, select_mask.get(rel) or {}, alias, model, opts.model,
                cur_depth, requested.get(name, {}), restricted,
            )

        # FilteredRelation aliases (top level only).
        if cur_depth == 1:
            for name in list(requested):
                if name not in query._filtered_relations:
                    continue
                known.add(name)
                final_field, _targets, join_opts, joins, _path, _trim = query.setup_joins(
                    [name], opts, root_alias)
                model = join_opts.model
                info = {
                    "model": model,
                    "field": final_field,
                    "reverse": True,
                    "local_setter": (partial(_cache_on_related_row, final_field)
                                     if len(joins) <= 2 else _ignore_cache),
                    "remote_setter": partial(_set_attribute_of, name),
                    "from_parent": model is not opts.model and issubclass(model, opts.model),
                }
                infos.append(info)
                self._select_related_model(
                    select, info, select_mask.get((name, final_field)) or {}, joins[-1],
                    model, opts.model, cur_depth, requested.get(name, {}), restricted,
                )

        unknown = [name for name in requested if name not in known]
        if unknown:
            raise FieldError(
                "Invalid field name(s) given in select_related: %s. Choices are: %s"
                % (", ".join("'%s'" % name for name in unknown), self._relation_choices(opts))
            )
        return infos

    def _parent_infos(self, info):
        """Pseudo klass_infos for the multi-table-inheritance parents of ``info``'s model,
        each owning the selected columns that come from that parent."""
        model = info["model"]._meta.concrete_model
        for parent, link in model._meta.parents.items():
            ancestors = parent._meta.all_parents
            owned = []
            for index in info["select_fields"]:
                owner = self.select[index][0].target.model
                if owner == parent or owner in ancestors:
                    owned.append(index)
            yield {"model": parent, "field": link, "reverse": False, "select_fields": owned}

    @staticmethod
    def _relation_name(info):
        field = info["field"]
        return (field.remote_field if info["reverse"] else field).name

    def _own_column(self, info):
        """The first selected column of ``info``'s own (concrete) table, or None."""
        model = info["model"]._meta.concrete_model
        for index in info["select_fields"]:
            col = self.select[index][0]
            if col.target.model == model:
                return col
        return None

    def _lockable_names(self):
        """Names select_for_update(of=...) accepts here, nearest relations first."""
        names = []
        pending = collections.deque([((), self.klass_info)])
        while pending:
            path, info = pending.popleft()
            names.append(LOOKUP_SEP.join(path) if path else "self")
            for child in (*self._parent_infos(info), *info.get("related_klass_infos", ())):
                pending.append(((*path, self._relation_name(child)), child))
        return names

    def _follow_lock_path(self, name):
        info = self.klass_info
        for step in name.split(LOOKUP_SEP):
            candidates = (*info.get("related_klass_infos", ()), *self._parent_infos(info))
            info = next((c for c in candidates if self._relation_name(c) == step), None)
            if info is None:
                return None
        return info

    def get_select_for_update_of_arguments(self):
        """The quoted table names select_for_update(of=...) locks."""
        if not self.klass_info:
            return []
        by_column = getattr(self.connection.features, "select_for_update_of_column", False)
        targets, bad = [], []
        for name in self.query.select_for_update_of:
            info = self.klass_info if name == "self" else self._follow_lock_path(name)
            if info is None:
                bad.append(name)
                continue
            col = self._own_column(info)
            if col is None:
                continue
            targets.append(self.compile(col)[0] if by_column else self.quote_name(col.alias))
        if bad:
            raise FieldError(
                "Invalid field name(s) given in select_for_update(of=(...)): %s. "
                "Only relational fields followed in the query are allowed. "
                "Choices are: %s." % (", ".join(bad), ", ".join(self._lockable_names()))
            )
        return targets

    # ----- results ------------------------------------------------------------------------------

    def get_converters(self, expressions):
        """{position: (converter functions, expression)} for the columns needing conversion."""
        # The backend's converters run first (driver values to Python), then the field's.
        ops, connection = self.connection.ops, self.connection
        plan = {}
        for position, expression in enumerate(expressions):
            if not expression:
                continue
            chain_ = [*ops.get_db_converters(expression),
                      *expression.get_db_converters(connection)]
            if chain_:
                plan[position] = (chain_, expression)
        return plan

    def apply_converters(self, rows, converters):
        connection = self.connection
        steps = [(position, chain_, expression)
                 for position, (chain_, expression) in converters.items()]
        for raw in rows:
            row = list(raw)
            for position, chain_, expression in steps:
                value = row[position]
                for convert in chain_:
                    value = convert(value, expression, connection)
                row[position] = value
            yield row

    def results_iter(self, results=None, tuple_expected=False, chunked_fetch=False,
                     chunk_size=GET_ITERATOR_CHUNK_SIZE):
        """The rows, with database values converted to Python values."""
        if results is None:
            results = self.execute_sql(
                MULTI, chunked_fetch=chunked_fetch, chunk_size=chunk_size
            )
        entry = self._cache_entry
        if entry is not None and entry.converters is not None:
            converters = entry.converters
        else:
            fields = [s[0] for s in self.select[0: self.col_count]]
            converters = self.get_converters(fields)
            if entry is not None:
                entry.converters = converters
        rows = results
        if self.has_extra_select:
            col_count = self.col_count
            rows = (row[:col_count] for row in rows)
        if converters:
            rows = self.apply_converters(rows, converters)
            if tuple_expected:
                rows = map(tuple, rows)
        return rows

    def has_results(self):
        """Whether the query returns at least one row (query.exists() was applied)."""
        return bool(self.execute_sql(SINGLE))

    def execute_sql(self, result_type=MULTI, chunked_fetch=False,
                    chunk_size=GET_ITERATOR_CHUNK_SIZE):
        """Run the query.

        MULTI: the rows (a list, or an iterator when ``chunked_fetch`` streams them);
        SINGLE: one row or None; CURSOR: the open cursor; ROW_COUNT: the affected rows;
        NO_RESULTS: nothing.
        """
        result_type = result_type or NO_RESULTS
        try:
            sql, params = self.as_sql()
            if not sql:
                raise EmptyResultSet
        except EmptyResultSet:
            if result_type == MULTI:
                return []
            elif result_type == ROW_COUNT:
                return 0
            else:
                return
        if chunked_fetch:
            cursor = self.connection.chunked_cursor()
        else:
            cursor = self.connection.cursor()
        try:
            cursor.execute_native(self.connection.ops.convert_placeholders(sql, params), params)
        except Exception:
            # Release the cursor before passing the execution error on.
            cursor.close()
            raise

        if result_type == CURSOR:
            # The caller reads from and closes the cursor.
            return cursor
        if result_type == ROW_COUNT:
            try:
                return cursor.rowcount
            finally:
                cursor.close()
        if result_type == SINGLE:
            try:
                val = cursor.fetchone()
                if val:
                    return val[0: self.col_count]
                return val
            finally:
                # done with the cursor
                cursor.close()
        if result_type == NO_RESULTS:
            cursor.close()
            return

        if not chunked_fetch or not self.connection.features.can_use_chunked_reads:
            try:
                return cursor.fetchall()
            finally:
                cursor.close()
        return cursor_iter(cursor, chunk_size)

    def explain_query(self):
        # One line per plan row: drivers return a row as one or several parts, not always
        # text (e.g. numbers in SQLite's EXPLAIN QUERY PLAN), so every part is str()'d.
        for row in list(self.execute_sql()):
            yield " ".join(str(part) for part in row)


class RawSQLCol(Value):
    """An extra(select=...) column (kept for API shape; extra() itself is unsupported)."""

    def __init__(self, sql, params):
        super().__init__(None)
        self.sql, self.params = sql, params


class SQLInsertCompiler(SQLCompiler):
    returning_fields = None
    returning_params = ()

    def field_as_sql(self, field, get_placeholder, val):
        """The placeholder and params for one value of one field: raw SQL (no field), a
        compiled expression, the field's own placeholder, or a plain %s."""
        if field is None:
            return val, []
        if hasattr(val, "as_sql") or hasattr(val, "resolve_expression"):
            return self.compile(val)
        if get_placeholder is not None:
            # e.g. a function call around %s
            return get_placeholder(val, self, self.connection), [val]
        return "%s", [val]

    def prepare_value(self, field, value):
        """The value ready for the database (expressions resolved, checked)."""
        if hasattr(value, "resolve_expression"):
            value = value.resolve_expression(self.query, allow_joins=False, for_save=True)
            self._refuse_in_insert(field, value)
        # Fields return expressions unchanged; JSONField turns Value(None) into JSON null.
        return field.get_db_prep_save(value, connection=self.connection)

    @staticmethod
    def _refuse_in_insert(field, value):
        """Expressions an INSERT cannot evaluate: column references (there is no existing
        row to read), aggregates and window functions (there is no set of rows)."""
        if value.contains_column_references:
            raise ValueError(
                'Failed to insert expression "%s" on %s. F() expressions can only be '
                "used to update, not to insert." % (value, field)
            )
        for flag, kind in (("contains_aggregate", "Aggregate functions"),
                           ("contains_over_clause", "Window expressions")):
            if getattr(value, flag):
                raise FieldError(
                    f"{kind} are not allowed in this query ({field.name}={value!r})."
                )

    def _value_rows(self, fields):
        """The database values of every object, field by field.

        Same as prepare_value(pre_save_val()) per value, with the per-field decisions
        (does pre_save() do anything? how to prepare?) taken once per field.
        """
        from reinhardt.orm.models.fields import Field

        connection = self.connection
        raw = self.query.raw
        getters = []
        for field in fields:
            if raw or type(field).pre_save is Field.pre_save:
                getters.append((field.attname, None, field.get_db_prep_save, field))
            else:
                getters.append((None, field.pre_save, field.get_db_prep_save, field))
        rows = []
        for obj in self.query.objs:
            row = []
            for attname, pre_save, prep, field in getters:
                value = getattr(obj, attname) if pre_save is None else pre_save(obj, True)
                if hasattr(value, "resolve_expression"):
                    row.append(self.prepare_value(field, value))
                else:
                    row.append(prep(value, connection))
            rows.append(row)
        return rows

    def pre_save_val(self, field, obj):
        """The value of ``field`` on ``obj`` (pre_save() unless raw)."""
        if self.query.raw:
            return getattr(obj, field.attname)
        return field.pre_save(obj, add=True)

    def assemble_as_sql(self, fields, value_rows):
        """(placeholder rows, flattened param rows) for the VALUES clause."""
        if not value_rows:
            return [], []
        get_placeholders = [getattr(field, "get_placeholder", None) for field in fields]
        if not any(get_placeholders) and None not in fields and not any(
            hasattr(value, "resolve_expression") for row in value_rows for value in row
        ):
            # Plain values only: one placeholder per value.
            placeholders = ["%s"] * len(fields)
            return [placeholders] * len(value_rows), value_rows
        placeholder_rows = []
        param_rows = []
        for row in value_rows:
            placeholders = []
            params = []
            for field, get_placeholder, value in zip(fields, get_placeholders, row):
                if get_placeholder is None and not hasattr(value, "resolve_expression") \
                        and field is not None:
                    placeholders.append("%s")
                    params.append(value)
                else:
                    sql, p = self.field_as_sql(field, get_placeholder, value)
                    placeholders.append(sql)
                    params.extend(p)
            placeholder_rows.append(placeholders)
            param_rows.append(params)
        return placeholder_rows, param_rows

    def as_sql(self):
        """A list of (sql, params): one statement for a bulk insert, or one per object."""
        qn = self.connection.ops.quote_name
        opts = self.query.get_meta()
        insert_statement = self.connection.ops.insert_statement(
            on_conflict=self.query.on_conflict,
        )
        result = ["%s %s" % (insert_statement, qn(opts.db_table))]
        fields = self.query.fields or [opts.pk]
        result.append("(%s)" % ", ".join(qn(f.column) for f in fields))

        if self.query.fields:
            value_rows = self._value_rows(fields)
        else:
            # An empty object.
            value_rows = [
                [self.connection.ops.pk_default_value()] for _ in self.query.objs
            ]
            fields = [None]

        # Multi-row INSERT only for plain parameter values; rows with expressions are
        # inserted one by one.
        can_bulk = (
            not self.returning_fields and self.connection.features.supports_bulk_insert
        )

        placeholder_rows, param_rows = self.assemble_as_sql(fields, value_rows)

        on_conflict_suffix_sql = self.connection.ops.on_conflict_suffix_sql(
            fields,
            self.query.on_conflict,
            (f.column for f in self.query.update_fields),
            (f.column for f in self.query.unique_fields),
        )
        if (
            self.returning_fields
            and self.connection.features.can_return_columns_from_insert
        ):
            if self.connection.features.can_return_rows_from_bulk_insert:
                result.append(
                    self.connection.ops.bulk_insert_sql(fields, placeholder_rows)
                )
                params = param_rows
            else:
                result.append("VALUES (%s)" % ", ".join(placeholder_rows[0]))
                params = [param_rows[0]]
            if on_conflict_suffix_sql:
                result.append(on_conflict_suffix_sql)
            # A backend may return empty SQL here to handle RETURNING itself.
            r_sql, self.returning_params = self.connection.ops.return_insert_columns(
                self.returning_fields
            )
            if r_sql:
                result.append(r_sql)
                params += [self.returning_params]
            return [(" ".join(result), tuple(chain.from_iterable(params)))]

        if can_bulk:
            result.append(self.connection.ops.bulk_insert_sql(fields, placeholder_rows))
            if on_conflict_suffix_sql:
                result.append(on_conflict_suffix_sql)
            return [(" ".join(result), tuple(p for ps in param_rows for p in ps))]
        else:
            if on_conflict_suffix_sql:
                result.append(on_conflict_suffix_sql)
            return [
                (" ".join(result + ["VALUES (%s)" % ", ".join(p)]), vals)
                for p, vals in zip(placeholder_rows, param_rows)
            ]

    def execute_sql(self, returning_fields=None):
        """Run the INSERT(s); return the returned columns per inserted row, if asked."""
        assert not (
            returning_fields
            and len(self.query.objs) != 1
            and not self.connection.features.can_return_rows_from_bulk_insert
        )
        opts = self.query.get_meta()
        self.returning_fields = returning_fields
        cols = []
        with self.connection.cursor() as cursor:
            for sql, params in self.as_sql():
                cursor.execute(sql, params)
            if not self.returning_fields:
                return []
            if (
                self.connection.features.can_return_rows_from_bulk_insert
                and len(self.query.objs) > 1
            ):
                rows = self.connection.ops.fetch_returned_insert_rows(cursor)
                cols = [field.get_col(opts.db_table) for field in self.returning_fields]
            elif self.connection.features.can_return_columns_from_insert:
                assert len(self.query.objs) == 1
                rows = [
                    self.connection.ops.fetch_returned_insert_columns(
                        cursor, self.returning_params,
                    )
                ]
                cols = [field.get_col(opts.db_table) for field in self.returning_fields]
            elif returning_fields and returning_fields[0] is opts.pk:
                cols = [returning_fields[0].get_col(opts.db_table)]
                rows = [
                    (
                        self.connection.ops.last_insert_id(
                            cursor, opts.db_table, opts.pk.column
                        ),
                    )
                ]
            else:
                # The database cannot return what was asked (e.g. db_default values).
                return []
        converters = self.get_converters(cols)
        if converters:
            rows = list(self.apply_converters(rows, converters))
        return rows


class SQLDeleteCompiler(SQLCompiler):
    @cached_property
    def single_alias(self):
        """Whether the filters use the base table alone (no joins)."""
        self.query.get_initial_alias()  # the base table must be registered
        used = [alias for alias in self.query.alias_map if self.query.alias_refcount[alias]]
        return len(used) == 1

    @classmethod
    def _expr_refs_base_model(cls, expr, base_model):
        """Whether ``expr`` contains a subquery over ``base_model``."""
        pending = [expr]
        while pending:
            node = pending.pop()
            if isinstance(node, Query):
                if node.model == base_model:
                    return True
                continue
            pending.extend(getattr(node, "get_source_expressions", list)())
        return False

    @cached_property
    def contains_self_reference_subquery(self):
        query = self.query
        return any(self._expr_refs_base_model(node, query.model)
                   for node in [*query.annotations.values(), *query.where.children])

    def _as_sql(self, query):
        statement = f"DELETE FROM {self.quote_name(query.base_table)}"
        try:
            where, params = self.compile(query.where)
        except FullResultSet:
            return statement, ()  # no condition: every row
        return f"{statement} WHERE {where}", tuple(params)

    def as_sql(self):
        """DELETE FROM the table WHERE ... (through a pk subquery when joins are needed)."""
        features = self.connection.features
        direct = self.single_alias and (
            getattr(features, "delete_can_self_reference_subquery", True)
            or not self.contains_self_reference_subquery
        )
        if direct:
            return self._as_sql(self.query)
        # Joins (or a subquery over the same table where that is not allowed): select the
        # matching primary keys in a subquery and delete by key.
        keys = self.query.clone()
        keys.__class__ = Query
        keys.clear_select_clause()
        keys.select = [self.query.model._meta.pk.get_col(self.query.get_initial_alias())]
        if not getattr(features, "update_can_self_select", True):
            # MySQL cannot select from the table being changed in a subquery; a derived
            # table is materialised first, which makes it legal.
            from reinhardt.orm.models.expressions import RawSQL

            keys_sql, keys_params = keys.get_compiler(connection=self.connection).as_sql()
            keys = RawSQL(f"SELECT * FROM ({keys_sql}) subquery", keys_params)
        by_key = Query(self.query.model)
        by_key.add_filter("pk__in", keys)
        return self._as_sql(by_key)


class SQLUpdateCompiler(SQLCompiler):
    def as_sql(self):
        """UPDATE the table SET ... WHERE ...; an empty string when nothing to update."""
        self.pre_sql_setup()
        if not self.query.values:
            return "", ()
        if self.query.update_rows is not None:
            return self.update_from_rows_sql()
        assignments, params = [], []
        for field, _model, value in self.query.values:
            sql, value_params = self._assignment(field, value)
            assignments.append(sql)
            params.extend(value_params)
        statement = f"UPDATE {self.quote_name(self.query.base_table)} SET {', '.join(assignments)}"
        try:
            where, where_params = self.compile(self.query.where)
        except FullResultSet:
            return statement, tuple(params)  # every row
        return f"{statement} WHERE {where}", (*params, *where_params)

    def _assignment(self, field, value):
        """``column = <value>`` for one field of update(), and its parameters."""
        features = self.connection.features
        if hasattr(value, "resolve_expression"):
            value = value.resolve_expression(self.query, allow_joins=False, for_save=True)
            for flag, kind in (("contains_aggregate", "Aggregate functions"),
                               ("contains_over_clause", "Window expressions")):
                if getattr(value, flag):
                    raise FieldError(
                        f"{kind} are not allowed in this query ({field.name}={value!r})."
                    )
            if not isinstance(value, Value) and not features.supports_update_expressions:
                raise features.not_supported(
                    "supports_update_expressions", "update() with expressions"
                )
        elif hasattr(value, "prepare_database_save"):
            # A model instance: only a relation can take one (it stores the key).
            if not field.remote_field:
                raise TypeError(
                    "Tried to update field %s with a model instance, %r. "
                    "Use a value compatible with %s." % (field, value, type(field).__name__)
                )
            value = value.prepare_database_save(field)
        value = field.get_db_prep_save(value, connection=self.connection)
        column = self.quote_name(field.column)
        get_placeholder = getattr(field, "get_placeholder", None)
        placeholder = (get_placeholder(value, self, self.connection)
                       if get_placeholder is not None else "%s")
        if hasattr(value, "as_sql") or hasattr(value, "resolve_expression"):
            sql, sql_params = self.compile(value)
            return f"{column} = {placeholder % sql}", list(sql_params)
        if value is None:
            return f"{column} = NULL", []
        return f"{column} = {placeholder}", [value]

    def update_from_rows_sql(self):
        """``UPDATE t SET f = rows.f, ... FROM (SELECT %s AS pk, %s AS f UNION ALL VALUES
        (...), ...) rows WHERE t.pk = rows.pk``: bulk_update() in a statement linear in the
        batch (a CASE per field has one branch per object, evaluated for every row)."""
        qn = self.quote_name
        fields, rows = self.query.update_rows
        meta = self.query.get_meta()
        table = qn(self.query.base_table)
        source = qn("reinhardt_rows")
        names = [qn("pk")] + [qn(f"v{index}") for index in range(len(fields))]
        placeholders = []
        for field in [meta.pk, *fields]:
            placeholder = "%s"
            if hasattr(field, "get_placeholder"):
                placeholder = field.get_placeholder(None, self, self.connection)
            placeholders.append(
                self.connection.ops.update_from_rows_placeholder(field, placeholder))
        # The first row names the columns; the others follow as a VALUES list.
        first = ", ".join(f"{p} AS {name}" for p, name in zip(placeholders, names))
        rows_sql = f"SELECT {first}"
        if len(rows) > 1:
            row_sql = "(%s)" % ", ".join(placeholders)
            rows_sql += f" UNION ALL VALUES {', '.join([row_sql] * (len(rows) - 1))}"
        assignments = ", ".join(
            f"{qn(field.column)} = {source}.{name}" for field, name in zip(fields, names[1:])
        )
        sql = (
            f"UPDATE {table} SET {assignments} FROM ({rows_sql}) {source} "
            f"WHERE {table}.{qn(meta.pk.column)} = {source}.{names[0]}"
        )
        params = [param for row in rows for param in row]
        try:
            where, where_params = self.compile(self.query.where)
        except FullResultSet:
            where_params = []
        else:
            sql += f" AND ({where})"
        return sql, tuple(params + list(where_params))

    def execute_sql(self, result_type):
        """Run the UPDATE (and those of parent tables); returns the rows matched."""
        matched = super().execute_sql(ROW_COUNT)
        for parent_update in self.query.get_related_updates():
            parent_matched = parent_update.get_compiler(self.using).execute_sql(result_type)
            # When this table had nothing to set, the count comes from the first parent
            # table that matched rows.
            if not matched and parent_matched:
                matched = parent_matched
        return matched if result_type == ROW_COUNT else None

    def pre_sql_setup(self):
        """Updates touching joined tables become ``WHERE pk IN (subquery)``; updates of
        several tables (inheritance) first fetch the ids so they don't change."""
        refcounts_before = self.query.alias_refcount.copy()
        # Ensure base table is in the query
        self.query.get_initial_alias()
        count = self.query.count_active_tables()
        if not self.query.related_updates and count == 1:
            return
        query = self.query.chain(klass=Query)
        query.select_related = False
        query.clear_ordering(force=True)
        query.extra = {}
        query.select = []
        meta = query.get_meta()
        fields = [meta.pk.name]
        related_ids_index = []
        for related in self.query.related_updates:
            if all(
                path.join_field.primary_key for path in meta.get_path_to_parent(related)
            ):
                # The related update can filter on this model's primary key directly.
                related_ids_index.append((related, 0))
            else:
                # An ancestor outside the primary key chain (multi-table inheritance) needs
                # its own ids.
                related_ids_index.append((related, len(fields)))
                fields.append(related._meta.pk.name)
        query.add_fields(fields)
        super().pre_sql_setup()

        must_pre_select = count > 1 and not getattr(
            self.connection.features, "update_can_self_select", True
        )

        # The filters now live in the subquery: this query keeps only its base table.
        self.query.clear_where()
        if self.query.related_updates or must_pre_select:
            # Fetch the ids first when they serve several UPDATE statements or when the
            # backend cannot select from the table it updates.
            idents = []
            related_ids = collections.defaultdict(list)
            for row in query.get_compiler(self.using).execute_sql(MULTI):
                idents.append(row[0])
                for parent, index in related_ids_index:
                    related_ids[parent].append(row[index])
            self.query.add_filter("pk__in", idents)
            self.query.related_ids = related_ids
        else:
            # One statement: filter by the subquery of matching keys.
            self.query.add_filter("pk__in", query)
        self.query.reset_refcounts(refcounts_before)


class SQLAggregateCompiler(SQLCompiler):
    def as_sql(self):
        """SELECT the aggregates FROM (the inner query) subquery."""
        columns, params = [], []
        for aggregate in self.query.annotation_select.values():
            column, column_params = aggregate.select_format(self, *self.compile(aggregate))
            columns.append(column)
            params.extend(column_params)
        self.col_count = len(columns)
        inner = self.query.inner_query.get_compiler(
            self.using, connection=self.connection, elide_empty=self.elide_empty,
        )
        # Inner columns get aliases so that the outer aggregates can refer to them.
        inner_sql, inner_params = inner.as_sql(with_col_aliases=True)
        sql = f"SELECT {', '.join(columns)} FROM ({inner_sql}) subquery"
        return sql, (*params, *inner_params)


def cursor_iter(cursor, chunk_size):
    """Yield the rows of ``cursor`` in chunks of ``chunk_size``, then close it."""
    try:
        while rows := cursor.fetchmany(chunk_size):
            yield from rows
    finally:
        cursor.close()


COMPILERS = {
    "SQLCompiler": SQLCompiler,
    "SQLInsertCompiler": SQLInsertCompiler,
    "SQLDeleteCompiler": SQLDeleteCompiler,
    "SQLUpdateCompiler": SQLUpdateCompiler,
    "SQLAggregateCompiler": SQLAggregateCompiler,
}
