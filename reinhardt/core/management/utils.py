"""Helpers shared by management commands."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from reinhardt.apps import apps as installed_apps
from reinhardt.utils.crypto import get_random_string

from .base import CommandError


def popen_wrapper(args: list[str], stdout_encoding: str = "utf-8") -> tuple[str, str, int]:
    """Run ``args`` and return (stdout, stderr, returncode); CommandError if it can't run."""
    try:
        process = subprocess.run(args, capture_output=True, close_fds=os.name != "nt")
    except OSError as err:
        raise CommandError(f"Error executing {args[0]}") from err
    return (
        process.stdout.decode(stdout_encoding),
        process.stderr.decode(stdout_encoding, errors="replace"),
        process.returncode,
    )


def handle_extensions(extensions: Iterable[str]) -> set[str]:
    """['.html', 'txt,py'] -> {'.html', '.txt', '.py'}: --extension given many times or with commas."""
    ext_list = []
    for ext in extensions:
        ext_list.extend(ext.replace(" ", "").split(","))
    for i, ext in enumerate(ext_list):
        if not ext.startswith("."):
            ext_list[i] = f".{ext_list[i]}"
    return set(ext_list)


def find_command(cmd: str, path: Iterable[str] | None = None) -> str | None:
    """The full path of the executable ``cmd`` on PATH (or ``path``), or None."""
    if path is None:
        return shutil.which(cmd)
    return shutil.which(cmd, path=os.pathsep.join(path))


def get_random_secret_key() -> str:
    """A 50-character random string for a new project's SECRET_KEY."""
    chars = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"
    return "reinhardt-insecure-" + get_random_string(50, chars)


def parse_apps_and_model_labels(labels: Iterable[str]) -> tuple[set, set]:
    """Split ``app_label`` and ``app_label.ModelName`` labels into app configs and models."""
    apps = set()
    models = set()
    for label in labels:
        if "." in label:
            try:
                model = installed_apps.get_model(label)
            except LookupError:
                raise CommandError(f"Unknown model: {label}")
            models.add(model)
        else:
            try:
                app_config = installed_apps.get_app_config(label)
            except LookupError as e:
                raise CommandError(str(e))
            apps.add(app_config)
    return models, apps


def normalize_path_patterns(patterns: Iterable[str]) -> list[str]:
    """Normalise path patterns given on the command line (``--ignore``)."""
    patterns = [os.path.normcase(p) for p in patterns]
    dir_suffixes = {f"{os.sep}*"}
    norm_patterns = []
    for pattern in patterns:
        for dir_suffix in dir_suffixes:
            if pattern.endswith(dir_suffix):
                norm_patterns.append(pattern.removesuffix(dir_suffix))
                break
        else:
            norm_patterns.append(pattern)
    return norm_patterns


def is_ignored_path(path: str | Path, ignore_patterns: Iterable[str]) -> bool:
    """True when ``path`` or any of its parts match one of ``ignore_patterns``."""
    path = Path(path)

    def ignore(pattern: str) -> bool:
        return fnmatch.fnmatchcase(path.name, pattern) or fnmatch.fnmatchcase(str(path), pattern)

    return any(ignore(pattern) for pattern in normalize_path_patterns(ignore_patterns))


def run_formatters(written_files: Iterable[str], black_path: str | None = None,
                   stderr=None) -> None:
    """Format generated files with black when it is installed, as Django does."""
    black_path = black_path or shutil.which("black")
    written_files = list(written_files)
    if black_path and written_files:
        subprocess.run(
            [black_path, "--fast", "--", *written_files],
            capture_output=True,
        )


def get_command_line_option(argv: list[str], option: str) -> str | None:
    """The value of ``option`` in ``argv`` (``--opt value`` or ``--opt=value``), or None."""
    for index, arg in enumerate(argv):
        if arg == option and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None
