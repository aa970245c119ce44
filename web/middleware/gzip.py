"""GZipMiddleware: compress responses for clients that accept gzip.

A few random bytes go into the gzip header of each response so that its length does not
leak secrets through compression (the BREACH attack).
"""

from __future__ import annotations

import re

from reinhardt.utils.cache import patch_vary_headers
from reinhardt.utils.text import compress_sequence, compress_string
from reinhardt.web.middleware.base import NonBlockingMiddleware

re_accepts_gzip = re.compile(r"\bgzip\b")


class GZipMiddleware(NonBlockingMiddleware):
    max_random_bytes = 100

    def process_response(self, request, response):
        if not response.streaming and len(response.content) < 200:
            return response
        if response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        accept_encoding = request.META.get("HTTP_ACCEPT_ENCODING", "")
        if not re_accepts_gzip.search(accept_encoding):
            return response
        if response.streaming:
            if response.is_async:
                original = response.streaming_content

                async def gzip_wrapper():
                    async for chunk in _acompress(original, self.max_random_bytes):
                        yield chunk

                response.streaming_content = gzip_wrapper()
            else:
                response.streaming_content = compress_sequence(
                    response.streaming_content, max_random_bytes=self.max_random_bytes
                )
            del response.headers["Content-Length"]
        else:
            compressed = compress_string(response.content,
                                         max_random_bytes=self.max_random_bytes)
            if len(compressed) >= len(response.content):
                return response
            response.content = compressed
            response.headers["Content-Length"] = str(len(response.content))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            # The body changed, so a strong ETag would now be wrong; make it weak.
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


async def _acompress(chunks, max_random_bytes: int):
    import zlib

    from reinhardt.utils.text import _gzip_header

    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc = 0
    size = 0
    yield _gzip_header(max_random_bytes)
    async for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        data = compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if data:
            yield data
    yield compressor.flush() + crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
