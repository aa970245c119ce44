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


def _update_method_wrapper(_wrapper, decorator) -> None:
    @decorator
    def dummy(*args, **kwargs):
        pass

    update_wrapper(_wrapper, dummy)


def _multi_decorate(decorators, method):
    """Apply function decorators to a method, binding ``self`` before they see it."""
    if hasattr(decorators, "__iter__"):
        decorators = decorators[::-1]
    else:
        decorators = [decorators]

    def _wrapper(self, *args, **kwargs):
        bound_method = wraps(method)(partial(method.__get__(self, type(self))))
        for dec in decorators:
            bound_method = dec(bound_method)
        return bound_method(*args, **kwargs)

    for dec in decorators:
        _update_method_wrapper(_wrapper, dec)
    update_wrapper(_wrapper, method)
    if iscoroutinefunction(method):
        markcoroutinefunction(_wrapper)
    return _wrapper


def method_decorator(decorator, name: str = ""):
    """Use a function decorator on a method, or (with ``name``) on a class's method."""

    def _dec(obj):
        if not isinstance(obj, type):
            return _multi_decorate(decorator, obj)
        if not (name and hasattr(obj, name)):
            raise ValueError(
                "The keyword argument `name` must be the name of a method of the decorated "
                f"class: {obj}. Got '{name}' instead."
            )
        method = getattr(obj, name)
        if not callable(method):
            raise TypeError(
                f"Cannot decorate '{name}' as it isn't a callable attribute of {obj} ({method})."
            )
        setattr(obj, name, _multi_decorate(decorator, method))
        return obj

    if not hasattr(decorator, "__iter__"):
        update_wrapper(_dec, decorator)
    obj = decorator if hasattr(decorator, "__name__") else decorator.__class__
    _dec.__name__ = f"method_decorator({obj.__name__})"
    return _dec


def decorator_from_middleware_with_args(middleware_class):
    """A decorator factory from a middleware class: ``cache_page = ...(CacheMiddleware)``."""
    return make_middleware_decorator(middleware_class)


def decorator_from_middleware(middleware_class):
    """A view decorator that runs ``middleware_class`` around the one view."""
    return make_middleware_decorator(middleware_class)()


def make_middleware_decorator(middleware_class):
    def _make_decorator(*m_args, **m_kwargs):
        def _decorator(view_func):
            middleware = middleware_class(view_func, *m_args, **m_kwargs)

            def _pre_process_request(request, *args, **kwargs):
                if hasattr(middleware, "process_request"):
                    result = middleware.process_request(request)
                    if result is not None:
                        return result
                if hasattr(middleware, "process_view"):
                    result = middleware.process_view(request, view_func, args, kwargs)
                    if result is not None:
                        return result
                return None

            def _process_exception(request, exception):
                if hasattr(middleware, "process_exception"):
                    result = middleware.process_exception(request, exception)
                    if result is not None:
                        return result
                raise

            def _post_process_request(request, response):
                if hasattr(response, "render") and callable(response.render):
                    if hasattr(middleware, "process_template_response"):
                        response = middleware.process_template_response(request, response)
                    if hasattr(middleware, "process_response"):

                        def callback(response):
                            return middleware.process_response(request, response)

                        response.add_post_render_callback(callback)
                else:
                    if hasattr(middleware, "process_response"):
                        return middleware.process_response(request, response)
                return response

            if iscoroutinefunction(view_func):

                async def _view_wrapper(request, *args, **kwargs):
                    result = _pre_process_request(request, *args, **kwargs)
                    if result is not None:
                        return result
                    try:
                        response = await view_func(request, *args, **kwargs)
                    except Exception as e:
                        result = _process_exception(request, e)
                        if result is not None:
                            return result
                    return _post_process_request(request, response)

            else:

                def _view_wrapper(request, *args, **kwargs):
                    result = _pre_process_request(request, *args, **kwargs)
                    if result is not None:
                        return result
                    try:
                        response = view_func(request, *args, **kwargs)
                    except Exception as e:
                        result = _process_exception(request, e)
                        if result is not None:
                            return result
                    return _post_process_request(request, response)

            return wraps(view_func)(_view_wrapper)

        return _decorator

    return _make_decorator


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
