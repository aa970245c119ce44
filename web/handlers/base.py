"""BaseHandler: builds the middleware chain once and runs requests through it.

The chain is plain nested callables, built at startup from MIDDLEWARE (each middleware is
a factory taking ``get_response``), with sync/async adapters inserted only where a
middleware cannot run in the mode of its neighbour.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async

from reinhardt.conf import settings
from reinhardt.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from reinhardt.utils.log import log_response
from reinhardt.utils.module_loading import import_string
from reinhardt.web.handlers.exception import convert_exception_to_response
from reinhardt.web.urls import get_resolver, set_urlconf

logger = logging.getLogger("reinhardt.request")


class BaseHandler:
    _view_middleware: list | None = None
    _template_response_middleware: list | None = None
    _exception_middleware: list | None = None
    _middleware_chain: Callable | None = None

    def load_middleware(self, is_async: bool = False) -> None:
        """Build the chain from MIDDLEWARE; call once, when the server starts."""
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []

        get_response = self._get_response_async if is_async else self._get_response
        handler = convert_exception_to_response(get_response)
        handler_is_async = is_async
        for middleware_path in reversed(settings.MIDDLEWARE):
            middleware = import_string(middleware_path)
            middleware_can_sync = getattr(middleware, "sync_capable", True)
            middleware_can_async = getattr(middleware, "async_capable", False)
            if not middleware_can_sync and not middleware_can_async:
                raise RuntimeError(
                    f"Middleware {middleware_path} must have at least one of "
                    "sync_capable/async_capable set to True."
                )
            if not handler_is_async and middleware_can_sync:
                middleware_is_async = False
            else:
                middleware_is_async = middleware_can_async
            try:
                adapted_handler = self.adapt_method_mode(
                    middleware_is_async, handler, handler_is_async,
                    debug=settings.DEBUG, name=f"middleware {middleware_path}",
                )
                mw_instance = middleware(adapted_handler)
            except MiddlewareNotUsed as exc:
                if settings.DEBUG:
                    if str(exc):
                        logger.debug("MiddlewareNotUsed(%r): %s", middleware_path, exc)
                    else:
                        logger.debug("MiddlewareNotUsed: %r", middleware_path)
                continue
            if mw_instance is None:
                raise ImproperlyConfigured(f"Middleware factory {middleware_path} returned None.")
            if hasattr(mw_instance, "process_view"):
                self._view_middleware.insert(
                    0, self.adapt_method_mode(is_async, mw_instance.process_view)
                )
            if hasattr(mw_instance, "process_template_response"):
                self._template_response_middleware.append(
                    self.adapt_method_mode(is_async, mw_instance.process_template_response)
                )
            if hasattr(mw_instance, "process_exception"):
                # Exception middleware run synchronously from the view's except clause.
                self._exception_middleware.append(
                    self.adapt_method_mode(False, mw_instance.process_exception)
                )
            handler = convert_exception_to_response(mw_instance)
            handler_is_async = middleware_is_async

        handler = self.adapt_method_mode(is_async, handler, handler_is_async)
        self._middleware_chain = handler
        self._atomic_aliases = _atomic_request_aliases()

    def adapt_method_mode(self, is_async: bool, method, method_is_async: bool | None = None,
                          debug: bool = False, name: str | None = None):
        """Adapt ``method`` to be called in the sync or async mode given."""
        if method_is_async is None:
            method_is_async = iscoroutinefunction(method)
        if debug and not name:
            name = name or f"method {method.__qualname__}()"
        if is_async:
            if not method_is_async:
                if debug:
                    logger.debug("Synchronous handler adapted for %s.", name)
                return sync_to_async(method, thread_sensitive=True)
        elif method_is_async:
            if debug:
                logger.debug("Asynchronous handler adapted for %s.", name)
            return async_to_sync(method)
        return method

    def get_response(self, request):
        """Run ``request`` through the middleware chain; return the response."""
        set_urlconf(settings.ROOT_URLCONF)
        response = self._middleware_chain(request)
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response("%s: %s", response.reason_phrase, request.path, response=response,
                         request=request)
        if "urlconf" in request.__dict__:
            set_urlconf(None)
        return response

    async def get_response_async(self, request):
        set_urlconf(settings.ROOT_URLCONF)
        response = await self._middleware_chain(request)
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            await sync_to_async(log_response, thread_sensitive=False)(
                "%s: %s", response.reason_phrase, request.path, response=response,
                request=request,
            )
        return response

    def _get_response(self, request):
        """Resolve, run view middleware and the view, render template responses."""
        response = None
        callback, callback_args, callback_kwargs = self.resolve_request(request)
        for middleware_method in self._view_middleware:
            response = middleware_method(request, callback, callback_args, callback_kwargs)
            if response:
                break
        if response is None:
            wrapped_callback = self.make_view_atomic(callback)
            if _is_async_view(wrapped_callback):
                wrapped_callback = async_to_sync(wrapped_callback)
            try:
                response = wrapped_callback(request, *callback_args, **callback_kwargs)
            except Exception as e:
                response = self.process_exception_by_middleware(e, request)
                if response is None:
                    raise
        self.check_response(response, callback)
        if hasattr(response, "render") and callable(response.render):
            for middleware_method in self._template_response_middleware:
                response = middleware_method(request, response)
                self.check_response(
                    response, middleware_method,
                    name=f"{middleware_method.__self__.__class__.__name__}."
                         "process_template_response",
                )
            try:
                response = response.render()
            except Exception as e:
                response = self.process_exception_by_middleware(e, request)
                if response is None:
                    raise
        return response

    async def _get_response_async(self, request):
        response = None
        callback, callback_args, callback_kwargs = self.resolve_request(request)
        for middleware_method in self._view_middleware:
            response = await middleware_method(request, callback, callback_args,
                                               callback_kwargs)
            if response:
                break
        if response is None:
            wrapped_callback = self.make_view_atomic(callback)
            if not iscoroutinefunction(wrapped_callback):
                wrapped_callback = sync_to_async(wrapped_callback, thread_sensitive=True)
            try:
                response = await wrapped_callback(request, *callback_args, **callback_kwargs)
            except Exception as e:
                response = await sync_to_async(
                    self.process_exception_by_middleware, thread_sensitive=True
                )(e, request)
                if response is None:
                    raise
        self.check_response(response, callback)
        if hasattr(response, "render") and callable(response.render):
            for middleware_method in self._template_response_middleware:
                response = await middleware_method(request, response)
                self.check_response(
                    response, middleware_method,
                    name=f"{middleware_method.__self__.__class__.__name__}."
                         "process_template_response",
                )
            try:
                if iscoroutinefunction(response.render):
                    response = await response.render()
                else:
                    response = await sync_to_async(response.render, thread_sensitive=True)()
            except Exception as e:
                response = await sync_to_async(
                    self.process_exception_by_middleware, thread_sensitive=True
                )(e, request)
                if response is None:
                    raise
        if asyncio.iscoroutine(response):
            raise RuntimeError("Response is still a coroutine.")
        return response

    def resolve_request(self, request):
        """Resolve request.path_info with the request's URLconf; set request.resolver_match."""
        if hasattr(request, "urlconf"):
            urlconf = request.urlconf
            set_urlconf(urlconf)
            resolver = get_resolver(urlconf)
        else:
            resolver = get_resolver()
        resolver_match = resolver.resolve(request.path_info)
        request.resolver_match = resolver_match
        return resolver_match

    def check_response(self, response, callback, name: str | None = None) -> None:
        if response is not None and not asyncio.iscoroutine(response):
            return
        if not name:
            if hasattr(callback, "__self__") or not hasattr(callback, "__name__"):
                name = f"The view {callback.__module__}.{callback.__class__.__name__}.__call__"
            else:
                name = f"The view {callback.__module__}.{callback.__qualname__}"
        if response is None:
            raise ValueError(
                f"{name} didn't return an HttpResponse object. It returned None instead."
            )
        raise ValueError(
            f"{name} didn't return an HttpResponse object. It returned an unawaited coroutine "
            "instead. You may need to add an 'await' into your view."
        )

    def make_view_atomic(self, view):
        """Wrap ``view`` in a transaction for each database with ATOMIC_REQUESTS."""
        aliases = getattr(self, "_atomic_aliases", None)
        if aliases is None:
            aliases = self._atomic_aliases = _atomic_request_aliases()
        if not aliases:
            return view
        non_atomic = getattr(view, "_non_atomic_requests", set())
        from reinhardt.orm import transaction

        for alias in aliases:
            if alias not in non_atomic:
                if iscoroutinefunction(view):
                    raise RuntimeError(
                        "You cannot use ATOMIC_REQUESTS with async views."
                    )
                view = transaction.atomic(using=alias)(view)
        return view

    def process_exception_by_middleware(self, exception: Exception, request) -> Any:
        for middleware_method in self._exception_middleware:
            response = middleware_method(request, exception)
            if response:
                return response
        return None


_view_is_async: dict = {}


def _is_async_view(view) -> bool:
    """iscoroutinefunction(), remembered per view: it is asked on every request."""
    try:
        return _view_is_async[view]
    except KeyError:
        result = _view_is_async[view] = iscoroutinefunction(view)
        return result
    except TypeError:  # an unhashable callable
        return iscoroutinefunction(view)


def _atomic_request_aliases() -> list[str]:
    """The aliases of the databases configured with ATOMIC_REQUESTS.

    Read from the connections' settings, as Django does, so a project (or a test) that
    changes a connection's ``settings_dict`` is seen by handlers built afterwards.
    """
    if not settings.DATABASES:
        return []  # no database: don't import the ORM
    from reinhardt.orm import connections

    return [alias for alias, conf in connections.settings.items()
            if conf.get("ATOMIC_REQUESTS")]


def reset_urlconf(sender, **kwargs) -> None:
    """Forget a request's URLconf override (get_response() already does so)."""
    set_urlconf(None)
