"""Constants of the query machinery."""

# Rows fetched per round trip by iterator() when no chunk_size is given.
GET_ITERATOR_CHUNK_SIZE = 100

# Namedtuples for sql.* internal use.

# Result kinds of execute_sql().
MULTI = "multi"
SINGLE = "single"
CURSOR = "cursor"
NO_RESULTS = "no results"
# Rows returned as tuples, all at once (values_list and model iteration use it).
ROW_COUNT = "row count"

ORDER_DIR = {
    "ASC": ("ASC", "DESC"),
    "DESC": ("DESC", "ASC"),
}

# SQL join types.
INNER = "INNER JOIN"
LOUTER = "LEFT OUTER JOIN"
