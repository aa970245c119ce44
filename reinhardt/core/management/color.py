"""Terminal colours for command output: roles (ERROR, SUCCESS, ...) mapped to ANSI styles.

Colour is used only when the stream is a terminal that supports it. Palettes and per-role
overrides come from the ``REINHARDT_COLORS`` environment variable, in Django's
``DJANGO_COLORS`` syntax (``"light;error=yellow/blue,blink;notice=magenta"``); ``nocolor``
turns colour off. Unlike Django, the ``NO_COLOR`` convention (https://no-color.org) is
also honoured.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable

COLOR_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
FOREGROUND = {name: f"3{index}" for index, name in enumerate(COLOR_NAMES)}
BACKGROUND = {name: f"4{index}" for index, name in enumerate(COLOR_NAMES)}
OPTIONS = {"bold": "1", "underscore": "4", "blink": "5", "reverse": "7", "conceal": "8"}
RESET = "0"

ROLES = (
    "ERROR", "SUCCESS", "WARNING", "NOTICE", "SQL_FIELD", "SQL_COLTYPE", "SQL_KEYWORD",
    "SQL_TABLE", "HTTP_INFO", "HTTP_SUCCESS", "HTTP_REDIRECT", "HTTP_NOT_MODIFIED",
    "HTTP_BAD_REQUEST", "HTTP_NOT_FOUND", "HTTP_SERVER_ERROR", "MIGRATE_HEADING",
    "MIGRATE_LABEL",
)

NOCOLOR_PALETTE = "nocolor"
DARK_PALETTE = "dark"
LIGHT_PALETTE = "light"
DEFAULT_PALETTE = DARK_PALETTE

PALETTES: dict[str, dict[str, dict]] = {
    NOCOLOR_PALETTE: {role: {} for role in ROLES},
    DARK_PALETTE: {
        "ERROR": {"fg": "red", "opts": ("bold",)},
        "SUCCESS": {"fg": "green", "opts": ("bold",)},
        "WARNING": {"fg": "yellow", "opts": ("bold",)},
        "NOTICE": {"fg": "red"},
        "SQL_FIELD": {"fg": "green", "opts": ("bold",)},
        "SQL_COLTYPE": {"fg": "green"},
        "SQL_KEYWORD": {"fg": "yellow"},
        "SQL_TABLE": {"opts": ("bold",)},
        "HTTP_INFO": {"opts": ("bold",)},
        "HTTP_SUCCESS": {},
        "HTTP_REDIRECT": {"fg": "green"},
        "HTTP_NOT_MODIFIED": {"fg": "cyan"},
        "HTTP_BAD_REQUEST": {"fg": "red", "opts": ("bold",)},
        "HTTP_NOT_FOUND": {"fg": "yellow"},
        "HTTP_SERVER_ERROR": {"fg": "magenta", "opts": ("bold",)},
        "MIGRATE_HEADING": {"fg": "cyan", "opts": ("bold",)},
        "MIGRATE_LABEL": {"opts": ("bold",)},
    },
    LIGHT_PALETTE: {
        "ERROR": {"fg": "red", "opts": ("bold",)},
        "SUCCESS": {"fg": "green", "opts": ("bold",)},
        "WARNING": {"fg": "yellow", "opts": ("bold",)},
        "NOTICE": {"fg": "red"},
        "SQL_FIELD": {"fg": "green", "opts": ("bold",)},
        "SQL_COLTYPE": {"fg": "green"},
        "SQL_KEYWORD": {"fg": "blue"},
        "SQL_TABLE": {"opts": ("bold",)},
        "HTTP_INFO": {"opts": ("bold",)},
        "HTTP_SUCCESS": {},
        "HTTP_REDIRECT": {"fg": "green", "opts": ("bold",)},
        "HTTP_NOT_MODIFIED": {"fg": "green"},
        "HTTP_BAD_REQUEST": {"fg": "red", "opts": ("bold",)},
        "HTTP_NOT_FOUND": {"fg": "red"},
        "HTTP_SERVER_ERROR": {"fg": "magenta", "opts": ("bold",)},
        "MIGRATE_HEADING": {"fg": "cyan", "opts": ("bold",)},
        "MIGRATE_LABEL": {"opts": ("bold",)},
    },
}


def colorize(text: str = "", opts: tuple = (), *, fg: str | None = None,
             bg: str | None = None) -> str:
    """Wrap ``text`` in the ANSI codes for the given colours and options, then reset."""
    codes = []
    if fg:
        codes.append(FOREGROUND[fg])
    if bg:
        codes.append(BACKGROUND[bg])
    codes.extend(OPTIONS[o] for o in opts if o in OPTIONS)
    if not codes:
        return text
    return f"\x1b[{';'.join(codes)}m{text}\x1b[{RESET}m"


def make_style(opts: tuple = (), **kwargs) -> Callable[[str], str]:
    """A function that colours its argument with the given style."""
    return lambda text: colorize(text, opts, **kwargs)


def parse_color_setting(config_string: str | None) -> dict | None:
    """Parse a REINHARDT_COLORS value into a role -> style dict; None means no colour."""
    if not config_string:
        return PALETTES[DEFAULT_PALETTE]
    palette = dict(PALETTES[DEFAULT_PALETTE])
    for part in config_string.lower().split(";"):
        part = part.strip()
        if part in PALETTES:
            palette = dict(PALETTES[part])
            continue
        if "=" not in part:
            continue
        role, _, instruction = part.partition("=")
        role = role.strip().upper()
        if role not in ROLES:
            continue
        styles = instruction.split(",")
        colors = styles[0].split("/")
        definition: dict = {}
        if colors[0] in FOREGROUND:
            definition["fg"] = colors[0]
        if len(colors) > 1 and colors[1] in BACKGROUND:
            definition["bg"] = colors[1]
        opts = tuple(s for s in styles[1:] if s in OPTIONS)
        if opts:
            definition["opts"] = opts
        palette[role] = definition
    if palette == PALETTES[NOCOLOR_PALETTE]:
        return None
    return palette


def supports_color(stream=None) -> bool:
    """True when ``stream`` (stdout by default) is a terminal that shows ANSI colours."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return False
    if sys.platform == "win32":
        return bool(os.environ.get("ANSICON") or os.environ.get("WT_SESSION")
                    or os.environ.get("TERM_PROGRAM") == "vscode"
                    or "ON" == os.environ.get("ConEmuANSI"))
    return os.environ.get("TERM") != "dumb"


class Style:
    """One callable attribute per role: ``style.ERROR("...")``; plain text when uncoloured."""

    def __init__(self, palette: dict | None = None):
        for role in ROLES:
            definition = (palette or {}).get(role) or {}
            if definition:
                style = make_style(definition.get("opts", ()), fg=definition.get("fg"),
                                   bg=definition.get("bg"))
            else:
                style = _identity
            setattr(self, role, style)


def _identity(text: str) -> str:
    return text


def _palette_from_environment() -> dict | None:
    setting = os.environ.get("REINHARDT_COLORS", "")
    return parse_color_setting(setting)


@functools.cache
def no_style() -> Style:
    """A style whose every role returns its text unchanged."""
    return Style(None)


def color_style(force_color: bool = False) -> Style:
    """The terminal's style, or ``no_style()`` when colour is off or unsupported."""
    if not force_color and not supports_color():
        return no_style()
    return Style(_palette_from_environment())
