"""Library: registers custom filters and tags (Django's ``template.Library`` API).

``simple_tag`` and ``simple_block_tag`` nodes are compiled like built-in tags (their
arguments resolve in generated code); ``inclusion_tag`` and ``tag()`` nodes render through
their ``render(context)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps
from importlib import import_module
from inspect import getfullargspec, unwrap

from reinhardt.utils.html import conditional_escape
from reinhardt.web.templates.exceptions import InvalidTemplateLibrary, TemplateSyntaxError
from reinhardt.web.templates.expressions import token_kwargs
from reinhardt.web.templates.nodes import CompiledNode, Node

_FILTER_FLAGS = ("expects_localtime", "is_safe", "needs_autoescape")


class Library:
    """A set of filters and tags that ``{% load %}`` makes available."""

    def __init__(self):
        self.filters: dict = {}
        self.tags: dict = {}

    def tag(self, name=None, compile_function=None):
        """Register a tag compile function ``f(parser, token) -> Node``."""
        if name is None and compile_function is None:
            return self.tag_function
        if name is not None and compile_function is None:
            if callable(name):
                return self.tag_function(name)

            def dec(func):
                return self.tag(name, func)

            return dec
        if name is not None and compile_function is not None:
            self.tags[name] = compile_function
            return compile_function
        raise ValueError(f"Unsupported arguments to Library.tag: ({name!r}, {compile_function!r})")

    def tag_function(self, func):
        self.tags[func.__name__] = func
        return func

    def filter(self, name=None, filter_func=None, **flags):
        """Register a filter; flags: is_safe, needs_autoescape, expects_localtime."""
        if name is None and filter_func is None:

            def dec(func):
                return self.filter_function(func, **flags)

            return dec
        if name is not None and filter_func is None:
            if callable(name):
                return self.filter_function(name, **flags)

            def dec(func):
                return self.filter(name, func, **flags)

            return dec
        if name is not None and filter_func is not None:
            self.filters[name] = filter_func
            for attr in _FILTER_FLAGS:
                if attr in flags:
                    value = flags[attr]
                    setattr(filter_func, attr, value)
                    # Decorators such as stringfilter read the flag on the inner function.
                    setattr(unwrap(filter_func), attr, value)
            filter_func._filter_name = name
            return filter_func
        raise ValueError(f"Unsupported arguments to Library.filter: ({name!r}, {filter_func!r})")

    def filter_function(self, func, **flags):
        return self.filter(func.__name__, func, **flags)

    def simple_tag(self, func=None, takes_context=None, name=None):
        """Register a function as a tag: its arguments are template expressions."""

        def dec(func):
            spec = getfullargspec(unwrap(func))
            function_name = name or func.__name__

            @wraps(func)
            def compile_func(parser, token):
                bits = token.split_contents()[1:]
                target_var = None
                if len(bits) >= 2 and bits[-2] == "as":
                    target_var = bits[-1]
                    bits = bits[:-2]
                args, kwargs = parse_bits(
                    parser, bits, spec.args, spec.varargs, spec.varkw, spec.defaults,
                    spec.kwonlyargs, spec.kwonlydefaults, takes_context, function_name,
                )
                return SimpleNode(func, takes_context, args, kwargs, target_var)

            self.tag(function_name, compile_func)
            return func

        if func is None:
            return dec
        if callable(func):
            return dec(func)
        raise ValueError("Invalid arguments provided to simple_tag")

    def simple_block_tag(self, func=None, takes_context=None, name=None, end_name=None):
        """Register a function as a block tag; it gets the rendered body as ``content``."""

        def dec(func):
            nonlocal end_name
            spec = getfullargspec(unwrap(func))
            function_name = name or func.__name__
            if end_name is None:
                end_name = f"end{function_name}"

            @wraps(func)
            def compile_func(parser, token):
                tag_params = list(spec.args)
                if takes_context:
                    if len(tag_params) >= 2 and tag_params[1] == "content":
                        del tag_params[1]
                    else:
                        raise TemplateSyntaxError(
                            f"{function_name!r} is decorated with takes_context=True so it "
                            "must have a first argument of 'context' and a second argument "
                            "of 'content'"
                        )
                elif tag_params and tag_params[0] == "content":
                    del tag_params[0]
                else:
                    raise TemplateSyntaxError(
                        f"'{function_name}' must have a first argument of 'content'"
                    )
                bits = token.split_contents()[1:]
                target_var = None
                if len(bits) >= 2 and bits[-2] == "as":
                    target_var = bits[-1]
                    bits = bits[:-2]
                nodelist = parser.parse((end_name,))
                parser.delete_first_token()
                args, kwargs = parse_bits(
                    parser, bits, tag_params, spec.varargs, spec.varkw, spec.defaults,
                    spec.kwonlyargs, spec.kwonlydefaults, takes_context, function_name,
                )
                return SimpleBlockNode(nodelist, func, takes_context, args, kwargs, target_var)

            self.tag(function_name, compile_func)
            return func

        if func is None:
            return dec
        if callable(func):
            return dec(func)
        raise ValueError("Invalid arguments provided to simple_block_tag")

    def inclusion_tag(self, filename, func=None, takes_context=None, name=None):
        """Register a function whose returned dict renders the template ``filename``."""

        def dec(func):
            spec = getfullargspec(unwrap(func))
            function_name = name or func.__name__

            @wraps(func)
            def compile_func(parser, token):
                bits = token.split_contents()[1:]
                args, kwargs = parse_bits(
                    parser, bits, spec.args, spec.varargs, spec.varkw, spec.defaults,
                    spec.kwonlyargs, spec.kwonlydefaults, takes_context, function_name,
                )
                return InclusionNode(func, takes_context, args, kwargs, filename)

            self.tag(function_name, compile_func)
            return func

        return dec


class TagHelperNode(Node):
    """Base of the nodes made by simple_tag and inclusion_tag: resolves the arguments."""

    child_nodelists = ()

    def __init__(self, func, takes_context, args, kwargs):
        self.func = func
        self.takes_context = takes_context
        self.args = args
        self.kwargs = kwargs

    def get_resolved_arguments(self, context):
        resolved_args = [var.resolve(context) for var in self.args]
        if self.takes_context:
            resolved_args = [context, *resolved_args]
        resolved_kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        return resolved_args, resolved_kwargs

    def uses_context(self) -> bool:
        return True


class SimpleNode(CompiledNode, TagHelperNode):
    child_nodelists = ()

    def __init__(self, func, takes_context, args, kwargs, target_var):
        super().__init__(func, takes_context, args, kwargs)
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
        resolved_args, resolved_kwargs = self.get_resolved_arguments(context)
        output = self.func(*resolved_args, **resolved_kwargs)
        if self.target_var is not None:
            context[self.target_var] = output
            return ""
        if context.autoescape:
            output = conditional_escape(output)
        return output


class SimpleBlockNode(SimpleNode):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.nodelist = nodelist

    def uses_context(self) -> bool:
        return super().uses_context() or self.nodelist.uses_context()

    def get_resolved_arguments(self, context):
        resolved_args, resolved_kwargs = super().get_resolved_arguments(context)
        resolved_args.insert(1 if self.takes_context else 0, self.nodelist.render(context))
        return resolved_args, resolved_kwargs

    def compile(self, gen) -> None:
        args, kwargs = self._compile_arguments(gen)
        with gen.capture() as buf:
            gen.nodelist(self.nodelist)
        args.insert(1 if self.takes_context else 0, f"_SafeString(''.join({buf}))")
        self._compile_call(gen, args, kwargs)


class InclusionNode(TagHelperNode):
    def __init__(self, func, takes_context, args, kwargs, filename):
        super().__init__(func, takes_context, args, kwargs)
        self.filename = filename

    def render(self, context):
        """Render the tag's template with the dict the function returns."""
        from reinhardt.web.templates.base import Template

        resolved_args, resolved_kwargs = self.get_resolved_arguments(context)
        _dict = self.func(*resolved_args, **resolved_kwargs)
        t = context.render_context.get(self)
        if t is None:
            if isinstance(self.filename, Template):
                t = self.filename
            elif isinstance(getattr(self.filename, "template", None), Template):
                t = self.filename.template
            elif not isinstance(self.filename, str) and isinstance(self.filename, Iterable):
                t = context.template.engine.select_template(self.filename)
            else:
                t = context.template.engine.get_template(self.filename)
            context.render_context[self] = t
        new_context = context.new(_dict)
        # Forms in inclusion tags need the CSRF token too.
        csrf_token = context.get("csrf_token")
        if csrf_token is not None:
            new_context["csrf_token"] = csrf_token
        return t.render(new_context)


def parse_bits(parser, bits, params, varargs, varkw, defaults, kwonly, kwonly_defaults,
               takes_context, name):
    """Split a tag's arguments into positional and keyword FilterExpressions, checking them
    against the function's signature."""
    if takes_context:
        if params and params[0] == "context":
            params = params[1:]
        else:
            raise TemplateSyntaxError(
                f"'{name}' is decorated with takes_context=True so it must have a first "
                "argument of 'context'"
            )
    args = []
    kwargs = {}
    unhandled_params = list(params)
    unhandled_kwargs = [k for k in kwonly if not kwonly_defaults or k not in kwonly_defaults]
    for bit in bits:
        kwarg = token_kwargs([bit], parser)
        if kwarg:
            param, value = kwarg.popitem()
            if param not in params and param not in kwonly and varkw is None:
                raise TemplateSyntaxError(
                    f"'{name}' received unexpected keyword argument '{param}'"
                )
            if param in kwargs:
                raise TemplateSyntaxError(
                    f"'{name}' received multiple values for keyword argument '{param}'"
                )
            kwargs[str(param)] = value
            if param in unhandled_params:
                unhandled_params.remove(param)
            elif param in unhandled_kwargs:
                unhandled_kwargs.remove(param)
        elif kwargs:
            raise TemplateSyntaxError(
                f"'{name}' received some positional argument(s) after some keyword argument(s)"
            )
        else:
            args.append(parser.compile_filter(bit))
            if unhandled_params:
                unhandled_params.pop(0)
            elif varargs is None:
                raise TemplateSyntaxError(f"'{name}' received too many positional arguments")
    if defaults is not None:
        # The last len(defaults) parameters may be left out.
        unhandled_params = unhandled_params[: -len(defaults)]
    if unhandled_params or unhandled_kwargs:
        missing = ", ".join(f"'{p}'" for p in unhandled_params + unhandled_kwargs)
        raise TemplateSyntaxError(
            f"'{name}' did not receive value(s) for the argument(s): {missing}"
        )
    return args, kwargs


def import_library(name: str) -> Library:
    """The ``register`` Library of the module ``name``."""
    try:
        module = import_module(name)
    except ImportError as e:
        raise InvalidTemplateLibrary(
            "Invalid template library specified. ImportError raised when trying to load "
            f"'{name}': {e}"
        )
    try:
        return module.register
    except AttributeError:
        raise InvalidTemplateLibrary(f"Module  {name} does not have a variable named 'register'")


__all__ = ["Library", "parse_bits", "import_library", "SimpleNode", "SimpleBlockNode",
           "InclusionNode", "TagHelperNode"]
