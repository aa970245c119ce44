"""The built-in upload handlers, driven the way the multipart parser drives them."""

import os

import pytest

from reinhardt.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile
from reinhardt.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    StopFutureHandlers,
    StopUpload,
    TemporaryFileUploadHandler,
    load_handler,
)
from reinhardt.test import override_settings


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=100)
def test_memory_handler_keeps_small_requests():
    handler = MemoryFileUploadHandler()
    handler.handle_raw_input(None, {}, 100, b"x")
    with pytest.raises(StopFutureHandlers):
        handler.new_file("doc", "a.txt", "text/plain", 5, "utf-8", {"x": "1"})
    assert handler.receive_data_chunk(b"hello", 0) is None
    upload = handler.file_complete(5)
    assert isinstance(upload, InMemoryUploadedFile)
    assert (upload.field_name, upload.name, upload.size, upload.charset) == ("doc", "a.txt", 5,
                                                                             "utf-8")
    assert upload.content_type_extra == {"x": "1"}
    assert upload.read() == b"hello"


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=100)
def test_memory_handler_passes_large_requests_on():
    handler = MemoryFileUploadHandler()
    handler.handle_raw_input(None, {}, 101, b"x")
    handler.new_file("doc", "a.txt", "text/plain", 5)
    assert handler.receive_data_chunk(b"hello", 0) == b"hello"
    assert handler.file_complete(5) is None


def test_temporary_handler_writes_to_disk_and_cleans_up():
    handler = TemporaryFileUploadHandler()
    handler.new_file("doc", "b.bin", "application/octet-stream", None)
    handler.receive_data_chunk(b"abc", 0)
    upload = handler.file_complete(3)
    assert isinstance(upload, TemporaryUploadedFile)
    assert upload.size == 3 and upload.read() == b"abc"
    path = upload.temporary_file_path()
    handler.upload_interrupted()
    assert not os.path.exists(path)
    handler.upload_interrupted()  # a second call is harmless
    TemporaryFileUploadHandler().upload_interrupted()  # no file yet: nothing to do


def test_base_handler_and_exceptions():
    handler = load_handler("reinhardt.core.files.uploadhandler.FileUploadHandler", "req")
    assert handler.request == "req" and handler.file_name is None
    assert handler.chunk_size == 64 * 1024
    with pytest.raises(NotImplementedError, match="receive_data_chunk"):
        handler.receive_data_chunk(b"", 0)
    with pytest.raises(NotImplementedError, match="file_complete"):
        FileUploadHandler().file_complete(0)
    assert str(StopUpload()) == "StopUpload: Consume request data, then halt."
    assert str(StopUpload(connection_reset=True)) == "StopUpload: Halt current upload."


@pytest.mark.parametrize("name", ["", ".", "..", "a/..", "/"])
def test_uploaded_file_refuses_names_without_a_base_name(name):
    from reinhardt.core.exceptions import SuspiciousFileOperation
    from reinhardt.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(SuspiciousFileOperation, match="Could not derive file name"):
        SimpleUploadedFile(name, b"x")


def test_uploaded_file_names_are_reduced_to_a_short_base_name():
    from reinhardt.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

    assert SimpleUploadedFile("a/b/c.txt", b"x").name == "c.txt"
    long_name = SimpleUploadedFile("x" * 300 + ".txt", b"x").name
    assert len(long_name) == 255 and long_name.endswith(".txt")
    assert repr(SimpleUploadedFile("c.txt", None)) == "<SimpleUploadedFile: c.txt (text/plain)>"
    assert SimpleUploadedFile("c.txt", None).size == 0
    assert UploadedFile().name is None
    made = SimpleUploadedFile.from_dict({"filename": "q.csv", "content": b"1,2"})
    assert (made.content_type, list(made.chunks()), made.multiple_chunks()) == (
        "text/plain", [b"1,2"], False
    )
