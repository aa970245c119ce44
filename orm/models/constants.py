"""Constants of the query language."""

from enum import Enum

# The separator between field names and lookups in filter() keywords.
LOOKUP_SEP = "__"


class OnConflict(Enum):
    IGNORE = "ignore"
    UPDATE = "update"
