"""Nodes: what the parser builds from tokens (Django's Node/NodeList API).

Built-in nodes define ``compile(gen)`` and are turned into Python code. A node that only
defines ``render(context)`` (a custom tag written for Django) is called as it is, with the
real Context, from the generated code. ``NodeList.render(context)`` compiles the list on
first use, so custom block tags that render their children also run compiled code.
"""

from __future__ import annotations

from reinhardt.utils.safestring import SafeString
from reinhardt.web.templates.compiler import compile_nodelist, is_compiled


class Node:
    """Base of every node; subclasses for custom tags override ``render(context)``."""

    must_be_first = False
    child_nodelists = ("nodelist",)
    token = None
    origin = None

    def render(self, context) -> str:
        """Return the node rendered as a string."""
        return ""

    def render_annotated(self, context) -> str:
        """Render; on error in debug mode, record where in the template it happened."""
        try:
            return self.render(context)
        except Exception as e:
            template = getattr(context, "template", None)
            if template is not None and template.engine.debug:
                if not hasattr(e, "_culprit_node"):
                    e._culprit_node = self
                render_template = context.render_context.template
                if (not hasattr(e, "template_debug") and render_template is not None
                        and render_template.origin == e._culprit_node.origin
                        and self.token is not None):
                    e.template_debug = render_template.get_exception_info(e, self.token)
            raise

    def get_nodes_by_type(self, nodetype) -> list:
        """All nodes of ``nodetype`` in this node and its children, depth first."""
        nodes = []
        if isinstance(self, nodetype):
            nodes.append(self)
        for attr in self.child_nodelists:
            nodelist = getattr(self, attr, None)
            if nodelist:
                nodes.extend(nodelist.get_nodes_by_type(nodetype))
        return nodes

    def __iter__(self):
        yield self

    # -- compilation support (built-in nodes) -------------------------------------------
    def uses_context(self) -> bool:
        """True if rendering this node reads or writes the Context beyond plain lookups."""
        for attr in self.child_nodelists:
            nodelist = getattr(self, attr, None)
            if nodelist and nodelist.uses_context():
                return True
        return False


class CompiledNode(Node):
    """A built-in node: compiled to Python; ``render`` compiles it on demand."""

    def compile(self, gen) -> None:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def render(self, context) -> str:
        nodelist = getattr(self, "_self_list", None)
        if nodelist is None:
            nodelist = self._self_list = NodeList([self])
        return nodelist.render(context)


class NodeList(list):
    """A list of nodes; ``render`` runs the compiled code for the whole list."""

    # Set by the parser once a node other than text is added (for {% extends %} checks).
    contains_nontext = False

    def render(self, context) -> SafeString:
        template = context.template
        engine = template.engine if template is not None else None
        return SafeString(self.compiled(engine, context.autoescape)(context))

    def compiled(self, engine, autoescape: bool):
        """The compiled render function for this list (cached per setting and engine)."""
        cache = self.__dict__.get("_compiled")
        key = (id(engine), bool(autoescape), len(self))
        if cache is not None:
            entry = cache.get(key)
            if entry is not None:
                return entry
        else:
            cache = self.__dict__["_compiled"] = {}
        origin = None
        for node in self:
            origin = getattr(node, "origin", None)
            if origin is not None:
                break
        origin_name = origin.template_name if origin is not None else None
        if origin_name is None and origin is not None:
            origin_name = origin.name
        fn = compile_nodelist(self, engine, bool(autoescape), str(origin_name or "<string>"),
                              self.__dict__.get("template_ref"))
        cache[key] = fn
        return fn

    def get_nodes_by_type(self, nodetype) -> list:
        nodes = []
        for node in self:
            nodes.extend(node.get_nodes_by_type(nodetype))
        return nodes

    def uses_context(self) -> bool:
        for node in self:
            if not is_compiled(node) or node.uses_context():
                return True
        return False


class TextNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, s: str):
        self.s = s

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__}: {self.s[:25]!r}>"

    def compile(self, gen) -> None:
        gen.text(self.s)

    def render(self, context) -> str:
        return self.s

    def render_annotated(self, context) -> str:
        return self.s


class VariableNode(CompiledNode):
    child_nodelists = ()

    def __init__(self, filter_expression):
        self.filter_expression = filter_expression

    def __repr__(self) -> str:
        return f"<Variable Node: {self.filter_expression}>"

    def compile(self, gen) -> None:
        gen.output_value(gen.filter_expression(self.filter_expression))


__all__ = ["Node", "NodeList", "TextNode", "VariableNode", "CompiledNode"]
