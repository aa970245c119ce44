"""Files: the File wrapper, uploaded files and upload handlers (``django.core.files``)."""

from reinhardt.core.files.base import File

__all__ = ["File"]
