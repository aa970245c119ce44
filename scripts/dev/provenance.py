"""Measure how much of reinhardt's code still matches Django's source line for line.

Usage: python scripts/dev/provenance.py DJANGO_SRC [FILE_OR_DIR ...]

DJANGO_SRC is an unpacked Django source tree (``pip download django==5.2.19 --no-binary
:all:``). A code line counts as matched when it is 14+ characters long and lies in a run of
three or more consecutive code lines (blank lines, comments and docstrings left out, whitespace
normalised) that also occurs in Django. The measure is described in docs/dev/provenance.md.
"""

import ast
import io
import sys
import tokenize
from pathlib import Path

RUN = 3
MIN_LEN = 14
REPO = Path(__file__).resolve().parents[2]
DEFAULT_ROOTS = ["reinhardt", "orm", "backends", "web", "contrib"]


def code_lines(path):
    """The file's code lines as normalised strings, comments and docstrings removed."""
    source = path.read_text(encoding="utf-8", errors="replace")
    doc_lines = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    if tree is not None:
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                value = body[0].value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    doc_lines.update(range(value.lineno, value.end_lineno + 1))
    comment_only = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT and not tok.line[: tok.start[1]].strip():
                comment_only.add(tok.start[0])
    except (tokenize.TokenError, IndentationError):
        pass
    lines = []
    for number, raw in enumerate(source.splitlines(), 1):
        if number in doc_lines or number in comment_only:
            continue
        text = raw.split(" #", 1)[0] if "#" in raw and "'" not in raw and '"' not in raw else raw
        text = " ".join(text.split())
        if text:
            lines.append(text)
    return lines


def django_runs(django_root):
    runs = set()
    for path in Path(django_root).rglob("*.py"):
        lines = code_lines(path)
        for i in range(len(lines) - RUN + 1):
            runs.add(tuple(lines[i : i + RUN]))
    return runs


def measure(path, runs):
    lines = code_lines(path)
    hit = [False] * len(lines)
    for i in range(len(lines) - RUN + 1):
        if tuple(lines[i : i + RUN]) in runs:
            for j in range(i, i + RUN):
                hit[j] = True
    counted = [len(line) >= MIN_LEN for line in lines]
    matched = sum(1 for h, c in zip(hit, counted) if h and c)
    return matched, sum(counted)


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    runs = django_runs(argv[0])
    targets = [Path(a) for a in argv[1:]] or [REPO / root for root in DEFAULT_ROOTS]
    files = []
    for target in targets:
        files += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    results = []
    for path in files:
        if "migrations/0" in str(path) or "/tests/" in str(path):
            continue
        matched, measured = measure(path, runs)
        results.append((matched, measured, path))
    results.sort(key=lambda r: -r[0])
    for matched, measured, path in results:
        if matched:
            try:
                shown = path.resolve().relative_to(REPO)
            except ValueError:
                shown = path
            print(f"{matched}/{measured} {shown}")
    print(f"total {sum(r[0] for r in results)}/{sum(r[1] for r in results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
