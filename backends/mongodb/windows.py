"""Window expressions compiled to ``$setWindowFields`` stages.

Each Window becomes a few stages that add helper fields to every row, run after WHERE (and
after GROUP BY/HAVING) and before the projection, so filters on windows (QUALIFY) and
orderings by windows read them like any other field:

1. ``$addFields``: the partition (one document of the PARTITION BY values) and the ORDER BY
   keys.
2. ``$setWindowFields`` sorted by the keys: the row number within the partition.
3. ``$setWindowFields`` partitioned by partition + keys (the peers): the rank, i.e. the
   smallest row number among the row's peers. SQL frames and ranks are defined on peers;
   MongoDB's own ``$rank`` and ``range`` windows take a single sort key, so the rank is that
   key for every ORDER BY, however many terms it has.
4. ``$setWindowFields`` computing the function: ROWS frames sort by the row number
   (``documents`` windows), RANGE frames by the rank (``range`` windows, where "current"
   takes the peers in, as in SQL).

NULL handling follows SQL: aggregates skip NULLs, SUM of no values is NULL, FIRST_VALUE of a
NULL is NULL (not the next value), LAG/LEAD's default only replaces rows outside the partition.
"""

from __future__ import annotations

from reinhardt.core.exceptions import EmptyResultSet
from reinhardt.orm import DatabaseError, NotSupportedError
from reinhardt.orm.models import aggregates, expressions
from reinhardt.orm.models.functions import window as functions

UNBOUNDED = "unbounded"
WHOLE = {"documents": [UNBOUNDED, UNBOUNDED]}


def _present(arg):
    return {"$cond": [{"$gt": [arg, None]}, 1, 0]}


def _nullable(arg):
    """The value, with a missing key read as NULL."""
    return {"$ifNull": [arg, None]}


class WindowsMixin:
    """The ``mql_Window`` visitor; the stages it needs collect in ``window_stages``."""

    def reset_windows(self):
        self.window_stages = []
        self._windows = {}

    def mql_Window(self, node):
        features = self.connection.features
        if not features.supports_window_functions:
            raise features.not_supported("supports_window_functions", "Window expressions")
        try:
            known = self._windows.get(node)
        except TypeError:
            known = None
        if known is not None:
            return known
        value = self._compile_window(node, f"__w{len(self._windows)}")
        try:
            self._windows[node] = value
        except TypeError:
            pass
        return value

    # ----- the shared stages ---------------------------------------------------------------------

    def _compile_window(self, node, name):
        fields = {}
        partition = None
        if node.partition_by is not None:
            # A document, not an array (MongoDB refuses array-valued partitions); a
            # missing value is NULL, so both fall in one partition as in SQL.
            fields[name + "_p"] = {
                f"v{i}": _nullable(self.compile(e))
                for i, e in enumerate(node.partition_by.get_source_expressions())}
            partition = "$" + name + "_p"
        keys = {}
        value_keys = []  # (key name, descending) of the ORDER BY values (not the NULL ranks)
        if node.order_by is not None:
            for order in node.order_by.get_source_expressions():
                if not isinstance(order, expressions.OrderBy):
                    order = order.asc()
                value = self.compile(order.expression)
                if order.nulls_first or order.nulls_last:
                    null_rank = 0 if order.nulls_first else 1
                    key = f"{name}_k{len(keys)}"
                    fields[key] = {"$cond": [{"$gt": [value, None]}, 1 - null_rank, null_rank]}
                    keys[key] = 1
                key = f"{name}_k{len(keys)}"
                fields[key] = value
                keys[key] = -1 if order.descending else 1
                value_keys.append((key, order.descending))
        ordered = bool(keys)
        if not ordered:
            fields[name + "_k"] = {"$literal": 0}
            keys = {name + "_k": 1}
            fields[name + "_pe"] = {"$literal": 1}
        self.window_stages.append({"$addFields": fields})
        self._window_fields(name, partition, keys, {name + "_rn": {"$documentNumber": {}}})
        if ordered:
            peers = {f"k{i}": _nullable("$" + key) for i, key in enumerate(keys)}
            if partition:
                peers["p"] = partition
            self.window_stages.append({"$setWindowFields": {
                "partitionBy": peers, "output": {name + "_pe": {"$min": "$" + name + "_rn"}}}})
        context = _Window(self, name, partition, ordered, value_keys)
        source = node.source_expression
        if isinstance(source, aggregates.Aggregate):
            return context.aggregate(source, node.frame)
        render = getattr(context, "fn_" + type(source).__name__, None)
        if render is None or type(source).__module__ != functions.__name__:
            raise self.connection.features.not_supported(
                "supports_window_functions", f"{type(source).__name__}() over a window")
        return render(source, node.frame)

    def _window_fields(self, name, partition, sort, output):
        spec = {"sortBy": sort, "output": output}
        if partition:
            spec = {"partitionBy": partition, **spec}
        self.window_stages.append({"$setWindowFields": spec})


class _Window:
    """One window being compiled: adds its function's stage, returns the row's value."""

    def __init__(self, compiler, name, partition, ordered, value_keys):
        self.compiler = compiler
        self.name = name
        self.partition = partition
        self.ordered = ordered
        self.value_keys = value_keys
        self.outputs = 0

    @property
    def row_number(self):
        return "$" + self.name + "_rn"

    @property
    def rank(self):
        return "$" + self.name + "_pe"

    def add(self, sort_key, output, window=None):
        """A field computed by one more $setWindowFields sorted by ``sort_key``; its path."""
        field = f"{self.name}_o{self.outputs}"
        self.outputs += 1
        if window is not None:
            output = {**output, "window": window}
        self.compiler._window_fields(self.name, self.partition, {sort_key: 1}, {field: output})
        return "$" + field

    def count(self):
        return self.add(self.name + "_rn", {"$sum": 1}, WHOLE)

    def frame(self, frame):
        """(sort key, MongoDB window) for a frame; None is SQL's default frame: the whole
        partition without ORDER BY, else RANGE UNBOUNDED PRECEDING to the current row's peers."""
        compiler = self.compiler
        if frame is None:
            if self.ordered:
                return self.name + "_pe", {"range": [UNBOUNDED, "current"]}
            return self.name + "_rn", WHOLE
        if frame.exclusion:
            compiler.connection.features.require(
                "supports_frame_exclusion", "window frames with exclusion=")
        start, end = frame.start.value, frame.end.value
        ops = compiler.connection.ops
        if frame.frame_type == "ROWS":
            ops.window_frame_rows_start_end(start, end)  # the same checks as SQL
            return self.name + "_rn", {"documents": [_bound(start), _bound(end)]}
        ops.window_frame_range_start_end(start, end)
        if start in (None, 0) and end in (None, 0):
            return self.name + "_pe", {"range": [_bound(start), _bound(end)]}
        if len(self.value_keys) != 1:
            raise DatabaseError(
                "A RANGE frame with an offset (ValueRange(start=%r, end=%r)) needs exactly one "
                "ORDER BY expression in the window." % (start, end))
        key, descending = self.value_keys[0]
        # range windows run ascending: a descending key is negated, so PRECEDING still
        # means the rows before the current one.
        sort_key = key + "_r"
        value = {"$multiply": ["$" + key, -1]} if descending else "$" + key
        compiler.window_stages.append({"$addFields": {sort_key: value}})
        return sort_key, {"range": [_bound(start), _bound(end)]}

    # ----- aggregates over a frame ---------------------------------------------------------------

    def aggregate(self, node, frame):
        compiler = self.compiler
        name = node.name
        if node.distinct:
            raise compiler.connection.features.not_supported(
                "supports_window_functions", f"{name}(distinct=True) over a window")
        source = node.get_source_expressions()[0]
        arg = 1 if isinstance(source, expressions.Star) else _nullable(compiler.compile(source))
        if node.filter is not None:
            try:
                condition = compiler.compile_condition(node.filter)
            except EmptyResultSet:
                condition = False
            if condition is not None:
                arg = {"$cond": [condition, arg, None]}
        sort_key, window = self.frame(frame)
        if name == "Count":
            return self.add(sort_key, {"$sum": 1 if arg == 1 else _present(arg)}, window)
        if name == "Sum":
            total = self.add(sort_key, {"$sum": arg}, window)
            seen = self.add(sort_key, {"$sum": _present(arg)}, window)
            return {"$cond": [{"$gt": [seen, 0]}, total, None]}
        if name in ("Avg", "Min", "Max"):
            return _nullable(self.add(sort_key, {"$" + name.lower(): arg}, window))
        if name in ("StdDev", "Variance"):
            sample = getattr(node, "function", "").endswith("_SAMP")
            op = "$stdDevSamp" if sample else "$stdDevPop"
            deviation = _nullable(self.add(sort_key, {op: arg}, window))
            return {"$pow": [deviation, 2]} if name == "Variance" else deviation
        raise compiler.connection.features.not_supported(
            "supports_window_functions", f"the {name} aggregate over a window")

    # ----- ranking -------------------------------------------------------------------------------

    def fn_RowNumber(self, node, frame):
        return self.row_number

    def fn_Rank(self, node, frame):
        return self.rank

    def fn_DenseRank(self, node, frame):
        return self.add(self.name + "_pe", {"$denseRank": {}})

    def fn_PercentRank(self, node, frame):
        rows = self.count()
        return {"$cond": [{"$lte": [rows, 1]}, 0.0, {"$divide": [
            {"$subtract": [self.rank, 1]}, {"$subtract": [rows, 1]}]}]}

    def fn_CumeDist(self, node, frame):
        upto = self.add(self.name + "_pe", {"$sum": 1}, {"range": [UNBOUNDED, "current"]})
        return {"$divide": [upto, self.count()]}

    def fn_Ntile(self, node, frame):
        # SQL's NTILE: n rows in k buckets; the first n % k buckets hold one row more.
        (buckets,) = node.get_source_expressions()
        k = self.compiler.compile(buckets)
        big = "$$rem_rows"
        return {"$let": {
            "vars": {"n": self.count(), "k": k, "r": self.row_number},
            "in": {"$let": {
                "vars": {"q": {"$trunc": {"$divide": ["$$n", "$$k"]}},
                         "rem": {"$mod": ["$$n", "$$k"]}},
                "in": {"$let": {
                    "vars": {"rem_rows": {"$multiply": ["$$rem", {"$add": ["$$q", 1]}]}},
                    "in": {"$toInt": {"$cond": [
                        {"$lte": ["$$r", big]},
                        {"$add": [{"$trunc": {"$divide": [
                            {"$subtract": ["$$r", 1]}, {"$add": ["$$q", 1]}]}}, 1]},
                        {"$add": ["$$rem", 1, {"$trunc": {"$divide": [
                            {"$subtract": [{"$subtract": ["$$r", 1]}, big]},
                            {"$max": ["$$q", 1]}]}}]},
                    ]}},
                }},
            }},
        }}

    # ----- navigation ----------------------------------------------------------------------------

    def _shift(self, node, direction):
        compiler = self.compiler
        expression, offset, *default = node.get_source_expressions()
        by = offset.value if isinstance(offset, expressions.Value) else None
        if not isinstance(by, int) or isinstance(by, bool):
            raise NotSupportedError(
                f"MongoDB needs a constant integer offset for {type(node).__name__}() (got "
                f"{offset!r}).", backend="MongoDB", feature=type(node).__name__,
                flag="supports_window_functions")
        sort_key = self.name + "_rn"
        value = self.add(sort_key, {"$shift": {
            "output": _nullable(compiler.compile(expression)), "by": by * direction,
            "default": None}})
        if not default:
            return value
        inside = self.add(sort_key, {"$shift": {
            "output": True, "by": by * direction, "default": False}})
        return {"$cond": [inside, value, compiler.compile(default[0])]}

    def fn_Lag(self, node, frame):
        return self._shift(node, -1)

    def fn_Lead(self, node, frame):
        return self._shift(node, 1)

    def fn_FirstValue(self, node, frame):
        (expression,) = node.get_source_expressions()
        sort_key, window = self.frame(frame)
        value = _nullable(self.compiler.compile(expression))
        return _nullable(self.add(sort_key, {"$first": value}, window))

    def fn_LastValue(self, node, frame):
        (expression,) = node.get_source_expressions()
        sort_key, window = self.frame(frame)
        value = _nullable(self.compiler.compile(expression))
        return _nullable(self.add(sort_key, {"$last": value}, window))

    def fn_NthValue(self, node, frame):
        expression, nth = node.get_source_expressions()
        sort_key, window = self.frame(frame)
        # Each row of the frame wrapped in a document, so NULLs keep their places.
        values = self.add(sort_key, {"$push": {"v": _nullable(
            self.compiler.compile(expression))}}, window)
        return {"$let": {
            "vars": {"e": {"$arrayElemAt": [values, {"$subtract": [
                self.compiler.compile(nth), 1]}]}},
            "in": {"$ifNull": ["$$e.v", None]}}}


def _bound(offset):
    if offset is None:
        return UNBOUNDED
    if offset == 0:
        return "current"
    return offset
