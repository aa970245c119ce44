"""What SQLite can do (as shipped with Python 3.11+: SQLite 3.35 or later)."""

import sqlite3

from reinhardt.backends.base.features import EMULATED, BaseDatabaseFeatures


class DatabaseFeatures(BaseDatabaseFeatures):
    display_name = "SQLite"
    minimum_database_version = (3, 35)

    supports_transactions = True
    supports_savepoints = True
    can_rollback_ddl = True
    # No ALTER INDEX ... RENAME: RenameIndex drops and recreates the index.
    can_rename_index = False
    # SQLite locks the whole database for writing: select_for_update() needs no row locks
    # (nowait, skip_locked and of=... are not supported).
    supports_select_for_update = EMULATED
    can_return_columns_from_insert = True
    can_return_rows_from_bulk_insert = True
    supports_ignore_conflicts = True
    supports_update_conflicts = True
    supports_update_conflicts_with_target = True
    supports_json_field = True
    supports_json_field_contains = False
    supports_distinct_on_fields = False
    supports_order_by_nulls_modifier = True
    nulls_order_largest = False
    supports_window_functions = True
    supports_timezones = False
    supports_regex_lookups = True
    supports_deferrable_unique_constraints = False
    supports_partial_indexes = True
    supports_table_check_constraints = True
    supports_slicing_ordering_in_compound = False
    supports_parentheses_in_compound = False
    supports_aggregate_filter_clause = True
    supports_boolean_expr_in_select_clause = True
    supports_logical_xor = False
    supports_explain = True
    # UPDATE ... FROM (SQLite 3.33+) with a WITH clause: bulk_update() stays linear.
    supports_update_from_values = sqlite3.sqlite_version_info >= (3, 33)
    update_can_self_select = True
    delete_can_self_reference_subquery = True
    # SQLite's default limit since 3.32; the wrapper reads the real one when connected.
    max_query_params = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
    max_identifier_length = None
