"""Rendering of expressions, lookups and WHERE trees to SQL, by node type.

``compile(node)`` finds, once per node class, how to render it, walking the class's MRO:

1. ``as_<vendor>`` defined on the class (Django's vendor hook, e.g. by third-party code);
2. for reinhardt's own classes, the compiler's ``visit_<ClassName>`` method — a dialect
   overrides one node by defining that method in its compiler subclass;
3. ``as_sql`` defined on a user's class (custom lookups, Funcs and Aggregates written for
   Django), called as ``node.as_sql(compiler, connection)``.

Built-in nodes carry only data (function names, templates); the SQL lives here.
"""

from __future__ import annotations

import itertools

from reinhardt.core.exceptions import EmptyResultSet, FieldError, FullResultSet
from reinhardt.orm.errors import NotSupportedError
from reinhardt.orm.models.expressions import Col, Value, is_builtin_node
from reinhardt.utils.datastructures import OrderedSet


class NodeRenderer:
    """Mixin for SQL compilers: the visit_* methods for expression nodes."""

    # class -> function(compiler, node, **extra) ; filled lazily per compiler class
    _dispatch_cache: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._dispatch_cache = {}

    # ----- dispatch ---------------------------------------------------------------------------

    def compile(self, node):
        try:
            render = self._dispatch_cache[node.__class__]
        except KeyError:
            render = self._resolve_renderer(node.__class__)
        return render(self, node)

    @classmethod
    def _resolve_renderer(cls, node_class):
        vendor_hook = "as_" + cls.vendor
        for klass in node_class.__mro__:
            if vendor_hook in klass.__dict__:
                render = _call_vendor_hook(vendor_hook)
                break
            if is_builtin_node(klass):
                visit = getattr(cls, "visit_" + klass.__name__, None)
                if visit is not None:
                    render = visit
                    break
            elif "as_sql" in klass.__dict__:
                render = _call_as_sql
                break
        else:
            raise NotSupportedError(
                f"The {cls.vendor} compiler cannot render {node_class.__name__} objects."
            )
        cls._dispatch_cache[node_class] = render
        return render

    def compile_builtin(self, node, **extra):
        """Render ``node`` with the built-in rendering of its nearest reinhardt class
        (what ``super().as_sql(compiler, connection, **extra)`` means for a subclass)."""
        for klass in node.__class__.__mro__:
            if is_builtin_node(klass):
                visit = getattr(self, "visit_" + klass.__name__, None)
                if visit is not None:
                    return visit(node, **extra)
        raise NotSupportedError(
            f"The {self.vendor} compiler cannot render {node.__class__.__name__} objects."
        )

    # ----- columns and simple expressions -----------------------------------------------------

    def visit_Col(self, node):
        qn = self.quote_name
        if node.alias is None:
            return qn(node.target.column), []
        return "%s.%s" % (qn(node.alias), qn(node.target.column)), []

    def visit_Ref(self, node):
        return self.quote_name(node.refs), []

    def visit_PositionRef(self, node):
        return str(node.ordinal), []

    def visit_ResolvedOuterRef(self, node):
        raise ValueError(
            "This queryset contains a reference to an outer query and may only be used in a "
            "subquery."
        )

    def visit_Star(self, node):
        return "*", []

    def visit_RawSQL(self, node):
        return "(%s)" % node.sql, list(node.params)

    def visit_Value(self, node):
        connection = self.connection
        val = node.value
        output_field = node._output_field_or_none
        if output_field is not None:
            if node.for_save:
                val = output_field.get_db_prep_save(val, connection=connection)
            else:
                val = output_field.get_db_prep_value(val, connection=connection)
            if hasattr(output_field, "get_placeholder"):
                return output_field.get_placeholder(val, self, connection), [val]
        if val is None:
            # Don't pass None as a parameter: some backends type it poorly.
            return "NULL", []
        return "%s", [val]

    def visit_DatabaseDefault(self, node):
        return "DEFAULT", []

    def visit_ExpressionWrapper(self, node):
        return self.compile(node.expression)

    def visit_NegatedExpression(self, node):
        try:
            sql, params = self.compile(node.expression)
        except EmptyResultSet:
            features = self.connection.features
            if not getattr(features, "supports_boolean_expr_in_select_clause", True):
                return "1=1", ()
            return self.compile(Value(True))
        ops = self.connection.ops
        # Backends that cannot use a boolean expression as a WHERE operand get CASE WHEN ...
        # THEN 1 ELSE 0 END instead.
        if not ops.conditional_expression_supported_in_where_clause(node.expression):
            return f"CASE WHEN {sql} = 0 THEN 1 ELSE 0 END", params
        return f"NOT {sql}", params

    def visit_CombinedExpression(self, node):
        expressions = []
        expression_params = []
        sql, params = self.compile(node.lhs)
        expressions.append(sql)
        expression_params.extend(params)
        sql, params = self.compile(node.rhs)
        expressions.append(sql)
        expression_params.extend(params)
        # order of precedence
        expression_wrapper = "(%s)"
        sql = self.connection.ops.combine_expression(node.connector, expressions)
        return expression_wrapper % sql, expression_params

    def visit_DurationExpression(self, node):
        connection = self.connection
        if connection.features.has_native_duration_field:
            return self.visit_CombinedExpression(node)
        connection.ops.check_expression_support(node)
        expressions = []
        expression_params = []
        for side in (node.lhs, node.rhs):
            sql, params = self.compile(side)
            try:
                output = side.output_field
            except FieldError:
                pass
            else:
                if output.get_internal_type() == "DurationField":
                    sql = connection.ops.format_for_duration_arithmetic(sql)
            expressions.append(sql)
            expression_params.extend(params)
        sql = connection.ops.combine_duration_expression(node.connector, expressions)
        return "(%s)" % sql, expression_params

    def visit_TemporalSubtraction(self, node):
        connection = self.connection
        connection.ops.check_expression_support(node)
        lhs = self.compile(node.lhs)
        rhs = self.compile(node.rhs)
        return connection.ops.subtract_temporals(
            node.lhs.output_field.get_internal_type(), lhs, rhs
        )

    # ----- functions ----------------------------------------------------------------------------

    def visit_Func(self, node, function=None, template=None, arg_joiner=None,
                   **extra_context):
        connection = self.connection
        if not node.contains_aggregate and not connection.features.supports_functions:
            raise connection.features.not_supported(
                "supports_functions", f"the {node.__class__.__name__} function")
        connection.ops.check_expression_support(node)
        sql_parts = []
        params = []
        for arg in node.source_expressions:
            try:
                arg_sql, arg_params = self.compile(arg)
            except EmptyResultSet:
                empty_result_set_value = getattr(arg, "empty_result_set_value", NotImplemented)
                if empty_result_set_value is NotImplemented:
                    raise
                arg_sql, arg_params = self.compile(Value(empty_result_set_value))
            except FullResultSet:
                arg_sql, arg_params = self.compile(Value(True))
            sql_parts.append(arg_sql)
            params.extend(arg_params)
        data = {**node.extra, **extra_context}
        # Function name, template and arg joiner: the compile() argument wins, then the
        # expression's extra options, then the class attribute.
        if function is not None:
            data["function"] = function
        else:
            data.setdefault("function", node.function)
        template = template or data.get("template", node.template)
        arg_joiner = arg_joiner or data.get("arg_joiner", node.arg_joiner)
        data["expressions"] = data["field"] = arg_joiner.join(sql_parts)
        return template % data, params

    def visit_Aggregate(self, node, **extra_context):
        connection = self.connection
        features = connection.features
        if not features.supports_aggregates:
            raise features.not_supported("supports_aggregates", f"{node.name} aggregates")
        extra_context["distinct"] = "DISTINCT " if node.distinct else ""
        if node.filter:
            if getattr(features, "supports_aggregate_filter_clause", False):
                try:
                    filter_sql, filter_params = self.compile(node.filter)
                except FullResultSet:
                    pass
                else:
                    template = node.filter_template % extra_context.get(
                        "template", node.template
                    )
                    sql, params = self.visit_Func(
                        node, template=template, filter=filter_sql, **extra_context
                    )
                    return sql, (*params, *filter_params)
            else:
                from reinhardt.orm.models.expressions import Case, When

                copy = node.copy()
                copy.filter = None
                source_expressions = copy.get_source_expressions()[:-1]
                condition = When(node.filter, then=source_expressions[0])
                copy.set_source_expressions(
                    [Case(condition)] + source_expressions[1:] + [None]
                )
                return self.visit_Func(copy, **extra_context)
        return self.visit_Func(node, **extra_context)

    def visit_Cast(self, node, **extra_context):
        extra_context["db_type"] = node.output_field.cast_db_type(self.connection)
        return self.visit_Func(node, **extra_context)

    def visit_Coalesce(self, node, **extra_context):
        return self.visit_Func(node, **extra_context)

    def visit_ConcatPair(self, node, **extra_context):
        # COALESCE each side so a NULL behaves as '' (Django's Concat semantics).
        from reinhardt.orm.models.functions import Coalesce

        clone = node.copy()
        clone.set_source_expressions([
            Coalesce(expression, Value("")) for expression in clone.get_source_expressions()
        ])
        return self.visit_Func(clone, **extra_context)

    def visit_Window(self, node, template=None):
        connection = self.connection
        connection.ops.check_expression_support(node)
        features = connection.features
        if not features.supports_window_functions:
            raise features.not_supported("supports_window_functions", "Window expressions")
        expr_sql, params = self.compile(node.source_expression)
        window_sql, window_params = [], ()

        if node.partition_by is not None:
            sql_expr, sql_params = self.visit_Func(
                node.partition_by, template="PARTITION BY %(expressions)s"
            )
            window_sql.append(sql_expr)
            window_params += tuple(sql_params)

        if node.order_by is not None:
            order_sql, order_params = self.compile(node.order_by)
            window_sql.append(order_sql)
            window_params += tuple(order_params)

        if node.frame:
            frame_sql, frame_params = self.compile(node.frame)
            window_sql.append(frame_sql)
            window_params += tuple(frame_params)

        template = template or node.template

        return (
            template % {"expression": expr_sql, "window": " ".join(window_sql).strip()},
            (*params, *window_params),
        )

    def visit_WindowFrame(self, node):
        connection = self.connection
        connection.ops.check_expression_support(node)
        if node.frame_type == "ROWS":
            start, end = connection.ops.window_frame_rows_start_end(
                node.start.value, node.end.value)
        else:
            start, end = connection.ops.window_frame_range_start_end(
                node.start.value, node.end.value)
        if node.exclusion:
            connection.features.require("supports_frame_exclusion",
                                        "window frames with exclusion=")
        exclude = f" EXCLUDE {node.exclusion}" if node.exclusion else ""
        return node.template % {
            "frame_type": node.frame_type, "start": start, "end": end, "exclude": exclude,
        }, []

    def visit_OrderBy(self, node, template=None, **extra_context):
        connection = self.connection
        template = template or node.template
        if connection.features.supports_order_by_nulls_modifier:
            if node.nulls_last:
                template = "%s NULLS LAST" % template
            elif node.nulls_first:
                template = "%s NULLS FIRST" % template
        else:
            # Emulate: sort by "IS NULL" first so NULLs land where asked.
            nulls_first_natively = not connection.features.nulls_order_largest
            if node.nulls_last and not (node.descending and not nulls_first_natively) and not (
                not node.descending and connection.features.nulls_order_largest
            ):
                template = "%%(expression)s IS NULL, %s" % template
            elif node.nulls_first and not (
                not node.descending and nulls_first_natively
            ) and not (node.descending and connection.features.nulls_order_largest):
                template = "%%(expression)s IS NOT NULL, %s" % template
        connection.ops.check_expression_support(node)
        expression_sql, params = self.compile(node.expression)
        placeholders = {
            "expression": expression_sql,
            "ordering": "DESC" if node.descending else "ASC",
            **extra_context,
        }
        params = list(params) * template.count("%(expression)s")
        return (template % placeholders).rstrip(), params

    # ----- conditions ---------------------------------------------------------------------------

    def visit_When(self, node, template=None, **extra_context):
        self.connection.ops.check_expression_support(node)
        template_params = extra_context
        sql_params = []
        condition_sql, condition_params = self.compile(node.condition)
        # Filters that match everything are handled as empty strings in the
        # WHERE clause, but in a CASE WHEN expression they must use a predicate
        # that's always True.
        if condition_sql == "":
            condition_sql, condition_params = self.compile(Value(True))
        template_params["condition"] = condition_sql
        result_sql, result_params = self.compile(node.result)
        template_params["result"] = result_sql
        template = template or node.template
        return template % template_params, (*sql_params, *condition_params, *result_params)

    def visit_Case(self, node, template=None, case_joiner=None, **extra_context):
        connection = self.connection
        connection.ops.check_expression_support(node)
        if not node.cases:
            return self.compile(node.default)
        template_params = {**node.extra, **extra_context}
        case_parts = []
        sql_params = []
        default_sql, default_params = self.compile(node.default)
        for case in node.cases:
            try:
                case_sql, case_params = self.compile(case)
            except EmptyResultSet:
                continue
            except FullResultSet:
                default_sql, default_params = self.compile(case.result)
                break
            case_parts.append(case_sql)
            sql_params.extend(case_params)
        if not case_parts:
            return default_sql, default_params
        case_joiner = case_joiner or node.case_joiner
        template_params["cases"] = case_joiner.join(case_parts)
        template_params["default"] = default_sql
        sql_params.extend(default_params)
        template = template or template_params.get("template", node.template)
        sql = template % template_params
        if node._output_field_or_none is not None:
            sql = connection.ops.unification_cast_sql(node.output_field) % sql
        return sql, sql_params

    def visit_WhereNode(self, node):
        """AND/OR/XOR of the children; a child that matches nothing or everything is folded
        (EmptyResultSet/FullResultSet) as SQL's three-valued logic would."""
        connection = self.connection
        features = connection.features
        if node.connector != "AND" and len(node.children) > 1:
            features.require("supports_or_filters", f"{node.connector} of filters (Q | Q)")
        if node.negated:
            features.require("supports_negated_filters", "exclude() and ~Q()")
        if node.connector == "XOR" and not features.supports_logical_xor:
            # XOR fallback: an odd count of true operands, i.e. (a OR b OR ...) AND
            # MOD(a + b + ..., 2) = 1.
            return self.compile(node.xor_as_or_and_parity())
        if not node.children:
            raise FullResultSet  # Q() and ~Q() filter nothing out
        # A child that matches no row decides an AND; one that matches every row decides an
        # OR/XOR. Children of the other kind are left out of the SQL.
        decisive = "empty" if node.connector == "AND" else "full"
        parts, params = [], []
        for child in node.children:
            try:
                sql, child_params = self.compile(child)
                outcome = "sql" if sql else "full"
            except EmptyResultSet:
                outcome = "empty"
            except FullResultSet:
                outcome = "full"
            if outcome == "sql":
                parts.append(sql)
                params.extend(child_params)
            elif outcome == decisive:
                self._raise_folded(outcome, node.negated)
        if not parts:
            # Every child was of the non-deciding kind: the node is all of that kind.
            self._raise_folded("full" if decisive == "empty" else "empty", node.negated)
        joined = f" {node.connector} ".join(parts)
        if node.negated:
            # Always parenthesise a negated condition; some backends misparse NOT before a
            # single term.
            return f"NOT ({joined})", params
        if len(parts) > 1 or node.resolved:
            return f"({joined})", params
        return joined, params

    @staticmethod
    def _raise_folded(outcome, negated):
        """Report a condition that matches no row ("empty") or every row ("full")."""
        if negated:
            outcome = "full" if outcome == "empty" else "empty"
        raise EmptyResultSet if outcome == "empty" else FullResultSet

    def visit_NothingNode(self, node):
        raise EmptyResultSet

    def visit_ExtraWhere(self, node):
        return node.as_sql(self, self.connection)

    # ----- subqueries ---------------------------------------------------------------------------

    def visit_Query(self, node):
        return node.as_sql(self, self.connection)

    def visit_Subquery(self, node, template=None, query=None, **extra_context):
        features = self.connection.features
        if not features.supports_subqueries:
            raise features.not_supported("supports_subqueries", "subqueries")
        self.connection.ops.check_expression_support(node)
        template_params = {**node.extra, **extra_context}
        subquery_sql, sql_params = (query or node.query).as_sql(self, self.connection)
        template_params["subquery"] = subquery_sql[1:-1]

        template = template or template_params.get("template", node.template)
        sql = template % template_params
        return sql, sql_params

    def visit_Exists(self, node, **extra_context):
        return self.visit_Subquery(node, **extra_context)

    # ----- joins --------------------------------------------------------------------------------

    def visit_BaseTable(self, node):
        alias_str = (
            "" if node.table_alias == node.table_name
            else " %s" % self.quote_name(node.table_alias)
        )
        return self.quote_name(node.table_name) + alias_str, []

    def visit_Join(self, node):
        """<join type> <table> [<alias>] ON (<column pairs> AND (<relation condition>) AND
        (<FilteredRelation condition>))."""
        conditions, params = [], []

        def add(sql, sql_params, wrap=False):
            conditions.append(f"({sql})" if wrap else sql)
            params.extend(sql_params)

        for parent_field, joined_field in node.join_fields:
            left, left_params = self.compile(parent_field.get_col(node.parent_alias))
            right, right_params = self.compile(joined_field.get_col(node.table_alias))
            add(f"{left} = {right}", [*left_params, *right_params])
        # Relations such as generic ones restrict the join further.
        restriction = node.join_field.get_extra_restriction(node.table_alias, node.parent_alias)
        if restriction:
            add(*self.compile(restriction), wrap=True)
        if node.filtered_relation:
            try:
                add(*self.compile(node.filtered_relation), wrap=True)
            except FullResultSet:
                pass  # a condition true for every row adds nothing
        if not conditions:
            # Name the field the user declared, also when the join follows its reverse side.
            declared_field = getattr(node.join_field, "field", node.join_field)
            raise ValueError(
                "Join generated an empty ON clause. %s did not yield either joining columns "
                "or extra restrictions." % declared_field.__class__
            )
        table = self.quote_name(node.table_name)
        if node.table_alias != node.table_name:
            table = f"{table} {self.quote_name(node.table_alias)}"
        return f"{node.join_type} {table} ON ({' AND '.join(conditions)})", params

    def visit_FilteredRelation(self, node):
        return self.compile(node.resolved_condition)

    # ----- lookups ------------------------------------------------------------------------------

    def lookup_lhs(self, lookup, lhs=None):
        """Lookup.process_lhs(): the left-hand side's SQL (with the backend's cast)."""
        from reinhardt.orm.models.lookups import BuiltinLookup, Lookup

        lhs = lhs or lookup.lhs
        if type(lhs) is not Col and hasattr(lhs, "resolve_expression"):
            lhs = lhs.resolve_expression(self.query)
        sql, params = self.compile(lhs)
        if isinstance(lhs, Lookup):
            # Wrapped in parentheses to respect operator precedence.
            sql = f"({sql})"
        params = list(params)
        if isinstance(lookup, BuiltinLookup):
            field_internal_type = lookup.lhs.output_field.get_internal_type()
            sql = self.connection.ops.lookup_cast(lookup.lookup_name, field_internal_type) % sql
        return sql, params

    def lookup_rhs(self, lookup):
        """Lookup.process_rhs(): the right-hand side's SQL and parameters."""
        from reinhardt.orm.models.lookups import (
            FieldGetDbPrepValueIterableMixin,
            IExact,
            In,
            PatternLookup,
        )

        connection = self.connection
        if isinstance(lookup, In):
            db_rhs = getattr(lookup.rhs, "_db", None)
            if db_rhs is not None and db_rhs != connection.alias:
                raise ValueError(
                    "Subqueries aren't allowed across different databases. Force the inner "
                    "query to be evaluated using `list(inner_query)`."
                )
            if lookup.rhs_is_direct_value():
                # x IN (..., NULL) never matches through the NULL, so drop it.
                try:
                    rhs = OrderedSet(lookup.rhs)
                    rhs.discard(None)
                except TypeError:  # Unhashable items in self.rhs
                    rhs = [r for r in lookup.rhs if r is not None]
                if not rhs:
                    raise EmptyResultSet
                # One placeholder per value, each prepared by the field.
                sqls, sqls_params = self.lookup_batch_rhs(lookup, rhs)
                placeholder = "(" + ", ".join(sqls) + ")"
                return placeholder, sqls_params
        elif isinstance(lookup, FieldGetDbPrepValueIterableMixin) and lookup.rhs_is_direct_value():
            return self.lookup_batch_rhs(lookup)

        value = lookup.rhs
        if isinstance(lookup, IExact):
            connection.features.require("supports_case_insensitive_lookups", "iexact lookups")
        if isinstance(lookup, PatternLookup):
            features = connection.features
            features.require("supports_like_lookups", f"{lookup.lookup_name} lookups")
            if lookup.lookup_name.startswith("i"):
                features.require("supports_case_insensitive_lookups",
                                 f"{lookup.lookup_name} lookups")
        if hasattr(value, "resolve_expression") and not getattr(value, "subquery", False) \
                and not hasattr(value, "get_compiler") \
                and not connection.features.supports_expression_filters:
            raise connection.features.not_supported(
                "supports_expression_filters", "filters comparing to F() or an expression")
        if lookup.bilateral_transforms:
            if lookup.rhs_is_direct_value():
                # The transform will convert the value, so it is not prepared for the
                # database here.
                value = Value(value, output_field=lookup.lhs.output_field)
            value = lookup.apply_bilateral_transforms(value)
            value = value.resolve_expression(self.query)
        if hasattr(value, "as_sql") or hasattr(value, "resolve_expression"):
            sql, params = self.compile(value)
            # Parenthesise once for precedence; SQLite misreads doubled parentheses around
            # subqueries.
            if sql and sql[0] != "(":
                sql = "(%s)" % sql
            sql, params = sql, list(params)
        else:
            sql, params = self.lookup_db_prep(lookup, value)
            params = list(params)
        if isinstance(lookup, PatternLookup):
            if lookup.rhs_is_direct_value() and params and not lookup.bilateral_transforms:
                params[0] = connection.ops.pattern_param(
                    lookup.lookup_name, params[0], lookup.param_pattern
                )
        elif isinstance(lookup, IExact):
            if params:
                params[0] = connection.ops.prep_for_iexact_query(params[0])
        return sql, params

    def lookup_db_prep(self, lookup, value):
        """get_db_prep_lookup(): the value(s) as the driver wants them."""
        from reinhardt.orm.models.lookups import FieldGetDbPrepValueMixin

        if isinstance(lookup, FieldGetDbPrepValueMixin):
            # A relation compares against the column of the field it targets.
            field = getattr(lookup.lhs.output_field, "target_field", None)
            get_db_prep_value = (
                getattr(field, "get_db_prep_value", None)
                or lookup.lhs.output_field.get_db_prep_value
            )
            if lookup.get_db_prep_lookup_value_is_iterable:
                return "%s", [get_db_prep_value(v, self.connection, prepared=True)
                              for v in value]
            return "%s", [get_db_prep_value(value, self.connection, prepared=True)]
        return lookup.get_db_prep_lookup(value, self.connection)

    def lookup_batch_rhs(self, lookup, rhs=None):
        """SQL and params for each value of an iterable right-hand side (IN, BETWEEN)."""
        if rhs is None:
            rhs = lookup.rhs
        if lookup.bilateral_transforms:
            sqls, sqls_params = [], []
            for p in rhs:
                value = Value(p, output_field=lookup.lhs.output_field)
                value = lookup.apply_bilateral_transforms(value)
                value = value.resolve_expression(self.query)
                sql, sql_params = self.compile(value)
                sqls.append(sql)
                sqls_params.extend(sql_params)
            return sqls, sqls_params
        _, params = self.lookup_db_prep(lookup, rhs)
        sqls, sqls_params = ["%s"] * len(params), params
        # Values that are expressions compile to their own SQL.
        out_sqls, out_params = [], []
        for sql, param in zip(sqls, sqls_params):
            if hasattr(param, "resolve_expression"):
                param = param.resolve_expression(self.query)
            if hasattr(param, "as_sql") or hasattr(param, "resolve_expression"):
                sql, params = self.compile(param)
                out_sqls.append(sql)
                out_params.extend(params)
            else:
                out_sqls.append(sql)
                out_params.append(param)
        return out_sqls, out_params

    def visit_Lookup(self, node, **extra):
        raise NotSupportedError(
            f"Lookup {node.__class__.__name__} ({node.lookup_name!r}) has no SQL rendering; "
            "define as_sql() on it."
        )

    def visit_BuiltinLookup(self, node, **extra):
        lhs_sql, params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        params.extend(rhs_params)
        rhs_sql = node.get_rhs_op(self.connection, rhs_sql)
        return "%s %s" % (lhs_sql, rhs_sql), params

    def visit_Exact(self, node, **extra):
        # A boolean expression compared with True/False is written as the expression itself
        # (or its negation) where the backend allows it.
        if (
            isinstance(node.rhs, bool)
            and getattr(node.lhs, "conditional", False)
            and self.connection.ops.conditional_expression_supported_in_where_clause(node.lhs)
        ):
            lhs_sql, params = node.process_lhs(self, self.connection)
            template = "%s" if node.rhs else "NOT %s"
            return template % lhs_sql, params
        return self.visit_BuiltinLookup(node)

    def visit_In(self, node, **extra):
        return self.visit_BuiltinLookup(node)

    def visit_IsNull(self, node, **extra):
        sql, params = self.compile(node.lhs)
        if node.rhs:
            return "%s IS NULL" % sql, params
        return "%s IS NOT NULL" % sql, params

    def visit_Regex(self, node, **extra):
        features = self.connection.features
        if not features.supports_regex_lookups:
            raise features.not_supported("supports_regex_lookups", f"{node.lookup_name} lookups")
        ops = self.connection.ops
        if node.lookup_name in ops.operators:
            return self.visit_BuiltinLookup(node)
        lhs, lhs_params = node.process_lhs(self, self.connection)
        rhs, rhs_params = node.process_rhs(self, self.connection)
        sql_template = ops.regex_lookup(node.lookup_name)
        return sql_template % (lhs, rhs), lhs_params + rhs_params

    def visit_YearLookup(self, node, **extra):
        self.connection.features.require("supports_date_lookups", f"{node.lookup_name} lookups")
        # Comparing a date part with a literal becomes a range on the column itself, which
        # can use an index; a year no date can hold (outside 1..9999) has no such range and
        # compares the extracted year instead (year 0 matches nothing, year__gt=0 every date).
        if node.rhs_is_direct_value() and _in_date_range(node.rhs):
            # The column itself, without the extraction.
            lhs_sql, params = node.process_lhs(self, self.connection, node.lhs.lhs)
            rhs_sql, _ = node.process_rhs(self, self.connection)
            rhs_sql = _year_direct_rhs_sql(node, self.connection, rhs_sql)
            start, finish = node.year_lookup_bounds(self.connection, node.rhs)
            params.extend(_year_bound_params(node, start, finish))
            return "%s %s" % (lhs_sql, rhs_sql), params
        return self.visit_BuiltinLookup(node)

    # ----- JSONField (each dialect renders these; here: what a dialect without them says) ---

    def visit_DataContains(self, node, **extra):
        features = self.connection.features
        features.require("supports_json_field_contains", f"JSONField {node.lookup_name} lookups")
        return self.visit_PostgresOperatorLookup(node)

    visit_ContainedBy = visit_DataContains

    def visit_KeyTransform(self, node, **extra):
        features = self.connection.features
        features.require("supports_json_field", "JSONField key transforms")
        raise NotSupportedError(
            f"The {self.vendor} compiler has no rendering of JSONField key transforms "
            "(visit_KeyTransform)."
        )

    def visit_PostgresOperatorLookup(self, node, **extra):
        raise NotSupportedError(
            f"{self.connection.display_name} does not support the {node.lookup_name!r} lookup "
            f"({node.__class__.__name__})."
        )

    # ----- date and time transforms -------------------------------------------------------------

    def visit_Extract(self, node, **extra):
        from reinhardt.orm.models.fields import (
            DateField,
            DateTimeField,
            DurationField,
            TimeField,
        )

        features = self.connection.features
        if not features.supports_date_lookups:
            raise features.not_supported("supports_date_lookups", f"{node.lookup_name} lookups")
        ops = self.connection.ops
        sql, params = self.compile(node.lhs)
        lhs_output_field = node.lhs.output_field
        if isinstance(lhs_output_field, DateTimeField):
            tzname = node.get_tzname()
            sql, params = ops.datetime_extract_sql(node.lookup_name, sql, tuple(params), tzname)
        elif node.tzinfo is not None:
            raise ValueError("tzinfo can only be used with DateTimeField.")
        elif isinstance(lhs_output_field, DateField):
            sql, params = ops.date_extract_sql(node.lookup_name, sql, tuple(params))
        elif isinstance(lhs_output_field, TimeField):
            sql, params = ops.time_extract_sql(node.lookup_name, sql, tuple(params))
        elif isinstance(lhs_output_field, DurationField):
            if not features.has_native_duration_field:
                raise ValueError("Extract requires native DurationField database support.")
            sql, params = ops.time_extract_sql(node.lookup_name, sql, tuple(params))
        else:
            raise ValueError("Tried to Extract from an invalid type.")
        return sql, list(params)

    def visit_TruncBase(self, node, **extra):
        self.connection.features.require("supports_date_lookups", "date truncation")
        from reinhardt.orm.models.fields import DateField, DateTimeField, TimeField

        ops = self.connection.ops
        sql, params = self.compile(node.lhs)
        tzname = None
        if isinstance(node.lhs.output_field, DateTimeField):
            tzname = node.get_tzname()
        elif node.tzinfo is not None:
            raise ValueError("tzinfo can only be used with DateTimeField.")
        if isinstance(node.output_field, DateTimeField):
            sql, params = ops.datetime_trunc_sql(node.kind, sql, tuple(params), tzname)
        elif isinstance(node.output_field, DateField):
            sql, params = ops.date_trunc_sql(node.kind, sql, tuple(params), tzname)
        elif isinstance(node.output_field, TimeField):
            sql, params = ops.time_trunc_sql(node.kind, sql, tuple(params), tzname)
        else:
            raise ValueError("Trunc only valid on DateField, TimeField, or DateTimeField.")
        return sql, list(params)

    def visit_TruncDate(self, node, **extra):
        self.connection.features.require("supports_date_lookups", "date truncation")
        # Cast to date rather than truncate to date.
        sql, params = self.compile(node.lhs)
        tzname = node.get_tzname()
        sql, params = self.connection.ops.datetime_cast_date_sql(sql, tuple(params), tzname)
        return sql, list(params)

    def visit_TruncTime(self, node, **extra):
        self.connection.features.require("supports_date_lookups", "date truncation")
        # Cast to time rather than truncate to time.
        sql, params = self.compile(node.lhs)
        tzname = node.get_tzname()
        sql, params = self.connection.ops.datetime_cast_time_sql(sql, tuple(params), tzname)
        return sql, list(params)

    def boolean_select_format(self, expression, sql, params):
        """A boolean expression in SELECT (CASE WHEN on databases that need it)."""
        if not getattr(self.connection.features, "supports_boolean_expr_in_select_clause", True):
            sql = f"CASE WHEN {sql} THEN 1 ELSE 0 END"
        return sql, params


def _call_vendor_hook(name):
    def render(compiler, node):
        return getattr(node, name)(compiler, compiler.connection)

    return render


def _call_as_sql(compiler, node):
    return node.as_sql(compiler, compiler.connection)


def _year_direct_rhs_sql(node, connection, rhs):
    from reinhardt.orm.models.lookups import YearExact

    if isinstance(node, YearExact):
        return "BETWEEN %s AND %s"
    return connection.ops.operators[node.lookup_name] % rhs


def _in_date_range(year) -> bool:
    import datetime

    return isinstance(year, int) and datetime.MINYEAR <= year <= datetime.MAXYEAR - 1


def _year_bound_params(node, start, finish):
    from reinhardt.orm.models.lookups import YearExact, YearGt, YearGte, YearLt, YearLte

    if isinstance(node, YearExact):
        return (start, finish)
    if isinstance(node, YearGt):
        return (finish,)
    if isinstance(node, YearGte):
        return (start,)
    if isinstance(node, YearLt):
        return (start,)
    if isinstance(node, YearLte):
        return (finish,)
    raise NotImplementedError(node.__class__.__name__)


_ = itertools
