"""Context: the stack of dicts a template reads its variables from (Django's semantics).

Compiled templates keep loop and ``with`` variables in Python locals when nothing in their
scope can observe the context, so a Context is only pushed where Django's behaviour depends
on it (custom tags, includes, blocks, ``as`` assignments).

The stack is a plain list, ``dicts``, innermost layer last; its bottom layer always holds the
three literals a template may name (``True``, ``False``, ``None``).
"""

from __future__ import annotations

from contextlib import contextmanager

from reinhardt.web.templates.exceptions import ContextPopException

_LITERALS = (("True", True), ("False", False), ("None", None))


def _layers_of(source) -> list:
    """The dicts ``source`` contributes when stacked on a context.

    Another context gives its own layers minus the literals layer; anything else is one layer.
    """
    if isinstance(source, BaseContext):
        return source.dicts[1:]
    return [source]


class ContextDict(dict):
    """A dict pushed on a context; leaving its ``with`` block pops it."""

    def __init__(self, context, *args, **kwargs):
        dict.__init__(self, *args, **kwargs)
        self.context = context
        context.dicts.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.context.pop()


class BaseContext:
    """The layered mapping behind Context and RenderContext."""

    def __init__(self, dict_=None):
        self._start_stack(dict_)

    def _start_stack(self, initial=None) -> None:
        self.dicts = [dict(_LITERALS)]
        if initial is not None:
            self.dicts.extend(_layers_of(initial))

    # Django's name for the same step; kept for subclasses written against it.
    _reset_dicts = _start_stack

    def _layer_with(self, key):
        """The innermost layer that defines ``key``, or None."""
        for layer in reversed(self.dicts):
            if key in layer:
                return layer
        return None

    def __copy__(self):
        twin = object.__new__(self.__class__)
        twin.__dict__.update(self.__dict__)
        twin.dicts = list(self.dicts)
        return twin

    def __iter__(self):
        return reversed(self.dicts)

    def __repr__(self) -> str:
        return repr(self.dicts)

    def push(self, *args, **kwargs) -> ContextDict:
        if not args:
            return ContextDict(self, **kwargs)
        merged = {}
        for source in args:
            for layer in _layers_of(source):
                merged.update(layer)
        return ContextDict(self, merged, **kwargs)

    def pop(self):
        if len(self.dicts) < 2:
            raise ContextPopException
        return self.dicts.pop()

    def __setitem__(self, key, value) -> None:
        self.dicts[-1][key] = value

    def set_upward(self, key, value) -> None:
        """Set ``key`` in the innermost dict that has it, else in the top dict."""
        owner = self._layer_with(key)
        (self.dicts[-1] if owner is None else owner)[key] = value

    def __getitem__(self, key):
        owner = self._layer_with(key)
        if owner is None:
            raise KeyError(key)
        return owner[key]

    def __delitem__(self, key) -> None:
        del self.dicts[-1][key]

    def __contains__(self, key) -> bool:
        return self._layer_with(key) is not None

    def get(self, key, otherwise=None):
        owner = self._layer_with(key)
        return otherwise if owner is None else owner[key]

    def setdefault(self, key, default=None):
        owner = self._layer_with(key)
        if owner is not None:
            return owner[key]
        self.dicts[-1][key] = default
        return default

    def new(self, values=None):
        """A copy of this context with its variables replaced by ``values``."""
        fresh = self.__copy__()
        fresh._start_stack(values)
        return fresh

    def flatten(self) -> dict:
        """All layers merged into one dict, inner values winning."""
        merged = {}
        for layer in self.dicts:
            merged.update(layer)
        return merged

    def __eq__(self, other) -> bool:
        if isinstance(other, BaseContext):
            return self.flatten() == other.flatten()
        return NotImplemented

    __hash__ = object.__hash__


def _bound_once(context, template) -> None:
    """Why: one Context renders one template at a time; nesting would mix their state."""
    if context.template is not None:
        raise RuntimeError("Context is already bound to a template")
    context.template = template


class Context(BaseContext):
    """The context a template renders with, plus rendering options and per-render state."""

    def __init__(self, dict_=None, autoescape: bool = True, use_l10n=None, use_tz=None):
        self.autoescape, self.use_l10n, self.use_tz = autoescape, use_l10n, use_tz
        self.template_name = "unknown"
        self.template = None
        self.render_context = RenderContext()
        super().__init__(dict_)

    @contextmanager
    def bind_template(self, template):
        _bound_once(self, template)
        try:
            yield
        finally:
            self.template = None

    def __copy__(self):
        twin = BaseContext.__copy__(self)
        twin.render_context = self.render_context.__copy__()
        return twin

    def update(self, other_dict) -> ContextDict:
        """Push ``other_dict`` on the stack (it must be a mapping)."""
        if not hasattr(other_dict, "__getitem__"):
            raise TypeError("other_dict must be a mapping (dictionary-like) object.")
        if isinstance(other_dict, BaseContext):
            # A whole context contributes only its innermost layer.
            other_dict = _layers_of(other_dict)[-1]
        return ContextDict(self, other_dict)


class RenderContext(BaseContext):
    """Per-render state for tags (cycle positions, block stacks, caches).

    Only the top dict is visible, so an included template starts with fresh state.
    """

    template = None

    def __getitem__(self, key):
        return self.dicts[-1][key]

    def get(self, key, otherwise=None):
        return self.dicts[-1].get(key, otherwise)

    def __contains__(self, key) -> bool:
        return key in self.dicts[-1]

    def __iter__(self):
        return iter(self.dicts[-1])

    @contextmanager
    def push_state(self, template, isolated_context: bool = True):
        """Render ``template`` with this as its state; isolated means a fresh top layer."""
        outer_template, self.template = self.template, template
        if isolated_context:
            self.dicts.append({})
        try:
            yield
        finally:
            self.template = outer_template
            if isolated_context:
                self.dicts.pop()


class RequestContext(Context):
    """A Context that runs the engine's context processors on the request when rendering.

    Two layers are reserved on top of the caller's: the first receives the processors' output
    while a template is bound, the second takes later assignments so they win over it.
    """

    def __init__(self, request, dict_=None, processors=None, use_l10n=None, use_tz=None,
                 autoescape: bool = True):
        super().__init__(dict_, use_l10n=use_l10n, use_tz=use_tz, autoescape=autoescape)
        self.request = request
        self._processors = tuple(processors or ())
        self._processors_index = len(self.dicts)
        self.dicts += [{}, {}]

    def _run_processors(self, template) -> dict:
        produced = {}
        for processor in (*template.engine.template_context_processors, *self._processors):
            output = processor(self.request)
            try:
                produced.update(output)
            except TypeError:
                raise TypeError(
                    f"Context processor {processor.__qualname__} didn't return a dictionary."
                ) from None
        return produced

    @contextmanager
    def bind_template(self, template):
        _bound_once(self, template)
        slot = self._processors_index
        self.dicts[slot] = self._run_processors(template)
        try:
            yield
        finally:
            self.template = None
            self.dicts[slot] = {}

    def new(self, values=None):
        fresh = super().new(values)
        # As in Django, a context made with new() leaves the processors' values behind.
        fresh.__dict__.pop("_processors_index", None)
        return fresh


def make_context(context=None, request=None, **kwargs) -> Context:
    """Build a Context (or a RequestContext when there is a request) from a dict."""
    if context is not None and not isinstance(context, dict):
        raise TypeError(f"context must be a dict rather than {context.__class__.__name__}.")
    if request is None:
        return Context(context, **kwargs)
    made = RequestContext(request, **kwargs)
    if context:
        made.push(context)
    return made


__all__ = ["Context", "RequestContext", "RenderContext", "ContextDict", "make_context"]
