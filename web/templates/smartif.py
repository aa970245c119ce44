"""The ``{% if %}`` expression language: a Pratt parser and its code generator.

Operators and binding powers are Django's: or 6, and 7, not 8, in/not in 9,
is/is not/==/!=/>/>=/</<= 10. As in Django, an operator whose operands raise gives False,
and a missing variable is None.
"""

from __future__ import annotations

from reinhardt.web.templates.exceptions import TemplateSyntaxError

# operator -> (binding power, is prefix, Python form of the operation)
OPERATORS = {
    "or": (6, False, None),
    "and": (7, False, None),
    "not": (8, True, "not {0}"),
    "in": (9, False, "{0} in {1}"),
    "not in": (9, False, "{0} not in {1}"),
    "is": (10, False, "{0} is {1}"),
    "is not": (10, False, "{0} is not {1}"),
    "==": (10, False, "{0} == {1}"),
    "!=": (10, False, "{0} != {1}"),
    ">": (10, False, "{0} > {1}"),
    ">=": (10, False, "{0} >= {1}"),
    "<": (10, False, "{0} < {1}"),
    "<=": (10, False, "{0} <= {1}"),
}


class Condition:
    """A node of a parsed condition."""

    lbp = 0

    def display(self) -> str:
        raise NotImplementedError


class Literal(Condition):
    """An operand: a filter expression, with the text it was written as."""

    def __init__(self, value, text: str):
        self.value = value
        self.text = text

    def display(self) -> str:
        return self.text

    def nud(self, parser):
        return self

    def led(self, left, parser):
        raise parser.error(f"Not expecting '{self.display()}' as infix operator in if tag.")

    def eval(self, context):
        return self.value.resolve(context, ignore_failures=True)

    def compile(self, gen, target: str) -> None:
        gen.stmt(f"{target} = {gen.filter_expression(self.value, ignore_failures=True)}")


class Operator(Condition):
    def __init__(self, op: str):
        self.id = op
        self.lbp, self.prefix, self.form = OPERATORS[op]
        self.first = self.second = None

    def display(self) -> str:
        return self.id

    def nud(self, parser):
        if not self.prefix:
            raise parser.error(f"Not expecting '{self.id}' in this position in if tag.")
        self.first = parser.expression(self.lbp)
        return self

    def led(self, left, parser):
        if self.prefix:
            raise parser.error(f"Not expecting '{self.id}' as infix operator in if tag.")
        self.first = left
        self.second = parser.expression(self.lbp)
        return self

    def eval(self, context):
        try:
            if self.id == "or":
                return self.first.eval(context) or self.second.eval(context)
            if self.id == "and":
                return self.first.eval(context) and self.second.eval(context)
            if self.prefix:
                return not self.first.eval(context)
            x = self.first.eval(context)
            y = self.second.eval(context)
            return _BINARY[self.id](x, y)
        except Exception:
            # Django: an operator whose operands cannot be compared is simply False.
            return False

    def compile(self, gen, target: str) -> None:
        gen.stmt("try:")
        gen.indent += 1
        a = gen.name("c")
        self.first.compile(gen, a)
        if self.id in ("or", "and"):
            gen.stmt(f"if {'not ' if self.id == 'or' else ''}{a}:")
            gen.indent += 1
            self.second.compile(gen, target)
            gen.indent -= 1
            gen.stmt("else:")
            gen.stmt(f"    {target} = {a}")
        elif self.prefix:
            gen.stmt(f"{target} = not {a}")
        else:
            b = gen.name("c")
            self.second.compile(gen, b)
            gen.stmt(f"{target} = {self.form.format(a, b)}")
        gen.indent -= 1
        gen.stmt("except Exception:")
        gen.stmt(f"    {target} = False")


_BINARY = {
    "in": lambda x, y: x in y,
    "not in": lambda x, y: x not in y,
    "is": lambda x, y: x is y,
    "is not": lambda x, y: x is not y,
    "==": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
}


class _End(Condition):
    def display(self) -> str:
        return "end"

    def nud(self, parser):
        raise parser.error("Unexpected end of expression in if tag.")


_END = _End()


class IfParser:
    """Parses the words of an {% if %} tag into a Condition tree."""

    def __init__(self, template_parser, tokens: list[str]):
        self.template_parser = template_parser
        mapped = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token == "is" and i + 1 < len(tokens) and tokens[i + 1] == "not":
                token = "is not"
                i += 1
            elif token == "not" and i + 1 < len(tokens) and tokens[i + 1] == "in":
                token = "not in"
                i += 1
            mapped.append(self.translate_token(token))
            i += 1
        self.tokens = mapped
        self.pos = 0
        self.current_token = self.next_token()

    def error(self, message: str) -> TemplateSyntaxError:
        return TemplateSyntaxError(message)

    def translate_token(self, token: str) -> Condition:
        if token in OPERATORS:
            return Operator(token)
        return Literal(self.template_parser.compile_filter(token), token)

    def next_token(self) -> Condition:
        if self.pos >= len(self.tokens):
            return _END
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Condition:
        result = self.expression()
        if self.current_token is not _END:
            raise self.error(f"Unused '{self.current_token.display()}' at end of if expression.")
        return result

    def expression(self, rbp: int = 0) -> Condition:
        token = self.current_token
        self.current_token = self.next_token()
        left = token.nud(self)
        while rbp < self.current_token.lbp:
            token = self.current_token
            self.current_token = self.next_token()
            left = token.led(left, self)
        return left


def compile_condition(gen, condition: Condition) -> str:
    """Emit code evaluating ``condition``; return the local holding its value."""
    target = gen.name("c")
    gen.stmt("try:")
    gen.indent += 1
    condition.compile(gen, target)
    gen.indent -= 1
    gen.stmt("except _VDNE:")
    gen.stmt(f"    {target} = None")
    return target


__all__ = ["IfParser", "Literal", "Operator", "compile_condition"]
