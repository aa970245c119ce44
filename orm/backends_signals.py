"""``connection_created``, sent when a backend opens a connection."""

from reinhardt.dispatch import Signal

connection_created = Signal()
