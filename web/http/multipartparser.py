"""multipart/form-data parsing: python-multipart tokenizes, upload handlers store the files.

Limits enforced while streaming, before anything is kept: DATA_UPLOAD_MAX_MEMORY_SIZE for
the total size of the non-file fields, DATA_UPLOAD_MAX_NUMBER_FIELDS and
DATA_UPLOAD_MAX_NUMBER_FILES. Malformed headers raise MultiPartParserError and malformed or
incomplete bodies SuspiciousMultipartForm; the request handler answers both with a 400.
"""

from __future__ import annotations

import base64
import binascii
import html
import logging
import re
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser as _Tokenizer
from python_multipart.multipart import MultipartState

from reinhardt.conf import settings
from reinhardt.core.exceptions import (
    RequestDataTooBig,
    SuspiciousMultipartForm,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from reinhardt.core.files.uploadhandler import SkipFile, StopFutureHandlers, StopUpload
from reinhardt.utils.datastructures import MultiValueDict
from reinhardt.utils.http import parse_header_parameters

__all__ = ["MultiPartParser", "MultiPartParserError", "InputStreamExhausted", "TooManyFilesSent"]

# python-multipart logs every malformed body it sees; the handler's 400 is the answer, so
# keep its warnings out of the project's logs.
logging.getLogger("python_multipart").addHandler(logging.NullHandler())
logging.getLogger("python_multipart").propagate = False

# RFC 2046: 1 to 70 characters, the last not a space (we allow up to 200 like most servers).
_VALID_BOUNDARY = re.compile(r"^[ -~]{0,199}[!-~]$")
_MAX_PART_HEADER_SIZE = 8 * 1024


class MultiPartParserError(Exception):
    """The multipart body is malformed."""


class InputStreamExhausted(Exception):
    """No more data could be read from the input."""


class _Part:
    __slots__ = ("headers", "field_name", "file_name", "content_type", "charset",
                 "content_type_extra", "transfer_encoding", "data", "size", "handlers",
                 "skip")

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.field_name = ""
        self.file_name: str | None = None
        self.content_type = ""
        self.charset: str | None = None
        self.content_type_extra: dict[str, str] = {}
        self.transfer_encoding = ""
        self.data: list[bytes] = []
        self.size = 0
        self.handlers: list = []
        self.skip = False


class MultiPartParser:
    """Parse a multipart/form-data body into (POST QueryDict, FILES MultiValueDict)."""

    def __init__(self, META: dict[str, Any], input_data, upload_handlers,
                 encoding: str | None = None):
        content_type = META.get("CONTENT_TYPE", "")
        if not content_type.startswith("multipart/"):
            raise MultiPartParserError(f"Invalid Content-Type: {content_type}")
        try:
            content_type.encode("ascii")
        except UnicodeEncodeError:
            raise MultiPartParserError(
                f"Invalid non-ASCII Content-Type in multipart: {content_type}"
            )
        _, params = parse_header_parameters(content_type)
        boundary = params.get("boundary")
        if not boundary or not _VALID_BOUNDARY.match(boundary):
            raise MultiPartParserError(f"Invalid boundary in multipart: {boundary}")
        try:
            content_length = int(META.get("CONTENT_LENGTH", 0))
        except (ValueError, TypeError):
            content_length = 0
        if content_length < 0:
            raise MultiPartParserError(f"Invalid content length: {content_length!r}")
        self._boundary = boundary.encode("ascii")
        self._input_data = input_data
        self._meta = META
        self._content_length = content_length
        self._upload_handlers = upload_handlers
        self._encoding = encoding or settings.DEFAULT_CHARSET
        possible_sizes = [h.chunk_size for h in upload_handlers if h.chunk_size]
        self._chunk_size = min([2**31 - 4, *possible_sizes])

    def parse(self):
        from reinhardt.web.http.request import QueryDict

        encoding = self._encoding
        handlers = self._upload_handlers
        if self._content_length == 0:
            return QueryDict(encoding=encoding), MultiValueDict()
        for handler in handlers:
            result = handler.handle_raw_input(self._input_data, self._meta,
                                              self._content_length, self._boundary, encoding)
            if result is not None:
                return result[0], result[1]

        self._post = QueryDict(mutable=True, encoding=encoding)
        self._files = MultiValueDict()
        self._num_fields = 0
        self._num_files = 0
        self._field_bytes = 0
        self._part: _Part | None = None
        self._header_field: list[bytes] = []
        self._header_value: list[bytes] = []
        self._header_size = 0
        self._stopped = False

        tokenizer = _Tokenizer(self._boundary, {
            "on_part_begin": self._on_part_begin,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
        })
        try:
            self._feed(tokenizer)
        except StopUpload as e:
            self._close_files()
            if not e.connection_reset:
                _exhaust(self._input_data)
        except BaseException:
            self._interrupt()
            raise
        else:
            _exhaust(self._input_data)
        for handler in handlers:
            retval = handler.upload_complete()
            if retval:
                break
        self._post._mutable = False
        return self._post, self._files

    def _feed(self, tokenizer) -> None:
        """Stream the body into the tokenizer; a body that is not complete multipart is 400.

        Text before the first boundary (the RFC 2046 preamble) is skipped, as the RFC says.
        A body with no boundary at all, one that ends before its closing boundary (cut off,
        or shorter than its Content-Length) and one the tokenizer cannot parse raise
        SuspiciousMultipartForm. Django instead keeps whatever parts it could read, so a
        truncated upload reaches the view as a smaller form; see docs/web.md.
        """
        delimiter = b"--" + self._boundary
        pending = b""
        started = False
        remaining = self._content_length
        while remaining > 0:
            chunk = self._input_data.read(min(self._chunk_size, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            if not started:
                pending += chunk
                if pending.startswith(delimiter):
                    start = 0
                else:
                    start = pending.find(b"\r\n" + delimiter)
                    if start == -1:
                        pending = pending[-(len(delimiter) + 2):]
                        continue
                    start += 2
                chunk, pending, started = pending[start:], b"", True
            try:
                tokenizer.write(chunk)
            except FormParserError as e:
                self._drop_current_part()
                raise SuspiciousMultipartForm(
                    f"The multipart body could not be parsed: {e}"
                ) from e
        if not started:
            raise SuspiciousMultipartForm(
                "The multipart body does not contain its boundary: it is not multipart data."
            )
        if tokenizer.state != MultipartState.END:
            self._drop_current_part()
            raise SuspiciousMultipartForm(
                "The multipart body ended before its closing boundary: it was cut off."
            )

    def _drop_current_part(self) -> None:
        part = self._part
        if part is not None:
            if part.file_name and not part.skip:
                self._interrupt_part(part)
            self._part = None

    # Tokenizer callbacks.

    def _on_part_begin(self) -> None:
        self._part = _Part()
        self._header_size = 0

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_field.append(data[start:end])

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_value.append(data[start:end])

    def _count_header(self, size: int) -> None:
        self._header_size += size
        if self._header_size > _MAX_PART_HEADER_SIZE:
            raise MultiPartParserError("The headers of a multipart part are too large.")

    def _on_header_end(self) -> None:
        name = b"".join(self._header_field).decode("latin-1").strip().lower()
        raw_value = b"".join(self._header_value)
        try:
            # Browsers send non-ASCII names in part headers as UTF-8.
            value = raw_value.decode(self._encoding).strip()
        except (UnicodeDecodeError, LookupError):
            value = raw_value.decode("latin-1").strip()
        self._header_field.clear()
        self._header_value.clear()
        self._part.headers[name] = value

    def _on_headers_finished(self) -> None:
        part = self._part
        disposition = part.headers.get("content-disposition")
        if disposition is None:
            part.skip = True
            return
        try:
            kind, params = parse_header_parameters(disposition)
        except ValueError:
            part.skip = True
            return
        if kind != "form-data" or "name" not in params:
            part.skip = True
            return
        part.field_name = params["name"].strip()
        part.transfer_encoding = part.headers.get("content-transfer-encoding", "").strip().lower()
        file_name = params.get("filename") or params.get("filename*")
        if file_name:
            part.file_name = self._sanitize_file_name(file_name)
            self._num_files += 1
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
            if limit is not None and self._num_files > limit:
                raise TooManyFilesSent(
                    "The number of files exceeded settings.DATA_UPLOAD_MAX_NUMBER_FILES."
                )
            if not part.file_name:
                part.skip = True
                return
            self._start_file(part)
        else:
            self._num_fields += 1
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
            if limit is not None and self._num_fields > limit:
                raise TooManyFieldsSent(
                    "The number of GET/POST parameters exceeded "
                    "settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."
                )

    def _start_file(self, part: _Part) -> None:
        content_type, params = parse_header_parameters(part.headers.get("content-type", ""))
        part.content_type = content_type.strip()
        part.charset = params.pop("charset", None)
        part.content_type_extra = params
        try:
            content_length = int(part.headers.get("content-length", 0))
        except ValueError:
            content_length = None
        part.handlers = list(self._upload_handlers)
        for i, handler in enumerate(part.handlers):
            try:
                handler.new_file(part.field_name, part.file_name, part.content_type,
                                 content_length, part.charset, part.content_type_extra)
            except StopFutureHandlers:
                del part.handlers[i + 1:]
                break
            except SkipFile:
                part.skip = True
                return

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part.skip:
            return
        chunk = data[start:end]
        if part.file_name is None:
            self._field_bytes += len(chunk)
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and self._field_bytes > limit:
                raise RequestDataTooBig(
                    "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."
                )
            part.data.append(chunk)
            return
        if part.transfer_encoding == "base64":
            # Keep base64 input to whole 4-byte groups before decoding.
            part.data.append(chunk)
            pending = b"".join(part.data)
            usable = len(pending) - len(pending) % 4
            part.data = [pending[usable:]]
            chunk = _b64decode(pending[:usable])
        self._feed_handlers(part, chunk)

    def _feed_handlers(self, part: _Part, chunk: bytes) -> None:
        start = part.size
        part.size += len(chunk)
        try:
            for handler in part.handlers:
                chunk = handler.receive_data_chunk(chunk, start)
                if chunk is None:
                    break
        except SkipFile:
            part.skip = True
            self._interrupt_part(part)

    def _on_part_end(self) -> None:
        part = self._part
        self._part = None
        if part is None or part.skip:
            return
        if part.file_name is None:
            raw = b"".join(part.data)
            if part.transfer_encoding == "base64":
                raw = _b64decode(raw)
            self._post.appendlist(part.field_name, _force_text(raw, self._encoding,
                                                               errors="replace"))
            return
        if part.transfer_encoding == "base64" and part.data and part.data[0]:
            self._feed_handlers(part, _b64decode(part.data[0]))
        for handler in part.handlers:
            file_obj = handler.file_complete(part.size)
            if file_obj is not None:
                self._files.appendlist(part.field_name, file_obj)
                break

    # Cleanup.

    def _interrupt_part(self, part: _Part) -> None:
        for handler in part.handlers:
            if hasattr(handler, "upload_interrupted"):
                handler.upload_interrupted()

    def _interrupt(self) -> None:
        if self._part is not None and self._part.file_name and not self._part.skip:
            self._interrupt_part(self._part)
        self._close_files()

    def _close_files(self) -> None:
        for _, files in self._files.lists():
            for f in files:
                if hasattr(f, "close"):
                    f.close()

    @staticmethod
    def _sanitize_file_name(file_name: str) -> str | None:
        """Keep only the base name; refuse names that would walk directories."""
        file_name = html.unescape(file_name)
        file_name = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        file_name = "".join(ch for ch in file_name if ch.isprintable())
        file_name = file_name.strip()
        if file_name in {"", ".", ".."}:
            return None
        return file_name


def _force_text(value: str | bytes, encoding: str, errors: str = "replace") -> str:
    if isinstance(value, bytes):
        return value.decode(encoding, errors)
    # Header parameters were decoded as Latin-1; recover the bytes the client sent.
    try:
        return value.encode("latin-1").decode(encoding, errors)
    except UnicodeEncodeError:
        return value


def _b64decode(data: bytes) -> bytes:
    try:
        return base64.b64decode(b"".join(data.split()))
    except binascii.Error as e:
        raise MultiPartParserError(f"Could not decode base64 data: {e}") from e


def _exhaust(stream) -> None:
    """Read what is left of the body, so the connection can carry the next request."""
    try:
        while stream.read(64 * 1024):
            pass
    except Exception:
        pass


# Kept importable from here, as in Django.
SuspiciousMultipartForm = SuspiciousMultipartForm
