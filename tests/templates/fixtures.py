"""Plain Python objects used as template context in the parity cases.

Nothing here imports a web framework, so the same objects feed reinhardt's engine in the
tests and Django's engine in benchmarks/templates/parity_gen.py (which records Django's
output as the expected values).
"""

import datetime
from decimal import Decimal


class SilentError(Exception):
    silent_variable_failure = True


class Row:
    def __init__(self, name, price, qty, tags=(), created=None):
        self.name = name
        self.price = price
        self.qty = qty
        self.tags = list(tags)
        self.created = created

    def total(self):
        return self.price * self.qty

    def needs_arg(self, x):
        return x

    def delete(self):
        raise AssertionError("must not be called from a template")

    delete.alters_data = True

    @property
    def broken(self):
        raise SilentError("silent")

    def __str__(self):
        return f"Row {self.name}"


class NotCalled:
    do_not_call_in_templates = True
    label = "class attribute"

    def __call__(self):
        raise AssertionError("must not be called")


def greeting():
    return "hi <there>"


def context():
    rows = [
        Row("apple", Decimal("1.50"), 3, ["fruit", "red"], datetime.datetime(2024, 3, 5, 14, 7)),
        Row("Banana & co", 0.25, 12, ["fruit"], datetime.datetime(2023, 12, 31, 0, 0)),
        Row("cherry", 10, 0, [], datetime.datetime(2024, 1, 1, 12, 0, 30)),
    ]
    return {
        "name": "World",
        "html": "<b>bold</b> & 'quoted' \"text\"",
        "rows": rows,
        "row": rows[0],
        "people": [
            {"first": "Jane", "last": "Doe", "gender": "F", "age": 31},
            {"first": "John", "last": "Smith", "gender": "M", "age": 25},
            {"first": "Ann", "last": "Lee", "gender": "F", "age": 40},
        ],
        "numbers": [1, 2, 3, 4, 5],
        "pairs": [("a", 1), ("b", 2)],
        "languages": [("de", "German"), ("he", "Hebrew")],
        "d": {"key": "value", "items": "shadowed", "n": {"deep": [10, 20]}, 1: "int key"},
        "empty": [],
        "none": None,
        "zero": 0,
        "true": True,
        "false": False,
        "pi": 3.14159,
        "big": 1234567.891,
        "neg": -0.5,
        "dec": Decimal("1234.5678"),
        "int": 42,
        "text": "The quick brown fox jumps over the lazy dog",
        "para": "First line\nsecond line\n\nNew paragraph\r\nend",
        "url_text": "Visit www.example.com or https://djangoproject.com/path?x=1&y=2. Mail me@example.org!",
        "date": datetime.date(2024, 2, 29),
        "dt": datetime.datetime(2024, 7, 4, 9, 5, 3, 120),
        "aware": datetime.datetime(2024, 7, 4, 15, 30, tzinfo=datetime.UTC),
        "then": datetime.datetime(2024, 1, 1, 0, 0),
        "now_fixed": datetime.datetime(2024, 3, 15, 6, 30),
        "time": datetime.time(13, 45, 0),
        "func": greeting,
        "notcalled": NotCalled(),
        "nested": ["States", ["Kansas", ["Lawrence", "Topeka"], "Illinois"]],
        "size": 123456789,
        "phone": "1-800-COLLECT",
        "js": "line\n'quote' <script>",
        "slug": " Héllo, Wörld! It's  me ",
        "words": "one two three four five six",
        "html_para": "<p>Lorem <b>ipsum dolor</b> sit amet <i>consectetur</i> adipiscing</p>",
        "noon": datetime.datetime(2024, 1, 1, 12, 0),
        "midnight": datetime.datetime(2024, 1, 1, 0, 0),
        "funcs": [greeting, lambda: "lambda!"],
        "tpl_name": "greet.html",
        "tpl_list": ["missing.html", "greet.html"],
        "html_list": ["<a>", "b&c"],
    }
