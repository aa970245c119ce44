"""Migrations: versioned, plain-Python descriptions of schema changes, as Django's.

Migration files import ``from reinhardt.orm import migrations, models`` and subclass
``migrations.Migration`` with a list of ``migrations.<Operation>(...)``.
"""

from reinhardt.orm.migrations.migration import Migration, swappable_dependency
from reinhardt.orm.migrations.operations import *  # noqa: F403
from reinhardt.orm.migrations.operations import __all__ as _operation_names

__all__ = ["Migration", "swappable_dependency", *_operation_names]
