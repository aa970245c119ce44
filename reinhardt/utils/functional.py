"""Laziness helpers: cached_property, lazy() promises and lazy objects."""

from __future__ import annotations

import copy
import itertools
import operator
from functools import total_ordering, wraps


class cached_property:
    """Compute an attribute once per instance, then read it as a plain attribute.

    Unlike functools.cached_property (which takes a lock on every first access before
    Python 3.12), this one is lock-free, as Django's is: the value is stored in the
    instance's __dict__, which shadows the descriptor from then on.
    """

    name = None

    def __init__(self, func, name=None):
        self.real_func = func
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name):
        if self.name is None:
            self.name = name
            self.func = self.real_func
        elif name != self.name:
            raise TypeError(
                "Cannot assign the same cached_property to two different names "
                f"({self.name!r} and {name!r})."
            )

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        res = instance.__dict__[self.name] = self.func(instance)
        return res


class classproperty:
    """A property computed from the class, readable on the class itself."""

    def __init__(self, method=None):
        self.fget = method

    def __get__(self, instance, cls=None):
        return self.fget(cls)

    def getter(self, method):
        self.fget = method
        return self


class Promise:
    """Base class of the proxies that lazy() returns, so code can recognise them."""


def lazy(func, *resultclasses):
    """Turn ``func`` into one whose result is computed only when it is used."""

    class __proxy__(Promise):
        def __init__(self, args, kw):
            self._args = args
            self._kw = kw

        def __reduce__(self):
            return (_lazy_proxy_unpickle, (func, self._args, self._kw) + resultclasses)

        def __deepcopy__(self, memo):
            memo[id(self)] = self
            return self

        def __cast(self):
            return func(*self._args, **self._kw)

        def __repr__(self):
            return repr(self.__cast())

        def __str__(self):
            return str(self.__cast())

        def __eq__(self, other):
            if isinstance(other, Promise):
                other = other.__cast()
            return self.__cast() == other

        def __ne__(self, other):
            if isinstance(other, Promise):
                other = other.__cast()
            return self.__cast() != other

        def __lt__(self, other):
            if isinstance(other, Promise):
                other = other.__cast()
            return self.__cast() < other

        def __le__(self, other):
            if isinstance(other, Promise):
                other = other.__cast()
            return self.__cast() <= other

        def __gt__(self, other):
            if isinstance(other, Promise):
                other = other.__cast()
            return self.__cast() > other

        def __ge__(self, other):
            if isinstance(other, Promise):
                other = other.__cast()
            return self.__cast() >= other

        def __hash__(self):
            return hash(self.__cast())

        def __format__(self, format_spec):
            return format(self.__cast(), format_spec)

        def __add__(self, other):
            return self.__cast() + other

        def __radd__(self, other):
            return other + self.__cast()

        def __mod__(self, other):
            return self.__cast() % other

        def __mul__(self, other):
            return self.__cast() * other

    # Proxy every method of the result classes so the promise behaves like its result.
    for resultclass in resultclasses:
        for type_ in resultclass.mro():
            for method_name in type_.__dict__:
                if hasattr(__proxy__, method_name):
                    continue

                def make_method(name):
                    def method(self, *args, **kw):
                        result = func(*self._args, **self._kw)
                        return getattr(result, name)(*args, **kw)

                    return method

                setattr(__proxy__, method_name, make_method(method_name))

    @wraps(func)
    def __wrapper__(*args, **kw):
        return __proxy__(args, kw)

    return __wrapper__


def _lazy_proxy_unpickle(func, args, kwargs, *resultclasses):
    return lazy(func, *resultclasses)(*args, **kwargs)


def lazystr(text):
    return lazy(str, str)(text)


def keep_lazy(*resultclasses):
    """Decorator: when any argument is a lazy promise, return a lazy promise too."""
    if not resultclasses:
        raise TypeError("You must pass at least one argument to keep_lazy().")

    def decorator(func):
        lazy_func = lazy(func, *resultclasses)

        @wraps(func)
        def wrapper(*args, **kwargs):
            if any(isinstance(arg, Promise) for arg in itertools.chain(args, kwargs.values())):
                return lazy_func(*args, **kwargs)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def keep_lazy_text(func):
    return keep_lazy(str)(func)


empty = object()


def new_method_proxy(func):
    def inner(self, *args):
        if (_wrapped := self._wrapped) is empty:
            self._setup()
            _wrapped = self._wrapped
        return func(_wrapped, *args)

    inner._mask_wrapped = False
    return inner


class LazyObject:
    """A wrapper that builds the wrapped object on first use (subclasses define _setup)."""

    _wrapped = None

    def __init__(self):
        self._wrapped = empty

    def __getattribute__(self, name):
        if name == "_wrapped":
            return super().__getattribute__(name)
        value = super().__getattribute__(name)
        if not getattr(value, "_mask_wrapped", True):
            raise AttributeError
        return value

    __getattr__ = new_method_proxy(getattr)

    def __setattr__(self, name, value):
        if name == "_wrapped":
            self.__dict__["_wrapped"] = value
        else:
            if self._wrapped is empty:
                self._setup()
            setattr(self._wrapped, name, value)

    def __delattr__(self, name):
        if name == "_wrapped":
            raise TypeError("can't delete _wrapped.")
        if self._wrapped is empty:
            self._setup()
        delattr(self._wrapped, name)

    def _setup(self):
        raise NotImplementedError("subclasses of LazyObject must provide a _setup() method")

    def __reduce__(self):
        if self._wrapped is empty:
            self._setup()
        return (unpickle_lazyobject, (self._wrapped,))

    def __copy__(self):
        if self._wrapped is empty:
            return type(self)()
        return copy.copy(self._wrapped)

    def __deepcopy__(self, memo):
        if self._wrapped is empty:
            result = type(self)()
            memo[id(self)] = result
            return result
        return copy.deepcopy(self._wrapped, memo)

    __bytes__ = new_method_proxy(bytes)
    __str__ = new_method_proxy(str)
    __bool__ = new_method_proxy(bool)
    __dir__ = new_method_proxy(dir)
    __class__ = property(new_method_proxy(operator.attrgetter("__class__")))
    __eq__ = new_method_proxy(operator.eq)
    __lt__ = new_method_proxy(operator.lt)
    __gt__ = new_method_proxy(operator.gt)
    __ne__ = new_method_proxy(operator.ne)
    __hash__ = new_method_proxy(hash)
    __getitem__ = new_method_proxy(operator.getitem)
    __setitem__ = new_method_proxy(operator.setitem)
    __delitem__ = new_method_proxy(operator.delitem)
    __iter__ = new_method_proxy(iter)
    __len__ = new_method_proxy(len)
    __contains__ = new_method_proxy(operator.contains)


def unpickle_lazyobject(wrapped):
    return wrapped


class SimpleLazyObject(LazyObject):
    """A lazy object built by calling ``func()`` on first use (e.g. ``request.user``)."""

    def __init__(self, func):
        self.__dict__["_setupfunc"] = func
        super().__init__()

    def _setup(self):
        self._wrapped = self._setupfunc()

    def __repr__(self):
        if self._wrapped is empty:
            repr_attr = self._setupfunc
        else:
            repr_attr = self._wrapped
        return f"<{type(self).__name__}: {repr_attr!r}>"

    def __copy__(self):
        if self._wrapped is empty:
            return SimpleLazyObject(self._setupfunc)
        return copy.copy(self._wrapped)

    def __deepcopy__(self, memo):
        if self._wrapped is empty:
            result = SimpleLazyObject(self._setupfunc)
            memo[id(self)] = result
            return result
        return copy.deepcopy(self._wrapped, memo)

    __add__ = new_method_proxy(operator.add)

    @new_method_proxy
    def __radd__(self, other):
        return other + self


def partition(predicate, values):
    """Split ``values`` into (those for which predicate is false, those for which true)."""
    results = ([], [])
    for item in values:
        results[predicate(item)].append(item)
    return results


__all__ = [
    "cached_property", "classproperty", "Promise", "lazy", "lazystr", "keep_lazy",
    "keep_lazy_text", "LazyObject", "SimpleLazyObject", "empty", "partition", "total_ordering",
]
