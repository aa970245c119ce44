"""Request signals, as ``django.core.signals``."""

from reinhardt.dispatch import Signal

# Sent on every request: receivers are looked up once per sender, not on each send.
request_started = Signal(use_caching=True)
request_finished = Signal(use_caching=True)
got_request_exception = Signal()
setting_changed = Signal()
