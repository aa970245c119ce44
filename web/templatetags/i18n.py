"""{% translate %}, {% blocktranslate %} and the language tags (``{% load i18n %}``).

Message catalogs come with reinhardt.utils.translation; until it has them, text renders
untranslated, with placeholders filled in and plural forms chosen as Django does.
"""

from __future__ import annotations

import re
from decimal import Decimal

from reinhardt.conf import settings
from reinhardt.utils import translation
from reinhardt.utils.safestring import SafeData, SafeString, mark_safe
from reinhardt.web.templates import Library, Node, TemplateSyntaxError, Variable
from reinhardt.web.templates.expressions import token_kwargs
from reinhardt.web.templates.lexer import TokenType
from reinhardt.web.templates.runtime import render_value_in_context

register = Library()

_LINE_BREAKS = re.compile(r"\s*\n\s*")
_MESSAGE_TOKENS = (TokenType.VAR, TokenType.TEXT)


def trim_whitespace(s: str) -> str:
    """What ``trimmed`` does: strip the ends and fold each line break run into one space."""
    return _LINE_BREAKS.sub(" ", s.strip())


def _undouble_percents(value):
    """Template text doubles ``%`` so it survives formatting; the output shows one."""
    single = value.replace("%%", "%")
    return mark_safe(single) if isinstance(value, SafeData) else single


class TranslateNode(Node):
    child_nodelists = ()

    def __init__(self, filter_expression, noop, asvar=None, message_context=None):
        self.noop, self.asvar, self.message_context = noop, asvar, message_context
        if isinstance(filter_expression.var, str):
            # A quoted message: translate it as a literal variable would be.
            filter_expression.var = Variable(f"'{filter_expression.var}'")
            filter_expression.is_var = True
        self.filter_expression = filter_expression

    def render(self, context):
        source = self.filter_expression.var
        source.translate = not self.noop
        if self.message_context:
            source.message_context = self.message_context.resolve(context)
        text = render_value_in_context(self.filter_expression.resolve(context), context)
        text = _undouble_percents(text)
        if not self.asvar:
            return text
        context[self.asvar] = text
        return ""


def _gettext_for(singular, plural, count, message_context):
    """The translation function call that fits the message's plural and context."""
    if plural is None:
        if message_context:
            return translation.pgettext(message_context, singular)
        return translation.gettext(singular)
    if message_context:
        return translation.npgettext(message_context, singular, plural, count)
    return translation.ngettext(singular, plural, count)


class BlockTranslateNode(Node):
    def __init__(self, extra_context, singular, plural=None, countervar=None, counter=None,
                 message_context=None, trimmed=False, asvar=None, tag_name="blocktranslate"):
        self.extra_context = extra_context
        self.singular, self.plural = singular, plural
        self.countervar, self.counter = countervar, counter
        self.message_context = message_context
        self.trimmed, self.asvar, self.tag_name = trimmed, asvar, tag_name

    def render_token_list(self, tokens):
        """The tokens as a %-format message plus the variable names it uses."""
        names = [token.contents for token in tokens if token.token_type is TokenType.VAR]
        message = "".join(
            f"%({token.contents})s" if token.token_type is TokenType.VAR
            else token.contents.replace("%", "%%")
            for token in tokens if token.token_type in _MESSAGE_TOKENS
        )
        return (trim_whitespace(message) if self.trimmed else message), names

    def _placeholder_value(self, name, context):
        if name in context:
            value = context[name]
        else:
            missing = context.template.engine.string_if_invalid
            value = missing % name if "%s" in missing else missing
        return render_value_in_context(value, context)

    def _message_and_values(self, context):
        message_context = self.message_context.resolve(context) if self.message_context else None
        values = {name: expression.resolve(context)
                  for name, expression in self.extra_context.items()}
        with context.update(values):
            singular, names = self.render_token_list(self.singular)
            plural = count = None
            if self.plural and self.countervar and self.counter:
                count = self.counter.resolve(context)
                if not isinstance(count, (Decimal, float, int)):
                    raise TemplateSyntaxError(
                        f"{self.countervar!r} argument to {self.tag_name!r} tag must be a number."
                    )
                context[self.countervar] = count
                plural, plural_names = self.render_token_list(self.plural)
                names += plural_names
            message = _gettext_for(singular, plural, count, message_context)
            filled = {name: self._placeholder_value(name, context) for name in names}
        return message, filled

    def render(self, context, nested=False):
        message, filled = self._message_and_values(context)
        try:
            result = message % filled
        except (KeyError, ValueError):
            # A broken translation: fall back to the untranslated text, once.
            if nested:
                raise TemplateSyntaxError(
                    f"{self.tag_name!r} is unable to format string returned by gettext: "
                    f"{message!r} using {filled!r}"
                )
            with translation.override(None):
                result = self.render(context, nested=True)
        if not self.asvar:
            return result
        context[self.asvar] = SafeString(result) if isinstance(result, str) else result
        return ""


class _StoreAsNode(Node):
    """``{% tag as name %}``: stores ``value()`` in the context and renders nothing."""

    def __init__(self, variable):
        self.variable = variable

    def value(self):
        raise NotImplementedError

    def render(self, context):
        context[self.variable] = self.value()
        return ""


class GetCurrentLanguageNode(_StoreAsNode):
    def value(self):
        return translation.get_language()


class GetCurrentLanguageBidiNode(_StoreAsNode):
    def value(self):
        return translation.get_language_bidi()


class GetAvailableLanguagesNode(_StoreAsNode):
    def value(self):
        return [(code, translation.gettext(label)) for code, label in settings.LANGUAGES]


class LanguageNode(Node):
    def __init__(self, nodelist, language):
        self.nodelist, self.language = nodelist, language

    def render(self, context):
        with translation.override(self.language.resolve(context)):
            return self.nodelist.render(context)


def _store_as_tag(node_class, tag_name):
    def compile_tag(parser, token):
        words = token.contents.split()
        if len(words) == 3 and words[1] == "as":
            return node_class(words[2])
        raise TemplateSyntaxError(f"'{tag_name}' requires 'as variable' (got {words!r})")

    compile_tag.__name__ = f"do_{tag_name}"
    return register.tag(tag_name, compile_tag)


do_get_current_language = _store_as_tag(GetCurrentLanguageNode, "get_current_language")
do_get_current_language_bidi = _store_as_tag(GetCurrentLanguageBidiNode,
                                             "get_current_language_bidi")
do_get_available_languages = _store_as_tag(GetAvailableLanguagesNode, "get_available_languages")


@register.tag("language")
def language(parser, token):
    tag_name, *arguments = token.split_contents()
    if len(arguments) != 1:
        raise TemplateSyntaxError(f"'{tag_name}' takes one argument (language)")
    code = parser.compile_filter(arguments[0])
    body = parser.parse(("endlanguage",))
    parser.delete_first_token()
    return LanguageNode(body, code)


def _option_value(options: list, tag_name: str, option: str) -> str:
    """The word after ``option``, which must be there."""
    if not options:
        raise TemplateSyntaxError(
            f"No argument provided to the '{tag_name}' tag for the {option} option."
        )
    return options.pop(0)


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    tag_name, *arguments = token.split_contents()
    if not arguments:
        raise TemplateSyntaxError(f"'{tag_name}' takes at least one argument")
    message = parser.compile_filter(arguments[0])
    options = arguments[1:]
    chosen: dict = {}
    while options:
        option = options.pop(0)
        if option in chosen:
            raise TemplateSyntaxError(f"The '{option}' option was specified more than once.")
        if option == "noop":
            chosen[option] = True
        elif option == "as":
            chosen[option] = _option_value(options, tag_name, "as")
        elif option == "context":
            word = _option_value(options, tag_name, "context")
            if word in ("as", "noop"):
                raise TemplateSyntaxError(
                    f"Invalid argument '{word}' provided to the '{tag_name}' tag for the "
                    "context option"
                )
            chosen[option] = parser.compile_filter(word)
        else:
            raise TemplateSyntaxError(
                f"Unknown argument for '{tag_name}' tag: '{option}'. The only options "
                "available are 'noop', 'context' \"xxx\", and 'as VAR'."
            )
    return TranslateNode(message, chosen.get("noop", False), chosen.get("as"),
                         chosen.get("context"))


def _blocktranslate_options(parser, tag_name, words) -> dict:
    chosen: dict = {}
    while words:
        option = words.pop(0)
        if option in chosen:
            raise TemplateSyntaxError(f"The {option!r} option was specified more than once.")
        if option == "trimmed":
            chosen[option] = True
        elif option == "asvar":
            chosen[option] = _option_value(words, tag_name, "asvar")
        elif option == "with":
            chosen[option] = token_kwargs(words, parser, support_legacy=True)
            if not chosen[option]:
                raise TemplateSyntaxError(
                    f'"with" in {tag_name!r} tag needs at least one keyword argument.'
                )
        elif option == "count":
            chosen[option] = token_kwargs(words, parser, support_legacy=True)
            if len(chosen[option]) != 1:
                raise TemplateSyntaxError(
                    f'"count" in {tag_name!r} tag expected exactly one keyword argument.'
                )
        elif option == "context":
            try:
                chosen[option] = parser.compile_filter(words.pop(0))
            except Exception:
                raise TemplateSyntaxError(
                    f'"context" in {tag_name!r} tag expected exactly one argument.'
                ) from None
        else:
            raise TemplateSyntaxError(f"Unknown argument for {tag_name!r} tag: {option!r}.")
    return chosen


def _read_message(parser, last=None):
    """Text and variable tokens up to the next tag; returns them and the last token read."""
    collected = []
    while parser.tokens:
        last = parser.next_token()
        if last.token_type not in _MESSAGE_TOKENS:
            break
        collected.append(last)
    return collected, last


@register.tag("blocktranslate")
@register.tag("blocktrans")
def do_block_translate(parser, token):
    tag_name, *words = token.split_contents()
    chosen = _blocktranslate_options(parser, tag_name, words)
    countervar, counter = next(iter(chosen["count"].items())) if "count" in chosen else (None,
                                                                                          None)
    singular, stop = _read_message(parser)
    plural = []
    if countervar and counter:
        if stop is None or stop.contents.strip() != "plural":
            raise TemplateSyntaxError(f"{tag_name!r} doesn't allow other block tags inside it")
        plural, stop = _read_message(parser, stop)
    closing = stop.contents if stop is not None else ""
    if closing.strip() != f"end{tag_name}":
        raise TemplateSyntaxError(
            f"{tag_name!r} doesn't allow other block tags (seen {closing!r}) inside it"
        )
    return BlockTranslateNode(chosen.get("with", {}), singular, plural, countervar, counter,
                              chosen.get("context"), trimmed=chosen.get("trimmed", False),
                              asvar=chosen.get("asvar"), tag_name=tag_name)


def _language_info_filter(key):
    def read(lang_code):
        return translation.get_language_info(lang_code)[key]

    read.__name__ = read.__qualname__ = f"language_{key}"
    return read


language_name = register.filter("language_name", _language_info_filter("name"))
language_name_local = register.filter("language_name_local",
                                      _language_info_filter("name_local"))
language_bidi = register.filter("language_bidi", _language_info_filter("bidi"))
language_name_translated = register.filter("language_name_translated",
                                           _language_info_filter("name_translated"))


class LanguageInfoNode(Node):
    """Stores get_language_info() of one code, or of each item of a sequence (an item is
    a code or a (code, name) pair, as in settings.LANGUAGES)."""

    def __init__(self, source, variable, many):
        self.source, self.variable, self.many = source, variable, many

    @staticmethod
    def _info(item):
        code = item if isinstance(item, str) else item[0]
        return translation.get_language_info(str(code))

    def render(self, context):
        value = self.source.resolve(context)
        context[self.variable] = ([self._info(item) for item in value] if self.many
                                  else self._info(value))
        return ""


def _language_info_tag(tag_name, noun, many):
    def compile_tag(parser, token):
        words = token.split_contents()
        if len(words) != 5 or words[1] != "for" or words[3] != "as":
            raise TemplateSyntaxError(
                f"'{words[0]}' requires 'for {noun} as variable' (got {words[1:]!r})")
        return LanguageInfoNode(parser.compile_filter(words[2]), words[4], many)

    compile_tag.__name__ = f"do_{tag_name}"
    return register.tag(tag_name, compile_tag)


do_get_language_info = _language_info_tag("get_language_info", "string", many=False)
do_get_language_info_list = _language_info_tag("get_language_info_list", "sequence", many=True)
