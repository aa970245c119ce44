"""Laziness helpers: cached_property, lazy() promises and lazy objects."""

from __future__ import annotations

import copy
import operator
from functools import total_ordering, wraps


class cached_property:
    """Compute an attribute once per instance, then read it as a plain attribute.

    The first read stores the value in the instance's ``__dict__``; being a non-data
    descriptor, the property is shadowed by that entry from then on, so later reads cost a
    dict lookup and ``del obj.attr`` recomputes. No lock is taken (functools' version took
    one before Python 3.12).
    """

    name = None

    def __init__(self, func, name=None):
        self.real_func = func
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name):
        if self.name is not None and self.name != name:
            raise TypeError(
                "Cannot assign the same cached_property to two different names "
                f"({self.name!r} and {name!r})."
            )
        self.name = name
        self.func = self.real_func

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value


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


def _resolved(value):
    """The value a promise stands for (other values unchanged)."""
    return value._evaluate() if isinstance(value, Promise) else value


def _comparison(op):
    def compare(self, other):
        return op(self._evaluate(), _resolved(other))

    return compare


def _binary(op):
    def apply(self, other):
        return op(self._evaluate(), other)

    return apply


def _forward(name):
    """A method that evaluates the promise and calls ``name`` on the result."""

    def forwarded(self, *args, **kwargs):
        return getattr(self._evaluate(), name)(*args, **kwargs)

    forwarded.__name__ = name
    return forwarded


def lazy(func, *resultclasses):
    """Turn ``func`` into one whose result is computed only when it is used.

    The returned callable gives a promise: an object that calls ``func`` again each time
    it is used as a value (str(), comparisons, formatting, methods of ``resultclasses``).
    Translations use it so that a message is translated in the language active when it is
    shown, not when the module was imported.
    """

    class __proxy__(Promise):
        __slots__ = ("_args", "_kw")

        def __init__(self, args, kw):
            self._args = args
            self._kw = kw

        def _evaluate(self):
            return func(*self._args, **self._kw)

        def __reduce__(self):
            # Pickled as the call that makes it, so it stays lazy after unpickling.
            return (_lazy_proxy_unpickle, (func, self._args, self._kw, *resultclasses))

        def __deepcopy__(self, memo):
            # Immutable from the outside: a copy may be the object itself.
            memo[id(self)] = self
            return self

        def __repr__(self):
            return repr(self._evaluate())

        def __str__(self):
            return str(self._evaluate())

        def __hash__(self):
            return hash(self._evaluate())

        def __format__(self, spec):
            return format(self._evaluate(), spec)

        def __radd__(self, other):
            return other + self._evaluate()

        __eq__ = _comparison(operator.eq)
        __ne__ = _comparison(operator.ne)
        __lt__ = _comparison(operator.lt)
        __le__ = _comparison(operator.le)
        __gt__ = _comparison(operator.gt)
        __ge__ = _comparison(operator.ge)

        __add__ = _binary(operator.add)
        __mod__ = _binary(operator.mod)
        __mul__ = _binary(operator.mul)

    # Everything else the result types offer (upper(), split(), __len__, ...) evaluates
    # first; names the proxy already defines keep the proxy's version.
    for resultclass in resultclasses:
        for klass in resultclass.__mro__:
            for name in vars(klass):
                if not hasattr(__proxy__, name):
                    setattr(__proxy__, name, _forward(name))

    @wraps(func)
    def __wrapper__(*args, **kw):
        return __proxy__(args, kw)

    return __wrapper__


def _lazy_proxy_unpickle(func, args, kwargs, *resultclasses):
    return lazy(func, *resultclasses)(*args, **kwargs)


def lazystr(text):
    """A promise of ``str(text)``."""
    return lazy(str, str)(text)


def keep_lazy(*resultclasses):
    """Decorator: when any argument is a lazy promise, return a lazy promise too."""
    if not resultclasses:
        raise TypeError("You must pass at least one argument to keep_lazy().")

    def decorator(func):
        deferred = lazy(func, *resultclasses)

        @wraps(func)
        def wrapper(*args, **kwargs):
            arguments = [*args, *kwargs.values()]
            if any(isinstance(argument, Promise) for argument in arguments):
                return deferred(*args, **kwargs)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def keep_lazy_text(func):
    return keep_lazy(str)(func)


empty = object()  # _wrapped before the wrapped object is built


def _delegate(operation):
    """A special method that builds the wrapped object if needed, then applies
    ``operation(wrapped, *args)``.

    Reading such a method as an attribute of the lazy object (``obj.__len__``) raises
    AttributeError in LazyObject.__getattribute__, so the lookup falls through to the
    wrapped object: hasattr() then answers for the real object, not for the wrapper.
    """

    def delegated(self, *args):
        return operation(self._materialized(), *args)

    delegated._lazy_delegate = True
    return delegated


class LazyObject:
    """A wrapper that builds the wrapped object on first use (subclasses define _setup)."""

    _wrapped = None

    def __init__(self):
        self._wrapped = empty

    def _setup(self):
        raise NotImplementedError("subclasses of LazyObject must provide a _setup() method")

    def _materialized(self):
        if self._wrapped is empty:
            self._setup()
        return self._wrapped

    def __getattribute__(self, name):
        value = super().__getattribute__(name)
        if name != "_wrapped" and getattr(value, "_lazy_delegate", False):
            raise AttributeError(name)
        return value

    def __getattr__(self, name):
        return getattr(self._materialized(), name)

    def __setattr__(self, name, value):
        if name == "_wrapped":
            self.__dict__["_wrapped"] = value
            return
        setattr(self._materialized(), name, value)

    def __delattr__(self, name):
        if name == "_wrapped":
            raise TypeError("can't delete _wrapped.")
        delattr(self._materialized(), name)

    def __reduce__(self):
        # Pickled as the wrapped object itself.
        return (unpickle_lazyobject, (self._materialized(),))

    def _unbuilt_copy(self):
        return type(self)()

    def __copy__(self):
        if self._wrapped is empty:
            return self._unbuilt_copy()
        return copy.copy(self._wrapped)

    def __deepcopy__(self, memo):
        if self._wrapped is empty:
            clone = memo[id(self)] = self._unbuilt_copy()
            return clone
        return copy.deepcopy(self._wrapped, memo)

    # isinstance() and type checks see the wrapped object's class.
    __class__ = property(_delegate(operator.attrgetter("__class__")))
    __bytes__ = _delegate(bytes)
    __str__ = _delegate(str)
    __bool__ = _delegate(bool)
    __dir__ = _delegate(dir)
    __hash__ = _delegate(hash)
    __len__ = _delegate(len)
    __iter__ = _delegate(iter)
    __eq__ = _delegate(operator.eq)
    __ne__ = _delegate(operator.ne)
    __lt__ = _delegate(operator.lt)
    __gt__ = _delegate(operator.gt)
    __getitem__ = _delegate(operator.getitem)
    __setitem__ = _delegate(operator.setitem)
    __delitem__ = _delegate(operator.delitem)
    __contains__ = _delegate(operator.contains)


def unpickle_lazyobject(wrapped):
    return wrapped


class SimpleLazyObject(LazyObject):
    """A lazy object built by calling ``func()`` on first use (e.g. ``request.user``)."""

    def __init__(self, func):
        self.__dict__["_setupfunc"] = func
        super().__init__()

    def _setup(self):
        self._wrapped = self._setupfunc()

    def _unbuilt_copy(self):
        return SimpleLazyObject(self._setupfunc)

    def __repr__(self):
        shown = self._setupfunc if self._wrapped is empty else self._wrapped
        return f"<{type(self).__name__}: {shown!r}>"

    __add__ = _delegate(operator.add)
    __radd__ = _delegate(lambda wrapped, other: other + wrapped)


def partition(predicate, values):
    """Split ``values`` into (those for which predicate is false, those for which true)."""
    rejected, accepted = [], []
    for value in values:
        (accepted if predicate(value) else rejected).append(value)
    return rejected, accepted


__all__ = [
    "cached_property", "classproperty", "Promise", "lazy", "lazystr", "keep_lazy",
    "keep_lazy_text", "LazyObject", "SimpleLazyObject", "empty", "partition", "total_ordering",
]
