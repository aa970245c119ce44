"""Responses that render their template late: SimpleTemplateResponse and TemplateResponse.

A view returns one with a template and a context; middleware (``process_template_response``)
may still change either, and the handler renders it just before the response leaves. Until
then its content cannot be read.
"""

from __future__ import annotations

from reinhardt.web.http import HttpResponse
from reinhardt.web.templates import loader

__all__ = ["ContentNotRenderedError", "SimpleTemplateResponse", "TemplateResponse"]


class ContentNotRenderedError(Exception):
    """The response's content was read (or pickled) before render() was called."""


class SimpleTemplateResponse(HttpResponse):
    """An HttpResponse holding a template and its context until render() is called."""

    non_picklable_attrs = HttpResponse.non_picklable_attrs | frozenset(
        ["template_name", "context_data", "_post_render_callbacks"]
    )

    def __init__(self, template, context=None, content_type=None, status=None, charset=None,
                 using=None, headers=None):
        # ``template`` may be a name, a list of names or a backend's Template object.
        self.template_name = template
        self.context_data = context
        self.using = using
        self._post_render_callbacks: list = []
        # Set by TemplateResponse; kept here so rendered_content works on both.
        self._request = None
        # HttpResponse.__init__ sets content through the property below, which would mark
        # the response rendered: start unrendered, with an empty body.
        super().__init__("", content_type, status, charset=charset, headers=headers)
        self._is_rendered = False

    def __getstate__(self):
        """Pickle only the rendered response: templates and contexts often can't be."""
        if not self._is_rendered:
            raise ContentNotRenderedError(
                "The response content must be rendered before it can be pickled."
            )
        return super().__getstate__()

    def resolve_template(self, template):
        """A Template object for a name, a list of names or a Template (returned as is)."""
        if isinstance(template, (list, tuple)):
            return loader.select_template(template, using=self.using)
        if isinstance(template, str):
            return loader.get_template(template, using=self.using)
        return template

    def resolve_context(self, context):
        return context

    @property
    def rendered_content(self) -> str:
        """The template rendered with the current context (a fresh render on each access)."""
        template = self.resolve_template(self.template_name)
        context = self.resolve_context(self.context_data)
        return template.render(context, self._request)

    def add_post_render_callback(self, callback) -> None:
        """Call ``callback(response)`` after rendering (at once, if already rendered)."""
        if self._is_rendered:
            callback(self)
        else:
            self._post_render_callbacks.append(callback)

    def render(self):
        """Render the template into the content, once; return the response to send.

        A post-render callback that returns something replaces the response.
        """
        retval = self
        if not self._is_rendered:
            self.content = self.rendered_content
            for post_callback in self._post_render_callbacks:
                newretval = post_callback(retval)
                if newretval is not None:
                    retval = newretval
        return retval

    @property
    def is_rendered(self) -> bool:
        return self._is_rendered

    def __iter__(self):
        if not self._is_rendered:
            raise ContentNotRenderedError(
                "The response content must be rendered before it can be iterated over."
            )
        return super().__iter__()

    @property
    def content(self) -> bytes:
        if not self._is_rendered:
            raise ContentNotRenderedError(
                "The response content must be rendered before it can be accessed."
            )
        return super().content

    @content.setter
    def content(self, value) -> None:
        """Setting the content counts as rendering: render() will not overwrite it."""
        HttpResponse.content.fset(self, value)
        self._is_rendered = True


class TemplateResponse(SimpleTemplateResponse):
    """A SimpleTemplateResponse rendered with the request (context processors, csrf_token)."""

    non_picklable_attrs = SimpleTemplateResponse.non_picklable_attrs | frozenset(["_request"])

    def __init__(self, request, template, context=None, content_type=None, status=None,
                 charset=None, using=None, headers=None):
        super().__init__(template, context, content_type, status, charset, using, headers)
        self._request = request
