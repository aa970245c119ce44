"""Library: registers custom filters and tags (Django's ``template.Library`` API).

``simple_tag`` and ``simple_block_tag`` nodes are compiled like built-in tags (their
arguments resolve in generated code); ``inclusion_tag`` and ``tag()`` nodes render through
their ``render(context)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial, wraps
from importlib import import_module
from inspect import getfullargspec, unwrap

from reinhardt.utils.html import conditional_escape
from reinhardt.web.templates.exceptions import InvalidTemplateLibrary, TemplateSyntaxError
from reinhardt.web.templates.expressions import token_kwargs
from reinhardt.web.templates.nodes import CompiledNode, Node

_FILTER_FLAGS = ("expects_localtime", "is_safe", "needs_autoescape")


def _split_target(bits: list) -> tuple[list, str | None]:
    """``[..., "as", "name"]`` -> (the arguments, "name"); otherwise (bits, None)."""
    if len(bits) > 1 and bits[-2] == "as":
        return bits[:-2], bits[-1]
    return bits, None


def _check_content_param(params: list, takes_context, tag_name: str) -> list:
    """A block tag's function receives the body as ``content``; drop it from the tag's
    own parameters (after ``context`` when the tag takes the context)."""
    slot = 1 if takes_context else 0
    if len(params) > slot and params[slot] == "content":
        return params[:slot] + params[slot + 1:]
    if takes_context:
        raise TemplateSyntaxError(
            f"{tag_name!r} is decorated with takes_context=True so it "
            "must have a first argument of 'context' and a second argument "
            "of 'content'"
        )
    raise TemplateSyntaxError(f"'{tag_name}' must have a first argument of 'content'")


def _arguments_parser(func, takes_context, tag_name, params=None):
    """A function ``(parser, bits) -> (args, kwargs)`` checking bits against ``func``'s
    signature, which is read once at registration."""
    spec = getfullargspec(unwrap(func))
    declared = spec.args if params is None else params

    def parse(parser, bits):
        return parse_bits(parser, bits, declared, spec.varargs, spec.varkw, spec.defaults,
                          spec.kwonlyargs, spec.kwonlydefaults, takes_context, tag_name)

    return parse


class Library:
    """A set of filters and tags that ``{% load %}`` makes available."""

    def __init__(self):
        self.filters: dict = {}
        self.tags: dict = {}

    def tag(self, name=None, compile_function=None):
        """Register a tag compile function ``f(parser, token) -> Node``.

        Usable as ``@register.tag``, ``@register.tag("name")`` or
        ``register.tag("name", function)``.
        """
        if compile_function is None:
            if name is None:
                return self.tag_function
            return self.tag_function(name) if callable(name) else partial(self.tag, name)
        if name is None:
            raise ValueError(
                f"Unsupported arguments to Library.tag: ({name!r}, {compile_function!r})")
        self.tags[name] = compile_function
        return compile_function

    def tag_function(self, func):
        return self.tag(func.__name__, func)

    def filter(self, name=None, filter_func=None, **flags):
        """Register a filter; flags: is_safe, needs_autoescape, expects_localtime."""
        if filter_func is None:
            if name is None:
                return partial(self.filter_function, **flags)
            if callable(name):
                return self.filter_function(name, **flags)
            return partial(self.filter, name, **flags)
        if name is None:
            raise ValueError(
                f"Unsupported arguments to Library.filter: ({name!r}, {filter_func!r})")
        # Decorators such as stringfilter read the flags on the function they wrap.
        targets = {filter_func, unwrap(filter_func)}
        for flag in _FILTER_FLAGS:
            if flag in flags:
                for target in targets:
                    setattr(target, flag, flags[flag])
        filter_func._filter_name = name
        self.filters[name] = filter_func
        return filter_func

    def filter_function(self, func, **flags):
        return self.filter(func.__name__, func, **flags)

    @staticmethod
    def _decorator(func, register):
        """Shared shape of simple_tag and friends: bare decorator or decorator factory."""
        if func is None:
            return register
        if callable(func):
            return register(func)
        return None

    def simple_tag(self, func=None, takes_context=None, name=None):
        """Register a function as a tag: its arguments are template expressions."""

        def register(func):
            tag_name = name or func.__name__
            parse_arguments = _arguments_parser(func, takes_context, tag_name)

            @wraps(func)
            def compile_func(parser, token):
                bits, target = _split_target(token.split_contents()[1:])
                args, kwargs = parse_arguments(parser, bits)
                return SimpleNode(func, takes_context, args, kwargs, target)

            self.tags[tag_name] = compile_func
            return func

        made = self._decorator(func, register)
        if made is None:
            raise ValueError("Invalid arguments provided to simple_tag")
        return made

    def simple_block_tag(self, func=None, takes_context=None, name=None, end_name=None):
        """Register a function as a block tag; it gets the rendered body as ``content``."""

        def register(func):
            tag_name = name or func.__name__
            closing = end_name or f"end{tag_name}"
            params = list(getfullargspec(unwrap(func)).args)

            @wraps(func)
            def compile_func(parser, token):
                own_params = _check_content_param(params, takes_context, tag_name)
                bits, target = _split_target(token.split_contents()[1:])
                body = parser.parse((closing,))
                parser.delete_first_token()
                parse_arguments = _arguments_parser(func, takes_context, tag_name, own_params)
                args, kwargs = parse_arguments(parser, bits)
                return SimpleBlockNode(body, func, takes_context, args, kwargs, target)

            self.tags[tag_name] = compile_func
            return func

        made = self._decorator(func, register)
        if made is None:
            raise ValueError("Invalid arguments provided to simple_block_tag")
        return made

    def inclusion_tag(self, filename, func=None, takes_context=None, name=None):
        """Register a function whose returned dict renders the template ``filename``."""

        def register(func):
            tag_name = name or func.__name__
            parse_arguments = _arguments_parser(func, takes_context, tag_name)

            @wraps(func)
            def compile_func(parser, token):
                args, kwargs = parse_arguments(parser, token.split_contents()[1:])
                return InclusionNode(func, takes_context, args, kwargs, filename)

            self.tags[tag_name] = compile_func
            return func

        return register


class TagHelperNode(Node):
    """Base of the nodes made by simple_tag and inclusion_tag: resolves the arguments."""

    child_nodelists = ()

    def __init__(self, func, takes_context, args, kwargs):
        self.func, self.takes_context = func, takes_context
        self.args, self.kwargs = args, kwargs

    def get_resolved_arguments(self, context):
        positional = [context] if self.takes_context else []
        positional.extend(expression.resolve(context) for expression in self.args)
        named = {key: expression.resolve(context) for key, expression in self.kwargs.items()}
        return positional, named

    def uses_context(self) -> bool:
        return True

    def _call(self, context):
        positional, named = self.get_resolved_arguments(context)
        return self.func(*positional, **named)


class SimpleNode(CompiledNode, TagHelperNode):
    child_nodelists = ()

    def __init__(self, func, takes_context, args, kwargs, target_var):
        TagHelperNode.__init__(self, func, takes_context, args, kwargs)
        self.target_var = target_var

    def uses_context(self) -> bool:
        return bool(self.takes_context or self.target_var is not None)

    def _compile_arguments(self, gen) -> tuple[list[str], list[str]]:
        args = [gen.filter_expression(var) for var in self.args]
        if self.takes_context:
            args.insert(0, "context")
        kwargs = [f"{k!r}: {gen.filter_expression(v)}" for k, v in self.kwargs.items()]
        return args, kwargs

    def _compile_call(self, gen, args, kwargs) -> None:
        call = f"{gen.const(self.func)}({', '.join(args)}"
        if kwargs:
            call += (", " if args else "") + "**{" + ", ".join(kwargs) + "}"
        result = gen.assign(call + ")")
        if self.target_var is not None:
            gen.stmt(f"context[{self.target_var!r}] = {result}")
        elif gen.autoescape:
            gen.emit_raw(f"_cescape({result})")
        else:
            gen.emit_raw(result)

    def compile(self, gen) -> None:
        args, kwargs = self._compile_arguments(gen)
        self._compile_call(gen, args, kwargs)

    def render(self, context):
        """The interpreted path (a node rendered outside compiled code)."""
        value = self._call(context)
        if self.target_var is None:
            return conditional_escape(value) if context.autoescape else value
        context[self.target_var] = value
        return ""


class SimpleBlockNode(SimpleNode):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist, *args, **kwargs):
        SimpleNode.__init__(self, *args, **kwargs)
        self.nodelist = nodelist

    def uses_context(self) -> bool:
        return super().uses_context() or self.nodelist.uses_context()

    def get_resolved_arguments(self, context):
        positional, named = TagHelperNode.get_resolved_arguments(self, context)
        # The body goes right after ``context`` (or first, without it).
        positional.insert(int(bool(self.takes_context)), self.nodelist.render(context))
        return positional, named

    def compile(self, gen) -> None:
        args, kwargs = self._compile_arguments(gen)
        with gen.capture() as buf:
            gen.nodelist(self.nodelist)
        args.insert(1 if self.takes_context else 0, f"_SafeString(''.join({buf}))")
        self._compile_call(gen, args, kwargs)


def _load_inclusion_template(spec, engine):
    """The Template an inclusion tag names: a Template, an object carrying one, a list of
    names to try in order, or one name."""
    from reinhardt.web.templates.base import Template

    if isinstance(spec, Template):
        return spec
    carried = getattr(spec, "template", None)
    if isinstance(carried, Template):
        return carried
    if isinstance(spec, Iterable) and not isinstance(spec, str):
        return engine.select_template(spec)
    return engine.get_template(spec)


class InclusionNode(TagHelperNode):
    def __init__(self, func, takes_context, args, kwargs, filename):
        TagHelperNode.__init__(self, func, takes_context, args, kwargs)
        self.filename = filename

    def render(self, context):
        """Render the tag's template with the dict the function returns."""
        values = self._call(context)
        cache = context.render_context
        template = cache.get(self)
        if template is None:
            template = cache[self] = _load_inclusion_template(
                self.filename, context.template.engine)
        inner = context.new(values)
        # Forms in inclusion tags need the CSRF token too.
        token = context.get("csrf_token")
        if token is not None:
            inner["csrf_token"] = token
        return template.render(inner)


def _without_context_param(params, takes_context, name):
    if not takes_context:
        return list(params)
    if not params or params[0] != "context":
        raise TemplateSyntaxError(
            f"'{name}' is decorated with takes_context=True so it must have a first "
            "argument of 'context'"
        )
    return list(params[1:])


def parse_bits(parser, bits, params, varargs, varkw, defaults, kwonly, kwonly_defaults,
               takes_context, name):
    """Split a tag's arguments into positional and keyword FilterExpressions, checking them
    against the function's signature."""
    params = _without_context_param(params, takes_context, name)
    accepted = set(params) | set(kwonly)
    positional: list = []
    named: dict = {}
    # Parameters no argument has filled yet: positional-or-keyword, then keyword-only
    # parameters that have no default.
    waiting = list(params)
    waiting_kwonly = [k for k in kwonly if k not in (kwonly_defaults or ())]
    for bit in bits:
        pair = token_kwargs([bit], parser)
        if not pair:
            if named:
                raise TemplateSyntaxError(
                    f"'{name}' received some positional argument(s) after some keyword "
                    "argument(s)"
                )
            positional.append(parser.compile_filter(bit))
            if waiting:
                del waiting[0]
            elif varargs is None:
                raise TemplateSyntaxError(f"'{name}' received too many positional arguments")
            continue
        [(keyword, value)] = pair.items()
        if varkw is None and keyword not in accepted:
            raise TemplateSyntaxError(f"'{name}' received unexpected keyword argument '{keyword}'")
        if keyword in named:
            raise TemplateSyntaxError(
                f"'{name}' received multiple values for keyword argument '{keyword}'"
            )
        named[str(keyword)] = value
        for pending in (waiting, waiting_kwonly):
            if keyword in pending:
                pending.remove(keyword)
                break
    if defaults:
        # The trailing parameters that have defaults may be left out.
        waiting = waiting[: max(len(waiting) - len(defaults), 0)]
    missing = waiting + waiting_kwonly
    if missing:
        listed = ", ".join(f"'{param}'" for param in missing)
        raise TemplateSyntaxError(
            f"'{name}' did not receive value(s) for the argument(s): {listed}"
        )
    return positional, named


def import_library(name: str) -> Library:
    """The ``register`` Library of the module ``name``."""
    try:
        module = import_module(name)
    except ImportError as error:
        raise InvalidTemplateLibrary(
            "Invalid template library specified. ImportError raised when trying to load "
            f"'{name}': {error}"
        ) from error
    library = getattr(module, "register", None)
    if library is None:
        raise InvalidTemplateLibrary(f"Module  {name} does not have a variable named 'register'")
    return library


__all__ = ["Library", "parse_bits", "import_library", "SimpleNode", "SimpleBlockNode",
           "InclusionNode", "TagHelperNode"]
