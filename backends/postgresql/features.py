"""What PostgreSQL (13 or later) can do: nearly everything the ORM asks, natively."""

from reinhardt.backends.base.features import BaseDatabaseFeatures
from reinhardt.utils.functional import cached_property


class DatabaseFeatures(BaseDatabaseFeatures):
    display_name = "PostgreSQL"
    minimum_database_version = (13,)

    # Transactions
    supports_transactions = True
    supports_savepoints = True
    can_rollback_ddl = True

    # Queries
    supports_distinct_on_fields = True
    supports_select_for_update = True
    supports_select_for_update_with_limit = True
    has_select_for_update_nowait = True
    has_select_for_update_skip_locked = True
    has_select_for_update_of = True
    has_select_for_no_key_update = True
    supports_order_by_nulls_modifier = True
    supports_window_functions = True
    supports_explain = True
    can_use_chunked_reads = True
    supports_aggregate_filter_clause = True
    supports_boolean_expr_in_select_clause = True
    supports_parentheses_in_compound = True
    supports_slicing_ordering_in_compound = True
    supports_logical_xor = False
    update_can_self_select = True
    delete_can_self_reference_subquery = True
    requires_casted_case_in_updates = True
    supports_update_from_values = True  # bulk_update(): UPDATE ... FROM (VALUES ...)

    # Lookups
    supports_regex_lookups = True
    supports_case_insensitive_lookups = True

    # Writes
    can_return_columns_from_insert = True
    can_return_rows_from_bulk_insert = True
    supports_ignore_conflicts = True
    supports_update_conflicts = True
    supports_update_conflicts_with_target = True

    # Types
    supports_json_field = True
    supports_json_field_contains = True
    has_native_json_field = True
    has_native_uuid_field = True
    has_native_duration_field = True
    supports_timezones = False  # timestamptz stores the instant, not the offset

    # Schema
    supports_table_check_constraints = True
    supports_partial_indexes = True
    supports_deferrable_unique_constraints = True
    supports_covering_indexes = True
    supports_expression_indexes = True
    supports_foreign_keys = True
    supports_combined_alters = True  # ALTER TABLE t ALTER COLUMN a ..., ALTER COLUMN a ...
    can_defer_constraint_checks = True  # foreign keys are DEFERRABLE INITIALLY DEFERRED

    nulls_order_largest = True  # NULLs sort after every value in ascending order
    max_identifier_length = 63
    related_fields_match_type = False

    @cached_property
    def supports_nulls_distinct_unique_constraints(self):
        return self.connection.pg_version >= 150000

    @property
    def max_query_params(self):
        # The extended protocol counts parameters in 16 bits: only server-side binding is
        # limited; client-side binding inlines values in the statement text.
        if self.connection.server_side_binding:
            return 65535
        return None
