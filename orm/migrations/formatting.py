"""Laying out serialized values over lines the way black and ruff format do.

The serializer writes each value as one flat expression; the writer passes it through
``layout()``, so a generated migration file is already formatted: a line that fits in 88
columns stays whole, otherwise the outermost brackets are opened and their contents put on
one indented line if that fits, or one item a line with a trailing comma.
"""

from __future__ import annotations

import ast

from reinhardt.orm.migrations.serializer import python_bytes, python_string

LINE_LENGTH = 88
INDENT = "    "

_BINARY_OPERATORS = {
    ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Add: "+", ast.Sub: "-",
    ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.LShift: "<<", ast.RShift: ">>", ast.MatMult: "@",
}
_UNARY_OPERATORS = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~", ast.Not: "not "}


def layout(source: str, indent: int, prefix: str = "", suffix: str = "") -> list[str]:
    """The lines of ``prefix + source + suffix`` at ``indent`` levels (four spaces each)."""
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return [INDENT * indent + prefix + source + suffix]
    return _layout(node, indent, prefix, suffix)


def flat(node: ast.AST) -> str:
    """One-line source for ``node``, with black's quote and spacing conventions."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return python_string(node.value)
        if isinstance(node.value, bytes):
            return python_bytes(node.value)
        if node.value is Ellipsis:
            return "..."
        return repr(node.value)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{flat(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return f"{flat(node.value)}[{flat(node.slice)}]"
    if isinstance(node, ast.Starred):
        return f"*{flat(node.value)}"
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY_OPERATORS:
        return f"{_UNARY_OPERATORS[type(node.op)]}{flat(node.operand)}"
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPERATORS:
        return f"{flat(node.left)} {_BINARY_OPERATORS[type(node.op)]} {flat(node.right)}"
    parts = _bracket_parts(node)
    if parts is not None:
        head, elements, closer = parts
        body = ", ".join(prefix + flat(element) for prefix, element in elements)
        if isinstance(node, ast.Tuple) and len(elements) == 1:
            body += ","
        return f"{head}{body}{closer}"
    return ast.unparse(node)


def _bracket_parts(node: ast.AST):
    """``(opening text, [(prefix, element)], closing text)`` for a bracketed node."""
    if isinstance(node, ast.Call):
        elements = [("", arg) for arg in node.args]
        for keyword in node.keywords:
            elements.append((f"{keyword.arg}=" if keyword.arg else "**", keyword.value))
        return f"{flat(node.func)}(", elements, ")"
    if isinstance(node, ast.Tuple):
        return "(", [("", e) for e in node.elts], ")"
    if isinstance(node, ast.List):
        return "[", [("", e) for e in node.elts], "]"
    if isinstance(node, ast.Set):
        return "{", [("", e) for e in node.elts], "}"
    if isinstance(node, ast.Dict):
        elements = []
        for key, value in zip(node.keys, node.values, strict=True):
            elements.append((f"{flat(key)}: " if key is not None else "**", value))
        return "{", elements, "}"
    return None


def _layout(node: ast.AST, indent: int, prefix: str, suffix: str) -> list[str]:
    pad = INDENT * indent
    text = f"{pad}{prefix}{flat(node)}{suffix}"
    parts = _bracket_parts(node)
    if len(text) <= LINE_LENGTH or parts is None or not parts[1]:
        return [text]
    head, elements, closer = parts
    inner_pad = INDENT * (indent + 1)
    one_tuple = isinstance(node, ast.Tuple) and len(elements) == 1
    body = ", ".join(p + flat(e) for p, e in elements) + ("," if one_tuple else "")
    lines = [f"{pad}{prefix}{head}"]
    if len(inner_pad) + len(body) <= LINE_LENGTH:
        lines.append(inner_pad + body)
    elif len(elements) == 1 and not one_tuple:
        element_prefix, element = elements[0]
        lines.extend(_layout(element, indent + 1, element_prefix, ""))
    else:
        for element_prefix, element in elements:
            lines.extend(_layout(element, indent + 1, element_prefix, ","))
    lines.append(f"{pad}{closer}{suffix}")
    return lines
