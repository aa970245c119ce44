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
from reinhardt.web.templates.compiler import needs_context
from reinhardt.web.templates.exceptions import TemplateSyntaxError, VariableDoesNotExist
from reinhardt.web.templates.expressions import kwarg_re, token_kwargs
from reinhardt.web.templates.lexer import (
    BLOCK_TAG_END,
    BLOCK_TAG_START,
    COMMENT_TAG_END,
    COMMENT_TAG_START,
    FILTER_SEPARATOR,
    SINGLE_BRACE_END,
    SINGLE_BRACE_START,
    VARIABLE_ATTRIBUTE_SEPARATOR,
    VARIABLE_TAG_END,
    VARIABLE_TAG_START,
    TokenType,
)
from reinhardt.web.templates.library import Library
from reinhardt.web.templates.nodes import CompiledNode, Node, NodeList
from reinhardt.web.templates.smartif import IfParser, compile_condition

register = Library()


def _body(gen, nodelist) -> None:
    """Compile a nested node list; ``pass`` keeps an empty Python block valid."""
    gen.stmt("pass")
    gen.nodelist(nodelist)


# ---- autoescape ---------------------------------------------------------------------------
class AutoEscapeControlNode(CompiledNode):
    def __init__(self, setting: bool, nodelist):
        self.setting = setting
        self.nodelist = nodelist

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
    args = token.contents.split()
    if len(args) != 2:
        raise TemplateSyntaxError("'autoescape' tag requires exactly one argument.")
    arg = args[1]
    if arg not in ("on", "off"):
        raise TemplateSyntaxError("'autoescape' argument should be 'on' or 'off'")
    nodelist = parser.parse(("endautoescape",))
    parser.delete_first_token()
    return AutoEscapeControlNode(arg == "on", nodelist)


# ---- comment, load, templatetag, verbatim: constant output ----------------------------------
class CommentNode(CompiledNode):
    child_nodelists = ()

    def compile(self, gen) -> None:
        pass


class LoadNode(CommentNode):
    pass


@register.tag
def comment(parser, token):
    parser.skip_past("endcomment")
    return CommentNode()


class TemplateTagNode(CompiledNode):
    child_nodelists = ()
    mapping = {
        "openblock": BLOCK_TAG_START,
        "closeblock": BLOCK_TAG_END,
        "openvariable": VARIABLE_TAG_START,
        "closevariable": VARIABLE_TAG_END,
        "openbrace": SINGLE_BRACE_START,
        "closebrace": SINGLE_BRACE_END,
        "opencomment": COMMENT_TAG_START,
        "closecomment": COMMENT_TAG_END,
    }

    def __init__(self, tagtype: str):
        self.tagtype = tagtype

    def compile(self, gen) -> None:
        gen.text(self.mapping.get(self.tagtype, ""))


@register.tag
def templatetag(parser, token):
    bits = token.contents.split()
    if len(bits) != 2:
        raise TemplateSyntaxError("'templatetag' statement takes one argument")
    tag = bits[1]
    if tag not in TemplateTagNode.mapping:
        raise TemplateSyntaxError(
            f"Invalid templatetag argument: '{tag}'. Must be one of: "
            f"{list(TemplateTagNode.mapping)}"
        )
    return TemplateTagNode(tag)


class VerbatimNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, content: str):
        self.content = content

    def compile(self, gen) -> None:
        gen.text(self.content)


@register.tag
def verbatim(parser, token):
    nodelist = parser.parse(("endverbatim",))
    parser.delete_first_token()
    # Inside verbatim the lexer made every token text.
    return VerbatimNode("".join(getattr(node, "s", "") for node in nodelist))


def find_library(parser, name):
    try:
        return parser.libraries[name]
    except KeyError:
        raise TemplateSyntaxError(
            "'{}' is not a registered tag library. Must be one of:\n{}".format(
                name, "\n".join(sorted(parser.libraries))
            )
        )


def load_from_library(library, label, names):
    """A Library with only ``names`` (tags or filters) of ``library``."""
    subset = Library()
    for name in names:
        found = False
        if name in library.tags:
            found = True
            subset.tags[name] = library.tags[name]
        if name in library.filters:
            found = True
            subset.filters[name] = library.filters[name]
        if not found:
            raise TemplateSyntaxError(
                f"'{name}' is not a valid tag or filter in tag library '{label}'"
            )
    return subset


@register.tag
def load(parser, token):
    bits = token.contents.split()
    if len(bits) >= 4 and bits[-2] == "from":
        name = bits[-1]
        lib = find_library(parser, name)
        parser.add_library(load_from_library(lib, name, bits[1:-2]))
    else:
        for name in bits[1:]:
            parser.add_library(find_library(parser, name))
    return LoadNode()


# ---- csrf_token ---------------------------------------------------------------------------
def csrf_input(csrf_token) -> str:
    if csrf_token:
        if csrf_token == "NOTPROVIDED":
            return mark_safe("")
        return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
                           csrf_token)
    if settings.DEBUG:
        import warnings

        warnings.warn(
            "A {% csrf_token %} was used in a template, but the context did not provide the "
            "value.  This is usually caused by not using RequestContext.",
            stacklevel=2,
        )
    return ""


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
        self.cyclevars = cyclevars
        self.variable_name = variable_name
        self.silent = silent

    def uses_context(self) -> bool:
        return self.variable_name is not None

    def compile(self, gen) -> None:
        index = gen.assign(f"_cycle({gen.const(self)}, {len(self.cyclevars)})"
                           .replace("_cycle(", f"{gen.const(_cycle_index)}(context, "))
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


@register.tag
def cycle(parser, token):
    args = token.split_contents()
    if len(args) < 2:
        raise TemplateSyntaxError("'cycle' tag requires at least two arguments")
    if len(args) == 2:
        # {% cycle name %}: the named cycle defined earlier.
        name = args[1]
        if not hasattr(parser, "_named_cycle_nodes"):
            raise TemplateSyntaxError(f"No named cycles in template. '{name}' is not defined")
        if name not in parser._named_cycle_nodes:
            raise TemplateSyntaxError(f"Named cycle '{name}' does not exist")
        return parser._named_cycle_nodes[name]
    as_form = False
    silent = False
    if len(args) > 4:
        if args[-3] == "as":
            if args[-1] != "silent":
                raise TemplateSyntaxError(
                    f"Only 'silent' flag is allowed after cycle's name, not '{args[-1]}'."
                )
            as_form = True
            silent = True
            args = args[:-1]
        elif args[-2] == "as":
            as_form = True
    if as_form:
        name = args[-1]
        values = [parser.compile_filter(arg) for arg in args[1:-2]]
        node = CycleNode(values, name, silent=silent)
        if not hasattr(parser, "_named_cycle_nodes"):
            parser._named_cycle_nodes = {}
        parser._named_cycle_nodes[name] = node
    else:
        node = CycleNode([parser.compile_filter(arg) for arg in args[1:]])
    parser._last_cycle_node = node
    return node


@register.tag
def resetcycle(parser, token):
    args = token.split_contents()
    if len(args) > 2:
        raise TemplateSyntaxError(f"{args[0]} tag accepts at most one argument.")
    if len(args) == 2:
        name = args[1]
        try:
            return ResetCycleNode(parser._named_cycle_nodes[name])
        except (AttributeError, KeyError):
            raise TemplateSyntaxError(f"Named cycle '{name}' does not exist.")
    try:
        return ResetCycleNode(parser._last_cycle_node)
    except AttributeError:
        raise TemplateSyntaxError("No cycles in template.")


# ---- debug --------------------------------------------------------------------------------
class DebugNode(Node):
    child_nodelists = ()

    def render(self, context):
        if not settings.DEBUG:
            return ""
        output = [pformat(val) for val in context]
        output.append("\n\n")
        output.append(pformat(sys.modules))
        return "".join(output)


@register.tag
def debug(parser, token):
    return DebugNode()


# ---- filter -------------------------------------------------------------------------------
class FilterNode(CompiledNode):
    def __init__(self, filter_expr, nodelist):
        self.filter_expr = filter_expr
        self.nodelist = nodelist

    def compile(self, gen) -> None:
        with gen.capture() as buf:
            gen.nodelist(self.nodelist)
        content = gen.assign(f"_SafeString(''.join({buf}))")
        gen.emit_raw(gen.apply_filters(content, self.filter_expr.filters))


@register.tag("filter")
def do_filter(parser, token):
    _, rest = token.contents.split(None, 1)
    filter_expr = parser.compile_filter(f"var|{rest}")
    for func, _unused in filter_expr.filters:
        filter_name = getattr(func, "_filter_name", None)
        if filter_name in ("escape", "safe"):
            raise TemplateSyntaxError(
                f'"filter {filter_name}" is not permitted.  Use the "autoescape" tag instead.'
            )
    nodelist = parser.parse(("endfilter",))
    parser.delete_first_token()
    return FilterNode(filter_expr, nodelist)


# ---- firstof ------------------------------------------------------------------------------
class FirstOfNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, variables, asvar=None):
        self.vars = variables
        self.asvar = asvar

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
    bits = token.split_contents()[1:]
    asvar = None
    if not bits:
        raise TemplateSyntaxError("'firstof' statement requires at least one argument")
    if len(bits) >= 2 and bits[-2] == "as":
        asvar = bits[-1]
        bits = bits[:-2]
    return FirstOfNode([parser.compile_filter(bit) for bit in bits], asvar)


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
        self.loopvars = loopvars
        self.sequence = sequence
        self.is_reversed = is_reversed
        self.nodelist_loop = nodelist_loop
        self.nodelist_empty = NodeList() if nodelist_empty is None else nodelist_empty
        self.uses_forloop = uses_forloop

    def __repr__(self) -> str:
        reversed_text = " reversed" if self.is_reversed else ""
        return (f"<{self.__class__.__qualname__}: for {', '.join(self.loopvars)} in "
                f"{self.sequence}, tail_len: {len(self.nodelist_loop)}{reversed_text}>")

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


@register.tag("for")
def do_for(parser, token):
    bits = token.split_contents()
    if len(bits) < 4:
        raise TemplateSyntaxError(
            f"'for' statements should have at least four words: {token.contents}"
        )
    is_reversed = bits[-1] == "reversed"
    in_index = -3 if is_reversed else -2
    if bits[in_index] != "in":
        raise TemplateSyntaxError(
            f"'for' statements should use the format 'for x in y': {token.contents}"
        )
    invalid_chars = frozenset((" ", '"', "'", FILTER_SEPARATOR))
    loopvars = re.split(r" *, *", " ".join(bits[1:in_index]))
    for var in loopvars:
        if not var or not invalid_chars.isdisjoint(var):
            raise TemplateSyntaxError(f"'for' tag received an invalid argument: {token.contents}")
    sequence = parser.compile_filter(bits[in_index + 1])
    snapshot = parser.tokens[:]
    nodelist_loop = parser.parse(("empty", "endfor"))
    # Keep a forloop dict up to date only when the loop body may read it.
    body_tokens = snapshot[len(parser.tokens):]
    uses_forloop = _forloop_keys(body_tokens)
    token = parser.next_token()
    if token.contents == "empty":
        nodelist_empty = parser.parse(("endfor",))
        parser.delete_first_token()
    else:
        nodelist_empty = None
    return ForNode(loopvars, sequence, is_reversed, nodelist_loop, nodelist_empty,
                   uses_forloop=uses_forloop)


# ---- if -----------------------------------------------------------------------------------
class IfNode(CompiledNode):
    def __init__(self, conditions_nodelists):
        self.conditions_nodelists = conditions_nodelists

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    def __iter__(self):
        for _, nodelist in self.conditions_nodelists:
            yield from nodelist

    @property
    def nodelist(self):
        return NodeList(self)

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


@register.tag("if")
def do_if(parser, token):
    bits = token.split_contents()[1:]
    condition = TemplateIfParser(parser, bits).parse()
    nodelist = parser.parse(("elif", "else", "endif"))
    conditions_nodelists = [(condition, nodelist)]
    token = parser.next_token()
    while token.contents.startswith("elif"):
        bits = token.split_contents()[1:]
        condition = TemplateIfParser(parser, bits).parse()
        nodelist = parser.parse(("elif", "else", "endif"))
        conditions_nodelists.append((condition, nodelist))
        token = parser.next_token()
    if token.contents == "else":
        nodelist = parser.parse(("endif",))
        conditions_nodelists.append((None, nodelist))
        token = parser.next_token()
    if token.contents != "endif":
        raise TemplateSyntaxError(
            f'Malformed template tag at line {token.lineno}: "{token.contents}"'
        )
    return IfNode(conditions_nodelists)


# ---- ifchanged ----------------------------------------------------------------------------
def _ifchanged_frame(context):
    """Where {% ifchanged %} keeps its state: the innermost forloop, else the render."""
    if "forloop" in context:
        return context["forloop"]
    return context.render_context


class IfChangedNode(CompiledNode):
    child_nodelists = ("nodelist_true", "nodelist_false")

    def __init__(self, nodelist_true, nodelist_false, *varlist):
        self.nodelist_true = nodelist_true
        self.nodelist_false = nodelist_false
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
    bits = token.split_contents()
    nodelist_true = parser.parse(("else", "endifchanged"))
    token = parser.next_token()
    if token.contents == "else":
        nodelist_false = parser.parse(("endifchanged",))
        parser.delete_first_token()
    else:
        nodelist_false = NodeList()
    values = [parser.compile_filter(bit) for bit in bits[1:]]
    return IfChangedNode(nodelist_true, nodelist_false, *values)


# ---- lorem --------------------------------------------------------------------------------
class LoremNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, count, method: str, common: bool):
        self.count = count
        self.method = method
        self.common = common

    def text(self, count) -> str:
        try:
            count = int(count)
        except (ValueError, TypeError):
            count = 1
        if self.method == "w":
            return words(count, common=self.common)
        paras = paragraphs(count, common=self.common)
        if self.method == "p":
            paras = [f"<p>{p}</p>" for p in paras]
        return "\n\n".join(paras)

    def compile(self, gen) -> None:
        count = gen.filter_expression(self.count)
        gen.emit(gen.assign(f"{gen.const(self)}.text({count})"))


@register.tag
def lorem(parser, token):
    bits = list(token.split_contents())
    tagname = bits[0]
    common = bits[-1] != "random"
    if not common:
        bits.pop()
    method = bits.pop() if bits[-1] in ("w", "p", "b") else "b"
    count = bits.pop() if len(bits) > 1 else "1"
    count = parser.compile_filter(count)
    if len(bits) != 1:
        raise TemplateSyntaxError(f"Incorrect format for {tagname!r} tag")
    return LoremNode(count, method, common)


# ---- now ----------------------------------------------------------------------------------
class NowNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, format_string: str, asvar=None):
        self.format_string = format_string
        self.asvar = asvar

    def uses_context(self) -> bool:
        return self.asvar is not None

    def formatted(self) -> str:
        from reinhardt.web.templates.defaultfilters import date

        tzinfo = timezone.get_current_timezone() if settings.USE_TZ else None
        return date(datetime.now(tz=tzinfo), self.format_string)

    def compile(self, gen) -> None:
        value = gen.assign(f"{gen.const(self)}.formatted()")
        if self.asvar:
            gen.stmt(f"context[{self.asvar!r}] = {value}")
        else:
            gen.emit(value)


@register.tag
def now(parser, token):
    bits = token.split_contents()
    asvar = None
    if len(bits) == 4 and bits[-2] == "as":
        asvar = bits[-1]
        bits = bits[:-2]
    if len(bits) != 2:
        raise TemplateSyntaxError("'now' statement takes one argument")
    return NowNode(bits[1][1:-1], asvar)


# ---- querystring --------------------------------------------------------------------------
@register.simple_tag(name="querystring", takes_context=True)
def querystring(context, query_dict=None, **kwargs):
    """The query string of ``query_dict`` (default: request.GET) with ``kwargs`` applied:
    None removes a key, a list sets several values."""
    from collections.abc import Iterable

    if query_dict is None:
        query_dict = context.request.GET
    params = query_dict.copy()
    for key, value in kwargs.items():
        if value is None:
            if key in params:
                del params[key]
        elif isinstance(value, Iterable) and not isinstance(value, str):
            params.setlist(key, value)
        else:
            params[key] = value
    if not params and not query_dict:
        return ""
    return f"?{params.urlencode()}"


# ---- regroup ------------------------------------------------------------------------------
GroupedResult = namedtuple("GroupedResult", ["grouper", "list"])


class RegroupNode(Node):
    child_nodelists = ()

    def __init__(self, target, expression, var_name):
        self.target = target
        self.expression = expression
        self.var_name = var_name

    def resolve_expression(self, obj, context):
        # The key is resolved with the object itself bound to var_name.
        context[self.var_name] = obj
        return self.expression.resolve(context, ignore_failures=True)

    def render(self, context):
        obj_list = self.target.resolve(context, ignore_failures=True)
        if obj_list is None:
            context[self.var_name] = []
            return ""
        context[self.var_name] = [
            GroupedResult(grouper=key, list=list(val))
            for key, val in groupby(obj_list, lambda obj: self.resolve_expression(obj, context))
        ]
        return ""


@register.tag
def regroup(parser, token):
    bits = token.split_contents()
    if len(bits) != 6:
        raise TemplateSyntaxError("'regroup' tag takes five arguments")
    target = parser.compile_filter(bits[1])
    if bits[2] != "by":
        raise TemplateSyntaxError("second argument to 'regroup' tag must be 'by'")
    if bits[4] != "as":
        raise TemplateSyntaxError("next-to-last argument to 'regroup' tag must be 'as'")
    var_name = bits[5]
    expression = parser.compile_filter(var_name + VARIABLE_ATTRIBUTE_SEPARATOR + bits[3])
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
    nodelist = parser.parse(("endspaceless",))
    parser.delete_first_token()
    return SpacelessNode(nodelist)


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
        self.view_name = view_name
        self.args = args
        self.kwargs = kwargs
        self.asvar = asvar

    def __repr__(self) -> str:
        return (f"<{self.__class__.__qualname__} view_name='{self.view_name}' args={self.args!r} "
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
        url = ""
        try:
            url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        return url

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
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        url = self.url(context, self.view_name.resolve(context), args, kwargs)
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise TemplateSyntaxError(
            f"'{bits[0]}' takes at least one argument, a URL pattern name."
        )
    viewname = parser.compile_filter(bits[1])
    args = []
    kwargs = {}
    asvar = None
    bits = bits[2:]
    if len(bits) >= 2 and bits[-2] == "as":
        asvar = bits[-1]
        bits = bits[:-2]
    for bit in bits:
        match = kwarg_re.match(bit)
        if not match:
            raise TemplateSyntaxError("Malformed arguments to url tag")
        name, value = match.groups()
        if name:
            kwargs[name] = parser.compile_filter(value)
        else:
            args.append(parser.compile_filter(value))
    return URLNode(viewname, args, kwargs, asvar)


# ---- widthratio ---------------------------------------------------------------------------
class WidthRatioNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, val_expr, max_expr, max_width, asvar=None):
        self.val_expr = val_expr
        self.max_expr = max_expr
        self.max_width = max_width
        self.asvar = asvar

    def uses_context(self) -> bool:
        return self.asvar is not None

    @staticmethod
    def ratio(value, max_value, max_width) -> str:
        try:
            max_width = int(max_width)
        except (ValueError, TypeError):
            raise TemplateSyntaxError("widthratio final argument must be a number")
        try:
            value = float(value)
            max_value = float(max_value)
            return str(round((value / max_value) * max_width))
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
    bits = token.split_contents()
    if len(bits) == 4:
        tag, this_value_expr, max_value_expr, max_width = bits
        asvar = None
    elif len(bits) == 6:
        tag, this_value_expr, max_value_expr, max_width, as_, asvar = bits
        if as_ != "as":
            raise TemplateSyntaxError(
                "Invalid syntax in widthratio tag. Expecting 'as' keyword"
            )
    else:
        raise TemplateSyntaxError("widthratio takes at least three arguments")
    return WidthRatioNode(parser.compile_filter(this_value_expr),
                          parser.compile_filter(max_value_expr),
                          parser.compile_filter(max_width), asvar=asvar)


# ---- with ---------------------------------------------------------------------------------
class WithNode(CompiledNode):
    def __init__(self, var, name, nodelist, extra_context=None):
        self.nodelist = nodelist
        self.extra_context = extra_context or {}
        if name:
            self.extra_context[name] = var

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

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
    bits = token.split_contents()
    remaining_bits = bits[1:]
    extra_context = token_kwargs(remaining_bits, parser, support_legacy=True)
    if not extra_context:
        raise TemplateSyntaxError(f"{bits[0]!r} expected at least one variable assignment")
    if remaining_bits:
        raise TemplateSyntaxError(f"{bits[0]!r} received an invalid token: {remaining_bits[0]!r}")
    nodelist = parser.parse(("endwith",))
    parser.delete_first_token()
    return WithNode(None, None, nodelist, extra_context=extra_context)


__all__ = ["register"]

# Third-party code imports VariableDoesNotExist from django.template.defaulttags.
_unused = VariableDoesNotExist
