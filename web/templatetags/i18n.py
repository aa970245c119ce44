"""{% translate %}, {% blocktranslate %} and the language tags (``{% load i18n %}``).

Message catalogs come with reinhardt.utils.translation; until it has them, text renders
untranslated, with placeholders filled in and plural forms chosen as Django does.
"""

from __future__ import annotations

import re

from reinhardt.conf import settings
from reinhardt.utils import translation
from reinhardt.utils.safestring import SafeData, mark_safe
from reinhardt.web.templates import Library, Node, TemplateSyntaxError, Variable
from reinhardt.web.templates.expressions import token_kwargs
from reinhardt.web.templates.lexer import TokenType
from reinhardt.web.templates.runtime import render_value_in_context

register = Library()

_trim_whitespace_re = re.compile(r"\s*\n\s*")


def trim_whitespace(s: str) -> str:
    return _trim_whitespace_re.sub(" ", s.strip())


class TranslateNode(Node):
    child_nodelists = ()

    def __init__(self, filter_expression, noop, asvar=None, message_context=None):
        self.noop = noop
        self.asvar = asvar
        self.message_context = message_context
        self.filter_expression = filter_expression
        if isinstance(self.filter_expression.var, str):
            self.filter_expression.is_var = True
            self.filter_expression.var = Variable(f"'{self.filter_expression.var}'")

    def render(self, context):
        self.filter_expression.var.translate = not self.noop
        if self.message_context:
            self.filter_expression.var.message_context = self.message_context.resolve(context)
        output = self.filter_expression.resolve(context)
        value = render_value_in_context(output, context)
        # Percent signs are doubled in template text so they are not format flags.
        is_safe = isinstance(value, SafeData)
        value = value.replace("%%", "%")
        value = mark_safe(value) if is_safe else value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


class BlockTranslateNode(Node):
    def __init__(self, extra_context, singular, plural=None, countervar=None, counter=None,
                 message_context=None, trimmed=False, asvar=None, tag_name="blocktranslate"):
        self.extra_context = extra_context
        self.singular = singular
        self.plural = plural
        self.countervar = countervar
        self.counter = counter
        self.message_context = message_context
        self.trimmed = trimmed
        self.asvar = asvar
        self.tag_name = tag_name

    def render_token_list(self, tokens):
        result = []
        variables = []
        for token in tokens:
            if token.token_type is TokenType.TEXT:
                result.append(token.contents.replace("%", "%%"))
            elif token.token_type is TokenType.VAR:
                result.append(f"%({token.contents})s")
                variables.append(token.contents)
        msg = "".join(result)
        if self.trimmed:
            msg = trim_whitespace(msg)
        return msg, variables

    def render(self, context, nested=False):
        if self.message_context:
            message_context = self.message_context.resolve(context)
        else:
            message_context = None
        tmp_context = {var: val.resolve(context) for var, val in self.extra_context.items()}
        context.update(tmp_context)
        singular, variables = self.render_token_list(self.singular)
        if self.plural and self.countervar and self.counter:
            count = self.counter.resolve(context)
            if not isinstance(count, (int, float)):
                context.pop()
                raise TemplateSyntaxError(
                    f"{self.tag_name!r} argument to {self.countervar!r} must be a number."
                )
            context[self.countervar] = count
            plural, plural_vars = self.render_token_list(self.plural)
            if message_context:
                result = translation.npgettext(message_context, singular, plural, count)
            else:
                result = translation.ngettext(singular, plural, count)
            variables.extend(plural_vars)
        elif message_context:
            result = translation.pgettext(message_context, singular)
        else:
            result = translation.gettext(singular)
        default_value = context.template.engine.string_if_invalid

        def render_value(key):
            if key in context:
                val = context[key]
            else:
                val = default_value % key if "%s" in default_value else default_value
            return render_value_in_context(val, context)

        data = {v: render_value(v) for v in variables}
        context.pop()
        try:
            result %= data
        except (KeyError, ValueError):
            if nested:
                raise TemplateSyntaxError(
                    f"{self.tag_name!r} is unable to format string returned by gettext: "
                    f"{result!r} using {data!r}"
                )
            with translation.override(None):
                result = self.render(context, nested=True)
        if self.asvar:
            context[self.asvar] = SafeString(result) if isinstance(result, str) else result
            return ""
        return result


class GetCurrentLanguageNode(Node):
    def __init__(self, variable):
        self.variable = variable

    def render(self, context):
        context[self.variable] = translation.get_language()
        return ""


class GetCurrentLanguageBidiNode(Node):
    def __init__(self, variable):
        self.variable = variable

    def render(self, context):
        context[self.variable] = translation.get_language_bidi()
        return ""


class GetAvailableLanguagesNode(Node):
    def __init__(self, variable):
        self.variable = variable

    def render(self, context):
        context[self.variable] = [(k, translation.gettext(v)) for k, v in settings.LANGUAGES]
        return ""


class LanguageNode(Node):
    def __init__(self, nodelist, language):
        self.nodelist = nodelist
        self.language = language

    def render(self, context):
        with translation.override(self.language.resolve(context)):
            return self.nodelist.render(context)


def _as_variable_tag(token, node_class, name):
    args = token.contents.split()
    if len(args) != 3 or args[1] != "as":
        raise TemplateSyntaxError(f"'{name}' requires 'as variable' (got {args!r})")
    return node_class(args[2])


@register.tag("get_current_language")
def do_get_current_language(parser, token):
    return _as_variable_tag(token, GetCurrentLanguageNode, "get_current_language")


@register.tag("get_current_language_bidi")
def do_get_current_language_bidi(parser, token):
    return _as_variable_tag(token, GetCurrentLanguageBidiNode, "get_current_language_bidi")


@register.tag("get_available_languages")
def do_get_available_languages(parser, token):
    return _as_variable_tag(token, GetAvailableLanguagesNode, "get_available_languages")


@register.tag("language")
def language(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise TemplateSyntaxError(f"'{bits[0]}' takes one argument (language)")
    language = parser.compile_filter(bits[1])
    nodelist = parser.parse(("endlanguage",))
    parser.delete_first_token()
    return LanguageNode(nodelist, language)


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise TemplateSyntaxError(f"'{bits[0]}' takes at least one argument")
    message_string = parser.compile_filter(bits[1])
    remaining = bits[2:]
    noop = False
    asvar = None
    message_context = None
    seen = set()
    while remaining:
        option = remaining.pop(0)
        if option in seen:
            raise TemplateSyntaxError(f"The '{option}' option was specified more than once.")
        if option == "noop":
            noop = True
        elif option == "context":
            try:
                value = remaining.pop(0)
            except IndexError:
                raise TemplateSyntaxError(
                    f"No argument provided to the '{bits[0]}' tag for the context option."
                )
            if value in ("as", "noop"):
                raise TemplateSyntaxError(
                    f"Invalid argument '{value}' provided to the '{bits[0]}' tag for the "
                    "context option"
                )
            message_context = parser.compile_filter(value)
        elif option == "as":
            try:
                asvar = remaining.pop(0)
            except IndexError:
                raise TemplateSyntaxError(
                    f"No argument provided to the '{bits[0]}' tag for the as option."
                )
        else:
            raise TemplateSyntaxError(
                f"Unknown argument for '{bits[0]}' tag: '{option}'. The only options "
                "available are 'noop', 'context' \"xxx\", and 'as VAR'."
            )
        seen.add(option)
    return TranslateNode(message_string, noop, asvar, message_context)


@register.tag("blocktranslate")
@register.tag("blocktrans")
def do_block_translate(parser, token):
    bits = token.split_contents()
    options = {}
    remaining_bits = bits[1:]
    asvar = None
    while remaining_bits:
        option = remaining_bits.pop(0)
        if option in options:
            raise TemplateSyntaxError(f"The {option!r} option was specified more than once.")
        if option == "with":
            value = token_kwargs(remaining_bits, parser, support_legacy=True)
            if not value:
                raise TemplateSyntaxError(
                    f'"with" in {bits[0]!r} tag needs at least one keyword argument.'
                )
        elif option == "count":
            value = token_kwargs(remaining_bits, parser, support_legacy=True)
            if len(value) != 1:
                raise TemplateSyntaxError(
                    f'"count" in {bits[0]!r} tag expected exactly one keyword argument.'
                )
        elif option == "context":
            try:
                value = remaining_bits.pop(0)
                value = parser.compile_filter(value)
            except Exception:
                raise TemplateSyntaxError(
                    f'"context" in {bits[0]!r} tag expected exactly one argument.'
                )
        elif option == "trimmed":
            value = True
        elif option == "asvar":
            try:
                value = remaining_bits.pop(0)
            except IndexError:
                raise TemplateSyntaxError(
                    f"No argument provided to the '{bits[0]}' tag for the asvar option."
                )
            asvar = value
        else:
            raise TemplateSyntaxError(f"Unknown argument for {bits[0]!r} tag: {option!r}.")
        options[option] = value

    if "count" in options:
        countervar, counter = next(iter(options["count"].items()))
    else:
        countervar, counter = None, None
    message_context = options.get("context")
    extra_context = options.get("with", {})
    trimmed = options.get("trimmed", False)

    singular = []
    plural = []
    while parser.tokens:
        token = parser.next_token()
        if token.token_type in (TokenType.VAR, TokenType.TEXT):
            singular.append(token)
        else:
            break
    if countervar and counter:
        if token.contents.strip() != "plural":
            raise TemplateSyntaxError(
                f"{bits[0]!r} doesn't allow other block tags inside it"
            )
        while parser.tokens:
            token = parser.next_token()
            if token.token_type in (TokenType.VAR, TokenType.TEXT):
                plural.append(token)
            else:
                break
    end_tag_name = f"end{bits[0]}"
    if token.contents.strip() != end_tag_name:
        raise TemplateSyntaxError(
            f"{bits[0]!r} doesn't allow other block tags (seen {token.contents!r}) inside it"
        )
    return BlockTranslateNode(extra_context, singular, plural, countervar, counter,
                              message_context, trimmed=trimmed, asvar=asvar, tag_name=bits[0])


@register.filter
def language_name(lang_code):
    return translation.get_language_info(lang_code)["name"]


@register.filter
def language_name_local(lang_code):
    return translation.get_language_info(lang_code)["name_local"]


@register.filter
def language_bidi(lang_code):
    return translation.get_language_info(lang_code)["bidi"]


SafeString = type(mark_safe(""))
