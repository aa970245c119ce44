"""Shortcuts: render(), redirect(), get_object_or_404(), get_list_or_404()."""

from __future__ import annotations

from typing import Any

from reinhardt.utils.functional import Promise
from reinhardt.web.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from reinhardt.web.urls import NoReverseMatch, reverse


def render(request, template_name, context: dict | None = None, content_type: str | None = None,
           status: int | None = None, using: str | None = None) -> HttpResponse:
    """Render ``template_name`` with ``context`` (and the request) into an HttpResponse."""
    from reinhardt.web.templates import loader

    content = loader.render_to_string(template_name, context, request, using=using)
    return HttpResponse(content, content_type, status)


def redirect(to, *args, permanent: bool = False, preserve_request: bool = False, **kwargs):
    """Redirect to a model (its get_absolute_url()), a URL name (reversed), or a URL."""
    redirect_class = HttpResponsePermanentRedirect if permanent else HttpResponseRedirect
    return redirect_class(resolve_url(to, *args, **kwargs), preserve_request=preserve_request)


def _get_queryset(klass):
    """A QuerySet from a model, a manager, or a QuerySet."""
    if hasattr(klass, "_default_manager"):
        return klass._default_manager.all()
    return klass


def get_object_or_404(klass, *args, **kwargs) -> Any:
    """``klass.get(*args, **kwargs)``, raising Http404 when there is no such object."""
    queryset = _get_queryset(klass)
    if not hasattr(queryset, "get"):
        klass__name = klass.__name__ if isinstance(klass, type) else klass.__class__.__name__
        raise ValueError(
            "First argument to get_object_or_404() must be a Model, Manager, or QuerySet, "
            f"not '{klass__name}'."
        )
    try:
        return queryset.get(*args, **kwargs)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")


async def aget_object_or_404(klass, *args, **kwargs) -> Any:
    queryset = _get_queryset(klass)
    if not hasattr(queryset, "aget"):
        klass__name = klass.__name__ if isinstance(klass, type) else klass.__class__.__name__
        raise ValueError(
            "First argument to aget_object_or_404() must be a Model, Manager, or QuerySet, "
            f"not '{klass__name}'."
        )
    try:
        return await queryset.aget(*args, **kwargs)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")


def get_list_or_404(klass, *args, **kwargs) -> list:
    """``list(klass.filter(*args, **kwargs))``, raising Http404 when it is empty."""
    queryset = _get_queryset(klass)
    if not hasattr(queryset, "filter"):
        klass__name = klass.__name__ if isinstance(klass, type) else klass.__class__.__name__
        raise ValueError(
            "First argument to get_list_or_404() must be a Model, Manager, or QuerySet, "
            f"not '{klass__name}'."
        )
    obj_list = list(queryset.filter(*args, **kwargs))
    if not obj_list:
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")
    return obj_list


async def aget_list_or_404(klass, *args, **kwargs) -> list:
    queryset = _get_queryset(klass)
    if not hasattr(queryset, "filter"):
        klass__name = klass.__name__ if isinstance(klass, type) else klass.__class__.__name__
        raise ValueError(
            "First argument to aget_list_or_404() must be a Model, Manager, or QuerySet, "
            f"not '{klass__name}'."
        )
    obj_list = [obj async for obj in queryset.filter(*args, **kwargs)]
    if not obj_list:
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")
    return obj_list


def resolve_url(to, *args, **kwargs) -> str:
    """A URL for ``to``: a model instance, a view name or callable, or a URL as it is."""
    if hasattr(to, "get_absolute_url"):
        return to.get_absolute_url()
    if isinstance(to, Promise):
        to = str(to)
    if isinstance(to, str) and to.startswith(("./", "../")):
        return to
    try:
        return reverse(to, args=args, kwargs=kwargs)
    except NoReverseMatch:
        if callable(to):
            raise
        if "/" not in to and "." not in to:
            raise
    return to
