"""method_decorator and decorator_from_middleware, as views and class-based views use them."""

import asyncio
import functools

import pytest

from reinhardt.utils.decorators import (
    decorator_from_middleware,
    decorator_from_middleware_with_args,
    method_decorator,
)


def tag(label):
    """A function decorator that records the order decorators run in and marks the result."""
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return [label, *func(*args, **kwargs)]
        wrapper.tags = [*getattr(func, "tags", []), label]
        return wrapper
    return decorator


def test_method_decorator_on_a_method_binds_self_first():
    class View:
        greeting = "hi"

        @method_decorator(tag("a"))
        def get(self, name):
            """Say hello."""
            return [self.greeting, name]

    assert View().get("ann") == ["a", "hi", "ann"]
    assert View.get.__name__ == "get" and View.get.__doc__ == "Say hello."
    assert View.get.tags == ["a"]  # attributes the decorator sets are visible


def test_method_decorator_with_a_list_applies_them_like_stacked_decorators():
    class View:
        @method_decorator([tag("outer"), tag("inner")])
        def get(self):
            return ["body"]

    assert View().get() == ["outer", "inner", "body"]


def test_method_decorator_on_a_class_needs_an_existing_callable_name():
    @method_decorator(tag("d"), name="dispatch")
    class View:
        def dispatch(self):
            return ["dispatched"]

    assert View().dispatch() == ["d", "dispatched"]
    with pytest.raises(ValueError, match="must be the name of a method"):
        method_decorator(tag("x"), name="missing")(type("V", (), {}))
    with pytest.raises(TypeError, match="isn't a callable attribute"):
        method_decorator(tag("x"), name="flag")(type("V", (), {"flag": 1}))
    assert method_decorator(tag("x")).__name__ == "method_decorator(decorator)"


def test_method_decorator_keeps_coroutine_methods_awaitable():
    from asgiref.sync import iscoroutinefunction

    class View:
        @method_decorator(tag("a"))
        async def get(self):
            return ["async"]

    assert iscoroutinefunction(View.get)


class Recorder:
    calls = []

    def __init__(self, get_response, prefix="m"):
        self.get_response = get_response
        self.prefix = prefix

    def process_request(self, request):
        Recorder.calls.append(f"{self.prefix}:request")
        return "short-circuit" if request == "stop" else None

    def process_view(self, request, view_func, args, kwargs):
        Recorder.calls.append(f"{self.prefix}:view:{view_func.__name__}:{args}")

    def process_exception(self, request, exception):
        Recorder.calls.append(f"{self.prefix}:exception:{exception}")
        return "handled" if str(exception) == "recoverable" else None

    def process_response(self, request, response):
        Recorder.calls.append(f"{self.prefix}:response")
        return f"{response}+{self.prefix}"


def test_decorator_from_middleware_runs_the_hooks_around_the_view():
    Recorder.calls = []

    @decorator_from_middleware(Recorder)
    def page(request, number):
        if request == "boom":
            raise RuntimeError("recoverable" if number else "fatal")
        return f"page {number}"

    assert page("req", 3) == "page 3+m"
    assert Recorder.calls == ["m:request", "m:view:page:(3,)", "m:response"]
    assert page("stop", 1) == "short-circuit"
    assert page("boom", 1) == "handled"
    with pytest.raises(RuntimeError, match="fatal"):
        page("boom", 0)
    assert page.__name__ == "page"


def test_decorator_from_middleware_with_args_and_async_views():
    Recorder.calls = []
    with_prefix = decorator_from_middleware_with_args(Recorder)

    @with_prefix(prefix="p")
    async def page(request):
        return "async page"

    assert asyncio.run(page("req")) == "async page+p"
    assert Recorder.calls[-1] == "p:response"


def test_template_responses_get_process_response_after_rendering():
    class Deferred:
        def __init__(self):
            self.callbacks = []

        def render(self):
            return self

        def add_post_render_callback(self, callback):
            self.callbacks.append(callback)

    response = Deferred()
    Recorder.calls = []
    view = decorator_from_middleware(Recorder)(lambda request: response)
    assert view("req") is response
    assert "m:response" not in Recorder.calls
    assert response.callbacks[0]("rendered") == "rendered+m"
