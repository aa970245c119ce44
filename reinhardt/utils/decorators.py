"""Turning middleware into view decorators, and function decorators into method ones."""

from __future__ import annotations

from functools import partial, update_wrapper, wraps

from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class classonlymethod(classmethod):
    def __get__(self, instance, cls=None):
        if instance is not None:
            raise AttributeError(
                "This method is available only on the class, not on instances."
            )
        return super().__get__(instance, cls)


def _as_list(decorators):
    """One decorator or a list/tuple of them (applied first to last, like stacked @s)."""
    return list(decorators) if hasattr(decorators, "__iter__") else [decorators]


def _multi_decorate(decorators, method):
    """A method that applies function decorators to the bound method at each call.

    Function decorators expect a function without ``self``; binding first and decorating
    the bound method gives them exactly that, and keeps every call independent.
    """
    chain = _as_list(decorators)

    def method_wrapper(self, *args, **kwargs):
        target = wraps(method)(partial(method.__get__(self, type(self))))
        for decorator in reversed(chain):
            target = decorator(target)
        return target(*args, **kwargs)

    # Attributes a decorator sets on what it returns (e.g. csrf_exempt's flag) are copied
    # onto the wrapper by decorating a stand-in function once.
    for decorator in reversed(chain):
        def stand_in(*args, **kwargs):
            pass

        update_wrapper(method_wrapper, decorator(stand_in))
    update_wrapper(method_wrapper, method)
    if iscoroutinefunction(method):
        markcoroutinefunction(method_wrapper)
    return method_wrapper


def method_decorator(decorator, name: str = ""):
    """Use a function decorator on a method, or (with ``name``) on a class's method."""

    def apply(target):
        if not isinstance(target, type):
            return _multi_decorate(decorator, target)
        if not name or not hasattr(target, name):
            raise ValueError(
                "The keyword argument `name` must be the name of a method of the decorated "
                f"class: {target}. Got '{name}' instead."
            )
        method = getattr(target, name)
        if not callable(method):
            raise TypeError(
                f"Cannot decorate '{name}' as it isn't a callable attribute of {target} "
                f"({method})."
            )
        setattr(target, name, _multi_decorate(decorator, method))
        return target

    if not hasattr(decorator, "__iter__"):
        update_wrapper(apply, decorator)
    label = getattr(decorator, "__name__", None) or type(decorator).__name__
    apply.__name__ = f"method_decorator({label})"
    return apply


def decorator_from_middleware_with_args(middleware_class):
    """A decorator factory from a middleware class: ``cache_page = ...(CacheMiddleware)``."""
    return make_middleware_decorator(middleware_class)


def decorator_from_middleware(middleware_class):
    """A view decorator that runs ``middleware_class`` around the one view."""
    return make_middleware_decorator(middleware_class)()


class _MiddlewareAroundView:
    """The hooks of one middleware instance, run around a single view."""

    def __init__(self, middleware, view_func):
        self.middleware = middleware
        self.view_func = view_func

    def hook(self, name):
        return getattr(self.middleware, name, None)

    def before(self, request, args, kwargs):
        """A response from process_request()/process_view() short-circuits the view."""
        process_request = self.hook("process_request")
        if process_request is not None:
            response = process_request(request)
            if response is not None:
                return response
        process_view = self.hook("process_view")
        if process_view is not None:
            return process_view(request, self.view_func, args, kwargs)
        return None

    def on_error(self, request, error):
        """A response from process_exception(), or None to let the error propagate."""
        process_exception = self.hook("process_exception")
        return process_exception(request, error) if process_exception is not None else None

    def after(self, request, response):
        process_response = self.hook("process_response")
        renders_later = callable(getattr(response, "render", None))
        if not renders_later:
            return process_response(request, response) if process_response else response
        # A TemplateResponse: process_response must see the rendered content, so it runs
        # as a post-render callback.
        process_template_response = self.hook("process_template_response")
        if process_template_response is not None:
            response = process_template_response(request, response)
        if process_response is not None:
            response.add_post_render_callback(
                lambda rendered: process_response(request, rendered)
            )
        return response


def make_middleware_decorator(middleware_class):
    def with_arguments(*m_args, **m_kwargs):
        def decorate(view_func):
            around = _MiddlewareAroundView(middleware_class(view_func, *m_args, **m_kwargs),
                                           view_func)

            if iscoroutinefunction(view_func):

                async def view(request, *args, **kwargs):
                    early = around.before(request, args, kwargs)
                    if early is not None:
                        return early
                    try:
                        response = await view_func(request, *args, **kwargs)
                    except Exception as error:
                        handled = around.on_error(request, error)
                        if handled is None:
                            raise
                        return handled
                    return around.after(request, response)

            else:

                def view(request, *args, **kwargs):
                    early = around.before(request, args, kwargs)
                    if early is not None:
                        return early
                    try:
                        response = view_func(request, *args, **kwargs)
                    except Exception as error:
                        handled = around.on_error(request, error)
                        if handled is None:
                            raise
                        return handled
                    return around.after(request, response)

            return wraps(view_func)(view)

        return decorate

    return with_arguments


def sync_and_async_middleware(func):
    func.sync_capable = True
    func.async_capable = True
    return func


def sync_only_middleware(func):
    func.sync_capable = True
    func.async_capable = False
    return func


def async_only_middleware(func):
    func.sync_capable = False
    func.async_capable = True
    return func
