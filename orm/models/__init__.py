"""Models, fields and query expressions (Django's ``django.db.models``)."""

from reinhardt.core.exceptions import ObjectDoesNotExist
from reinhardt.orm.models import signals
from reinhardt.orm.models.constants import LOOKUP_SEP
from reinhardt.orm.models.deletion import (
    CASCADE,
    DO_NOTHING,
    PROTECT,
    RESTRICT,
    SET,
    SET_DEFAULT,
    SET_NULL,
    ProtectedError,
    RestrictedError,
)
from reinhardt.orm.models.enums import Choices, IntegerChoices, TextChoices
from reinhardt.orm.models.expressions import (
    Case,
    Exists,
    Expression,
    ExpressionList,
    ExpressionWrapper,
    F,
    Func,
    OrderBy,
    OuterRef,
    RawSQL,
    RowRange,
    Subquery,
    Value,
    ValueRange,
    When,
    Window,
    WindowFrame,
    WindowFrameExclusion,
)
from reinhardt.orm.models.fields import *  # noqa: F403
from reinhardt.orm.models.fields import __all__ as fields_all
from reinhardt.orm.models.fields.json import JSONField
from reinhardt.orm.models.lookups import Lookup, Transform

# isort: split
from reinhardt.orm.models.aggregates import *  # noqa: F403
from reinhardt.orm.models.aggregates import __all__ as aggregates_all
from reinhardt.orm.models.constraints import *  # noqa: F403
from reinhardt.orm.models.constraints import __all__ as constraints_all
from reinhardt.orm.models.indexes import *  # noqa: F403
from reinhardt.orm.models.indexes import __all__ as indexes_all

# isort: split
from reinhardt.orm.models.query import Prefetch, QuerySet, prefetch_related_objects
from reinhardt.orm.models.query_utils import FilteredRelation, Q

# isort: split
from reinhardt.orm.models.manager import BaseManager, Manager

# isort: split
from reinhardt.orm.models.base import DEFERRED, Model  # isort:skip
from reinhardt.orm.models.fields.related import (  # isort:skip
    ForeignKey,
    ForeignObject,
    ForeignObjectRel,
    ManyToManyField,
    ManyToManyRel,
    ManyToOneRel,
    OneToOneField,
    OneToOneRel,
)

# Importing the functions registers the date/time transforms on the fields.
from reinhardt.orm.models import functions  # noqa: E402,F401  isort:skip

__all__ = aggregates_all + constraints_all + fields_all + indexes_all
__all__ += [
    "ObjectDoesNotExist", "signals", "CASCADE", "DO_NOTHING", "PROTECT", "RESTRICT", "SET",
    "SET_DEFAULT", "SET_NULL", "ProtectedError", "RestrictedError", "Case", "Exists",
    "Expression", "ExpressionList", "ExpressionWrapper", "F", "Func", "OrderBy", "OuterRef",
    "RowRange", "Subquery", "Value", "ValueRange", "When", "Window", "WindowFrame",
    "WindowFrameExclusion", "JSONField", "Lookup", "Transform", "Manager", "Prefetch", "Q",
    "QuerySet", "prefetch_related_objects", "DEFERRED", "Model", "FilteredRelation",
    "ForeignKey", "ForeignObject", "OneToOneField", "ManyToManyField", "ForeignObjectRel",
    "ManyToOneRel", "ManyToManyRel", "OneToOneRel", "BaseManager", "Choices",
    "IntegerChoices", "TextChoices", "RawSQL", "LOOKUP_SEP",
]
