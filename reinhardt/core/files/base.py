"""File: a thin wrapper that gives any file-like object Django's File API."""

from __future__ import annotations

import os
from io import BytesIO, StringIO, UnsupportedOperation

from reinhardt.utils.functional import cached_property


class File:
    """Wraps a Python file object, adding name, size, chunks() and line iteration."""

    DEFAULT_CHUNK_SIZE = 64 * 2**10

    def __init__(self, file, name: str | None = None):
        self.file = file
        if name is None:
            name = getattr(file, "name", None)
        self.name = name
        if hasattr(file, "mode"):
            self.mode = file.mode

    def __str__(self) -> str:
        return self.name or ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self or 'None'}>"

    def __bool__(self) -> bool:
        return bool(self.name)

    def __len__(self) -> int:
        return self.size

    def __getattr__(self, name):
        # Delegate read(), seek(), tell(), write()... to the wrapped file.
        if name == "file":
            raise AttributeError(name)
        return getattr(self.file, name)

    @cached_property
    def size(self) -> int:
        if hasattr(self.file, "size"):
            return self.file.size
        if hasattr(self.file, "name"):
            try:
                return os.path.getsize(self.file.name)
            except (OSError, TypeError):
                pass
        if hasattr(self.file, "tell") and hasattr(self.file, "seek"):
            pos = self.file.tell()
            self.file.seek(0, os.SEEK_END)
            size = self.file.tell()
            self.file.seek(pos)
            return size
        raise AttributeError("Unable to determine the file's size.")

    def chunks(self, chunk_size: int | None = None):
        """Read the file in pieces, so large files never sit whole in memory."""
        chunk_size = chunk_size or self.DEFAULT_CHUNK_SIZE
        try:
            self.seek(0)
        except (AttributeError, UnsupportedOperation):
            pass
        while True:
            data = self.read(chunk_size)
            if not data:
                break
            yield data

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        return self.size > (chunk_size or self.DEFAULT_CHUNK_SIZE)

    def __iter__(self):
        # Yield lines across chunk boundaries; a CR at the end of one chunk and the LF at the
        # start of the next are one line ending.
        held = None
        for chunk in self.chunks():
            for line in chunk.splitlines(True):
                if held is not None:
                    if not _ends_line(held) or (_ends_cr(held) and _is_lf(line)):
                        line = held + line
                    else:
                        yield held
                held = line
        if held is not None:
            yield held

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        self.close()

    def open(self, mode: str | None = None, *args, **kwargs):
        if not self.closed:
            self.seek(0)
        elif self.name and os.path.exists(self.name):
            self.file = open(self.name, mode or self.mode, *args, **kwargs)
        else:
            raise ValueError("The file cannot be reopened.")
        return self

    def close(self) -> None:
        self.file.close()

    @property
    def closed(self) -> bool:
        return not self.file or self.file.closed


def _ends_line(chunk) -> bool:
    return chunk[-1:] in (b"\n", b"\r", "\n", "\r")


def _ends_cr(chunk) -> bool:
    return chunk[-1:] in (b"\r", "\r")


def _is_lf(line) -> bool:
    return line in (b"\n", "\n")


class ContentFile(File):
    """A File whose content is a str or bytes held in memory."""

    def __init__(self, content, name: str | None = None):
        stream_class = StringIO if isinstance(content, str) else BytesIO
        super().__init__(stream_class(content), name=name)
        self.size = len(content)

    def __str__(self) -> str:
        return "Raw content"

    def __bool__(self) -> bool:
        return True

    def open(self, mode=None):
        self.seek(0)
        return self

    def close(self) -> None:
        pass
