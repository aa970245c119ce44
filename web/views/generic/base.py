"""View, RedirectView, TemplateView: the base class-based views.

A class-based view is turned into a plain view function by ``as_view()``; every request
builds a fresh instance, calls ``setup()`` then ``dispatch()``, and dispatch picks the
handler method named after the HTTP verb.
"""

from __future__ import annotations

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from reinhardt.core.exceptions import ImproperlyConfigured
from reinhardt.utils.decorators import classonlymethod
from reinhardt.utils.functional import classproperty
from reinhardt.web import http
from reinhardt.web.urls import reverse

logger = logging.getLogger("reinhardt.request")


def _as_awaitable_if(is_async: bool, response):
    """``response`` as is, or wrapped in a coroutine for a view whose handlers are async."""
    if not is_async:
        return response

    async def ready():
        return response

    return ready()


class ContextMixin:
    """Put the view (as ``view``) and ``extra_context`` into the template context."""

    extra_context: dict | None = None

    def get_context_data(self, **kwargs):
        context = kwargs
        if "view" not in context:
            context["view"] = self
        context.update(self.extra_context or {})
        return context


class View:
    """Dispatch a request to the method named after its HTTP verb (get(), post()...)."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options", "trace"]

    def __init__(self, **kwargs):
        # as_view() has already checked these names against the class.
        for name in kwargs:
            setattr(self, name, kwargs[name])

    @classproperty
    def view_is_async(cls) -> bool:
        """Whether the handlers are coroutines; mixing sync and async ones is an error."""
        kinds = {
            iscoroutinefunction(getattr(cls, verb))
            for verb in cls.http_method_names
            if verb != "options" and hasattr(cls, verb)
        }
        if len(kinds) > 1:
            raise ImproperlyConfigured(
                f"{cls.__qualname__} HTTP handlers must either be all sync or all async."
            )
        return kinds == {True}

    @classmethod
    def _check_initkwargs(cls, initkwargs) -> None:
        for name in initkwargs:
            if name in cls.http_method_names:
                problem = (f"The method name {name} is not accepted as a keyword argument "
                           f"to {cls.__name__}().")
            elif not hasattr(cls, name):
                problem = (f"{cls.__name__}() received an invalid keyword {name!r}. as_view "
                           "only accepts arguments that are already attributes of the class.")
            else:
                continue
            raise TypeError(problem)

    @classonlymethod
    def as_view(cls, **initkwargs):
        """The view function for URLconfs; each request gets a fresh instance."""
        cls._check_initkwargs(initkwargs)

        def view(request, *args, **kwargs):
            instance = cls(**initkwargs)
            instance.setup(request, *args, **kwargs)
            if hasattr(instance, "request"):
                return instance.dispatch(request, *args, **kwargs)
            raise AttributeError(
                f"{cls.__name__} instance has no 'request' attribute. Did you override "
                "setup() and forget to call super()?"
            )

        # Attributes that decorators put on dispatch (csrf_exempt, ...) apply to the view.
        view.__dict__.update(cls.dispatch.__dict__)
        view.__dict__.update(view_class=cls, view_initkwargs=initkwargs)
        view.__doc__, view.__module__ = cls.__doc__, cls.__module__
        view.__annotations__ = cls.dispatch.__annotations__
        return markcoroutinefunction(view) if cls.view_is_async else view

    def setup(self, request, *args, **kwargs) -> None:
        """Store the request and URL arguments on the instance before dispatch."""
        # A view that handles GET answers HEAD the same way unless it says otherwise.
        if not hasattr(self, "head") and hasattr(self, "get"):
            self.head = self.get
        self.request, self.args, self.kwargs = request, args, kwargs

    def dispatch(self, request, *args, **kwargs):
        verb = request.method.lower()
        refuse = self.http_method_not_allowed
        handler = getattr(self, verb, refuse) if verb in self.http_method_names else refuse
        return handler(request, *args, **kwargs)

    def http_method_not_allowed(self, request, *args, **kwargs):
        logger.warning(
            "Method Not Allowed (%s): %s", request.method, request.path,
            extra={"request": request, "status_code": 405},
        )
        refusal = http.HttpResponseNotAllowed(self._allowed_methods())
        return _as_awaitable_if(self.view_is_async, refusal)

    def options(self, request, *args, **kwargs):
        """Answer OPTIONS with the Allow header and an empty body."""
        answer = http.HttpResponse()
        answer["Allow"] = ", ".join(self._allowed_methods())
        answer["Content-Length"] = "0"
        return _as_awaitable_if(self.view_is_async, answer)

    def _allowed_methods(self) -> list[str]:
        return [verb.upper() for verb in self.http_method_names if hasattr(self, verb)]


class TemplateResponseMixin:
    """Render a template (template_name) into a TemplateResponse."""

    template_name: str | None = None
    template_engine: str | None = None  # an alias from TEMPLATES; None means any engine
    response_class = None  # None means TemplateResponse (imported late: it needs templates)
    content_type: str | None = None

    def render_to_response(self, context, **response_kwargs):
        if "content_type" not in response_kwargs:
            response_kwargs["content_type"] = self.content_type
        factory = self.response_class
        if factory is None:
            from reinhardt.web.templates.response import TemplateResponse as factory
        return factory(
            template=self.get_template_names(), context=context, request=self.request,
            using=self.template_engine, **response_kwargs,
        )

    def get_template_names(self) -> list[str]:
        if self.template_name is not None:
            return [self.template_name]
        raise ImproperlyConfigured(
            "TemplateResponseMixin requires either a definition of 'template_name' or an "
            "implementation of 'get_template_names()'"
        )


class TemplateView(TemplateResponseMixin, ContextMixin, View):
    """Render a template with the URL's keyword arguments in the context."""

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(**kwargs))


class RedirectView(View):
    """Redirect to ``url`` (``%``-formatted with the URL's kwargs) or to ``pattern_name``.

    With neither, the answer is 410 Gone. Every HTTP verb redirects the same way.
    """

    url: str | None = None
    pattern_name: str | None = None
    permanent: bool = False
    query_string: bool = False

    def get_redirect_url(self, *args, **kwargs) -> str | None:
        if self.url:
            target = self.url % kwargs
        elif self.pattern_name:
            target = reverse(self.pattern_name, args=args, kwargs=kwargs)
        else:
            return None
        query = self.request.META.get("QUERY_STRING", "")
        if self.query_string and query:
            return f"{target}?{query}"
        return target

    def get(self, request, *args, **kwargs):
        target = self.get_redirect_url(*args, **kwargs)
        if not target:
            logger.warning(
                "Gone: %s", request.path, extra={"request": request, "status_code": 410}
            )
            return http.HttpResponseGone()
        redirect_class = http.HttpResponsePermanentRedirect if self.permanent else http.HttpResponseRedirect
        return redirect_class(target)

    def _like_get(self, request, *args, **kwargs):
        # Looked up on the instance, so a subclass overriding get() changes every verb.
        return self.get(request, *args, **kwargs)

    head = post = put = patch = delete = options = _like_get
