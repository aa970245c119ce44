"""A tag library written as for Django (only the import prefixes differ).

benchmarks/templates/parity_gen.py loads a copy with django.* imports to record Django's
output for the same templates.
"""

import datetime

from reinhardt.utils.html import conditional_escape, format_html
from reinhardt.utils.safestring import mark_safe
from reinhardt.web import templates as template
from reinhardt.web.templates.defaultfilters import stringfilter

register = template.Library()


# -- filters -------------------------------------------------------------------------------
@register.filter
def double(value):
    return value * 2


@register.filter(is_safe=True)
@stringfilter
def shout(value):
    return value.upper() + "!"


@register.filter(needs_autoescape=True)
def bold(value, autoescape=True):
    esc = conditional_escape if autoescape else (lambda x: x)
    return mark_safe(f"<b>{esc(value)}</b>")


@register.filter(expects_localtime=True)
def hour(value):
    return value.hour if isinstance(value, datetime.datetime) else ""


@register.filter(name="wrap_with")
def wrap_with(value, arg):
    return f"{arg}{value}{arg}"


# -- simple tags ---------------------------------------------------------------------------
@register.simple_tag
def add3(a, b, c=0):
    return a + b + c


@register.simple_tag(takes_context=True)
def ctx_name(context, fallback="?"):
    return context.get("name", fallback)


@register.simple_tag
def html_out():
    return "<i>not safe</i>"


@register.simple_tag
def safe_out():
    return format_html("<i>{}</i>", "safe & sound")


@register.simple_tag
def join_all(*args, sep=","):
    return sep.join(str(a) for a in args)


@register.simple_block_tag
def box(content, kind="note"):
    return format_html('<div class="{}">{}</div>', kind, content)


@register.simple_block_tag(takes_context=True)
def ctx_box(context, content):
    return format_html("[{}:{}]", context.get("name"), content)


@register.inclusion_tag("tagapp/item.html")
def show_item(item, prefix="-"):
    return {"item": item, "prefix": prefix}


@register.inclusion_tag("tagapp/item.html", takes_context=True)
def show_ctx_item(context):
    return {"item": context["name"], "prefix": context.get("csrf_token", "*")}


# -- tags built with the parser API -------------------------------------------------------
class UpperNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        return self.nodelist.render(context).upper()


@register.tag
def upper(parser, token):
    nodelist = parser.parse(("endupper",))
    parser.delete_first_token()
    return UpperNode(nodelist)


class SetVarNode(template.Node):
    def __init__(self, name, value):
        self.name = name
        self.value = value

    def render(self, context):
        context[self.name] = self.value.resolve(context)
        return ""


@register.tag
def setvar(parser, token):
    bits = token.split_contents()
    if len(bits) != 4 or bits[2] != "to":
        raise template.TemplateSyntaxError(f"'{bits[0]}' tag syntax: setvar NAME to VALUE")
    return SetVarNode(bits[1], parser.compile_filter(bits[3]))


class RepeatNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, count, nodelist):
        self.count = count
        self.nodelist = nodelist

    def render(self, context):
        count = self.count.resolve(context)
        out = []
        for i in range(count):
            with context.push(index=i):
                out.append(self.nodelist.render(context))
        return "".join(out)


@register.tag
def repeat(parser, token):
    tag, count = token.split_contents()
    nodelist = parser.parse(("endrepeat",))
    token = parser.next_token()
    return RepeatNode(parser.compile_filter(count), nodelist)


class VarNameNode(template.Node):
    def __init__(self, var):
        self.var = template.Variable(var)

    def render(self, context):
        try:
            return str(self.var.resolve(context))
        except template.VariableDoesNotExist:
            return "(missing)"


@register.tag
def lookup(parser, token):
    return VarNameNode(token.split_contents()[1])
