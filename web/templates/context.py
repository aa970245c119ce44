"""Context: the stack of dicts a template reads its variables from (Django's semantics).

Compiled templates keep loop and ``with`` variables in Python locals when nothing in their
scope can observe the context, so a Context is only pushed where Django's behaviour depends
on it (custom tags, includes, blocks, ``as`` assignments).
"""

from __future__ import annotations

from contextlib import contextmanager
from copy import copy

from reinhardt.web.templates.exceptions import ContextPopException

_BUILTINS = {"True": True, "False": False, "None": None}


class ContextDict(dict):
    """A dict pushed on a context; leaving its ``with`` block pops it."""

    def __init__(self, context, *args, **kwargs):
        super().__init__(*args, **kwargs)
        context.dicts.append(self)
        self.context = context

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.context.pop()


class BaseContext:
    def __init__(self, dict_=None):
        self._reset_dicts(dict_)

    def _reset_dicts(self, value=None) -> None:
        self.dicts = [dict(_BUILTINS)]
        if isinstance(value, BaseContext):
            self.dicts += value.dicts[1:]
        elif value is not None:
            self.dicts.append(value)

    def __copy__(self):
        duplicate = object.__new__(type(self))
        duplicate.__dict__ = self.__dict__.copy()
        duplicate.dicts = self.dicts[:]
        return duplicate

    def __repr__(self) -> str:
        return repr(self.dicts)

    def __iter__(self):
        return reversed(self.dicts)

    def push(self, *args, **kwargs) -> ContextDict:
        dicts = []
        for d in args:
            if isinstance(d, BaseContext):
                dicts += d.dicts[1:]
            else:
                dicts.append(d)
        return ContextDict(self, *dicts, **kwargs)

    def pop(self):
        if len(self.dicts) == 1:
            raise ContextPopException
        return self.dicts.pop()

    def __setitem__(self, key, value) -> None:
        self.dicts[-1][key] = value

    def set_upward(self, key, value) -> None:
        """Set ``key`` in the innermost dict that has it, else in the top dict."""
        context = self.dicts[-1]
        for d in reversed(self.dicts):
            if key in d:
                context = d
                break
        context[key] = value

    def __getitem__(self, key):
        for d in reversed(self.dicts):
            if key in d:
                return d[key]
        raise KeyError(key)

    def __delitem__(self, key) -> None:
        del self.dicts[-1][key]

    def __contains__(self, key) -> bool:
        return any(key in d for d in self.dicts)

    def get(self, key, otherwise=None):
        for d in reversed(self.dicts):
            if key in d:
                return d[key]
        return otherwise

    def setdefault(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            self[key] = default
        return default

    def new(self, values=None):
        """A copy of this context with its variables replaced by ``values``."""
        new_context = copy(self)
        new_context._reset_dicts(values)
        return new_context

    def flatten(self) -> dict:
        flat = {}
        for d in self.dicts:
            flat.update(d)
        return flat

    def __eq__(self, other) -> bool:
        if not isinstance(other, BaseContext):
            return NotImplemented
        return self.flatten() == other.flatten()

    __hash__ = object.__hash__


class Context(BaseContext):
    """The context a template renders with, plus rendering options and per-render state."""

    def __init__(self, dict_=None, autoescape: bool = True, use_l10n=None, use_tz=None):
        self.autoescape = autoescape
        self.use_l10n = use_l10n
        self.use_tz = use_tz
        self.template_name = "unknown"
        self.render_context = RenderContext()
        self.template = None
        super().__init__(dict_)

    @contextmanager
    def bind_template(self, template):
        if self.template is not None:
            raise RuntimeError("Context is already bound to a template")
        self.template = template
        try:
            yield
        finally:
            self.template = None

    def __copy__(self):
        duplicate = super().__copy__()
        duplicate.render_context = copy(self.render_context)
        return duplicate

    def update(self, other_dict) -> ContextDict:
        """Push ``other_dict`` on the stack (it must be a mapping)."""
        if not hasattr(other_dict, "__getitem__"):
            raise TypeError("other_dict must be a mapping (dictionary-like) object.")
        if isinstance(other_dict, BaseContext):
            other_dict = other_dict.dicts[1:].pop()
        return ContextDict(self, other_dict)


class RenderContext(BaseContext):
    """Per-render state for tags (cycle positions, block stacks, caches).

    Only the top dict is visible, so an included template starts with fresh state.
    """

    template = None

    def __iter__(self):
        yield from self.dicts[-1]

    def __contains__(self, key) -> bool:
        return key in self.dicts[-1]

    def get(self, key, otherwise=None):
        return self.dicts[-1].get(key, otherwise)

    def __getitem__(self, key):
        return self.dicts[-1][key]

    @contextmanager
    def push_state(self, template, isolated_context: bool = True):
        initial = self.template
        self.template = template
        if isolated_context:
            self.push()
        try:
            yield
        finally:
            self.template = initial
            if isolated_context:
                self.pop()


class RequestContext(Context):
    """A Context that runs the engine's context processors on the request when rendering."""

    def __init__(self, request, dict_=None, processors=None, use_l10n=None, use_tz=None,
                 autoescape: bool = True):
        super().__init__(dict_, use_l10n=use_l10n, use_tz=use_tz, autoescape=autoescape)
        self.request = request
        self._processors = () if processors is None else tuple(processors)
        self._processors_index = len(self.dicts)
        self.update({})  # filled with the context processors' output while bound
        self.update({})  # later assignments go here, above the processors' values

    @contextmanager
    def bind_template(self, template):
        if self.template is not None:
            raise RuntimeError("Context is already bound to a template")
        self.template = template
        processors = template.engine.template_context_processors + self._processors
        updates = {}
        for processor in processors:
            context = processor(self.request)
            try:
                updates.update(context)
            except TypeError:
                raise TypeError(
                    f"Context processor {processor.__qualname__} didn't return a dictionary."
                ) from None
        self.dicts[self._processors_index] = updates
        try:
            yield
        finally:
            self.template = None
            self.dicts[self._processors_index] = {}

    def new(self, values=None):
        new_context = super().new(values)
        # Like Django, a context made with new() does not carry the processors' values.
        if hasattr(new_context, "_processors_index"):
            del new_context._processors_index
        return new_context


def make_context(context=None, request=None, **kwargs) -> Context:
    """Build a Context (or a RequestContext when there is a request) from a dict."""
    if context is not None and not isinstance(context, dict):
        raise TypeError(f"context must be a dict rather than {context.__class__.__name__}.")
    if request is None:
        context = Context(context, **kwargs)
    else:
        original_context = context
        context = RequestContext(request, **kwargs)
        if original_context:
            context.push(original_context)
    return context


__all__ = ["Context", "RequestContext", "RenderContext", "ContextDict", "make_context"]
