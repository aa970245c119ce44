"""startproject and startapp, through call_command and the real ``reinhardt-admin``."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reinhardt.core.management import CommandError, call_command

REPO_ROOT = Path(__file__).resolve().parents[2]


def run(args, cwd, **env):
    """Run a command the way a user would, with the project (not the test suite) settings."""
    environment = {k: v for k, v in os.environ.items() if k != "REINHARDT_SETTINGS_MODULE"}
    environment.update(env)
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=environment,
                          timeout=120)


def admin_script():
    script = Path(sys.executable).with_name("reinhardt-admin")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reinhardt"]


def test_startproject_creates_a_runnable_project(tmp_path):
    result = run([*admin_script(), "startproject", "mysite"], tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "mysite"
    assert sorted(p.name for p in (project / "mysite").iterdir()) == [
        "__init__.py", "asgi.py", "settings.py", "urls.py", "wsgi.py",
    ]
    settings_text = (project / "mysite" / "settings.py").read_text()
    assert "django" not in settings_text.lower()
    assert '"ENGINE": "reinhardt.backends.sqlite3"' in settings_text
    assert 'ROOT_URLCONF = "mysite.urls"' in settings_text
    assert 'SECRET_KEY = "reinhardt-insecure-' in settings_text
    compile(settings_text, "settings.py", "exec")
    manage = (project / "manage.py").read_text()
    assert '"REINHARDT_SETTINGS_MODULE", "mysite.settings"' in manage

    result = run([sys.executable, "manage.py", "check"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    # Every dotted path the settings name can be imported.
    code = (
        "from reinhardt.conf import settings\n"
        "from reinhardt.utils.module_loading import import_string\n"
        "paths = [*settings.MIDDLEWARE, settings.TEMPLATES[0]['BACKEND'],\n"
        "         *settings.TEMPLATES[0]['OPTIONS']['context_processors'],\n"
        "         *(v['NAME'] for v in settings.AUTH_PASSWORD_VALIDATORS)]\n"
        "for path in paths:\n"
        "    import_string(path)\n"
        "print(len(paths))\n"
    )
    result = run([sys.executable, "manage.py", "shell", "-c", code], project)
    assert result.returncode == 0, result.stderr


def test_startapp_creates_an_app_with_a_migrations_package(tmp_path):
    assert run([*admin_script(), "startproject", "mysite"], tmp_path).returncode == 0
    project = tmp_path / "mysite"
    result = run([sys.executable, "manage.py", "startapp", "polls"], project)
    assert result.returncode == 0, result.stderr
    app = project / "polls"
    assert sorted(p.name for p in app.iterdir()) == [
        "__init__.py", "apps.py", "migrations", "models.py", "tests.py", "views.py",
    ]
    assert (app / "migrations" / "__init__.py").exists()
    apps_py = (app / "apps.py").read_text()
    assert "class PollsConfig(AppConfig):" in apps_py
    assert 'name = "polls"' in apps_py
    assert "from reinhardt.orm import models" in (app / "models.py").read_text()


def test_startproject_into_an_existing_directory(tmp_path):
    target = tmp_path / "here"
    target.mkdir()
    call_command("startproject", "proj", str(target))
    assert (target / "manage.py").exists() and (target / "proj" / "settings.py").exists()


def test_startproject_refuses_bad_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match="'my-site' is not a valid project name"):
        call_command("startproject", "my-site")
    with pytest.raises(CommandError, match="conflicts with the name of an existing Python module"):
        call_command("startproject", "json")
    with pytest.raises(CommandError, match="is a Python keyword"):
        call_command("startapp", "class")
    with pytest.raises(CommandError, match="does not exist, please create it first"):
        call_command("startapp", "blog", str(tmp_path / "missing"))


def test_startapp_with_a_custom_template_renders_chosen_files(tmp_path):
    template = tmp_path / "tpl"
    (template / "app_name").mkdir(parents=True)
    (template / "README.txt").write_text("App {{ app_name }}!")
    (template / "app_name" / "hello.py-tpl").write_text("NAME = '{{ app_name }}'\n")
    target = tmp_path / "out"
    target.mkdir()
    call_command("startapp", "blog", str(target), template=str(template), files=["README.txt"])
    assert (target / "README.txt").read_text() == "App blog!"
    assert (target / "blog" / "hello.py").read_text() == "NAME = 'blog'\n"


def test_unknown_subcommand_suggests_the_closest(tmp_path):
    result = run([*admin_script(), "startprojet"], tmp_path)
    assert result.returncode == 1
    assert "Unknown command: 'startprojet'. Did you mean startproject?" in result.stderr


def test_help_lists_commands_and_command_help_shows_options(tmp_path):
    result = run([*admin_script(), "help"], tmp_path)
    assert "Available subcommands:" in result.stdout and "startproject" in result.stdout
    result = run([*admin_script(), "help", "startapp"], tmp_path)
    assert "--template TEMPLATE" in result.stdout


def test_command_errors_exit_non_zero_with_one_line(tmp_path):
    result = run([*admin_script(), "startapp", "1bad"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "CommandError: '1bad' is not a valid app name. Please make sure the name is a valid "
        "identifier."
    )


def _template(root):
    (root / "app_name" / "sub").mkdir(parents=True)
    (root / "app_name" / "mod.py-tpl").write_text("X = '{{ camel_case_app_name }}'\n")
    (root / "app_name" / "sub" / "data.txt").write_text("{{ app_name }} raw\n")
    (root / "app_name" / "skip.pyc").write_bytes(b"\0")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "big.js").write_text("x")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "secret").write_text("x")
    return root


def test_template_archives_exclusions_and_compiled_files(tmp_path):
    import shutil
    import tempfile

    template = _template(tmp_path / "tpl")
    archive = shutil.make_archive(str(tmp_path / "tpl_archive"), "zip", template)
    target = tmp_path / "out"
    target.mkdir()
    before = set(os.listdir(tempfile.gettempdir()))
    call_command("startapp", "my_blog", str(target), template=archive, exclude=["node_modules"],
                 extensions=["py", "txt"], verbosity=0)
    assert (target / "my_blog" / "mod.py").read_text() == "X = 'MyBlog'\n"
    # .txt is rendered because of --extension; compiled files and excluded folders are not
    # copied, nor are hidden folders.
    assert (target / "my_blog" / "sub" / "data.txt").read_text() == "my_blog raw\n"
    assert not (target / "my_blog" / "skip.pyc").exists()
    assert not (target / "node_modules").exists() and not (target / ".hidden").exists()
    # The extracted copy in the temporary folder is gone again.
    leftovers = {n for n in set(os.listdir(tempfile.gettempdir())) - before
                 if n.startswith("reinhardt_")}
    assert leftovers == set()


def test_template_errors(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(CommandError, match="couldn't handle app template .*nowhere"):
        call_command("startapp", "blog", str(target), template=str(tmp_path / "nowhere"))
    bad = tmp_path / "bad.zip"
    bad.write_text("not an archive")
    with pytest.raises(CommandError, match="couldn't extract file"):
        call_command("startapp", "blog", str(target), template=str(bad))
    template = _template(tmp_path / "tpl")
    call_command("startapp", "blog", str(target), template=f"file://{template}", verbosity=0)
    with pytest.raises(CommandError, match="already exists. Overlaying an app into an "
                                           "existing directory won't replace conflicting files."):
        call_command("startapp", "blog", str(target), template=str(template), verbosity=0)
    with pytest.raises(CommandError, match="'bad-dir' is not a valid app directory"):
        (tmp_path / "bad-dir").mkdir()
        call_command("startapp", "blog", str(tmp_path / "bad-dir"))


def test_verbose_output_names_each_file(tmp_path, capsys):
    from io import StringIO

    template = _template(tmp_path / "tpl")
    target = tmp_path / "out"
    target.mkdir()
    out = StringIO()
    call_command("startapp", "blog", str(target), template=str(template), verbosity=2,
                 files=["a, b", "c"], stdout=out)
    text = out.getvalue()
    assert "Rendering app template files with extensions: .py\n" in text
    assert "Rendering app template files with filenames: a, b, c\n" in text
    assert f"Creating {target / 'blog' / 'mod.py'}\n" in text
