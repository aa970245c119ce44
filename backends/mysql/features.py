"""What MySQL 8 and MariaDB 10.11+ can do. Some capabilities depend on which server and
version the connection reaches, so those flags are read from the server once."""

from reinhardt.backends.base.features import EMULATED, BaseDatabaseFeatures
from reinhardt.utils.functional import cached_property


class DatabaseFeatures(BaseDatabaseFeatures):

    # Transactions: InnoDB has them; DDL commits implicitly.
    supports_transactions = True
    supports_savepoints = True
    can_rollback_ddl = False

    # Queries
    supports_distinct_on_fields = False
    supports_select_for_update = True
    supports_select_for_update_with_limit = True
    has_select_for_update_nowait = True
    has_select_for_no_key_update = False
    # NULLS FIRST/LAST does not exist: the shared compiler sorts by "x IS NULL" first.
    supports_order_by_nulls_modifier = False
    supports_nulls_ordering = EMULATED
    nulls_order_largest = False
    supports_window_functions = True
    supports_frame_exclusion = False  # no EXCLUDE in window frames
    supports_explain = True
    # iterator() reads through an unbuffered cursor (MySQLdb SSCursor), chunk_size rows at
    # a time; see StreamingCursor in base.py for how the connection stays usable meanwhile.
    can_use_chunked_reads = True
    supports_aggregate_filter_clause = False
    supports_boolean_expr_in_select_clause = True
    supports_parentheses_in_compound = True
    supports_slicing_ordering_in_compound = True
    supports_logical_xor = True
    # MySQL refuses a subquery on the table being updated or deleted from.
    update_can_self_select = False
    delete_can_self_reference_subquery = False
    requires_casted_case_in_updates = False
    supports_update_from_values = True  # bulk_update(): UPDATE ... JOIN (VALUES ...)
    allow_sliced_subqueries_with_in = False
    for_update_after_from = False

    # Lookups: regular expressions on both servers; case-insensitive lookups compare
    # LOWER() of both sides (tables are created with a binary collation).
    supports_regex_lookups = True
    supports_case_insensitive_lookups = True

    # Writes
    supports_ignore_conflicts = True
    supports_update_conflicts = True
    supports_update_conflicts_with_target = False  # ON DUPLICATE KEY names no target
    # SET assignments run left to right; the compiler orders them so each value reads the
    # old row, which is impossible when two values read each other's columns.
    supports_swapping_update_assignments = False

    # Types
    supports_json_field = True
    supports_json_field_contains = True
    has_native_uuid_field = False
    has_native_duration_field = False
    supports_timezones = False  # naive UTC is stored

    # Schema
    supports_table_check_constraints = True
    supports_deferrable_unique_constraints = False
    supports_foreign_keys = True
    supports_covering_indexes = False
    implied_column_null = False

    max_query_params = None  # values are interpolated by mysqlclient
    max_identifier_length = 64
    related_fields_match_type = True  # a FK to an UNSIGNED column must be UNSIGNED
    requires_literal_defaults = False

    # The servers the capability matrix shows a column for (attributes of a stand-in
    # connection that the version-dependent flags below read).
    capability_variants = {
        "MySQL 8.0": {"mysql_is_mariadb": False, "mysql_version": (8, 0, 36),
                      "mysql_server_info": "8.0.36"},
        "MariaDB 10.11": {"mysql_is_mariadb": True, "mysql_version": (10, 11, 6),
                          "mysql_server_info": "10.11.6-MariaDB"},
    }

    # ----- version dependent -------------------------------------------------------------

    @cached_property
    def is_mariadb(self) -> bool:
        return self.connection.mysql_is_mariadb

    @cached_property
    def version(self) -> tuple:
        return self.connection.mysql_version

    @cached_property
    def minimum_database_version(self):
        return (10, 11) if self.is_mariadb else (8, 0, 11)

    @property
    def display_name(self):
        # Known once the server was asked; never connects just to name itself.
        info = self.connection.__dict__.get("mysql_server_info")
        if info is None:
            return "MySQL/MariaDB"
        return "MariaDB" if "mariadb" in info.lower() else "MySQL"

    @cached_property
    def can_return_columns_from_insert(self):
        # INSERT ... RETURNING: MariaDB 10.5+. MySQL reads the id with LAST_INSERT_ID().
        return self.is_mariadb

    @cached_property
    def can_return_rows_from_bulk_insert(self):
        return self.is_mariadb

    @cached_property
    def has_select_for_update_skip_locked(self):
        return self.is_mariadb or self.version >= (8, 0, 1)

    @cached_property
    def has_select_for_update_of(self):
        return not self.is_mariadb

    @cached_property
    def has_native_json_field(self):
        # MariaDB's JSON is LONGTEXT with a JSON_VALID check.
        return not self.is_mariadb

    @cached_property
    def supports_expression_indexes(self):
        return not self.is_mariadb and self.version >= (8, 0, 13)

    @cached_property
    def supports_partial_indexes(self):
        # A unique constraint with a condition is emulated exactly: a unique index over
        # generated columns that are NULL where the condition is false. Plain indexes
        # with a condition are created without it (a wider index, same results).
        return EMULATED

    @cached_property
    def supports_nulls_distinct_unique_constraints(self):
        return False

    @cached_property
    def uses_regexp_like(self) -> bool:
        # MySQL 8 (ICU): REGEXP_LIKE(subject, pattern, 'c'/'i'). MariaDB (PCRE): inline flags.
        return not self.is_mariadb

    @cached_property
    def binary_collation(self) -> str:
        """The collation reinhardt creates text columns with: exact, case-sensitive,
        no trailing-space padding, ordered by code point (as PostgreSQL's C and SQLite)."""
        return "utf8mb4_nopad_bin" if self.is_mariadb else "utf8mb4_0900_bin"

    @cached_property
    def uses_insert_row_alias(self) -> bool:
        # VALUES(col) in ON DUPLICATE KEY UPDATE is deprecated from MySQL 8.0.20.
        return not self.is_mariadb and self.version >= (8, 0, 19)
