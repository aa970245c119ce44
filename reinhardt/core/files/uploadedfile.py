"""Files that arrived in a request: held in memory, or spooled to a temporary file.

The client-supplied file name is never trusted: only its last path component is kept, it is
cut to 255 characters (keeping the extension), and names that are empty or '.'/'..' are
refused.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from io import BytesIO

from reinhardt.conf import settings
from reinhardt.core.exceptions import SuspiciousFileOperation
from reinhardt.core.files.base import File

_MAX_NAME = 255  # what common file systems allow for one path component


def _safe_upload_name(raw):
    """The client's file name reduced to a harmless base name (see the module docstring)."""
    base = os.path.basename(raw)
    if len(base) > _MAX_NAME:
        stem, extension = os.path.splitext(base)
        extension = extension[:_MAX_NAME]
        base = stem[: _MAX_NAME - len(extension)] + extension
    if base in ("", ".", ".."):
        raise SuspiciousFileOperation(f"Could not derive file name from '{base}'")
    return base


class UploadedFile(File):
    """An uploaded file, with the client's name, content type and charset."""

    def __init__(self, file=None, name=None, content_type=None, size=None, charset=None,
                 content_type_extra=None):
        File.__init__(self, file, name)
        self.content_type, self.charset = content_type, charset
        self.content_type_extra = content_type_extra
        self.size = size

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name} ({self.content_type})>"

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = None if value is None else _safe_upload_name(value)


class TemporaryUploadedFile(UploadedFile):
    """An upload streamed to a temporary file on disk (FILE_UPLOAD_TEMP_DIR)."""

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        # Keep the extension on the temporary file too (some tools sniff it).
        suffix = ".upload" + os.path.splitext(name)[1]
        spool = tempfile.NamedTemporaryFile(suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR)
        UploadedFile.__init__(self, spool, name, content_type, size, charset, content_type_extra)

    def temporary_file_path(self) -> str:
        """Where the upload is on disk (the file is deleted when closed)."""
        return self.file.name

    def close(self) -> None:
        # The temporary file may already have been moved away (e.g. by a storage backend).
        with suppress(FileNotFoundError):
            return self.file.close()
        return None


class InMemoryUploadedFile(UploadedFile):
    """An upload held in memory (below FILE_UPLOAD_MAX_MEMORY_SIZE)."""

    def __init__(self, file, field_name, name, content_type, size, charset,
                 content_type_extra=None):
        self.field_name = field_name
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)

    def multiple_chunks(self, chunk_size=None) -> bool:
        return False  # everything is in memory already

    def chunks(self, chunk_size=None):
        """The whole content as one chunk."""
        self.file.seek(0, os.SEEK_SET)
        yield self.read()

    def open(self, mode=None):
        """Rewind; the content is already in memory."""
        self.file.seek(0, os.SEEK_SET)
        return self


class SimpleUploadedFile(InMemoryUploadedFile):
    """An in-memory upload built from bytes: handy in tests."""

    @classmethod
    def from_dict(cls, file_dict):
        """Build one from ``{"filename": ..., "content": ..., "content-type": ...}``."""
        kind = file_dict.get("content-type", "text/plain")
        return cls(file_dict["filename"], file_dict["content"], kind)

    def __init__(self, name, content, content_type="text/plain"):
        data = b"" if not content else content
        InMemoryUploadedFile.__init__(
            self, BytesIO(data), None, name, content_type, len(data), None, None
        )
