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


class TemplateCommand(BaseCommand):
    """Copy a template tree (built-in, a directory, an archive or a URL) into place."""

    requires_system_checks: list = []
    url_schemes = ["http", "https", "ftp"]
    rewrite_template_suffixes = ((".py-tpl", ".py"),)
    app_or_project: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Name of the application or project.")
        parser.add_argument("directory", nargs="?", help="Optional destination directory")
        parser.add_argument("--template", help=("Directory, archive or URL of a custom "
                                               "template to copy instead of the built-in one."))
        parser.add_argument(
            "--extension", "-e", dest="extensions", action="append", default=["py"],
            help='The file extension(s) to render (default: "py"). Separate multiple '
                 "extensions with commas, or use -e multiple times.",
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

    def handle(self, app_or_project: str, name: str, target: str | None = None,
               **options: Any) -> None:
        self.app_or_project = app_or_project
        self.a_or_an = "an" if app_or_project == "app" else "a"
        self.paths_to_remove: list[str] = []
        self.verbosity = options["verbosity"]

        self.validate_name(name)
        if target is None:
            top_dir = os.path.join(os.getcwd(), name)
            try:
                os.makedirs(top_dir)
            except FileExistsError:
                raise CommandError(f"'{top_dir}' already exists")
            except OSError as e:
                raise CommandError(e)
        else:
            top_dir = os.path.abspath(os.path.expanduser(target))
            if app_or_project == "app":
                self.validate_name(os.path.basename(top_dir), "directory")
            if not os.path.exists(top_dir):
                raise CommandError(
                    f"Destination directory '{top_dir}' does not exist, please create it "
                    "first."
                )

        extensions = tuple(handle_extensions(options["extensions"]))
        extra_files = []
        excluded_directories = [".git", "__pycache__"]
        for file in options["files"]:
            extra_files.extend(map(lambda x: x.strip(), file.split(",")))
        for directory in options.get("exclude") or []:
            if directory:
                excluded_directories.append(directory.strip())
        if self.verbosity >= 2:
            self.stdout.write(f"Rendering {app_or_project} template files with extensions: "
                              f"{', '.join(extensions)}")
            self.stdout.write(f"Rendering {app_or_project} template files with filenames: "
                              f"{', '.join(extra_files)}")

        base_name = f"{app_or_project}_name"
        base_subdir = f"{app_or_project}_template"
        base_directory = f"{app_or_project}_directory"
        camel_case_name = f"camel_case_{app_or_project}_name"
        camel_case_value = "".join(x for x in name.title() if x != "_")

        context = {
            **options,
            base_name: name,
            base_directory: top_dir,
            camel_case_name: camel_case_value,
            "docs_version": "dev",
            "reinhardt_version": reinhardt.__version__,
        }
        context.update(self.extra_context(name))

        template_dir = self.handle_template(options["template"], base_subdir)
        prefix_length = len(template_dir) + 1

        for root, dirs, files in os.walk(template_dir):
            path_rest = root[prefix_length:]
            relative_dir = path_rest.replace(base_name, name)
            if relative_dir:
                target_dir = os.path.join(top_dir, relative_dir)
                os.makedirs(target_dir, exist_ok=True)
            for dirname in dirs[:]:
                if dirname in excluded_directories or dirname.startswith("."):
                    dirs.remove(dirname)
            for filename in files:
                if filename.endswith((".pyo", ".pyc", ".py.class")):
                    continue
                old_path = os.path.join(root, filename)
                new_path = os.path.join(top_dir, relative_dir, filename.replace(base_name, name))
                for old_suffix, new_suffix in self.rewrite_template_suffixes:
                    if new_path.endswith(old_suffix):
                        new_path = new_path.removesuffix(old_suffix) + new_suffix
                        break
                if os.path.exists(new_path):
                    raise CommandError(
                        f"{new_path} already exists. Overlaying {self.a_or_an} "
                        f"{app_or_project} into an existing directory won't replace "
                        "conflicting files."
                    )
                if new_path.endswith(extensions) or filename in extra_files:
                    with open(old_path, encoding="utf-8") as template_file:
                        content = template_file.read()
                    content = render_template_text(content, context)
                    with open(new_path, "w", encoding="utf-8") as new_file:
                        new_file.write(content)
                else:
                    shutil.copyfile(old_path, new_path)
                if self.verbosity >= 2:
                    self.stdout.write(f"Creating {new_path}")
                try:
                    shutil.copymode(old_path, new_path)
                    self.make_writeable(new_path)
                except OSError:
                    self.stderr.write(
                        f"Notice: Couldn't set permission bits on {new_path}. You're probably "
                        "using an uncommon filesystem setup. No problem.",
                        self.style.NOTICE,
                    )

        for path_to_remove in self.paths_to_remove:
            if os.path.isfile(path_to_remove):
                os.remove(path_to_remove)
            else:
                shutil.rmtree(path_to_remove)

    def extra_context(self, name: str) -> dict[str, Any]:
        """More template variables; startproject adds the secret key and default apps."""
        return {}

    def handle_template(self, template: str | None, subdir: str) -> str:
        """The directory of the template: built-in, a local directory, an archive or a URL."""
        if template is None:
            return os.path.join(TEMPLATE_ROOT, subdir)
        if template.startswith("file://"):
            template = template.removeprefix("file://")
        expanded_template = os.path.abspath(os.path.expanduser(template))
        if os.path.isdir(expanded_template):
            return expanded_template
        if self.is_url(template):
            absolute_path = self.download(template)
        else:
            absolute_path = expanded_template
        if os.path.exists(absolute_path):
            return self.extract(absolute_path)
        raise CommandError(
            f"couldn't handle {self.app_or_project} template {template}."
        )

    def validate_name(self, name: str, name_or_dir: str = "name") -> None:
        if name is None:
            raise CommandError(
                f"you must provide {self.a_or_an} {self.app_or_project} name"
            )
        if not name.isidentifier():
            raise CommandError(
                f"'{name}' is not a valid {self.app_or_project} {name_or_dir}. Please make "
                f"sure the {name_or_dir} is a valid identifier."
            )
        if iskeyword(name):
            raise CommandError(
                f"'{name}' is a Python keyword and cannot be used as {self.a_or_an} "
                f"{self.app_or_project} {name_or_dir}. Please try another {name_or_dir}."
            )
        if name_or_dir == "name":
            try:
                spec = find_spec(name)
            except (ImportError, ValueError):
                spec = None
            if spec is not None:
                raise CommandError(
                    f"'{name}' conflicts with the name of an existing Python module and "
                    f"cannot be used as {self.a_or_an} {self.app_or_project} {name_or_dir}. "
                    f"Please try another {name_or_dir}."
                )

    def download(self, url: str) -> str:
        """Download a template archive into a temporary directory and return its path."""
        tempdir = tempfile.mkdtemp(prefix="reinhardt_", suffix=f"_{self.app_or_project}_download")
        self.paths_to_remove.append(tempdir)
        filename = posixpath.basename(urlsplit(url).path.rstrip("/")) or "template"
        if self.verbosity >= 2:
            self.stdout.write(f"Downloading {url}")
        try:
            path, _ = urlretrieve(url, os.path.join(tempdir, filename))
        except OSError as e:
            raise CommandError(f"couldn't download URL {url} to {filename}: {e}")
        return path

    def extract(self, filename: str) -> str:
        """Unpack an archive (zip, tar.*) into a temporary directory and return it."""
        tempdir = tempfile.mkdtemp(prefix="reinhardt_", suffix=f"_{self.app_or_project}_extract")
        self.paths_to_remove.append(tempdir)
        if self.verbosity >= 2:
            self.stdout.write(f"Extracting {filename}")
        try:
            shutil.unpack_archive(filename, tempdir, filter="data")
        except (shutil.ReadError, ValueError, OSError) as e:
            raise CommandError(f"couldn't extract file {filename} to {tempdir}: {e}")
        entries = os.listdir(tempdir)
        # An archive with one top-level folder holds the template in that folder.
        if len(entries) == 1 and os.path.isdir(os.path.join(tempdir, entries[0])):
            return os.path.join(tempdir, entries[0])
        return tempdir

    def is_url(self, template: str) -> bool:
        if ":" not in template:
            return False
        scheme = template.split(":", 1)[0].lower()
        return scheme in self.url_schemes

    def make_writeable(self, filename: str) -> None:
        """Make a file copied from a read-only template writable by its owner."""
        if not os.access(filename, os.W_OK):
            st = os.stat(filename)
            os.chmod(filename, stat.S_IMODE(st.st_mode) | stat.S_IWUSR)
