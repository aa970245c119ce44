"""Django's built-in tags, compiled to Python.

Each tag function parses exactly as Django's (same syntax, same error messages) and returns
a node whose ``compile(gen)`` writes the code; the few tags whose work is all at render
time (regroup, debug) are plain nodes rendered with the Context.
"""

from __future__ import annotations

import re
import sys
from collections import namedtuple
from datetime import datetime
from itertools import cycle as itertools_cycle
from itertools import groupby
from pprint import pformat

from reinhardt.conf import settings
from reinhardt.utils import timezone
from reinhardt.utils.html import conditional_escape, format_html
from reinhardt.utils.lorem_ipsum import paragraphs, words
from reinhardt.utils.safestring import mark_safe
from reinhardt.web.templates import lexer
from reinhardt.web.templates.compiler import needs_context
from reinhardt.web.templates.exceptions import TemplateSyntaxError, VariableDoesNotExist
from reinhardt.web.templates.expressions import kwarg_re, token_kwargs
from reinhardt.web.templates.lexer import TokenType
from reinhardt.web.templates.library import Library
from reinhardt.web.templates.nodes import CompiledNode, Node, NodeList
from reinhardt.web.templates.smartif import IfParser, compile_condition

register = Library()


def _body(gen, nodelist) -> None:
    """Compile a nested node list; ``pass`` keeps an empty Python block valid."""
    gen.stmt("pass")
    gen.nodelist(nodelist)


def _block_until(parser, *end_tags):
    """Parse up to the first of ``end_tags`` and consume it; the body's NodeList."""
    body = parser.parse(end_tags)
    parser.delete_first_token()
    return body


def _split_asvar(bits: list) -> tuple[list, str | None]:
    """``[..., "as", "name"]`` -> (bits before "as", "name"); otherwise (bits, None)."""
    if len(bits) > 1 and bits[-2] == "as":
        return bits[:-2], bits[-1]
    return bits, None


# ---- autoescape ---------------------------------------------------------------------------
class AutoEscapeControlNode(CompiledNode):
    def __init__(self, setting: bool, nodelist):
        self.setting, self.nodelist = setting, nodelist

    def compile(self, gen) -> None:
        saved = gen.autoescape
        old = gen.assign("context.autoescape")
        gen.stmt(f"context.autoescape = {self.setting!r}")
        gen.autoescape = self.setting
        try:
            gen.nodelist(self.nodelist)
        finally:
            gen.autoescape = saved
        gen.flush()
        gen.stmt(f"context.autoescape = {old}")


@register.tag
def autoescape(parser, token):
    parts = token.contents.split()
    if len(parts) != 2:
        raise TemplateSyntaxError("'autoescape' tag requires exactly one argument.")
    mode = parts[1]
    if mode not in ("on", "off"):
        raise TemplateSyntaxError("'autoescape' argument should be 'on' or 'off'")
    return AutoEscapeControlNode(mode == "on", _block_until(parser, "endautoescape"))


# ---- comment, load, templatetag, verbatim: constant output ----------------------------------
class CommentNode(CompiledNode):
    """Renders nothing (also the node {% load %} leaves behind)."""

    child_nodelists = ()

    def compile(self, gen) -> None:
        return None


class LoadNode(CommentNode):
    pass


@register.tag
def comment(parser, token):
    parser.skip_past("endcomment")
    return CommentNode()


class TemplateTagNode(CompiledNode):
    child_nodelists = ()
    mapping = dict(
        openblock=lexer.BLOCK_TAG_START,
        closeblock=lexer.BLOCK_TAG_END,
        openvariable=lexer.VARIABLE_TAG_START,
        closevariable=lexer.VARIABLE_TAG_END,
        openbrace=lexer.SINGLE_BRACE_START,
        closebrace=lexer.SINGLE_BRACE_END,
        opencomment=lexer.COMMENT_TAG_START,
        closecomment=lexer.COMMENT_TAG_END,
    )

    def __init__(self, tagtype: str):
        self.tagtype = tagtype

    def compile(self, gen) -> None:
        gen.text(self.mapping.get(self.tagtype, ""))


@register.tag
def templatetag(parser, token):
    parts = token.contents.split()
    if len(parts) != 2:
        raise TemplateSyntaxError("'templatetag' statement takes one argument")
    which = parts[1]
    if which in TemplateTagNode.mapping:
        return TemplateTagNode(which)
    raise TemplateSyntaxError(
        f"Invalid templatetag argument: '{which}'. Must be one of: "
        f"{list(TemplateTagNode.mapping)}"
    )


class VerbatimNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, content: str):
        self.content = content

    def compile(self, gen) -> None:
        gen.text(self.content)


@register.tag
def verbatim(parser, token):
    body = _block_until(parser, "endverbatim")
    # Inside verbatim the lexer made every token text.
    return VerbatimNode("".join(getattr(node, "s", "") for node in body))


def find_library(parser, name):
    library = parser.libraries.get(name)
    if library is None:
        known = "\n".join(sorted(parser.libraries))
        raise TemplateSyntaxError(
            f"'{name}' is not a registered tag library. Must be one of:\n{known}"
        )
    return library


def load_from_library(library, label, names):
    """A Library with only ``names`` (tags or filters) of ``library``."""
    subset = Library()
    for name in names:
        tag, filter_ = library.tags.get(name), library.filters.get(name)
        if tag is None and filter_ is None:
            raise TemplateSyntaxError(
                f"'{name}' is not a valid tag or filter in tag library '{label}'"
            )
        if tag is not None:
            subset.tags[name] = tag
        if filter_ is not None:
            subset.filters[name] = filter_
    return subset


@register.tag
def load(parser, token):
    # {% load a b %} loads whole libraries; {% load x y from a %} picks names from one.
    parts = token.contents.split()
    if len(parts) > 3 and parts[-2] == "from":
        label = parts[-1]
        parser.add_library(load_from_library(find_library(parser, label), label, parts[1:-2]))
    else:
        for label in parts[1:]:
            parser.add_library(find_library(parser, label))
    return LoadNode()


# ---- csrf_token ---------------------------------------------------------------------------
_CSRF_INPUT = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'


def csrf_input(csrf_token) -> str:
    if not csrf_token:
        if settings.DEBUG:
            import warnings

            warnings.warn(
                "A {% csrf_token %} was used in a template, but the context did not provide "
                "the value.  This is usually caused by not using RequestContext.",
                stacklevel=2,
            )
        return ""
    # "NOTPROVIDED" is what the csrf context processor gives when there is no token.
    return mark_safe("") if csrf_token == "NOTPROVIDED" else format_html(_CSRF_INPUT, csrf_token)


class CsrfTokenNode(CompiledNode):
    child_nodelists = ()

    def compile(self, gen) -> None:
        local = gen.local_for("csrf_token")
        value = local if local is not None else "_cget(context, 'csrf_token', None)"
        gen.emit(gen.assign(f"{gen.const(csrf_input)}({value})"))


@register.tag
def csrf_token(parser, token):
    return CsrfTokenNode()


# ---- cycle, resetcycle --------------------------------------------------------------------
def _cycle_index(context, node, count: int) -> int:
    render_context = context.render_context
    positions = render_context.get(node)
    if positions is None:
        positions = render_context[node] = itertools_cycle(range(count))
    return next(positions)


class CycleNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, cyclevars, variable_name=None, silent=False):
        self.cyclevars, self.variable_name, self.silent = cyclevars, variable_name, silent

    def uses_context(self) -> bool:
        return self.variable_name is not None

    def compile(self, gen) -> None:
        index = gen.assign(f"{gen.const(_cycle_index)}(context, {gen.const(self)}, "
                           f"{len(self.cyclevars)})")
        value = gen.name()
        for i, var in enumerate(self.cyclevars):
            gen.stmt(f"{'if' if i == 0 else 'elif'} {index} == {i}:")
            gen.indent += 1
            gen.stmt(f"{value} = {gen.filter_expression(var)}")
            gen.indent -= 1
        if self.variable_name:
            gen.stmt(f"context.set_upward({self.variable_name!r}, {value})")
        if not self.silent:
            gen.output_value(value)

    def reset(self, context) -> None:
        """Start the cycle over (the {% resetcycle %} tag)."""
        context.render_context[self] = itertools_cycle(range(len(self.cyclevars)))


class ResetCycleNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, node):
        self.node = node

    def compile(self, gen) -> None:
        gen.stmt(f"{gen.const(self.node)}.reset(context)")


# The parser remembers cycles for {% cycle name %} and {% resetcycle %} in these attributes.
_NAMED_CYCLES = "_named_cycle_nodes"
_LAST_CYCLE = "_last_cycle_node"


@register.tag
def cycle(parser, token):
    tag_name, *values = token.split_contents()
    if not values:
        raise TemplateSyntaxError("'cycle' tag requires at least two arguments")
    named = vars(parser).get(_NAMED_CYCLES)
    if len(values) == 1:
        # {% cycle name %}: the named cycle defined earlier.
        wanted = values[0]
        if named is None:
            raise TemplateSyntaxError(f"No named cycles in template. '{wanted}' is not defined")
        if wanted not in named:
            raise TemplateSyntaxError(f"Named cycle '{wanted}' does not exist")
        return named[wanted]
    # Like Django, "as name" is only recognised after at least two values.
    name, silent = None, False
    if len(values) > 3 and values[-3] == "as":
        if values[-1] != "silent":
            raise TemplateSyntaxError(
                f"Only 'silent' flag is allowed after cycle's name, not '{values[-1]}'."
            )
        name, silent, values = values[-2], True, values[:-3]
    elif len(values) > 3 and values[-2] == "as":
        name, values = values[-1], values[:-2]
    node = CycleNode([parser.compile_filter(value) for value in values], name, silent=silent)
    if name is not None:
        vars(parser).setdefault(_NAMED_CYCLES, {})[name] = node
    setattr(parser, _LAST_CYCLE, node)
    return node


@register.tag
def resetcycle(parser, token):
    tag_name, *names = token.split_contents()
    if len(names) > 1:
        raise TemplateSyntaxError(f"{tag_name!r} tag accepts at most one argument.")
    remembered = vars(parser)
    if names:
        node = remembered.get(_NAMED_CYCLES, {}).get(names[0])
        if node is None:
            raise TemplateSyntaxError(f"Named cycle '{names[0]}' does not exist.")
    else:
        node = remembered.get(_LAST_CYCLE)
        if node is None:
            raise TemplateSyntaxError("No cycles in template.")
    return ResetCycleNode(node)


# ---- debug --------------------------------------------------------------------------------
class DebugNode(Node):
    child_nodelists = ()

    def render(self, context):
        if not settings.DEBUG:
            return ""
        layers = "".join(pformat(layer) for layer in context)
        return f"{layers}\n\n{pformat(sys.modules)}"


@register.tag
def debug(parser, token):
    return DebugNode()


# ---- filter -------------------------------------------------------------------------------
class FilterNode(CompiledNode):
    def __init__(self, filter_expr, nodelist):
        self.filter_expr, self.nodelist = filter_expr, nodelist

    def compile(self, gen) -> None:
        with gen.capture() as buf:
            gen.nodelist(self.nodelist)
        content = gen.assign(f"_SafeString(''.join({buf}))")
        gen.emit_raw(gen.apply_filters(content, self.filter_expr.filters))


# Escaping is the autoescape tag's job; these would only confuse it inside {% filter %}.
_NOT_IN_FILTER_TAG = frozenset(("escape", "safe"))


@register.tag("filter")
def do_filter(parser, token):
    tag_name, pipeline = token.contents.split(None, 1)
    expression = parser.compile_filter(f"var|{pipeline}")
    for func, _arguments in expression.filters:
        name = getattr(func, "_filter_name", None)
        if name in _NOT_IN_FILTER_TAG:
            raise TemplateSyntaxError(
                f'"filter {name}" is not permitted.  Use the "autoescape" tag instead.'
            )
    return FilterNode(expression, _block_until(parser, "endfilter"))


# ---- firstof ------------------------------------------------------------------------------
class FirstOfNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, variables, asvar=None):
        self.vars, self.asvar = variables, asvar

    def uses_context(self) -> bool:
        return self.asvar is not None

    def compile(self, gen) -> None:
        result = gen.name()
        gen.stmt(f"{result} = ''")
        renderer = "_rv" if gen.autoescape else "_rvr"
        depth = 0
        for var in self.vars:
            value = gen.filter_expression(var, ignore_failures=True)
            gen.stmt(f"if {value}:")
            gen.stmt(f"    {result} = {renderer}({value}, context)")
            gen.stmt("else:")
            gen.indent += 1
            depth += 1
        gen.stmt("pass")
        gen.indent -= depth
        if self.asvar:
            gen.stmt(f"context[{self.asvar!r}] = {result}")
        else:
            gen.emit(result)


@register.tag
def firstof(parser, token):
    candidates = token.split_contents()[1:]
    if not candidates:
        raise TemplateSyntaxError("'firstof' statement requires at least one argument")
    candidates, asvar = _split_asvar(candidates)
    return FirstOfNode([parser.compile_filter(candidate) for candidate in candidates], asvar)


# ---- for ----------------------------------------------------------------------------------
_FORLOOP_RE = re.compile(r"forloop(?:\.(\w+))?")
_FORLOOP_COUNTERS = ("counter0", "counter", "revcounter", "revcounter0", "first", "last")


def _forloop_keys(tokens):
    """Which forloop keys the loop body reads: () for none, a tuple of counter names, or
    True for all of them (the whole dict may be seen: parentloop, ifchanged, {{ forloop }})."""
    keys = set()
    for token in tokens:
        if token.token_type is TokenType.TEXT:
            continue
        contents = token.contents
        if "ifchanged" in contents:
            return True
        for match in _FORLOOP_RE.finditer(contents):
            key = match[1]
            if key not in _FORLOOP_COUNTERS:
                return True
            keys.add(key)
    return tuple(k for k in _FORLOOP_COUNTERS if k in keys)


class ForNode(CompiledNode):
    child_nodelists = ("nodelist_loop", "nodelist_empty")

    def __init__(self, loopvars, sequence, is_reversed, nodelist_loop, nodelist_empty=None,
                 uses_forloop=True):
        self.loopvars, self.sequence, self.is_reversed = loopvars, sequence, is_reversed
        self.nodelist_loop = nodelist_loop
        self.nodelist_empty = NodeList() if nodelist_empty is None else nodelist_empty
        self.uses_forloop = uses_forloop

    def __repr__(self) -> str:
        names = ", ".join(self.loopvars)
        suffix = " reversed" if self.is_reversed else ""
        return (f"<{type(self).__qualname__}: for {names} in {self.sequence}, "
                f"tail_len: {len(self.nodelist_loop)}{suffix}>")

    def compile(self, gen) -> None:
        values = gen.assign(f"_seq({gen.filter_expression(self.sequence, ignore_failures=True)})")
        count = gen.assign(f"_len({values})")
        gen.begin(f"if {count} < 1:")
        _body(gen, self.nodelist_empty)
        gen.end()
        gen.begin("else:")
        if self.is_reversed:
            gen.stmt(f"{values} = _reversed({values})")
        context_mode = needs_context(self.nodelist_loop)
        parent = self._parent_loop(gen) if context_mode or self.uses_forloop else None
        with gen.new_scope(context_mode) as scope:
            if context_mode:
                self._compile_context_loop(gen, scope, values, count, parent)
            else:
                self._compile_local_loop(gen, scope, values, count, parent)
        gen.end()

    def _parent_loop(self, gen) -> str:
        """The enclosing forloop dict ({} when there is none), as Django finds it."""
        local = gen.local_for("forloop")
        if local is not None:
            return local
        parent = gen.assign("_cget(context, 'forloop', _MISSING)")
        gen.stmt(f"if {parent} is _MISSING: {parent} = {{}}")
        return parent

    def _loop_header(self, gen, loop, values, count, item, keys=_FORLOOP_COUNTERS) -> None:
        if loop is None or not keys:
            gen.begin(f"for {item} in {values}:")
            return
        i = gen.name("i")
        gen.begin(f"for {i}, {item} in _enumerate({values}):")
        forms = {
            "counter0": f"{i}", "counter": f"{i} + 1", "revcounter": f"{count} - {i}",
            "revcounter0": f"{count} - {i} - 1", "first": f"{i} == 0",
            "last": f"{i} == {count} - 1",
        }
        for key in keys:
            gen.stmt(f"{loop}[{key!r}] = {forms[key]}")

    def _compile_local_loop(self, gen, scope, values, count, parent) -> None:
        loop = None
        if self.uses_forloop:
            loop = gen.name("fl")
            gen.stmt(f"{loop} = {{'parentloop': {parent}}}")
            scope.bindings["forloop"] = loop
        item = gen.name("it")
        keys = _FORLOOP_COUNTERS if self.uses_forloop is True else self.uses_forloop
        self._loop_header(gen, loop, values, count, item, keys)
        if len(self.loopvars) == 1:
            gen.stmt(f"{gen.bind(self.loopvars[0])} = {item}")
        else:
            names = [gen.bind(var) for var in self.loopvars]
            gen.stmt(f"{', '.join(names)}, = _unpack({item}, {len(names)})")
        _body(gen, self.nodelist_loop)
        gen.end()

    def _compile_context_loop(self, gen, scope, values, count, parent) -> None:
        pushed = gen.assign("_ContextDict(context)")
        gen.begin("try:")
        loop = gen.name("fl")
        gen.stmt(f"{loop} = {pushed}['forloop'] = {{'parentloop': {parent}}}")
        item = gen.name("it")
        self._loop_header(gen, loop, values, count, item)
        if len(self.loopvars) == 1:
            gen.stmt(f"{pushed}[{self.loopvars[0]!r}] = {item}")
            _body(gen, self.nodelist_loop)
        else:
            gen.stmt(f"_ContextDict(context, zip({tuple(self.loopvars)!r}, "
                     f"_unpack({item}, {len(self.loopvars)})))")
            _body(gen, self.nodelist_loop)
            gen.flush()
            gen.stmt("context.pop()")
        gen.end()
        gen.end()
        gen.begin("finally:")
        gen.stmt("context.pop()")
        gen.end()


# A loop variable may not contain spaces, quotes or a filter.
_BAD_LOOPVAR = re.compile(r"[ \"'" + re.escape(lexer.FILTER_SEPARATOR) + "]")


@register.tag("for")
def do_for(parser, token):
    bits = token.split_contents()
    if len(bits) < 4:
        raise TemplateSyntaxError(
            f"'for' statements should have at least four words: {token.contents}"
        )
    is_reversed = bits[-1] == "reversed"
    in_at = len(bits) - (3 if is_reversed else 2)
    if bits[in_at] != "in":
        raise TemplateSyntaxError(
            f"'for' statements should use the format 'for x in y': {token.contents}"
        )
    loopvars = re.split(r" *, *", " ".join(bits[1:in_at]))
    if any(not name or _BAD_LOOPVAR.search(name) for name in loopvars):
        raise TemplateSyntaxError(f"'for' tag received an invalid argument: {token.contents}")
    sequence = parser.compile_filter(bits[in_at + 1])
    before = parser.tokens[:]
    body = parser.parse(("empty", "endfor"))
    # Keep a forloop dict up to date only when the loop body may read it. The parser takes
    # tokens off the end of its list, so the body's tokens are the ones now gone.
    uses_forloop = _forloop_keys(before[len(parser.tokens):])
    empty = None
    if parser.next_token().contents == "empty":
        empty = _block_until(parser, "endfor")
    return ForNode(loopvars, sequence, is_reversed, body, empty, uses_forloop=uses_forloop)


# ---- if -----------------------------------------------------------------------------------
class IfNode(CompiledNode):
    def __init__(self, conditions_nodelists):
        self.conditions_nodelists = conditions_nodelists

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __iter__(self):
        return (node for _condition, body in self.conditions_nodelists for node in body)

    @property
    def nodelist(self):
        return NodeList(iter(self))

    def compile(self, gen) -> None:
        self._compile_branch(gen, 0)

    def _compile_branch(self, gen, i: int) -> None:
        condition, nodelist = self.conditions_nodelists[i]
        if condition is None:
            gen.nodelist(nodelist)
            return
        result = compile_condition(gen, condition)
        gen.begin(f"if {result}:")
        _body(gen, nodelist)
        gen.end()
        if i + 1 < len(self.conditions_nodelists):
            gen.begin("else:")
            gen.stmt("pass")
            self._compile_branch(gen, i + 1)
            gen.end()


class TemplateIfParser(IfParser):
    pass


def _if_condition(parser, token):
    return TemplateIfParser(parser, token.split_contents()[1:]).parse()


@register.tag("if")
def do_if(parser, token):
    branches = []
    condition = _if_condition(parser, token)
    while True:
        branches.append((condition, parser.parse(("elif", "else", "endif"))))
        token = parser.next_token()
        if not token.contents.startswith("elif"):
            break
        condition = _if_condition(parser, token)
    if token.contents == "else":
        branches.append((None, parser.parse(("endif",))))
        token = parser.next_token()
    if token.contents != "endif":
        raise TemplateSyntaxError(
            f'Malformed template tag at line {token.lineno}: "{token.contents}"'
        )
    return IfNode(branches)


# ---- ifchanged ----------------------------------------------------------------------------
_NO_LOOP = object()


def _ifchanged_frame(context):
    """Where {% ifchanged %} keeps its state: the innermost forloop, else the render."""
    loop = context.get("forloop", _NO_LOOP)
    return context.render_context if loop is _NO_LOOP else loop


class IfChangedNode(CompiledNode):
    child_nodelists = ("nodelist_true", "nodelist_false")

    def __init__(self, nodelist_true, nodelist_false, *varlist):
        self.nodelist_true, self.nodelist_false = nodelist_true, nodelist_false
        self._varlist = varlist

    def compile(self, gen) -> None:
        loop = gen.current_forloop()
        frame = loop if loop is not None else gen.assign(f"{gen.const(_ifchanged_frame)}(context)")
        me = gen.const(self)
        gen.stmt(f"{frame}.setdefault({me})")
        output = None
        if self._varlist:
            values = [gen.filter_expression(v, ignore_failures=True) for v in self._varlist]
            compare = gen.assign(f"[{', '.join(values)}]")
        else:
            output = self._render_true(gen)
            compare = output
        gen.begin(f"if {compare} != {frame}[{me}]:")
        gen.stmt(f"{frame}[{me}] = {compare}")
        if output is None:
            output = self._render_true(gen)
        else:
            # Django renders the body again when its output was empty.
            gen.begin(f"if not {output}:")
            again = self._render_true(gen)
            gen.stmt(f"{output} = {again}")
            gen.end()
        gen.emit_raw(output)
        gen.end()
        if self.nodelist_false:
            gen.begin("else:")
            _body(gen, self.nodelist_false)
            gen.end()

    def _render_true(self, gen) -> str:
        with gen.capture() as buf:
            gen.nodelist(self.nodelist_true)
        return gen.assign(f"_SafeString(''.join({buf}))")



@register.tag
def ifchanged(parser, token):
    watched = token.split_contents()[1:]
    changed = parser.parse(("else", "endifchanged"))
    unchanged = NodeList()
    if parser.next_token().contents == "else":
        unchanged = _block_until(parser, "endifchanged")
    return IfChangedNode(changed, unchanged, *(parser.compile_filter(bit) for bit in watched))


# ---- lorem --------------------------------------------------------------------------------
class LoremNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, count, method: str, common: bool):
        self.count, self.method, self.common = count, method, common

    def text(self, count) -> str:
        """``count`` words ('w'), paragraphs ('b'), or <p> paragraphs ('p')."""
        try:
            amount = int(count)
        except (ValueError, TypeError):
            amount = 1
        if self.method == "w":
            return words(amount, common=self.common)
        blocks = paragraphs(amount, common=self.common)
        if self.method == "p":
            blocks = [f"<p>{block}</p>" for block in blocks]
        return "\n\n".join(blocks)

    def compile(self, gen) -> None:
        count = gen.filter_expression(self.count)
        gen.emit(gen.assign(f"{gen.const(self)}.text({count})"))


@register.tag
def lorem(parser, token):
    tag_name, *options = token.split_contents()
    # {% lorem [count] [w|p|b] [random] %}, read from the end.
    common = not options or options[-1] != "random"
    if not common:
        options.pop()
    method = options.pop() if options and options[-1] in ("w", "p", "b") else "b"
    count = parser.compile_filter(options.pop() if options else "1")
    if options:
        raise TemplateSyntaxError(f"Incorrect format for {tag_name!r} tag")
    return LoremNode(count, method, common)


# ---- now ----------------------------------------------------------------------------------
class NowNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, format_string: str, asvar=None):
        self.format_string, self.asvar = format_string, asvar

    def uses_context(self) -> bool:
        return self.asvar is not None

    def formatted(self) -> str:
        from reinhardt.web.templates.defaultfilters import date

        moment = datetime.now(tz=timezone.get_current_timezone() if settings.USE_TZ else None)
        return date(moment, self.format_string)

    def compile(self, gen) -> None:
        value = gen.assign(f"{gen.const(self)}.formatted()")
        if self.asvar:
            gen.stmt(f"context[{self.asvar!r}] = {value}")
        else:
            gen.emit(value)


@register.tag
def now(parser, token):
    parts = token.split_contents()
    asvar = None
    if len(parts) == 4 and parts[2] == "as":
        parts, asvar = parts[:2], parts[3]
    if len(parts) != 2:
        raise TemplateSyntaxError("'now' statement takes one argument")
    quoted_format = parts[1]
    return NowNode(quoted_format[1:-1], asvar)


# ---- querystring --------------------------------------------------------------------------
@register.simple_tag(name="querystring", takes_context=True)
def querystring(context, query_dict=None, **kwargs):
    """The query string of ``query_dict`` (default: request.GET) with ``kwargs`` applied:
    None removes a key, a list sets several values."""
    from collections.abc import Iterable

    source = context.request.GET if query_dict is None else query_dict
    params = source.copy()
    for key, value in kwargs.items():
        if value is not None:
            if isinstance(value, str) or not isinstance(value, Iterable):
                params[key] = value
            else:
                params.setlist(key, value)
        elif key in params:
            del params[key]
    if params or source:
        return "?" + params.urlencode()
    return ""


# ---- regroup ------------------------------------------------------------------------------
GroupedResult = namedtuple("GroupedResult", ["grouper", "list"])


class RegroupNode(Node):
    child_nodelists = ()

    def __init__(self, target, expression, var_name):
        self.target, self.expression, self.var_name = target, expression, var_name

    def resolve_expression(self, obj, context):
        # The key is resolved with the object itself bound to var_name.
        context[self.var_name] = obj
        return self.expression.resolve(context, ignore_failures=True)

    def render(self, context):
        items = self.target.resolve(context, ignore_failures=True)
        groups = []
        if items is not None:
            key = lambda item: self.resolve_expression(item, context)  # noqa: E731
            groups = [GroupedResult(grouper, list(members))
                      for grouper, members in groupby(items, key)]
        context[self.var_name] = groups
        return ""


@register.tag
def regroup(parser, token):
    parts = token.split_contents()
    if len(parts) != 6:
        raise TemplateSyntaxError("'regroup' tag takes five arguments")
    _tag, target, by_word, key, as_word, var_name = parts
    target = parser.compile_filter(target)
    if by_word != "by":
        raise TemplateSyntaxError("second argument to 'regroup' tag must be 'by'")
    if as_word != "as":
        raise TemplateSyntaxError("next-to-last argument to 'regroup' tag must be 'as'")
    # The key is read off each item as if it were bound to var_name: "var_name.key".
    expression = parser.compile_filter(f"{var_name}{lexer.VARIABLE_ATTRIBUTE_SEPARATOR}{key}")
    return RegroupNode(target, expression, var_name)


# ---- spaceless ----------------------------------------------------------------------------
class SpacelessNode(CompiledNode):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def compile(self, gen) -> None:
        with gen.capture() as buf:
            gen.nodelist(self.nodelist)
        gen.emit(gen.assign(f"_strip_spaces(''.join({buf}).strip())"))


@register.tag
def spaceless(parser, token):
    return SpacelessNode(_block_until(parser, "endspaceless"))


# ---- url ----------------------------------------------------------------------------------
_NO_APP = object()
_url_api = None  # (reverse, NoReverseMatch), imported on first use: the URL layer is optional


def _load_url_api():
    global _url_api
    from reinhardt.web.urls import NoReverseMatch, reverse

    _url_api = (reverse, NoReverseMatch)
    return _url_api


class URLNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, view_name, args, kwargs, asvar):
        self.view_name, self.args, self.kwargs, self.asvar = view_name, args, kwargs, asvar

    def __repr__(self) -> str:
        name = type(self).__qualname__
        return (f"<{name} view_name='{self.view_name}' args={self.args!r} "
                f"kwargs={self.kwargs!r} as={self.asvar!r}>")

    def uses_context(self) -> bool:
        return self.asvar is not None

    def url(self, context, view_name, args, kwargs) -> str:
        """Reverse the URL; a plain str (the compiled code escapes it as one)."""
        reverse, NoReverseMatch = _url_api or _load_url_api()
        # request.current_app if set (even to None), else the namespace the request was
        # resolved in: looked up without raising, as this runs for every {% url %}.
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", _NO_APP)
        if current_app is _NO_APP:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        try:
            return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            # With "as var" a missing URL is an empty string, not an error.
            if self.asvar is None:
                raise
        return ""

    def compile(self, gen) -> None:
        args = [gen.filter_expression(arg) for arg in self.args]
        kwargs = [f"{k!r}: {gen.filter_expression(v)}" for k, v in self.kwargs.items()]
        view_name = gen.filter_expression(self.view_name)
        url = gen.assign(f"{gen.const(self)}.url(context, {view_name}, [{', '.join(args)}], "
                         f"{{{', '.join(kwargs)}}})")
        if self.asvar:
            gen.stmt(f"context[{self.asvar!r}] = {url}")
        elif gen.autoescape:
            # reverse() returns a plain str: the engine's str escape is enough.
            gen.emit(gen.assign(f"_esc({url})"))
        else:
            gen.emit(url)

    def render(self, context):  # the interpreted path, for code that calls it directly
        positional = [expression.resolve(context) for expression in self.args]
        named = {key: expression.resolve(context) for key, expression in self.kwargs.items()}
        address = self.url(context, self.view_name.resolve(context), positional, named)
        if self.asvar is None:
            return conditional_escape(address) if context.autoescape else address
        context[self.asvar] = address
        return ""


@register.tag
def url(parser, token):
    tag_name, *parts = token.split_contents()
    if not parts:
        raise TemplateSyntaxError(
            f"'{tag_name}' takes at least one argument, a URL pattern name."
        )
    view_name = parser.compile_filter(parts[0])
    arguments, asvar = _split_asvar(parts[1:])
    positional, named = [], {}
    for argument in arguments:
        found = kwarg_re.match(argument)
        if found is None:
            raise TemplateSyntaxError("Malformed arguments to url tag")
        keyword, value = found.groups()
        if keyword:
            named[keyword] = parser.compile_filter(value)
        else:
            positional.append(parser.compile_filter(value))
    return URLNode(view_name, positional, named, asvar)


# ---- widthratio ---------------------------------------------------------------------------
class WidthRatioNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, val_expr, max_expr, max_width, asvar=None):
        self.val_expr, self.max_expr, self.max_width = val_expr, max_expr, max_width
        self.asvar = asvar

    def uses_context(self) -> bool:
        return self.asvar is not None

    @staticmethod
    def ratio(value, max_value, max_width) -> str:
        """round(value / max_value * max_width) as text; '0' for a zero maximum, '' when the
        numbers are unusable."""
        try:
            width = int(max_width)
        except (ValueError, TypeError):
            raise TemplateSyntaxError("widthratio final argument must be a number") from None
        try:
            share = float(value) / float(max_value)
            return str(round(share * width))
        except ZeroDivisionError:
            return "0"
        except (ValueError, TypeError, OverflowError):
            return ""

    def compile(self, gen) -> None:
        max_value = gen.name()
        max_width = gen.name()
        gen.flush()
        gen.stmt("try:")
        gen.indent += 1
        gen.stmt(f"{max_value} = {gen.filter_expression(self.max_expr)}")
        gen.stmt(f"{max_width} = {gen.filter_expression(self.max_width)}")
        gen.indent -= 1
        gen.stmt("except _VDNE:")
        gen.stmt("    pass")
        gen.begin("else:")
        value = gen.filter_expression(self.val_expr)
        result = gen.assign(f"{gen.const(self.ratio)}({value}, {max_value}, {max_width})")
        if self.asvar:
            gen.stmt(f"context[{self.asvar!r}] = {result}")
        else:
            gen.emit(result)
        gen.end()


@register.tag
def widthratio(parser, token):
    tag_name, *operands = token.split_contents()
    asvar = None
    if len(operands) == 5:
        if operands[3] != "as":
            raise TemplateSyntaxError("Invalid syntax in widthratio tag. Expecting 'as' keyword")
        operands, asvar = operands[:3], operands[4]
    elif len(operands) != 3:
        raise TemplateSyntaxError("widthratio takes at least three arguments")
    value, maximum, width = (parser.compile_filter(operand) for operand in operands)
    return WidthRatioNode(value, maximum, width, asvar=asvar)


# ---- with ---------------------------------------------------------------------------------
class WithNode(CompiledNode):
    def __init__(self, var, name, nodelist, extra_context=None):
        self.nodelist = nodelist
        self.extra_context = {} if extra_context is None else extra_context
        if name:
            self.extra_context[name] = var

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def compile(self, gen) -> None:
        values = {name: gen.filter_expression(fe) for name, fe in self.extra_context.items()}
        context_mode = needs_context(self.nodelist)
        if context_mode:
            items = ", ".join(f"{name!r}: {value}" for name, value in values.items())
            gen.stmt(f"_ContextDict(context, {{{items}}})")
            gen.begin("try:")
            with gen.new_scope(True):
                _body(gen, self.nodelist)
            gen.end()
            gen.begin("finally:")
            gen.stmt("context.pop()")
            gen.end()
            return
        with gen.new_scope(False):
            locals_ = [(gen.name("v"), name, value) for name, value in values.items()]
            for local, name, value in locals_:
                gen.stmt(f"{local} = {value}")
                gen.scope.bindings[name] = local
            gen.nodelist(self.nodelist)


@register.tag("with")
def do_with(parser, token):
    tag_name, *assignments = token.split_contents()
    # token_kwargs consumes the assignments it understands; anything left is an error.
    values = token_kwargs(assignments, parser, support_legacy=True)
    if not values:
        raise TemplateSyntaxError(f"{tag_name!r} expected at least one variable assignment")
    if assignments:
        raise TemplateSyntaxError(f"{tag_name!r} received an invalid token: {assignments[0]!r}")
    return WithNode(None, None, _block_until(parser, "endwith"), extra_context=values)


__all__ = ["register"]

# Third-party code imports VariableDoesNotExist from django.template.defaulttags.
_unused = VariableDoesNotExist
