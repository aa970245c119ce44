"""Containers Django exposes: MultiValueDict, OrderedSet, ImmutableList, CaseInsensitiveMapping."""

from __future__ import annotations

import copy
from collections.abc import Mapping


class OrderedSet:
    """A set that remembers insertion order (backed by a dict's keys)."""

    def __init__(self, iterable=None):
        self.dict = {item: None for item in iterable or ()}

    def add(self, item):
        self.dict.setdefault(item)

    def remove(self, item):
        del self.dict[item]

    def discard(self, item):
        self.dict.pop(item, None)

    def __iter__(self):
        yield from self.dict

    def __reversed__(self):
        return reversed(self.dict)

    def __contains__(self, item):
        return item in self.dict

    def __len__(self):
        return len(self.dict)

    def __bool__(self):
        return len(self.dict) > 0

    def __repr__(self):
        items = list(self.dict)
        return f"{type(self).__qualname__}({items!r})" if items else f"{type(self).__qualname__}()"


class MultiValueDictKeyError(KeyError):
    """A key missing from a MultiValueDict (e.g. a form field that was not posted)."""


class MultiValueDict(dict):
    """A dict where each key holds a list of values; ``d[key]`` is the last one.

    Underneath, it is a plain dict of lists: dict methods see the lists, while the
    mapping API (``[]``, get(), items(), values()) shows one value per key. Form data and
    query strings use it, since a field may be sent several times.
    """

    def __init__(self, key_to_list_mapping=()):
        super().__init__(key_to_list_mapping)

    def __repr__(self):
        return f"<{type(self).__name__}: {dict.__repr__(self)}>"

    # ----- one value per key -------------------------------------------------------------------

    def __getitem__(self, key):
        if not dict.__contains__(self, key):
            raise MultiValueDictKeyError(key)
        values = dict.__getitem__(self, key)
        return values[-1] if values else []

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, [value])

    def get(self, key, default=None):
        """The last value, or ``default`` when the key is missing or has no values."""
        if not dict.__contains__(self, key):
            return default
        last = self[key]
        return default if last == [] else last

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def items(self):
        for key in self:
            yield key, self[key]

    def values(self):
        for _key, value in self.items():
            yield value

    def dict(self):
        """A plain dict with the last value of each key."""
        return dict(self.items())

    # ----- all values per key ------------------------------------------------------------------

    def _getlist(self, key, default=None, force_list=False):
        if not dict.__contains__(self, key):
            return [] if default is None else default
        values = dict.__getitem__(self, key)
        if force_list and values is not None:
            return list(values)
        return values

    def getlist(self, key, default=None):
        """A copy of every value of ``key`` ([] or ``default`` when missing)."""
        return self._getlist(key, default, force_list=True)

    def setlist(self, key, list_):
        dict.__setitem__(self, key, list_)

    def setlistdefault(self, key, default_list=None):
        if key not in self:
            self.setlist(key, [] if default_list is None else default_list)
        return self._getlist(key)

    def appendlist(self, key, value):
        self.setlistdefault(key).append(value)

    def lists(self):
        """(key, list of values) pairs."""
        return iter(dict.items(self))

    def update(self, *args, **kwargs):
        """Add values (never replace them): from another MultiValueDict (all its values), a
        mapping or (key, value) pairs, and keyword arguments."""
        if len(args) > 1:
            raise TypeError("update expected at most 1 argument, got %d" % len(args))
        source = args[0] if args else ()
        if isinstance(source, MultiValueDict):
            for key, values in source.lists():
                self.setlistdefault(key).extend(values)
        else:
            pairs = source.items() if isinstance(source, Mapping) else source
            for key, value in pairs:
                self.appendlist(key, value)
        for key, value in kwargs.items():
            self.appendlist(key, value)

    # ----- copying and pickling ----------------------------------------------------------------

    def copy(self):
        """A copy with its own value lists (the values themselves are shared)."""
        return copy.copy(self)

    def __copy__(self):
        return type(self)([(key, list(values)) for key, values in self.lists()])

    def __deepcopy__(self, memo):
        clone = type(self)()
        memo[id(self)] = clone
        for key, values in dict.items(self):
            dict.__setitem__(clone, copy.deepcopy(key, memo), copy.deepcopy(values, memo))
        return clone

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_data"] = {key: self._getlist(key) for key in self}
        return state

    def __setstate__(self, state):
        state = dict(state)
        for key, values in state.pop("_data", {}).items():
            self.setlist(key, values)
        self.__dict__.update(state)


class ImmutableList(tuple):
    """A tuple whose list-style mutators raise AttributeError(``warning``)."""

    def __new__(cls, *args, warning="ImmutableList object is immutable.", **kwargs):
        instance = super().__new__(cls, *args, **kwargs)
        instance.warning = warning
        return instance

    def complain(self, *args, **kwargs):
        raise AttributeError(self.warning)

    # Every list-style mutation is refused the same way.
    __delitem__ = __delslice__ = __setitem__ = __setslice__ = complain
    __iadd__ = __imul__ = complain
    append = extend = insert = pop = remove = sort = reverse = complain


class DictWrapper(dict):
    """A dict where ``wrapper[prefix + key]`` returns ``func(wrapper[key])``; the column
    type templates use it to quote names (``qn_column``)."""

    def __init__(self, data, func, prefix):
        super().__init__(data)
        self.func = func
        self.prefix = prefix

    def __getitem__(self, key):
        if key.startswith(self.prefix):
            return self.func(super().__getitem__(key[len(self.prefix):]))
        return super().__getitem__(key)


class CaseInsensitiveMapping(Mapping):
    """A read-only mapping with case-insensitive keys that keeps the original casing
    (HTTP headers)."""

    def __init__(self, data):
        self._store = {}
        for key, value in self._unpack_items(data):
            self._store[key.lower()] = (key, value)

    @staticmethod
    def _unpack_items(data):
        if isinstance(data, Mapping):
            yield from data.items()
            return
        for position, pair in enumerate(data):
            if len(pair) != 2:
                raise ValueError(
                    f"dictionary update sequence element #{position} has length {len(pair)}; "
                    "2 is required."
                )
            key, value = pair
            if not isinstance(key, str):
                raise ValueError(f"Element key {key!r} invalid, only strings are allowed")
            yield key, value

    def __getitem__(self, key):
        return self._store[key.lower()][1]

    def __len__(self):
        return len(self._store)

    def __iter__(self):
        for original, _value in self._store.values():
            yield original

    def __eq__(self, other):
        if not isinstance(other, Mapping):
            return False

        def folded(mapping):
            return {key.lower(): value for key, value in mapping.items()}

        return folded(self) == folded(other)

    def __repr__(self):
        return repr({original: value for original, value in self._store.values()})

    def copy(self):
        return self  # immutable: sharing is safe
