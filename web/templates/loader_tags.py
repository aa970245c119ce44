"""{% block %}, {% extends %} and {% include %}: template inheritance and composition.

Each block body is its own compiled function; at render time the block stack (child
blocks first, as in Django) picks which body runs, and ``{{ block.super }}`` runs the next.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict

from reinhardt.utils.safestring import mark_safe
from reinhardt.web.templates.exceptions import TemplateSyntaxError
from reinhardt.web.templates.expressions import Variable, token_kwargs
from reinhardt.web.templates.library import Library
from reinhardt.web.templates.nodes import CompiledNode, Node, TextNode

register = Library()

BLOCK_CONTEXT_KEY = "block_context"


class BlockContext:
    """For each block name, the bodies that may fill it (the most derived last)."""

    def __init__(self):
        self.blocks = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__}: blocks={self.blocks!r}>"

    def add_blocks(self, blocks) -> None:
        for name, block in blocks.items():
            self.blocks[name].insert(0, block)

    def pop(self, name):
        try:
            return self.blocks[name].pop()
        except IndexError:
            return None

    def push(self, name, block) -> None:
        self.blocks[name].append(block)

    def get_block(self, name):
        try:
            return self.blocks[name][-1]
        except IndexError:
            return None


class BlockNode(CompiledNode):
    def __init__(self, name: str, nodelist, parent=None):
        self.name = name
        self.nodelist = nodelist
        self.parent = parent

    def __repr__(self) -> str:
        return f"<Block Node: {self.name}. Contents: {self.nodelist!r}>"

    def uses_context(self) -> bool:
        return True

    def compile(self, gen) -> None:
        gen.emit_raw(f"{gen.const(self)}.render(context)")

    def render(self, context):
        block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
        with context.push():
            if block_context is None:
                context["block"] = self
                return self.nodelist.render(context)
            push = block = block_context.pop(self.name)
            if block is None:
                block = self
            # A fresh node per render holds the context for {{ block.super }}.
            block = type(self)(block.name, block.nodelist)
            block.context = context
            context["block"] = block
            result = block.nodelist.render(context)
            if push is not None:
                block_context.push(self.name, push)
        return result

    def super(self):
        if not hasattr(self, "context"):
            raise TemplateSyntaxError(
                f"'{self.__class__.__name__}' object has no attribute 'context'. Did you use "
                "{{ block.super }} in a base template?"
            )
        render_context = self.context.render_context
        if (BLOCK_CONTEXT_KEY in render_context
                and render_context[BLOCK_CONTEXT_KEY].get_block(self.name) is not None):
            return mark_safe(self.render(self.context))
        return ""


class ExtendsNode(CompiledNode):
    must_be_first = True
    context_key = "extends_context"

    def __init__(self, nodelist, parent_name, template_dirs=None):
        self.nodelist = nodelist
        self.parent_name = parent_name
        self.template_dirs = template_dirs
        self.blocks = {n.name: n for n in nodelist.get_nodes_by_type(BlockNode)}

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}: extends {self.parent_name.token}>"

    def uses_context(self) -> bool:
        return True

    def compile(self, gen) -> None:
        # Only the parent renders; the child's content outside blocks is ignored.
        gen.emit_raw(f"{gen.const(self)}.render(context)")

    def find_template(self, template_name, context):
        """Find ``template_name``, skipping templates already in this extends chain, so a
        template can extend another of the same name."""
        history = context.render_context.setdefault(self.context_key, [self.origin])
        template, origin = context.template.engine.find_template(template_name, skip=history)
        history.append(origin)
        return template

    def get_parent(self, context):
        from reinhardt.web.templates.base import Template

        parent = self.parent_name.resolve(context)
        if not parent:
            error_msg = f"Invalid template name in 'extends' tag: {parent!r}."
            if self.parent_name.filters or isinstance(self.parent_name.var, Variable):
                error_msg += (f" Got this from the '{self.parent_name.token}' variable.")
            raise TemplateSyntaxError(error_msg)
        if isinstance(parent, Template):
            return parent
        if isinstance(getattr(parent, "template", None), Template):
            return parent.template
        return self.find_template(parent, context)

    def render(self, context):
        compiled_parent = self.get_parent(context)
        if BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context = context.render_context[BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        # The root of the chain (no extends of its own) adds its blocks too.
        for node in compiled_parent.nodelist:
            if not isinstance(node, TextNode):
                if not isinstance(node, ExtendsNode):
                    blocks = {n.name: n for n in
                              compiled_parent.nodelist.get_nodes_by_type(BlockNode)}
                    block_context.add_blocks(blocks)
                break
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)


class IncludeNode(CompiledNode):
    context_key = "__include_context"
    child_nodelists = ()

    def __init__(self, template, *args, extra_context=None, isolated_context=False, **kwargs):
        self.template = template
        self.extra_context = extra_context or {}
        self.isolated_context = isolated_context
        super().__init__(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__}: template={self.template!r}>"

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
        if not callable(getattr(template, "render", None)):
            template_name = template or ()
            if isinstance(template_name, str):
                template_name = (construct_relative_path(self.origin.template_name,
                                                         template_name),)
            else:
                template_name = tuple(template_name)
            cache = context.render_context.dicts[0].setdefault(self, {})
            template = cache.get(template_name)
            if template is None:
                template = context.template.engine.select_template(template_name)
                cache[template_name] = template
        elif hasattr(template, "template"):
            # A backend template: use the engine's Template inside it.
            template = template.template
        if self.isolated_context:
            return template.render(context.new(values))
        with context.push(**values):
            return template.render(context)


@register.tag("block")
def do_block(parser, token):
    bits = token.contents.split()
    if len(bits) != 2:
        raise TemplateSyntaxError(f"'{bits[0]}' tag takes only one argument")
    block_name = bits[1]
    loaded = parser.__dict__.setdefault("_loaded_blocks", [])
    if block_name in loaded:
        raise TemplateSyntaxError(
            f"'{bits[0]}' tag with name '{block_name}' appears more than once"
        )
    loaded.append(block_name)
    nodelist = parser.parse(("endblock",))
    endblock = parser.next_token()
    acceptable_endblocks = ("endblock", f"endblock {block_name}")
    if endblock.contents not in acceptable_endblocks:
        parser.invalid_block_tag(endblock, "endblock", acceptable_endblocks)
    return BlockNode(block_name, nodelist)


def construct_relative_path(current_template_name, relative_name, allow_recursion=False):
    """Resolve a './x.html' or '../x.html' name against the current template's name."""
    new_name = relative_name.strip("'\"")
    if not new_name.startswith(("./", "../")):
        return relative_name
    if current_template_name is None:
        # A template from a string has no name to be relative to.
        raise TemplateSyntaxError(
            f"The relative path {relative_name} cannot be evaluated due to an unknown "
            "template origin."
        )
    new_name = posixpath.normpath(
        posixpath.join(posixpath.dirname(current_template_name.lstrip("/")), new_name)
    )
    if new_name.startswith("../"):
        raise TemplateSyntaxError(
            f"The relative path '{relative_name}' points outside the file hierarchy that "
            f"template '{current_template_name}' is in."
        )
    if not allow_recursion and current_template_name.lstrip("/") == new_name:
        raise TemplateSyntaxError(
            f"The relative path '{relative_name}' was translated to template name "
            f"'{current_template_name}', the same template in which the tag appears."
        )
    has_quotes = relative_name.startswith(('"', "'")) and relative_name[0] == relative_name[-1]
    return f'"{new_name}"' if has_quotes else new_name


@register.tag("extends")
def do_extends(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise TemplateSyntaxError(f"'{bits[0]}' takes one argument")
    bits[1] = construct_relative_path(parser.origin.template_name, bits[1])
    parent_name = parser.compile_filter(bits[1])
    nodelist = parser.parse()
    if nodelist.get_nodes_by_type(ExtendsNode):
        raise TemplateSyntaxError(f"'{bits[0]}' cannot appear more than once in the same template")
    return ExtendsNode(nodelist, parent_name)


@register.tag("include")
def do_include(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise TemplateSyntaxError(
            f"{bits[0]!r} tag takes at least one argument: the name of the template to be "
            "included."
        )
    options = {}
    remaining_bits = bits[2:]
    while remaining_bits:
        option = remaining_bits.pop(0)
        if option in options:
            raise TemplateSyntaxError(f"The {option!r} option was specified more than once.")
        if option == "with":
            value = token_kwargs(remaining_bits, parser, support_legacy=False)
            if not value:
                raise TemplateSyntaxError(
                    f'"with" in {bits[0]!r} tag needs at least one keyword argument.'
                )
        elif option == "only":
            value = True
        else:
            raise TemplateSyntaxError(f"Unknown argument for {bits[0]!r} tag: {option!r}.")
        options[option] = value
    isolated_context = options.get("only", False)
    namemap = options.get("with", {})
    bits[1] = construct_relative_path(parser.origin.template_name, bits[1])
    return IncludeNode(parser.compile_filter(bits[1]), extra_context=namemap,
                       isolated_context=isolated_context)


__all__ = ["register", "BlockNode", "ExtendsNode", "IncludeNode", "BlockContext",
           "construct_relative_path"]

_unused = Node
