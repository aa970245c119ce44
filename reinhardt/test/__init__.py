"""Testing tools, mirroring ``django.test``."""

from reinhardt.test.utils import modify_settings, override_settings

__all__ = ["override_settings", "modify_settings"]
