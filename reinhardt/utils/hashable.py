def make_hashable(value):
    """A hashable equivalent of ``value``: dicts become sorted tuples, lists tuples."""
    if isinstance(value, dict):
        return tuple(sorted((key, make_hashable(nested)) for key, nested in value.items()))
    try:
        hash(value)
    except TypeError:
        try:
            return tuple(map(make_hashable, value))
        except TypeError:
            pass
        raise
    return value
