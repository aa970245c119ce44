"""View, RedirectView, TemplateView: the base class-based views."""

from __future__ import annotations

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils.decorators import classonlymethod
from reinhardt.utils.functional import classproperty
from reinhardt.web.http import (
    HttpResponse,
    HttpResponseGone,
    HttpResponseNotAllowed,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from reinhardt.web.urls import reverse

logger = logging.getLogger("reinhardt.request")


class ContextMixin:
    """Put the view (as ``view``) and ``extra_context`` into the template context."""

    extra_context = None

    def get_context_data(self, **kwargs):
        kwargs.setdefault("view", self)
        if self.extra_context is not None:
            kwargs.update(self.extra_context)
        return kwargs


class View:
    """Dispatch a request to the method named after its HTTP verb (get(), post()...)."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options", "trace"]

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classproperty
    def view_is_async(cls) -> bool:
        handlers = [getattr(cls, method) for method in cls.http_method_names
                    if method != "options" and hasattr(cls, method)]
        if not handlers:
            return False
        is_async = iscoroutinefunction(handlers[0])
        if not all(iscoroutinefunction(h) == is_async for h in handlers[1:]):
            raise ImproperlyConfigured(
                f"{cls.__qualname__} HTTP handlers must either be all sync or all async."
            )
        return is_async

    @classonlymethod
    def as_view(cls, **initkwargs):
        """The view function for URLconfs; each request gets a fresh instance."""
        for key in initkwargs:
            if key in cls.http_method_names:
                raise TypeError(
                    f"The method name {key} is not accepted as a keyword argument to "
                    f"{cls.__name__}()."
                )
            if not hasattr(cls, key):
                raise TypeError(
                    f"{cls.__name__}() received an invalid keyword {key!r}. as_view only "
                    "accepts arguments that are already attributes of the class."
                )

        def view(request, *args, **kwargs):
            self = cls(**initkwargs)
            self.setup(request, *args, **kwargs)
            if not hasattr(self, "request"):
                raise AttributeError(
                    f"{cls.__name__} instance has no 'request' attribute. Did you override "
                    "setup() and forget to call super()?"
                )
            return self.dispatch(request, *args, **kwargs)

        view.view_class = cls
        view.view_initkwargs = initkwargs
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.__annotations__ = cls.dispatch.__annotations__
        # Attributes set by decorators on dispatch (e.g. csrf_exempt) apply to the view.
        view.__dict__.update(cls.dispatch.__dict__)
        if cls.view_is_async:
            markcoroutinefunction(view)
        return view

    def setup(self, request, *args, **kwargs) -> None:
        if hasattr(self, "get") and not hasattr(self, "head"):
            self.head = self.get
        self.request = request
        self.args = args
        self.kwargs = kwargs

    def dispatch(self, request, *args, **kwargs):
        method = request.method.lower()
        if method in self.http_method_names:
            handler = getattr(self, method, self.http_method_not_allowed)
        else:
            handler = self.http_method_not_allowed
        return handler(request, *args, **kwargs)

    def http_method_not_allowed(self, request, *args, **kwargs):
        logger.warning("Method Not Allowed (%s): %s", request.method, request.path,
                       extra={"status_code": 405, "request": request})
        response = HttpResponseNotAllowed(self._allowed_methods())
        if self.view_is_async:

            async def func():
                return response

            return func()
        return response

    def options(self, request, *args, **kwargs):
        """Answer OPTIONS with the Allow header."""
        response = HttpResponse()
        response.headers["Allow"] = ", ".join(self._allowed_methods())
        response.headers["Content-Length"] = "0"
        if self.view_is_async:

            async def func():
                return response

            return func()
        return response

    def _allowed_methods(self) -> list[str]:
        return [m.upper() for m in self.http_method_names if hasattr(self, m)]


class TemplateResponseMixin:
    """Render a template (template_name) into a TemplateResponse."""

    template_name = None
    template_engine = None
    response_class = None  # TemplateResponse, resolved on first use
    content_type = None

    def render_to_response(self, context, **response_kwargs):
        response_kwargs.setdefault("content_type", self.content_type)
        response_class = self.response_class
        if response_class is None:
            from reinhardt.web.templates.response import TemplateResponse

            response_class = TemplateResponse
        return response_class(request=self.request, template=self.get_template_names(),
                              context=context, using=self.template_engine, **response_kwargs)

    def get_template_names(self) -> list[str]:
        if self.template_name is None:
            raise ImproperlyConfigured(
                "TemplateResponseMixin requires either a definition of 'template_name' or an "
                "implementation of 'get_template_names()'"
            )
        return [self.template_name]


class TemplateView(TemplateResponseMixin, ContextMixin, View):
    """Render a template with the URL's keyword arguments in the context."""

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context)


class RedirectView(View):
    """Redirect to ``url`` (``%``-formatted with the URL's kwargs) or to ``pattern_name``."""

    permanent = False
    url = None
    pattern_name = None
    query_string = False

    def get_redirect_url(self, *args, **kwargs) -> str | None:
        if self.url:
            url = self.url % kwargs
        elif self.pattern_name:
            url = reverse(self.pattern_name, args=args, kwargs=kwargs)
        else:
            return None
        args = self.request.META.get("QUERY_STRING", "")
        if args and self.query_string:
            url = f"{url}?{args}"
        return url

    def get(self, request, *args, **kwargs):
        url = self.get_redirect_url(*args, **kwargs)
        if url:
            if self.permanent:
                return HttpResponsePermanentRedirect(url)
            return HttpResponseRedirect(url)
        logger.warning("Gone: %s", request.path, extra={"status_code": 410, "request": request})
        return HttpResponseGone()

    def head(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    def options(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    def delete(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    def put(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    def patch(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)
