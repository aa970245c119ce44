"""reinhardt.utils.functional: cached_property, classproperty, lazy promises, lazy objects."""

import copy
import pickle

import pytest

from reinhardt.utils.functional import (
    LazyObject,
    Promise,
    SimpleLazyObject,
    cached_property,
    classproperty,
    keep_lazy,
    keep_lazy_text,
    lazy,
    lazystr,
    partition,
)


class Counter:
    calls = 0

    @cached_property
    def value(self):
        """The docstring survives."""
        Counter.calls += 1
        return Counter.calls


def test_cached_property_computes_once_per_instance():
    Counter.calls = 0
    first = Counter()
    assert (first.value, first.value) == (1, 1)
    assert Counter().value == 2
    del first.value
    assert first.value == 3
    assert isinstance(Counter.__dict__["value"], cached_property)
    assert Counter.value.__doc__ == "The docstring survives."
    with pytest.raises(TypeError, match="Cannot assign the same cached_property to two"):
        Counter.__dict__["value"].__set_name__(Counter, "other")


def test_classproperty():
    class Thing:
        @classproperty
        def label(cls):
            return cls.__name__.lower()

    class Sub(Thing):
        pass

    assert (Thing.label, Sub().label) == ("thing", "sub")
    prop = classproperty()
    assert prop.getter(lambda cls: 42) is prop and prop.__get__(None, Thing) == 42


def test_lazy_evaluates_on_each_use():
    state = {"word": "one"}
    promise = lazy(lambda: state["word"], str)()
    assert isinstance(promise, Promise)
    state["word"] = "two"
    assert str(promise) == "two" and promise.upper() == "TWO" and len(promise) == 3
    assert promise == "two" and promise != "one" and promise < "z" and "x" + promise == "xtwo"
    assert promise + "!" == "two!" and promise * 2 == "twotwo" and f"{promise:>4}" == " two"
    assert hash(promise) == hash("two") and repr(promise) == "'two'"
    assert lazystr("a") == lazy(lambda: "a", str)()
    assert copy.deepcopy(promise) is promise
    restored = pickle.loads(pickle.dumps(lazystr("p")))
    assert isinstance(restored, Promise) and str(restored) == "p"
    number = lazy(lambda: 5, int)()
    assert number + 1 == 6 and number % 3 == 2 and int(number) == 5


def test_keep_lazy():
    @keep_lazy_text
    def shout(text, suffix="!"):
        return str(text).upper() + suffix

    assert shout("a") == "A!" and not isinstance(shout("a"), Promise)
    assert isinstance(shout(lazystr("a")), Promise) and shout(lazystr("a")) == "A!"
    assert isinstance(shout("a", suffix=lazystr("?")), Promise)
    assert shout.__name__ == "shout"
    with pytest.raises(TypeError, match="You must pass at least one argument to keep_lazy"):
        keep_lazy()


class Box:
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __eq__(self, other):
        return isinstance(other, Box) and other.items == self.items

    __hash__ = None


def test_simple_lazy_object_builds_once_and_forwards():
    built = []

    def build():
        built.append(1)
        return Box([1, 2])

    lazy_box = SimpleLazyObject(build)
    assert built == [] and "SimpleLazyObject" in repr(lazy_box) and "build" in repr(lazy_box)
    copied = copy.copy(lazy_box)
    assert isinstance(copied, SimpleLazyObject) and built == []
    assert len(lazy_box) == 2 and isinstance(lazy_box, Box) and built == [1]
    lazy_box.extra = "x"
    assert lazy_box._wrapped.extra == "x" and lazy_box.extra == "x"
    del lazy_box.extra
    assert not hasattr(lazy_box._wrapped, "extra")
    with pytest.raises(TypeError, match="can't delete _wrapped."):
        del lazy_box._wrapped
    assert copy.copy(lazy_box) == Box([1, 2]) and type(copy.deepcopy(lazy_box)) is Box
    assert pickle.loads(pickle.dumps(SimpleLazyObject(lambda: [3]).__reduce__()[1][0])) == [3]
    assert SimpleLazyObject(lambda: "a") + "b" == "ab" and "b" + SimpleLazyObject(lambda: "a") == "ba"
    unbuilt = SimpleLazyObject(lambda: [1])
    memo = {}
    twin = copy.deepcopy(unbuilt, memo)
    assert isinstance(twin, SimpleLazyObject) and memo[id(unbuilt)] is twin


def test_lazy_object_needs_setup_and_partition():
    with pytest.raises(NotImplementedError, match="must provide a _setup"):
        str(LazyObject())
    assert partition(lambda n: n > 1, [0, 1, 2, 3]) == ([0, 1], [2, 3])
