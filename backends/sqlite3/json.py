"""SQLite renderings of JSONField nodes, with the JSON1 functions.

Paths are passed as parameters (``$."owner"."name"``, ``$[0]``). ``JSON_EXTRACT`` gives SQL
values (text, numbers, 1/0 for booleans, JSON text for objects and arrays), which is what
comparisons and ordering want; a key selected as a column is wrapped in ``JSON_QUOTE`` so that
the Python side always decodes JSON text and a string such as ``"12"`` stays a string.
JSON ``null`` and a missing key both extract as SQL NULL, so lookups that must tell them apart
ask ``JSON_TYPE`` (``'null'`` for a JSON null, SQL NULL for a missing key).
"""

from __future__ import annotations

import json

from reinhardt.core.exceptions import EmptyResultSet
from reinhardt.orm.models.fields.json import (
    HasKeyOrArrayIndex,
    KeyTransform,
    compile_json_path,
)


class SQLiteJSONRendering:
    """Mixed into the SQLite compilers."""

    def _json_base_and_path(self, node, extra_keys=()):
        """SQL of the JSON document under ``node`` and the path of its keys (+ extra_keys)."""
        self.connection.features.require("supports_json_field", "JSONField key lookups")
        if isinstance(node, KeyTransform):
            base, keys = node.preprocess_lhs()
        else:
            base, keys = node, []
        base_sql, base_params = self.compile(base)
        return base_sql, list(base_params), compile_json_path([*keys, *extra_keys])

    # ----- transforms ---------------------------------------------------------------------

    def visit_KeyTransform(self, node, **extra):
        base_sql, params, path = self._json_base_and_path(node)
        return f"JSON_EXTRACT({base_sql}, %s)", [*params, path]

    def visit_KeyTextTransform(self, node, **extra):
        base_sql, params, path = self._json_base_and_path(node)
        # Booleans as 'true'/'false' and JSON null as NULL, as PostgreSQL's ->> gives them.
        sql = (
            f"CASE JSON_TYPE({base_sql}, %s) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
            f"WHEN 'null' THEN NULL ELSE CAST(JSON_EXTRACT({base_sql}, %s) AS TEXT) END"
        )
        return sql, [*params, path, *params, path]

    def json_key_select_format(self, node, sql, params):
        # JSON_EXTRACT gives 1/0 for true/false: JSON_TYPE tells them from numbers.
        base_sql, base_params, path = self._json_base_and_path(node)
        return (
            f"CASE JSON_TYPE({base_sql}, %s) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
            f"ELSE JSON_QUOTE({sql}) END",
            [*base_params, path, *params],
        )

    # ----- lookups ------------------------------------------------------------------------

    def visit_HasKeyLookup(self, node, **extra):
        keys = node.rhs if isinstance(node.rhs, (list, tuple)) else [node.rhs]
        if not keys:
            # No key to look for: has_any_keys matches nothing, has_keys every document.
            if node.logical_operator == " OR ":
                raise EmptyResultSet
            base_sql, base_params = self.compile(node.lhs)
            return f"{base_sql} IS NOT NULL", list(base_params)
        conditions, params = [], []
        for key in keys:
            if isinstance(node, HasKeyOrArrayIndex):
                extra_keys = [key]
                base_sql, base_params, path = self._json_base_and_path(node.lhs, extra_keys)
            else:
                base_sql, base_params, path = self._json_base_and_path(node.lhs)
                path += node.compile_json_path_final_key(str(key))
            conditions.append(f"JSON_TYPE({base_sql}, %s) IS NOT NULL")
            params.extend([*base_params, path])
        joiner = node.logical_operator or " AND "
        sql = joiner.join(conditions)
        return (f"({sql})" if len(conditions) > 1 else sql), params

    def visit_JSONExact(self, node, **extra):
        lhs_sql, lhs_params = node.process_lhs(self, self.connection)
        rhs_sql, rhs_params = node.process_rhs(self, self.connection)
        if node.rhs_is_direct_value():
            # Compare canonical JSON text: whitespace and key order never matter (as jsonb).
            return (f"reinhardt_json_canonical({lhs_sql}) = reinhardt_json_canonical({rhs_sql})",
                    [*lhs_params, *rhs_params])
        return f"{lhs_sql} = {rhs_sql}", [*lhs_params, *rhs_params]

    def visit_KeyTransformExact(self, node, **extra):
        if not node.rhs_is_direct_value():
            lhs_sql, lhs_params = self.compile(node.lhs)
            rhs_sql, rhs_params = self.compile(node.rhs)
            return f"{lhs_sql} = {rhs_sql}", [*lhs_params, *rhs_params]
        return self._key_equals(node, node.rhs)

    def _key_equals(self, node, value):
        """SQL true where the key under ``node.lhs`` holds the JSON value ``value``."""
        base_sql, params, path = self._json_base_and_path(node.lhs)
        if value is None or isinstance(value, bool):
            json_type = "null" if value is None else ("true" if value else "false")
            return f"JSON_TYPE({base_sql}, %s) = %s", [*params, path, json_type]
        if isinstance(value, (dict, list, tuple)):
            # Objects and arrays extract as JSON text: compare canonical forms.
            return (f"reinhardt_json_canonical(JSON_EXTRACT({base_sql}, %s)) = "
                    f"reinhardt_json_canonical(%s)", [*params, path, _dumps(node, value)])
        sql = f"JSON_EXTRACT({base_sql}, %s) = JSON_EXTRACT(%s, '$')"
        sql_params = [*params, path, _dumps(node, value)]
        if isinstance(value, (int, float)):
            # JSON true/false extract as 1/0: a number never equals a boolean.
            sql = f"({sql} AND JSON_TYPE({base_sql}, %s) NOT IN ('true', 'false'))"
            sql_params += [*params, path]
        return sql, sql_params

    def visit_KeyTransformIsNull(self, node, **extra):
        base_sql, params, path = self._json_base_and_path(node.lhs)
        # A key holding JSON null is present: only a missing key "is null".
        operator = "IS NULL" if node.rhs else "IS NOT NULL"
        return f"JSON_TYPE({base_sql}, %s) {operator}", [*params, path]

    def visit_KeyTransformIn(self, node, **extra):
        if not node.rhs_is_direct_value():
            return self.visit_BuiltinLookup(node)
        values = [value for value in node.rhs if value is not None]
        if not values:
            raise EmptyResultSet
        if any(isinstance(value, (dict, list, tuple)) for value in values):
            conditions, params = [], []
            for value in values:
                sql, value_params = self._key_equals(node, value)
                conditions.append(sql)
                params.extend(value_params)
            return "(" + " OR ".join(conditions) + ")", params
        lhs_sql, lhs_params = self.compile(node.lhs)
        placeholders = ", ".join("JSON_EXTRACT(%s, '$')" for _ in values)
        return f"{lhs_sql} IN ({placeholders})", [
            *lhs_params, *(_dumps(node, value) for value in values)]


def _dumps(lookup, value):
    encoder = getattr(lookup.lhs.output_field, "encoder", None)
    return json.dumps(value, cls=encoder)

