"""Create a project or app from a template directory (startproject, startapp).

Files whose names end in ``.py-tpl`` are written as ``.py``; files with the extensions
given by ``--extension`` (and the names given by ``--name``) are rendered with the context
``{{ project_name }}``/``{{ app_name }}``, ``{{ secret_key }}``, ``{{ reinhardt_version }}``
and so on; a directory called ``project_name``/``app_name`` takes the new name.
Templates are rendered by reinhardt's template engine when it is installed; otherwise only
``{{ variable }}`` substitution is done, which is all the built-in templates use.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import stat
import tempfile
import zipfile
from importlib.util import find_spec
from keyword import iskeyword
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlretrieve

import reinhardt
from reinhardt.core.management.base import BaseCommand, CommandError, CommandParser
from reinhardt.core.management.utils import handle_extensions

TEMPLATE_ROOT = os.path.join(os.path.dirname(reinhardt.__file__), "conf")
_VARIABLE = re.compile(r"{{\s*([A-Za-z_][A-Za-z0-9_]*)\s*}}")


def render_template_text(content: str, context: dict[str, Any]) -> str:
    """Render ``content`` with ``context``: through the template engine when available."""
    try:
        from reinhardt.web.templates import Context, Engine
    except ImportError:
        return _VARIABLE.sub(lambda m: str(context.get(m.group(1), "")), content)
    template = Engine(autoescape=False).from_string(content)
    return template.render(Context(context, autoescape=False))


# Compiled leftovers that a template folder may contain and that are never copied.
_SKIPPED_SUFFIXES = (".pyo", ".pyc", ".py.class")


def _comma_separated(values: list[str]) -> list[str]:
    """["a, b", "c"] -> ["a", "b", "c"] (options that may be repeated or comma-joined)."""
    return [piece.strip() for value in values for piece in value.split(",")]


def _owner_may_write(path: str) -> None:
    """Make a file copied from a read-only template writable by its owner."""
    if os.access(path, os.W_OK):
        return
    mode = stat.S_IMODE(os.stat(path).st_mode)
    os.chmod(path, mode | stat.S_IWUSR)


class TemplateCommand(BaseCommand):
    """Copy a template tree (built-in, a directory, an archive or a URL) into place."""

    requires_system_checks: list = []
    url_schemes = ["http", "https", "ftp"]
    # (template file suffix, suffix of the written file)
    rewrite_template_suffixes = ((".py-tpl", ".py"),)
    app_or_project: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Name of the application or project.")
        parser.add_argument("directory", nargs="?",
                            help="Where to create it (default: a new folder named after it).")
        parser.add_argument("--template", help=("Directory, archive or URL of a custom "
                                               "template to copy instead of the built-in one."))
        parser.add_argument(
            "--extension", "-e", dest="extensions", action="append", default=["py"],
            help='File extensions to render through the template engine (default: "py"); '
                 "comma-separated or repeated.",
        )
        parser.add_argument(
            "--name", "-n", dest="files", action="append", default=[],
            help="Also render these files (besides *.py-tpl) through the template engine; "
                 "comma-separated or repeated.",
        )
        parser.add_argument(
            "--exclude", "-x", action="append", default=[],
            nargs="?", const="",
            help="Skip directories with this name (besides .git and __pycache__); may be "
                 "repeated.",
        )

    # -- the command --------------------------------------------------------------------------

    def handle(self, app_or_project: str, name: str, target: str | None = None,
               **options: Any) -> None:
        self.app_or_project = app_or_project
        self.a_or_an = "an" if app_or_project == "app" else "a"
        self.verbosity = options["verbosity"]
        self.paths_to_remove: list[str] = []
        self.validate_name(name)
        destination = self._destination(name, target)

        rendered_suffixes = tuple(handle_extensions(options["extensions"]))
        rendered_names = _comma_separated(options["files"])
        skipped_dirs = {".git", "__pycache__"}
        skipped_dirs.update(d.strip() for d in options.get("exclude") or () if d)
        if self.verbosity >= 2:
            for what, listed in (("extensions", rendered_suffixes),
                                 ("filenames", rendered_names)):
                self.stdout.write(f"Rendering {app_or_project} template files with {what}: "
                                  f"{', '.join(listed)}")

        placeholder = f"{app_or_project}_name"
        context = dict(options)
        context.update({
            placeholder: name,
            f"{app_or_project}_directory": destination,
            f"camel_case_{app_or_project}_name": name.title().replace("_", ""),
            "docs_version": "dev",
            "reinhardt_version": reinhardt.__version__,
        })
        context.update(self.extra_context(name))

        try:
            source = self.handle_template(options["template"], f"{app_or_project}_template")
            self._copy_tree(source, destination, placeholder, name, context,
                            rendered_suffixes, rendered_names, skipped_dirs)
        finally:
            self._remove_temporary_paths()

    def _destination(self, name: str, target: str | None) -> str:
        """The folder to fill: a new one named after the app/project, or ``target``."""
        if target is not None:
            folder = os.path.abspath(os.path.expanduser(target))
            if self.app_or_project == "app":
                # The folder becomes the app's package, so it needs a valid name too.
                self.validate_name(os.path.basename(folder), "directory")
            if os.path.exists(folder):
                return folder
            raise CommandError(
                f"Destination directory '{folder}' does not exist, please create it first."
            )
        folder = os.path.join(os.getcwd(), name)
        try:
            os.makedirs(folder)
        except FileExistsError:
            raise CommandError(f"'{folder}' already exists") from None
        except OSError as problem:
            raise CommandError(problem) from problem
        return folder

    def _copy_tree(self, source, destination, placeholder, name, context,
                   rendered_suffixes, rendered_names, skipped_dirs) -> None:
        for folder, subfolders, filenames in os.walk(source):
            # Prune in place so os.walk does not descend into skipped folders.
            subfolders[:] = [d for d in subfolders
                             if d not in skipped_dirs and not d.startswith(".")]
            relative = os.path.relpath(folder, source)
            relative = "" if relative == os.curdir else relative.replace(placeholder, name)
            if relative:
                os.makedirs(os.path.join(destination, relative), exist_ok=True)
            for filename in filenames:
                if filename.endswith(_SKIPPED_SUFFIXES):
                    continue
                written = self._written_path(
                    os.path.join(destination, relative, filename.replace(placeholder, name))
                )
                render = written.endswith(rendered_suffixes) or filename in rendered_names
                self._copy_file(os.path.join(folder, filename), written, render, context)

    def _written_path(self, path: str) -> str:
        for template_suffix, real_suffix in self.rewrite_template_suffixes:
            if path.endswith(template_suffix):
                return path[: -len(template_suffix)] + real_suffix
        return path

    def _copy_file(self, original: str, written: str, render: bool, context: dict) -> None:
        if os.path.exists(written):
            raise CommandError(
                f"{written} already exists. Overlaying {self.a_or_an} {self.app_or_project} "
                "into an existing directory won't replace conflicting files."
            )
        if render:
            with open(original, encoding="utf-8") as template_file:
                text = render_template_text(template_file.read(), context)
            with open(written, "w", encoding="utf-8") as output:
                output.write(text)
        else:
            shutil.copyfile(original, written)
        if self.verbosity >= 2:
            self.stdout.write(f"Creating {written}")
        try:
            shutil.copymode(original, written)
            self.make_writeable(written)
        except OSError:
            self.stderr.write(
                f"Notice: Couldn't set permission bits on {written}. You're probably using an "
                "uncommon filesystem setup. No problem.",
                self.style.NOTICE,
            )

    def _remove_temporary_paths(self) -> None:
        for leftover in self.paths_to_remove:
            if os.path.isdir(leftover):
                shutil.rmtree(leftover)
            elif os.path.exists(leftover):
                os.remove(leftover)

    def extra_context(self, name: str) -> dict[str, Any]:
        """More template variables; startproject adds the secret key and default apps."""
        return {}

    # -- where the template comes from ------------------------------------------------------

    def handle_template(self, template: str | None, subdir: str) -> str:
        """The directory of the template: built-in, a local directory, an archive or a URL."""
        if template is None:
            return os.path.join(TEMPLATE_ROOT, subdir)
        template = template.removeprefix("file://")
        local = os.path.abspath(os.path.expanduser(template))
        if os.path.isdir(local):
            return local
        archive = self.download(template) if self.is_url(template) else local
        if not os.path.exists(archive):
            raise CommandError(f"couldn't handle {self.app_or_project} template {template}.")
        return self.extract(archive)

    def validate_name(self, name: str, name_or_dir: str = "name") -> None:
        """Refuse names that cannot be imported as a package, or that shadow a module."""
        kind = f"{self.app_or_project} {name_or_dir}"
        if name is None:
            raise CommandError(f"you must provide {self.a_or_an} {self.app_or_project} name")
        if not name.isidentifier():
            raise CommandError(f"'{name}' is not a valid {kind}. Please make sure the "
                               f"{name_or_dir} is a valid identifier.")
        if iskeyword(name):
            raise CommandError(f"'{name}' is a Python keyword and cannot be used as "
                               f"{self.a_or_an} {kind}. Please try another {name_or_dir}.")
        if name_or_dir != "name":
            return
        try:
            taken = find_spec(name) is not None
        except (ImportError, ValueError):
            taken = False
        if taken:
            raise CommandError(
                f"'{name}' conflicts with the name of an existing Python module and cannot be "
                f"used as {self.a_or_an} {kind}. Please try another {name_or_dir}."
            )

    def _scratch_folder(self, purpose: str) -> str:
        folder = tempfile.mkdtemp(prefix="reinhardt_",
                                  suffix=f"_{self.app_or_project}_{purpose}")
        self.paths_to_remove.append(folder)
        return folder

    def download(self, url: str) -> str:
        """Download a template archive into a temporary directory and return its path."""
        folder = self._scratch_folder("download")
        filename = posixpath.basename(urlsplit(url).path.rstrip("/")) or "template"
        if self.verbosity >= 2:
            self.stdout.write(f"Downloading {url}")
        try:
            saved, _headers = urlretrieve(url, os.path.join(folder, filename))
        except OSError as problem:
            raise CommandError(f"couldn't download URL {url} to {filename}: {problem}") from None
        return saved

    def extract(self, filename: str) -> str:
        """Unpack an archive (zip, tar.*) into a temporary directory and return it."""
        folder = self._scratch_folder("extract")
        if self.verbosity >= 2:
            self.stdout.write(f"Extracting {filename}")
        # Tar members are checked by the "data" filter (nothing outside the folder, no
        # links or devices). zipfile always keeps members inside the folder, and before
        # Python 3.12 the zip unpacker does not even accept a filter argument.
        is_zip = filename.lower().endswith(".zip") or zipfile.is_zipfile(filename)
        safety = {} if is_zip else {"filter": "data"}
        try:
            shutil.unpack_archive(filename, folder, **safety)
        except (shutil.ReadError, ValueError, OSError) as problem:
            raise CommandError(
                f"couldn't extract file {filename} to {folder}: {problem}"
            ) from None
        entries = os.listdir(folder)
        # An archive with one top-level folder holds the template in that folder.
        if len(entries) == 1 and os.path.isdir(os.path.join(folder, entries[0])):
            return os.path.join(folder, entries[0])
        return folder

    def is_url(self, template: str) -> bool:
        scheme, colon, _rest = template.partition(":")
        return bool(colon) and scheme.lower() in self.url_schemes

    def make_writeable(self, filename: str) -> None:
        """Make a file copied from a read-only template writable by its owner."""
        _owner_may_write(filename)
