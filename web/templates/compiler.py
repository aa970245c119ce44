"""Compiles a parsed node list into one Python function ``render(context) -> str``.

The generated code appends output to a list (consecutive pieces merged into one f-string),
keeps loop and ``with`` variables in Python locals wherever nothing can observe the
Context, and calls the ``render()`` of nodes it cannot compile (custom tags written for
Django) with the real Context. Each function is compiled once per autoescape setting.

Every generated line remembers the template token it came from, so an exception raised while
rendering can be traced back to the template line (see ``locate``).
"""

from __future__ import annotations

import itertools
import weakref
from contextlib import contextmanager

from reinhardt.utils.html import conditional_escape, strip_spaces_between_tags
from reinhardt.utils.safestring import SafeData, SafeString, mark_safe
from reinhardt.utils.timezone import template_localtime
from reinhardt.web.templates import runtime
from reinhardt.web.templates.context import ContextDict
from reinhardt.web.templates.exceptions import VariableDoesNotExist
from reinhardt.web.templates.expressions import Variable

_counter = itertools.count()

# Generated code's file name -> what the compiler knows about it (for error locations).
_CODE_INFO: weakref.WeakValueDictionary = weakref.WeakValueDictionary()

_BASE_NAMESPACE = {
    "_MISSING": runtime.MISSING,
    "_rv": runtime.render_value,
    "_esc": runtime.escape_text,
    "_rvr": runtime.render_value_raw,
    "_sr": runtime.safe_result,
    "_unpack": runtime.unpack,
    "_seq": runtime.loop_sequence,
    "_cget": runtime.context_get,
    "_ContextDict": ContextDict,
    "_SafeString": SafeString,
    "_SafeData": SafeData,
    "_mark_safe": mark_safe,
    "_localtime": template_localtime,
    "_VDNE": VariableDoesNotExist,
    "_cescape": conditional_escape,
    "_strip_spaces": strip_spaces_between_tags,
    "_enumerate": enumerate,
    "_reversed": reversed,
    "_len": len,
    "_isinstance": isinstance,
    "_callable": callable,
}

# forloop keys whose values are plain data (never callable), read directly from the dict.
_FORLOOP_KEYS = frozenset(
    ["counter", "counter0", "revcounter", "revcounter0", "first", "last", "parentloop"]
)


class CodeInfo:
    """Maps generated line numbers back to template tokens."""

    def __init__(self, origin_name, tokens, template_ref=None):
        self.origin_name = origin_name
        self.tokens = tokens
        self.template_ref = template_ref

    def template(self):
        return self.template_ref() if self.template_ref is not None else None

    def token_at(self, lineno):
        if 0 < lineno <= len(self.tokens):
            return self.tokens[lineno - 1]
        return None


class Scope:
    """One level of variable visibility: a loop body, a ``with`` body, ...

    In a locals scope, the names it binds are Python locals; in a context scope (where
    something may read or write the Context), every lookup goes through the Context.
    """

    __slots__ = ("parent", "context_mode", "bindings", "forloop")

    def __init__(self, parent, context_mode: bool):
        self.parent = parent
        self.context_mode = context_mode
        self.bindings: dict[str, str] = {}
        self.forloop: str | None = None


def is_compiled(node) -> bool:
    """True if the compiler can generate code for ``node`` (and nothing overrides render)."""
    for klass in type(node).__mro__:
        namespace = vars(klass)
        if "compile" in namespace:
            return True
        if "render" in namespace:
            return False
    return False


def needs_context(nodes) -> bool:
    """True if anything in ``nodes`` (recursively) can observe or change the Context."""
    for node in nodes:
        if not is_compiled(node) or node.uses_context():
            return True
    return False


class CodeGen:
    """Writes the source of one render function."""

    def __init__(self, engine, autoescape: bool, origin_name: str):
        self.engine = engine
        self.autoescape = autoescape
        self.origin_name = origin_name
        self.string_if_invalid = engine.string_if_invalid if engine is not None else ""
        self.lines: list[str] = []
        self.line_tokens: list = []
        self.indent = 1
        self.namespace = dict(_BASE_NAMESPACE)
        self.namespace.update(runtime.lookups_for(self.string_if_invalid))
        self._const_ids: dict[int, str] = {}
        self._names = itertools.count()
        self.scope = Scope(None, True)
        self.out = "_a"
        self.pending: list[str] = []
        self.token = None

    # -- low-level writing ---------------------------------------------------------------
    def name(self, prefix: str = "t") -> str:
        return f"{prefix}{next(self._names)}"

    def const(self, obj) -> str:
        """A name in the generated code's globals that holds ``obj``."""
        key = id(obj)
        name = self._const_ids.get(key)
        if name is None or self.namespace.get(name) is not obj:
            name = self.name("_k")
            self.namespace[name] = obj
            self._const_ids[key] = name
        return name

    def literal(self, value) -> str:
        """Source for a constant value (inline when it is a plain number)."""
        if value is None or value is True or value is False:
            return repr(value)
        if type(value) is int or (type(value) is float and value == value
                                  and value not in (float("inf"), float("-inf"))):
            return repr(value)
        return self.const(value)

    def stmt(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)
        self.line_tokens.append(self.token)

    def begin(self, text: str) -> None:
        """Start an indented Python block (flushing pending output first)."""
        self.flush()
        self.stmt(text)
        self.indent += 1

    def end(self) -> None:
        self.flush()
        self.indent -= 1

    # -- output ------------------------------------------------------------------------
    def text(self, s: str) -> None:
        if s:
            self.pending.append((False, s))

    def emit(self, local: str) -> None:
        """Output a value known to be a str (a local name), merged with its neighbours."""
        self.pending.append((True, local))

    def emit_raw(self, expr: str) -> None:
        """Output the value of ``expr`` as is (joined like Django: must be a str)."""
        self.flush()
        self.stmt(f"{self.out}({expr})")

    def flush(self) -> None:
        if not self.pending:
            return
        parts, self.pending = self.pending, []
        if len(parts) == 1 and parts[0][0]:
            self.stmt(f"{self.out}({parts[0][1]})")
            return
        if not any(is_value for is_value, _ in parts):
            self.stmt(f"{self.out}({''.join(text for _, text in parts)!r})")
            return
        fstring = "".join(
            f"{{{text}}}" if is_value else text.replace("{", "{{").replace("}", "}}")
            for is_value, text in parts
        )
        self.stmt(f"{self.out}(f{fstring!r})")

    @contextmanager
    def capture(self):
        """Send output to a new buffer; yields the name of its list."""
        self.flush()
        buf = self.name("_o")
        append = self.name("_a")
        self.stmt(f"{buf} = []")
        self.stmt(f"{append} = {buf}.append")
        saved = self.out
        self.out = append
        try:
            yield buf
        finally:
            self.flush()
            self.out = saved

    # -- scopes ------------------------------------------------------------------------
    @contextmanager
    def new_scope(self, context_mode: bool):
        scope = Scope(self.scope, context_mode)
        self.scope = scope
        try:
            yield scope
        finally:
            self.scope = scope.parent

    def bind(self, name: str) -> str:
        local = self.name("v")
        self.scope.bindings[name] = local
        return local

    def local_for(self, name: str) -> str | None:
        scope = self.scope
        while scope is not None and not scope.context_mode:
            local = scope.bindings.get(name)
            if local is not None:
                return local
            scope = scope.parent
        return None

    def current_forloop(self) -> str | None:
        """The local holding the innermost forloop dict, if it is a local."""
        return self.local_for("forloop")

    # -- expressions -------------------------------------------------------------------
    def assign(self, expr: str) -> str:
        local = self.name()
        self.stmt(f"{local} = {expr}")
        return local

    def variable(self, var: Variable, default: str) -> str:
        """Source resolving a Variable; a failed lookup gives ``default`` (source)."""
        if var.lookups is None:
            value = var.literal
            if var.translate:
                value = var.resolve({})
            return self.literal(value)
        name, *bits = var.lookups
        bits = tuple(bits)
        if var.translate:
            found = self.assign(self._lookup(name, bits, "_MISSING"))
            const = self.const(var)
            return self.assign(f"{default} if {found} is _MISSING else {const}.translated({found})")
        return self._lookup(name, bits, default)

    def _lookup(self, name: str, bits: tuple, default: str) -> str:
        if name in ("True", "False", "None"):
            root = name
            if not bits:
                return root
            return f"_chain({root}, {bits!r}, {default})"
        local = self.local_for(name)
        if local is None:
            return f"_cv(context, {name!r}, {bits!r}, {default})"
        if not bits:
            return f"({local} if not _callable({local}) else _root({local}))"
        if name == "forloop" and bits[0] in _FORLOOP_KEYS and local == self.current_forloop():
            if len(bits) == 1:
                return f"{local}[{bits[0]!r}]"
            return f"_chain({local}[{bits[0]!r}], {bits[1:]!r}, {default})"
        if len(bits) == 1:
            return f"_chain1({local}, {bits[0]!r}, {default})"
        return f"_chain({local}, {bits!r}, {default})"

    def strict_variable(self, var: Variable) -> str:
        """Source resolving a filter argument (a failed lookup raises)."""
        if var.lookups is None:
            return self.literal(var.resolve({}))
        name, *bits = var.lookups
        if name in ("True", "False", "None") and not bits:
            return name
        local = self.local_for(name)
        root = local if local is not None else "_MISSING"
        if name in ("True", "False", "None"):
            root = name
        expr = f"_strict(context, {root}, {name!r}, {tuple(bits)!r})"
        if var.translate:
            expr = f"{self.const(var)}.translated({expr})"
        return expr

    def filter_expression(self, fe, ignore_failures: bool = False) -> str:
        """Source (usually a local name) for a FilterExpression's value.

        ``ignore_failures`` gives None for a missing variable (as {% if %} and {% for %}
        do); otherwise the engine's string_if_invalid applies, as in Django.
        """
        if not fe.is_var:
            value = self.literal(fe.var)
            return self.apply_filters(value, fe.filters) if fe.filters else value
        if ignore_failures:
            root = self.variable(fe.var, "None")
        elif not self.string_if_invalid:
            root = self.variable(fe.var, "''")
        else:
            found = self.assign(self.variable(fe.var, "_MISSING"))
            result = self.name()
            invalid = runtime.string_if_invalid_output(self.string_if_invalid, fe.var)
            self.stmt(f"if {found} is _MISSING:")
            self.indent += 1
            self.stmt(f"{result} = {invalid!r}")
            self.indent -= 1
            self.stmt("else:")
            self.indent += 1
            self.stmt(f"{result} = {self.apply_filters(found, fe.filters)}")
            self.indent -= 1
            return result
        if not fe.filters:
            return root
        return self.apply_filters(root, fe.filters)

    def apply_filters(self, value: str, filters) -> str:
        for func, args in filters:
            arg_sources = []
            for lookup, arg in args:
                if lookup:
                    arg_sources.append(self.strict_variable(arg))
                else:
                    arg_sources.append(self.const(mark_safe(arg)))
            if getattr(func, "expects_localtime", False):
                value = self.assign(f"_localtime({value}, context.use_tz)")
            elif not value.isidentifier():
                value = self.assign(value)
            if getattr(func, "needs_autoescape", False):
                arg_sources.append(f"autoescape={self.autoescape!r}")
            call = f"{self.const(func)}({', '.join([value, *arg_sources])})"
            if getattr(func, "is_safe", False):
                # A plain str input is the common case: no safety to carry over.
                call = f"{call} if type({value}) is str else _sr({value}, {call})"
            value = self.assign(call)
        return value

    def output_value(self, expr: str) -> None:
        """Render a value as Django's render_value_in_context does, and output it."""
        if not expr.isidentifier():
            expr = self.assign(expr)
        if self.autoescape:
            self.emit(self.assign(
                f"_esc({expr}) if type({expr}) is str else {expr} if type({expr}) is _SafeString "
                f"else _rv({expr}, context)"))
        else:
            self.emit(self.assign(f"_rvr({expr}, context)"))

    # -- nodes ---------------------------------------------------------------------------
    def nodelist(self, nodes) -> None:
        for node in nodes:
            self.node(node)

    def node(self, node) -> None:
        saved = self.token
        self.token = getattr(node, "token", None) or saved
        try:
            if is_compiled(node):
                node.compile(self)
            else:
                self.emit_raw(f"{self.const(node)}.render_annotated(context)")
        finally:
            self.token = saved

    # -- result ------------------------------------------------------------------------
    def function_source(self, name: str) -> str:
        self.flush()
        head = [f"def {name}(context):", "    _o = []", "    _a = _o.append"]
        tail = ["    return ''.join(_o)"]
        return "\n".join(head + self.lines + tail) + "\n"


def compile_nodelist(nodelist, engine, autoescape: bool, origin_name: str, template_ref=None):
    """Compile ``nodelist`` into ``render(context) -> str`` for one autoescape setting."""
    gen = CodeGen(engine, autoescape, origin_name)
    gen.nodelist(nodelist)
    source = gen.function_source("render")
    filename = f"<template {next(_counter)}: {origin_name}>"
    code = compile(source, filename, "exec")
    namespace = gen.namespace
    exec(code, namespace)
    render = namespace["render"]
    info = CodeInfo(origin_name, [None, None, None, *gen.line_tokens, None], template_ref)
    render._code_info = info  # keeps the weak registry entry alive with the function
    render._source = source
    _CODE_INFO[filename] = info
    return render


def locate(exc: BaseException):
    """The innermost generated code that raised ``exc``: (CodeInfo, template token)."""
    tb = exc.__traceback__
    found = None
    while tb is not None:
        info = _CODE_INFO.get(tb.tb_frame.f_code.co_filename)
        if info is not None:
            token = info.token_at(tb.tb_lineno)
            if token is not None:
                found = (info, token)
        tb = tb.tb_next
    return found


__all__ = ["CodeGen", "compile_nodelist", "is_compiled", "needs_context", "locate"]
