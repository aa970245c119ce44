"""Request signals, as ``django.core.signals``."""

from reinhardt.dispatch import Signal

request_started = Signal()
request_finished = Signal()
got_request_exception = Signal()
setting_changed = Signal()
