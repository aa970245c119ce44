"""Upload handlers: the multipart parser feeds each uploaded file's bytes to the handlers
listed in FILE_UPLOAD_HANDLERS, in order, until one of them keeps the file.

The two built-in handlers keep small requests in memory and stream the rest to temporary
files on disk.
"""

from __future__ import annotations

import os
from io import BytesIO

from reinhardt.conf import settings
from reinhardt.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile
from reinhardt.utils.module_loading import import_string


class UploadFileException(Exception):
    """Base of the exceptions upload handlers raise to steer the parser."""


class StopUpload(UploadFileException):
    """Abandon the whole upload. With ``connection_reset`` the rest of the request body is
    not read either (the client connection will be dropped)."""

    def __init__(self, connection_reset: bool = False):
        self.connection_reset = connection_reset

    def __str__(self) -> str:
        what = "Halt current upload." if self.connection_reset else (
            "Consume request data, then halt."
        )
        return f"StopUpload: {what}"


class SkipFile(UploadFileException):
    """Ignore the rest of the file being received."""


class StopFutureHandlers(UploadFileException):
    """Raised by a handler that takes a file over: handlers after it never see that file."""


def _must_override(method):
    return NotImplementedError(
        f"subclasses of FileUploadHandler must provide a {method}() method"
    )


class FileUploadHandler:
    """Base upload handler: subclasses override receive_data_chunk() and file_complete()."""

    # Bytes handed to receive_data_chunk() at a time (64 KiB); a subclass may change it.
    chunk_size = 65536

    def __init__(self, request=None):
        self.request = request
        for name in ("file_name", "content_type", "content_length", "charset",
                     "content_type_extra"):
            setattr(self, name, None)

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        """Return (POST, FILES) to take over parsing entirely; None to let it proceed."""

    def new_file(self, field_name, file_name, content_type, content_length, charset=None,
                 content_type_extra=None):
        """A new file starts in the stream: remember what the part's headers said."""
        self.field_name, self.file_name = field_name, file_name
        self.content_type, self.content_type_extra = content_type, content_type_extra
        self.content_length, self.charset = content_length, charset

    def receive_data_chunk(self, raw_data: bytes, start: int):
        """Take a chunk; return it (or something) to pass it on to the next handler, or
        None to keep it."""
        raise _must_override("receive_data_chunk")

    def file_complete(self, file_size: int):
        """The file ended: return the UploadedFile to keep, or None to let later handlers
        provide it."""
        raise _must_override("file_complete")

    def upload_complete(self) -> None:
        """Called once the whole request has been parsed."""

    def upload_interrupted(self) -> None:
        """Called when the upload stopped early (e.g. the client went away)."""


class TemporaryFileUploadHandler(FileUploadHandler):
    """Stream every upload to a temporary file."""

    def new_file(self, *args, **kwargs):
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = TemporaryUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )

    def receive_data_chunk(self, raw_data, start):
        self.file.write(raw_data)

    def file_complete(self, file_size):
        upload = self.file
        upload.seek(0)
        upload.size = file_size
        return upload

    def upload_interrupted(self):
        upload = getattr(self, "file", None)
        if upload is None:
            return
        path = upload.temporary_file_path()
        try:
            upload.close()
            os.remove(path)
        except FileNotFoundError:
            pass  # already removed by closing


class MemoryFileUploadHandler(FileUploadHandler):
    """Keep uploads in memory while the request is no larger than FILE_UPLOAD_MAX_MEMORY_SIZE."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Decided once per request, from the declared body size.
        self.activated = not content_length > settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    def new_file(self, *args, **kwargs):
        FileUploadHandler.new_file(self, *args, **kwargs)
        if not self.activated:
            return
        self.file = BytesIO()
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        if not self.activated:
            return raw_data  # pass it on: a later handler stores it
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.activated:
            buffer = self.file
            buffer.seek(0)
            return InMemoryUploadedFile(
                buffer, self.field_name, self.file_name, self.content_type, file_size,
                self.charset, self.content_type_extra,
            )
        return None


def load_handler(path: str, *args, **kwargs) -> FileUploadHandler:
    """Import the handler class at dotted *path* and instantiate it with the arguments."""
    handler_class = import_string(path)
    return handler_class(*args, **kwargs)
