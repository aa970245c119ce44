"""reinhardt's template engine: Django's template language, compiled to Python.

Public API as in ``django.template``: Engine, Template, Context, RequestContext, Library,
Node, NodeList, Variable, the exceptions, and ``engines`` (the TEMPLATES registry).
"""

from reinhardt.web.templates.utils import EngineHandler

engines = EngineHandler()

from reinhardt.web.templates import signals as _signals  # noqa: E402,F401  (setting_changed)
from reinhardt.web.templates.base import (  # noqa: E402
    Node,
    NodeList,
    Origin,
    Template,
    Variable,
    VariableNode,
)
from reinhardt.web.templates.context import Context, RequestContext  # noqa: E402
from reinhardt.web.templates.engine import Engine  # noqa: E402
from reinhardt.web.templates.exceptions import (  # noqa: E402
    TemplateDoesNotExist,
    TemplateSyntaxError,
    VariableDoesNotExist,
)
from reinhardt.web.templates.library import Library  # noqa: E402

__all__ = [
    "engines", "Engine", "Template", "Context", "RequestContext", "Library", "Node", "NodeList",
    "Origin", "Variable", "VariableNode", "TemplateDoesNotExist", "TemplateSyntaxError",
    "VariableDoesNotExist",
]
