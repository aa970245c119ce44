"""Signals sent by the test tools."""

from reinhardt.dispatch import Signal

# Sent by override_settings when a setting changes: kwargs setting, value, enter.
setting_changed = Signal()
template_rendered = Signal()
