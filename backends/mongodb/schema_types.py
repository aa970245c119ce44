"""BSON type names shared by the schema editor and the partial-filter compiler."""

# The BSON types of a present, non-null value: unique indexes are partial on these so that,
# as in SQL, any number of documents may hold NULL in a unique field.
NON_NULL_TYPES = ["double", "string", "object", "array", "binData", "objectId", "bool",
                  "date", "int", "timestamp", "long", "decimal"]
