"""Cursor wrappers and small helpers shared by the SQL backends."""

from __future__ import annotations

import datetime
import decimal
import functools
import hashlib
import logging
import time
from contextlib import contextmanager

logger = logging.getLogger("reinhardt.orm.backends")


class CursorWrapper:
    """Wraps a driver cursor: translates errors, runs execute wrappers, refuses to run inside
    a transaction that already failed.

    ``execute``/``executemany`` take SQL with ``%s`` placeholders (Django's convention, used by
    raw SQL); the ORM's compilers call ``execute_native`` with SQL already in the driver's
    placeholder style.
    """

    __slots__ = ("cursor", "db")

    WRAP_ERROR_ATTRS = frozenset(["fetchone", "fetchmany", "fetchall", "nextset"])

    def __init__(self, cursor, db):
        self.cursor = cursor
        self.db = db

    def __getattr__(self, attr):
        cursor_attr = getattr(self.cursor, attr)
        if attr in CursorWrapper.WRAP_ERROR_ATTRS:
            return self.db.wrap_database_errors(cursor_attr)
        return cursor_attr

    def __iter__(self):
        with self.db.wrap_database_errors:
            yield from self.cursor

    def __enter__(self):
        return self

    def __exit__(self, type, value, traceback):
        try:
            self.close()
        except self.db.Database.Error:
            pass

    def callproc(self, procname, params=None, kparams=None):
        self.db.validate_no_broken_transaction()
        with self.db.wrap_database_errors:
            if params is None and kparams is None:
                return self.cursor.callproc(procname)
            return self.cursor.callproc(procname, params)

    def execute(self, sql, params=None):
        if params is None:
            # Without parameters the SQL is taken literally ('%' included), as drivers do.
            return self.execute_native(sql, None)
        return self.execute_native(self.db.ops.convert_placeholders(sql, params), params)

    def executemany(self, sql, param_list):
        return self.executemany_native(self.db.ops.convert_placeholders(sql, ()), param_list)

    def execute_native(self, sql, params=None):
        if self.db.execute_wrappers:
            return self._with_wrappers(sql, params, many=False, executor=self._execute)
        return self._execute(sql, params)

    def executemany_native(self, sql, param_list):
        if self.db.execute_wrappers:
            return self._with_wrappers(sql, param_list, many=True, executor=self._executemany)
        return self._executemany(sql, param_list)

    def _with_wrappers(self, sql, params, many, executor):
        context = {"connection": self.db, "cursor": self}
        for wrapper in reversed(self.db.execute_wrappers):
            executor = functools.partial(wrapper, executor)
        return executor(sql, params, many, context)

    def _execute(self, sql, params, *ignored):
        db = self.db
        if db.needs_rollback:
            db.validate_no_broken_transaction()
        with db.wrap_database_errors:
            if params is None:
                return self.cursor.execute(sql)
            return self.cursor.execute(sql, params)

    def _executemany(self, sql, param_list, *ignored):
        self.db.validate_no_broken_transaction()
        with self.db.wrap_database_errors:
            return self.cursor.executemany(sql, param_list)


class CursorDebugWrapper(CursorWrapper):
    """Records each query and its duration in ``connection.queries`` (DEBUG or assertNumQueries)."""

    __slots__ = ()

    def execute_native(self, sql, params=None):
        with self.debug_sql(sql, params, use_last_executed_query=True):
            return super().execute_native(sql, params)

    def executemany_native(self, sql, param_list):
        with self.debug_sql(sql, param_list, many=True):
            return super().executemany_native(sql, param_list)

    @contextmanager
    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        start = time.monotonic()
        try:
            yield
        finally:
            stop = time.monotonic()
            duration = stop - start
            if use_last_executed_query:
                sql = self.db.ops.last_executed_query(self.cursor, sql, params)
            try:
                times = len(params) if many else ""
            except TypeError:
                times = "?"
            self.db.queries_log.append({
                "sql": "%s times: %s" % (times, sql) if many else sql,
                "time": "%.3f" % duration,
            })
            logger.debug(
                "(%.3f) %s; args=%s; alias=%s", duration, sql, params, self.db.alias,
                extra={"duration": duration, "sql": sql, "params": params, "alias": self.db.alias},
            )


def split_tzname_delta(tzname: str):
    """'Asia/Tokyo+05:00' -> ('Asia/Tokyo', '+', '05:00'); no offset -> (tzname, None, None)."""
    for sign in ("+", "-"):
        if sign in tzname:
            name, offset = tzname.rsplit(sign, 1)
            if offset and offset[:2].isdigit() and (len(offset) == 2 or offset[2] == ":"):
                return name, sign, offset
    return tzname, None, None


def typecast_date(s):
    return datetime.date(*map(int, s.split("-"))) if s else None


def typecast_time(s):
    if not s:
        return None
    hour, minutes, seconds = s.split(":")
    if "." in seconds:
        seconds, microseconds = seconds.split(".")
    else:
        microseconds = "0"
    return datetime.time(int(hour), int(minutes), int(seconds),
                         int((microseconds + "000000")[:6]))


def typecast_timestamp(s):
    if not s:
        return None
    if " " not in s:
        return typecast_date(s)
    d, t = s.split()
    if "-" in t:
        t, _ = t.split("-", 1)
    elif "+" in t:
        t, _ = t.split("+", 1)
    dates = d.split("-")
    times = t.split(":")
    seconds = times[2]
    if "." in seconds:
        seconds, microseconds = seconds.split(".")
    else:
        microseconds = "0"
    return datetime.datetime(int(dates[0]), int(dates[1]), int(dates[2]), int(times[0]),
                             int(times[1]), int(seconds), int((microseconds + "000000")[:6]))


def split_identifier(identifier: str) -> tuple[str, str]:
    """'"namespace"."name"' -> ('namespace', 'name')."""
    try:
        namespace, name = identifier.split('"."')
    except ValueError:
        namespace, name = "", identifier
    return namespace.strip('"'), name.strip('"')


def truncate_name(identifier: str, length: int | None = None, hash_len: int = 4) -> str:
    """Shorten an identifier to ``length`` by replacing its tail with a stable hash."""
    namespace, name = split_identifier(identifier)
    if length is None or len(name) <= length:
        return identifier
    digest = names_digest(name, length=hash_len)
    return "%s%s%s" % ('%s"."' % namespace if namespace else "", name[: length - hash_len], digest)


def names_digest(*args, length: int) -> str:
    h = hashlib.md5(usedforsecurity=False)
    for arg in args:
        h.update(arg.encode())
    return h.hexdigest()[:length]


def format_number(value, max_digits, decimal_places):
    """A Decimal as a string with the field's precision (for databases that store text)."""
    if value is None:
        return None
    context = decimal.getcontext().copy()
    if max_digits is not None:
        context.prec = max_digits
    if decimal_places is not None:
        value = value.quantize(decimal.Decimal(1).scaleb(-decimal_places), context=context)
    else:
        context.traps[decimal.Rounded] = 1
        value = context.create_decimal(value)
    return f"{value:f}"


def strip_quotes(table_name: str) -> str:
    has_quotes = table_name.startswith('"') and table_name.endswith('"')
    return table_name[1:-1] if has_quotes else table_name
