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
        if instance is not None:
            computed = instance.__dict__[self.name] = self.func(instance)
            return computed
        return self  # read on the class: the descriptor itself


class classproperty:
    """A property computed from the class, readable on the class itself."""

    def __get__(self, instance, owner=None):
        return self.fget(owner)

    def __init__(self, method=None):
        self.fget = method

    def getter(self, method):
        """Replace the getter (for use as a decorator); returns this descriptor."""
        self.__init__(method)
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
            self._args, self._kw = args, kw

        def _evaluate(self):
            return func(*self._args, **self._kw)

        def __reduce__(self):
            # Pickled as the call that makes it, so it stays lazy after unpickling.
            return (_lazy_proxy_unpickle, (func, self._args, self._kw, *resultclasses))

        def __deepcopy__(self, memo):
            # Immutable from the outside: a copy may be the object itself.
            memo.update({id(self): self})
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

    def make_promise(*args, **kw):
        return __proxy__(args, kw)

    return wraps(func)(make_promise)


def _lazy_proxy_unpickle(func, call_args, call_kwargs, *resultclasses):
    """Rebuild a pickled promise: the same lazy call, still not evaluated."""
    return lazy(func, *resultclasses)(*call_args, **call_kwargs)


_lazy_str = lazy(str, str)


def lazystr(text):
    """A promise of ``str(text)``."""
    return _lazy_str(text)


def _promise_aware(func, resultclasses: tuple):
    """``func``, except that it returns a promise when any argument is one."""
    deferred = lazy(func, *resultclasses)

    @wraps(func)
    def call(*args, **kwargs):
        # Hot path (escape() goes through here): a plain loop, no temporary list.
        for argument in (args if not kwargs else (*args, *kwargs.values())):
            if isinstance(argument, Promise):
                return deferred(*args, **kwargs)
        return func(*args, **kwargs)

    return call


def keep_lazy(*resultclasses):
    """Decorator: when any argument is a lazy promise, return a lazy promise too."""
    if len(resultclasses) == 0:
        raise TypeError("You must pass at least one argument to keep_lazy().")
    return lambda func: _promise_aware(func, resultclasses)


def keep_lazy_text(func):
    """keep_lazy(str): for functions that return text."""
    return _promise_aware(func, (str,))


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
        # Not built yet; __setattr__ would forward any other name to the wrapped object.
        self.__dict__["_wrapped"] = empty

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
        if name != "_wrapped":
            setattr(self._materialized(), name, value)
        else:
            self.__dict__[name] = value

    def __delattr__(self, name):
        if name != "_wrapped":
            return delattr(self._materialized(), name)
        raise TypeError("can't delete _wrapped.")

    def __reduce__(self):
        # Pickled as the wrapped object itself.
        return (unpickle_lazyobject, (self._materialized(),))

    def _unbuilt_copy(self):
        return type(self)()

    def __copy__(self):
        target = self._wrapped
        return self._unbuilt_copy() if target is empty else copy.copy(target)

    def __deepcopy__(self, memo):
        target = self._wrapped
        if target is not empty:
            return copy.deepcopy(target, memo)
        clone = memo[id(self)] = self._unbuilt_copy()
        return clone

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


def unpickle_lazyobject(obj):
    """Used by LazyObject.__reduce__: a pickled lazy object unpickles as the real one."""
    return obj


class SimpleLazyObject(LazyObject):
    """A lazy object built by calling ``func()`` on first use (e.g. ``request.user``)."""

    def __init__(self, func):
        vars(self).update(_setupfunc=func)  # bypasses __setattr__, which would build it
        super().__init__()

    def _setup(self):
        self.__dict__["_wrapped"] = self._setupfunc()

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
