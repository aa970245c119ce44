"""Exceptions shared by every layer, under Django's names."""

from __future__ import annotations

import operator

NON_FIELD_ERRORS = "__all__"


class FieldDoesNotExist(Exception):
    """The requested model field does not exist."""


class AppRegistryNotReady(Exception):
    """The apps registry is not populated yet."""


class MultipleObjectsReturned(Exception):
    """get() (or a similar single-object lookup) matched more than one row."""


class ObjectDoesNotExist(Exception):
    """The requested object does not exist."""

    silent_variable_failure = True


class SuspiciousOperation(Exception):
    """The user did something suspicious."""


class SuspiciousMultipartForm(SuspiciousOperation):
    """Suspect MIME request in multipart form data."""


class SuspiciousFileOperation(SuspiciousOperation):
    """A suspicious filesystem operation was attempted."""


class DisallowedHost(SuspiciousOperation):
    """HTTP_HOST header contains an invalid value."""


class DisallowedRedirect(SuspiciousOperation):
    """A redirect to a scheme not in the allowed list was attempted."""


class TooManyFieldsSent(SuspiciousOperation):
    """More fields than DATA_UPLOAD_MAX_NUMBER_FIELDS were sent."""


class TooManyFilesSent(SuspiciousOperation):
    """More files than DATA_UPLOAD_MAX_NUMBER_FILES were sent."""


class RequestDataTooBig(SuspiciousOperation):
    """The request body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE."""


class RequestAborted(Exception):
    """The client went away (or timed out) before the request body was read."""


class BadRequest(Exception):
    """The request is malformed and cannot be processed."""


class PermissionDenied(Exception):
    """Raised by a view to answer 403 Forbidden."""


class ViewDoesNotExist(Exception):
    """The requested view does not exist."""


class MiddlewareNotUsed(Exception):
    """Raised by a middleware's __init__ to take itself out of the chain."""


class ImproperlyConfigured(Exception):
    """Reinhardt is somehow improperly configured."""


class FieldError(Exception):
    """Some kind of problem with a model field."""


class FullResultSet(Exception):
    """A WHERE node matches every row (used by compilers to drop the clause)."""


class EmptyResultSet(Exception):
    """A query is known to return no rows without being run."""


class SynchronousOnlyOperation(Exception):
    """A blocking (database) call was made from inside a running event loop."""


def _as_error(value) -> ValidationError:
    return value if isinstance(value, ValidationError) else ValidationError(value)


def _single_errors(errors) -> list:
    """Every single-message error inside ``errors``, flattening field-keyed ones."""
    flat = []
    for item in map(_as_error, errors):
        if hasattr(item, "error_dict"):
            for field_errors in item.error_dict.values():
                flat += field_errors
        else:
            flat += item.error_list
    return flat


def _hashable_params(params):
    return tuple(sorted(params.items())) if isinstance(params, dict) else params


class ValidationError(Exception):
    """An error while validating data, with Django's message/message_dict/error_list API.

    One instance holds exactly one of three shapes: a single message (``message``, ``code``,
    ``params``; ``error_list`` is ``[self]``), a list of single errors (``error_list``), or
    errors keyed by field name (``error_dict``, each value a list of single errors).
    """

    def __init__(self, message, code=None, params=None):
        super().__init__(message, code, params)
        if isinstance(message, ValidationError):
            # Copy the shape of the error we were given.
            if hasattr(message, "error_dict"):
                message = message.error_dict
            elif hasattr(message, "message"):
                code, params = message.code, message.params
                message = message.message
            else:
                message = message.error_list
        if isinstance(message, dict):
            self.error_dict = {name: _as_error(value).error_list
                               for name, value in message.items()}
        elif isinstance(message, list):
            self.error_list = _single_errors(message)
        else:
            self.message, self.code, self.params = message, code, params
            self.error_list = [self]

    @property
    def message_dict(self) -> dict:
        """Messages by field name; AttributeError when the error is not field-keyed."""
        if not hasattr(self, "error_dict"):
            raise AttributeError("'ValidationError' object has no attribute 'error_dict'")
        return dict(self)

    @property
    def messages(self) -> list:
        """Every message as a string (all fields together for a field-keyed error)."""
        if not hasattr(self, "error_dict"):
            return list(self)
        collected = []
        for _field, texts in self:
            collected += texts
        return collected

    def update_error_dict(self, error_dict: dict) -> dict:
        """Merge these errors into ``error_dict`` (non-field ones under NON_FIELD_ERRORS)."""
        keyed = getattr(self, "error_dict", None)
        if keyed is None:
            keyed = {NON_FIELD_ERRORS: self.error_list}
        for name, errors in keyed.items():
            error_dict.setdefault(name, []).extend(errors)
        return error_dict

    def _rendered(self):
        for single in self.error_list:
            text = single.message
            yield str(text % single.params if single.params else text)

    def __iter__(self):
        """Field-keyed: (field, [messages]) pairs; otherwise the rendered messages."""
        if not hasattr(self, "error_dict"):
            return self._rendered()
        return ((name, list(ValidationError(errs))) for name, errs in self.error_dict.items())

    def __str__(self) -> str:
        return repr(dict(self) if hasattr(self, "error_dict") else list(self))

    def __repr__(self) -> str:
        return f"ValidationError({self})"

    def __eq__(self, other):
        if isinstance(other, ValidationError):
            return hash(self) == hash(other)
        return NotImplemented

    def __hash__(self):
        if hasattr(self, "message"):
            return hash((self.message, self.code, _hashable_params(self.params)))
        keyed = getattr(self, "error_dict", None)
        if keyed is not None:
            return hash(tuple(sorted((name, tuple(errs)) for name, errs in keyed.items())))
        return hash(tuple(sorted(self.error_list, key=operator.attrgetter("message"))))
