"""{% block %}, {% extends %} and {% include %}: template inheritance and composition.

Each block body is its own compiled function; at render time the block stack (child
blocks first, as in Django) picks which body runs, and ``{{ block.super }}`` runs the next.
"""

from __future__ import annotations

import posixpath
from collections import deque

from reinhardt.utils.safestring import mark_safe
from reinhardt.web.templates.exceptions import TemplateSyntaxError
from reinhardt.web.templates.expressions import Variable, token_kwargs
from reinhardt.web.templates.library import Library
from reinhardt.web.templates.nodes import CompiledNode, TextNode

register = Library()

BLOCK_CONTEXT_KEY = "block_context"


def _engine_template(value):
    """``value`` as the engine's Template when it is one or carries one, else None."""
    from reinhardt.web.templates.base import Template

    for candidate in (value, getattr(value, "template", None)):
        if isinstance(candidate, Template):
            return candidate
    return None


class BlockContext:
    """For each block name, the bodies that may fill it.

    Templates register their blocks from the most derived one up the ``extends`` chain, and
    each newcomer goes to the left, so the right end of a stack is the body to render now.
    """

    def __init__(self):
        self.blocks: dict[str, deque] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__}: blocks={self.blocks!r}>"

    def _stack(self, name) -> deque:
        stack = self.blocks.get(name)
        if stack is None:
            stack = self.blocks[name] = deque()
        return stack

    def add_blocks(self, blocks) -> None:
        for name, node in blocks.items():
            self._stack(name).appendleft(node)

    def pop(self, name):
        stack = self.blocks.get(name)
        return stack.pop() if stack else None

    def push(self, name, block) -> None:
        self._stack(name).append(block)

    def get_block(self, name):
        stack = self.blocks.get(name)
        return stack[-1] if stack else None


class BlockNode(CompiledNode):
    def __init__(self, name: str, nodelist, parent=None):
        self.name, self.nodelist, self.parent = name, nodelist, parent

    def __repr__(self) -> str:
        return f"<Block Node: {self.name}. Contents: {self.nodelist!r}>"

    def uses_context(self) -> bool:
        return True

    def compile(self, gen) -> None:
        gen.emit_raw(f"{gen.const(self)}.render(context)")

    def render(self, context):
        chain = context.render_context.get(BLOCK_CONTEXT_KEY)
        with context.push():
            if chain is None:
                # Outside inheritance: the block just renders its own body.
                context["block"] = self
                return self.nodelist.render(context)
            taken = chain.pop(self.name)
            source = self if taken is None else taken
            # A fresh node per render holds the context for {{ block.super }}.
            current = type(self)(source.name, source.nodelist)
            current.context = context
            context["block"] = current
            output = current.nodelist.render(context)
            if taken is not None:
                chain.push(self.name, taken)
            return output

    def super(self):
        """Render the next body up the chain (``{{ block.super }}``)."""
        context = self.__dict__.get("context")
        if context is None:
            raise TemplateSyntaxError(
                f"'{type(self).__name__}' object has no attribute 'context'. Did you use "
                "{{ block.super }} in a base template?"
            )
        chain = context.render_context.get(BLOCK_CONTEXT_KEY)
        if chain is None or chain.get_block(self.name) is None:
            return ""
        return mark_safe(self.render(context))


def _blocks_by_name(nodelist) -> dict:
    return {node.name: node for node in nodelist.get_nodes_by_type(BlockNode)}


def _root_blocks(template) -> dict:
    """The blocks of ``template`` if it is the top of the chain (it doesn't extend)."""
    first = next((node for node in template.nodelist if not isinstance(node, TextNode)), None)
    if first is None or isinstance(first, ExtendsNode):
        return {}
    return _blocks_by_name(template.nodelist)


class ExtendsNode(CompiledNode):
    must_be_first = True
    context_key = "extends_context"

    def __init__(self, nodelist, parent_name, template_dirs=None):
        self.nodelist, self.parent_name = nodelist, parent_name
        self.template_dirs = template_dirs
        self.blocks = _blocks_by_name(nodelist)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: extends {self.parent_name.token}>"

    def uses_context(self) -> bool:
        return True

    def compile(self, gen) -> None:
        # Only the parent renders; the child's content outside blocks is ignored.
        gen.emit_raw(f"{gen.const(self)}.render(context)")

    def find_template(self, template_name, context):
        """Find ``template_name``, skipping templates already in this extends chain, so a
        template can extend another of the same name."""
        state = context.render_context
        seen = state.get(self.context_key)
        if seen is None:
            seen = state[self.context_key] = [self.origin]
        found, origin = context.template.engine.find_template(template_name, skip=seen)
        seen.append(origin)
        return found

    def get_parent(self, context):
        expression = self.parent_name
        name = expression.resolve(context)
        if not name:
            message = f"Invalid template name in 'extends' tag: {name!r}."
            if expression.filters or isinstance(expression.var, Variable):
                message += f" Got this from the '{expression.token}' variable."
            raise TemplateSyntaxError(message)
        given = _engine_template(name)
        return given if given is not None else self.find_template(name, context)

    def render(self, context):
        parent = self.get_parent(context)
        state = context.render_context
        chain = state.get(BLOCK_CONTEXT_KEY)
        if chain is None:
            chain = state[BLOCK_CONTEXT_KEY] = BlockContext()
        chain.add_blocks(self.blocks)
        chain.add_blocks(_root_blocks(parent))
        with state.push_state(parent, isolated_context=False):
            return parent._render(context)


class IncludeNode(CompiledNode):
    context_key = "__include_context"
    child_nodelists = ()

    def __init__(self, template, *args, extra_context=None, isolated_context=False, **kwargs):
        self.template = template
        self.extra_context = extra_context or {}
        self.isolated_context = isolated_context
        super().__init__(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__}: template={self.template!r}>"

    def uses_context(self) -> bool:
        return True

    def compile(self, gen) -> None:
        template = gen.filter_expression(self.template)
        values = ", ".join(f"{name!r}: {gen.filter_expression(fe)}"
                           for name, fe in self.extra_context.items())
        gen.emit_raw(f"{gen.const(self)}.render_with(context, {template}, {{{values}}})")

    def render(self, context):
        values = {name: var.resolve(context) for name, var in self.extra_context.items()}
        return self.render_with(context, self.template.resolve(context), values)

    def render_with(self, context, template, values):
        """Render the included ``template`` (a name, names or a Template) with ``values``."""
        if callable(getattr(template, "render", None)):
            # A backend template wraps the engine's Template; render that one.
            template = getattr(template, "template", template)
        else:
            # Names are looked up once per render (this runs for every include in a loop).
            if not template:
                names = ()
            elif isinstance(template, str):
                names = (construct_relative_path(self.origin.template_name, template),)
            else:
                names = tuple(template)
            per_node = context.render_context.dicts[0]
            loaded = per_node.get(self)
            if loaded is None:
                loaded = per_node[self] = {}
            template = loaded.get(names)
            if template is None:
                template = loaded[names] = context.template.engine.select_template(names)
        if self.isolated_context:
            return template.render(context.new(values))
        with context.push(**values):
            return template.render(context)


@register.tag("block")
def do_block(parser, token):
    tag_name, *arguments = token.contents.split()
    if len(arguments) != 1:
        raise TemplateSyntaxError(f"'{tag_name}' tag takes only one argument")
    [name] = arguments
    # Block names are unique per template; the parser remembers the ones it has seen.
    seen = vars(parser).setdefault("_block_names_seen", set())
    if name in seen:
        raise TemplateSyntaxError(f"'{tag_name}' tag with name '{name}' appears more than once")
    seen.add(name)
    body = parser.parse(("endblock",))
    closing = parser.next_token()
    closers = ("endblock", f"endblock {name}")
    if closing.contents not in closers:
        parser.invalid_block_tag(closing, "endblock", closers)
    return BlockNode(name, body)


def construct_relative_path(current_template_name, relative_name, allow_recursion=False):
    """Resolve a './x.html' or '../x.html' name against the current template's name."""
    bare = relative_name.strip("'\"")
    if not bare.startswith(("./", "../")):
        return relative_name
    if current_template_name is None:
        # A template from a string has no name to be relative to.
        raise TemplateSyntaxError(
            f"The relative path {relative_name} cannot be evaluated due to an unknown "
            "template origin."
        )
    here = current_template_name.lstrip("/")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(here), bare))
    if target.startswith("../"):
        raise TemplateSyntaxError(
            f"The relative path '{relative_name}' points outside the file hierarchy that "
            f"template '{current_template_name}' is in."
        )
    if target == here and not allow_recursion:
        raise TemplateSyntaxError(
            f"The relative path '{relative_name}' was translated to template name "
            f"'{current_template_name}', the same template in which the tag appears."
        )
    quoted = relative_name[:1] in ("'", '"') and relative_name[-1] == relative_name[0]
    return f'"{target}"' if quoted else target


@register.tag("extends")
def do_extends(parser, token):
    tag_name, *arguments = token.split_contents()
    if len(arguments) != 1:
        raise TemplateSyntaxError(f"'{tag_name}' takes one argument")
    parent = parser.compile_filter(construct_relative_path(parser.origin.template_name,
                                                           arguments[0]))
    rest = parser.parse()
    if rest.get_nodes_by_type(ExtendsNode):
        raise TemplateSyntaxError(f"'{tag_name}' cannot appear more than once in the same template")
    return ExtendsNode(rest, parent)


@register.tag("include")
def do_include(parser, token):
    tag_name, *arguments = token.split_contents()
    if not arguments:
        raise TemplateSyntaxError(
            f"{tag_name!r} tag takes at least one argument: the name of the template to be "
            "included."
        )
    target, options = arguments[0], arguments[1:]
    given = set()
    extra, only = {}, False
    while options:
        option = options.pop(0)
        if option in given:
            raise TemplateSyntaxError(f"The {option!r} option was specified more than once.")
        given.add(option)
        if option == "only":
            only = True
        elif option == "with":
            extra = token_kwargs(options, parser, support_legacy=False)
            if not extra:
                raise TemplateSyntaxError(
                    f'"with" in {tag_name!r} tag needs at least one keyword argument.'
                )
        else:
            raise TemplateSyntaxError(f"Unknown argument for {tag_name!r} tag: {option!r}.")
    target = construct_relative_path(parser.origin.template_name, target)
    return IncludeNode(parser.compile_filter(target), extra_context=extra, isolated_context=only)


__all__ = ["register", "BlockNode", "ExtendsNode", "IncludeNode", "BlockContext",
           "construct_relative_path"]
