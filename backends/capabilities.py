"""The backend capability matrix, generated from every backend's Features class.

    python -m reinhardt.backends.capabilities            # rewrite docs/capabilities.md
    python -m reinhardt.backends.capabilities --check    # exit 1 if the file is stale
    python -m reinhardt.backends.capabilities --stdout   # print it

Backends are discovered: every package under ``reinhardt.backends`` with a
``features.DatabaseFeatures`` class gets a column, so a new backend appears without editing
this module. A flag that depends on the server a connection reaches (a property on the
Features class) is evaluated for each variant the class names in ``capability_variants``
(attributes of a stand-in connection), or shown as "depends on the server".
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace

from reinhardt.backends.base.features import EMULATED, FLAGS, SETTINGS_FLAGS

# Packages under reinhardt.backends that are not backends.
NOT_BACKENDS = {"base", "sql", "dummy"}
DOC = Path(__file__).resolve().parent.parent / "docs" / "capabilities.md"
COMMAND = "python -m reinhardt.backends.capabilities"


def discover() -> list[tuple[str, type]]:
    """(package name, DatabaseFeatures class) of every backend present, sorted by name."""
    import reinhardt.backends as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg or info.name in NOT_BACKENDS:
            continue
        try:
            module = importlib.import_module(f"reinhardt.backends.{info.name}.features")
        except ModuleNotFoundError as e:
            if e.name == f"reinhardt.backends.{info.name}.features":
                continue  # a package without features.py is not a backend (yet)
            raise
        features = getattr(module, "DatabaseFeatures", None)
        if features is not None:
            found.append((info.name, features))
    return sorted(found)


def _dynamic(cls, flag) -> bool:
    for klass in cls.__mro__:
        if flag in klass.__dict__:
            return isinstance(klass.__dict__[flag], (property, cached_property))
    return False


def columns() -> list[tuple[str, object]]:
    """(column title, Features instance or class) per backend and server variant."""
    result = []
    for name, cls in discover():
        variants = getattr(cls, "capability_variants", None)
        if variants:
            for title, attributes in variants.items():
                result.append((f"{name} ({title})", cls(SimpleNamespace(**attributes))))
        else:
            result.append((name, cls))
    return result


def state(features, flag) -> str:
    if isinstance(features, type) and _dynamic(features, flag):
        return "depends on the server"
    value = getattr(features, flag)
    if value is EMULATED:
        return "emulated"
    return "supported" if value else "not supported"


def _setting(features, flag) -> str:
    if isinstance(features, type) and _dynamic(features, flag):
        return "depends on the connection"
    value = getattr(features, flag, None)
    return "no limit" if value is None and flag.startswith("max_") else repr(value)


def render() -> str:
    cols = columns()
    lines = [
        "# Backend capability matrix",
        "",
        "Generated from each backend's `Features` class by "
        f"`{COMMAND}`; do not edit by hand (a test fails when this file and the classes "
        "disagree). **supported**: native; **emulated**: supported exactly by a documented "
        "emulation; **not supported**: the ORM raises `NotSupportedError` naming the flag "
        "(ARCHITECTURE section 4). The compatibility suite (docs/compat-tests.md) checks "
        "every backend against these declarations.",
        "",
    ]
    groups: dict[str, list[str]] = {}
    for flag, (group, _) in FLAGS.items():
        groups.setdefault(group, []).append(flag)
    header = "| flag | " + " | ".join(title for title, _ in cols) + " |"
    rule = "|---|" + "---|" * len(cols)
    for group, flags in groups.items():
        lines += [f"## {group}", "", header, rule]
        for flag in flags:
            cells = " | ".join(state(f, flag) for _, f in cols)
            lines.append(f"| `{flag}` | {cells} |")
        lines.append("")
    lines += ["## Limits and dialect settings", "", header, rule]
    for flag in SETTINGS_FLAGS:
        cells = " | ".join(_setting(f, flag) for _, f in cols)
        lines.append(f"| `{flag}` | {cells} |")
    lines += ["", "## What each flag means", ""]
    for flag, (_, meaning) in FLAGS.items():
        lines.append(f"* `{flag}`: {meaning}.")
    for flag, meaning in SETTINGS_FLAGS.items():
        lines.append(f"* `{flag}`: {meaning}.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--stdout", action="store_true", help="print instead of writing")
    args = parser.parse_args(argv)
    text = render()
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        current = DOC.read_text() if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is out of date with the Features classes; run `{COMMAND}`.")
            return 1
        return 0
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
