"""Maps the repository's top-level folders onto the one import namespace `reinhardt`.

The folders `orm/`, `backends/`, `web/` and `contrib/` install as `reinhardt.orm`,
`reinhardt.backends`, `reinhardt.web` and `reinhardt.contrib`; nothing installs a top-level
`orm` or `web` module. Metadata lives in pyproject.toml.
"""

from setuptools import find_packages, setup

PACKAGE_ROOTS = {
    "reinhardt": "reinhardt",
    "reinhardt.orm": "orm",
    "reinhardt.backends": "backends",
    "reinhardt.web": "web",
    "reinhardt.contrib": "contrib",
}


def _packages():
    names = []
    for name, folder in PACKAGE_ROOTS.items():
        names.append(name)
        names += [f"{name}.{sub}" for sub in find_packages(folder)]
    return names


setup(
    packages=_packages(),
    package_dir=PACKAGE_ROOTS,
    package_data={
        "": ["*.html", "*.txt", "*.tpl", "*.css", "*.js", "*-tpl"],
        # startproject/startapp templates live in plain folders, not packages.
        "reinhardt.conf": ["project_template/**/*-tpl", "app_template/**/*-tpl"],
    },
)
