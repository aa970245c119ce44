"""{% localize %} and the localize/unlocalize filters (``{% load l10n %}``)."""

from reinhardt.utils.formats import localize as _localize
from reinhardt.web.templates import Library, TemplateSyntaxError
from reinhardt.web.templates.nodes import CompiledNode

register = Library()


@register.filter(is_safe=False)
def localize(value):
    """Format a value with the locale's formats, even inside {% localize off %}."""
    return str(_localize(value, use_l10n=True))


@register.filter(is_safe=False)
def unlocalize(value):
    """Format a value without localization."""
    return str(_localize(value, use_l10n=False))


class LocalizeNode(CompiledNode):
    def __init__(self, nodelist, use_l10n: bool):
        self.nodelist = nodelist
        self.use_l10n = use_l10n

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__}>"

    def compile(self, gen) -> None:
        old = gen.assign("context.use_l10n")
        gen.stmt(f"context.use_l10n = {self.use_l10n!r}")
        gen.begin("try:")
        gen.stmt("pass")
        gen.nodelist(self.nodelist)
        gen.end()
        gen.begin("finally:")
        gen.stmt(f"context.use_l10n = {old}")
        gen.end()


@register.tag("localize")
def localize_tag(parser, token):
    """``{% localize on|off %}...{% endlocalize %}``."""
    use_l10n = None
    bits = list(token.split_contents())
    if len(bits) == 1:
        use_l10n = True
    elif len(bits) > 2 or bits[1] not in ("on", "off"):
        raise TemplateSyntaxError(f"{bits[0]} argument should be 'on' or 'off'")
    else:
        use_l10n = bits[1] == "on"
    nodelist = parser.parse(("endlocalize",))
    parser.delete_first_token()
    return LocalizeNode(nodelist, use_l10n)
