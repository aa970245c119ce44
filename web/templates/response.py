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


def _unrendered(action):
    return ContentNotRenderedError(f"The response content must be rendered before it can {action}.")


class SimpleTemplateResponse(HttpResponse):
    """An HttpResponse holding a template and its context until render() is called."""

    # Templates and contexts are often unpicklable; a pickled response keeps only its output.
    non_picklable_attrs = HttpResponse.non_picklable_attrs.union(
        ("template_name", "context_data", "_post_render_callbacks")
    )

    def __init__(self, template, context=None, content_type=None, status=None, charset=None,
                 using=None, headers=None):
        HttpResponse.__init__(
            self, "", content_type, status, charset=charset, headers=headers
        )
        # Setting the (empty) body above went through the content setter, which marks the
        # response rendered; it starts out unrendered.
        self._is_rendered = False
        # ``template``: a template name, a list of names tried in order, or a Template.
        self.template_name, self.context_data, self.using = template, context, using
        self._post_render_callbacks: list = []
        self._request = None  # TemplateResponse supplies one

    def __getstate__(self):
        """Pickle only the rendered response: templates and contexts often can't be."""
        if self._is_rendered:
            return HttpResponse.__getstate__(self)
        raise _unrendered("be pickled")

    def resolve_template(self, template):
        """A Template object for a name, a list of names or a Template (returned as is)."""
        if isinstance(template, str):
            return loader.get_template(template, using=self.using)
        if isinstance(template, (tuple, list)):
            return loader.select_template(template, using=self.using)
        return template

    def resolve_context(self, context):
        """Hook for subclasses: the context actually given to the template."""
        return context

    @property
    def rendered_content(self) -> str:
        """The template rendered with the current context (a fresh render on each access)."""
        chosen = self.resolve_template(self.template_name)
        return chosen.render(self.resolve_context(self.context_data), self._request)

    def add_post_render_callback(self, callback) -> None:
        """Call ``callback(response)`` after rendering (at once, if already rendered)."""
        if not self._is_rendered:
            self._post_render_callbacks.append(callback)
            return
        callback(self)

    def render(self):
        """Render the template into the content, once; return the response to send.

        A post-render callback that returns something replaces the response for the
        callbacks after it and for the caller.
        """
        if self._is_rendered:
            return self
        self.content = self.rendered_content
        outgoing = self
        for callback in self._post_render_callbacks:
            replacement = callback(outgoing)
            outgoing = outgoing if replacement is None else replacement
        return outgoing

    @property
    def is_rendered(self) -> bool:
        return self._is_rendered

    def __iter__(self):
        if self._is_rendered:
            return HttpResponse.__iter__(self)
        raise _unrendered("be iterated over")

    def _get_content(self) -> bytes:
        if self._is_rendered:
            return HttpResponse.content.fget(self)
        raise _unrendered("be accessed")

    def _set_content(self, value) -> None:
        # Assigning content counts as rendering: render() will then leave it alone.
        HttpResponse.content.fset(self, value)
        self._is_rendered = True

    content = property(_get_content, _set_content, doc="The rendered body, as bytes.")


class TemplateResponse(SimpleTemplateResponse):
    """A SimpleTemplateResponse rendered with the request (context processors, csrf_token)."""

    non_picklable_attrs = SimpleTemplateResponse.non_picklable_attrs.union(("_request",))

    def __init__(self, request, template, context=None, content_type=None, status=None,
                 charset=None, using=None, headers=None):
        SimpleTemplateResponse.__init__(
            self, template, context, content_type, status, charset, using, headers
        )
        self._request = request
