"""Files that arrived in a request: in memory, or spooled to a temporary file."""

from __future__ import annotations

import os
import tempfile
from io import BytesIO

from reinhardt.conf import settings
from reinhardt.core.files.base import File


class UploadedFile(File):
    """An uploaded file, with the client's name, content type and charset."""

    def __init__(self, file=None, name=None, content_type=None, size=None, charset=None,
                 content_type_extra=None):
        super().__init__(file, name)
        self.size = size
        self.content_type = content_type
        self.charset = charset
        self.content_type_extra = content_type_extra

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name} ({self.content_type})>"

    def _get_name(self):
        return self._name

    def _set_name(self, name):
        # Keep only the base name, and at most 255 characters of it, as filesystems allow.
        if name is not None:
            name = os.path.basename(name)
            if len(name) > 255:
                stem, ext = os.path.splitext(name)
                ext = ext[:255]
                name = stem[: 255 - len(ext)] + ext
        self._name = name

    name = property(_get_name, _set_name)


class TemporaryUploadedFile(UploadedFile):
    """An upload streamed to a temporary file on disk (FILE_UPLOAD_TEMP_DIR)."""

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        _, ext = os.path.splitext(name)
        file = tempfile.NamedTemporaryFile(suffix=".upload" + ext,
                                           dir=settings.FILE_UPLOAD_TEMP_DIR)
        super().__init__(file, name, content_type, size, charset, content_type_extra)

    def temporary_file_path(self) -> str:
        return self.file.name

    def close(self) -> None:
        try:
            return self.file.close()
        except FileNotFoundError:
            pass


class InMemoryUploadedFile(UploadedFile):
    """An upload held in memory (below FILE_UPLOAD_MAX_MEMORY_SIZE)."""

    def __init__(self, file, field_name, name, content_type, size, charset,
                 content_type_extra=None):
        super().__init__(file, name, content_type, size, charset, content_type_extra)
        self.field_name = field_name

    def open(self, mode=None):
        self.file.seek(0)
        return self

    def chunks(self, chunk_size=None):
        self.file.seek(0)
        yield self.read()

    def multiple_chunks(self, chunk_size=None) -> bool:
        return False


class SimpleUploadedFile(InMemoryUploadedFile):
    """An in-memory upload built from bytes: handy in tests."""

    def __init__(self, name, content, content_type="text/plain"):
        content = content or b""
        super().__init__(BytesIO(content), None, name, content_type, len(content), None, None)

    @classmethod
    def from_dict(cls, file_dict):
        return cls(file_dict["filename"], file_dict["content"],
                   file_dict.get("content-type", "text/plain"))
