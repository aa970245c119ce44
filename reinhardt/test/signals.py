"""Signals sent by the test tools."""

from reinhardt.core.signals import setting_changed
from reinhardt.dispatch import Signal

template_rendered = Signal()

__all__ = ["setting_changed", "template_rendered"]
