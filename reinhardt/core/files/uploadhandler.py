"""Upload handlers: where the multipart parser sends each uploaded file's bytes."""

from __future__ import annotations

import os
from io import BytesIO

from reinhardt.conf import settings
from reinhardt.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile
from reinhardt.utils.module_loading import import_string


class UploadFileException(Exception):
    """Any error an upload handler raises."""


class StopUpload(UploadFileException):
    """Stop the whole upload; ``connection_reset`` says whether to stop reading input too."""

    def __init__(self, connection_reset: bool = False):
        self.connection_reset = connection_reset

    def __str__(self) -> str:
        if self.connection_reset:
            return "StopUpload: Halt current upload."
        return "StopUpload: Consume request data, then halt."


class SkipFile(UploadFileException):
    """Skip the rest of the current file."""


class StopFutureHandlers(UploadFileException):
    """Later handlers get nothing of this file (raised by a handler that took it)."""


class FileUploadHandler:
    """Base upload handler: subclasses override receive_data_chunk() and file_complete()."""

    chunk_size = 64 * 2**10

    def __init__(self, request=None):
        self.file_name = None
        self.content_type = None
        self.content_length = None
        self.charset = None
        self.content_type_extra = None
        self.request = request

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        """Return (POST, FILES) to take over parsing entirely; None to let it proceed."""

    def new_file(self, field_name, file_name, content_type, content_length, charset=None,
                 content_type_extra=None):
        self.field_name = field_name
        self.file_name = file_name
        self.content_type = content_type
        self.content_length = content_length
        self.charset = charset
        self.content_type_extra = content_type_extra

    def receive_data_chunk(self, raw_data: bytes, start: int):
        raise NotImplementedError("subclasses of FileUploadHandler must provide a "
                                  "receive_data_chunk() method")

    def file_complete(self, file_size: int):
        raise NotImplementedError("subclasses of FileUploadHandler must provide a "
                                  "file_complete() method")

    def upload_complete(self) -> None:
        pass

    def upload_interrupted(self) -> None:
        pass


class TemporaryFileUploadHandler(FileUploadHandler):
    """Stream every upload to a temporary file."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = TemporaryUploadedFile(self.file_name, self.content_type, 0, self.charset,
                                          self.content_type_extra)

    def receive_data_chunk(self, raw_data, start):
        self.file.write(raw_data)

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self):
        if hasattr(self, "file"):
            temp_location = self.file.temporary_file_path()
            try:
                self.file.close()
                os.remove(temp_location)
            except FileNotFoundError:
                pass


class MemoryFileUploadHandler(FileUploadHandler):
    """Keep uploads in memory while the request is no larger than FILE_UPLOAD_MAX_MEMORY_SIZE."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = content_length <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.activated:
            self.file = BytesIO()
            raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        if self.activated:
            self.file.write(raw_data)
        else:
            return raw_data

    def file_complete(self, file_size):
        if not self.activated:
            return None
        self.file.seek(0)
        return InMemoryUploadedFile(self.file, self.field_name, self.file_name,
                                    self.content_type, file_size, self.charset,
                                    self.content_type_extra)


def load_handler(path: str, *args, **kwargs) -> FileUploadHandler:
    return import_string(path)(*args, **kwargs)
