"""The messages that system checks return, with Django's levels and ``app.E001``-style ids."""

from __future__ import annotations

from typing import Any

DEBUG = 10
INFO = 20
WARNING = 30
ERROR = 40
CRITICAL = 50


class CheckMessage:
    """One finding of a system check: what is wrong (msg), how to fix it (hint), and where."""

    def __init__(self, level: int, msg: str, hint: str | None = None, obj: Any = None,
                 id: str | None = None):
        if not isinstance(level, int):
            raise TypeError("The first argument should be level.")
        self.level = level
        self.msg = msg
        self.hint = hint
        self.obj = obj
        self.id = id

    def __eq__(self, other) -> bool:
        return isinstance(other, self.__class__) and all(
            getattr(self, attr) == getattr(other, attr)
            for attr in ("level", "msg", "hint", "obj", "id")
        )

    def __hash__(self) -> int:
        return hash((self.level, self.msg, self.hint, self.id))

    def __str__(self) -> str:
        if self.obj is None:
            obj = "?"
        elif isinstance(self.obj, type) and hasattr(self.obj, "_meta"):
            obj = self.obj._meta.label  # a model class
        else:
            obj = str(self.obj)
        id_part = f"({self.id}) " if self.id else ""
        hint_part = f"\n\tHINT: {self.hint}" if self.hint else ""
        return f"{obj}: {id_part}{self.msg}{hint_part}"

    def __repr__(self) -> str:
        return (
            f"<{self.__class__.__name__}: level={self.level!r}, msg={self.msg!r}, "
            f"hint={self.hint!r}, obj={self.obj!r}, id={self.id!r}>"
        )

    def is_serious(self, level: int = ERROR) -> bool:
        return self.level >= level

    def is_silenced(self) -> bool:
        from reinhardt.conf import settings

        return self.id in settings.SILENCED_SYSTEM_CHECKS


class Debug(CheckMessage):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(DEBUG, *args, **kwargs)


class Info(CheckMessage):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(INFO, *args, **kwargs)


class Warning(CheckMessage):  # noqa: A001 - Django's public name
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(WARNING, *args, **kwargs)


class Error(CheckMessage):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(ERROR, *args, **kwargs)


class Critical(CheckMessage):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(CRITICAL, *args, **kwargs)
