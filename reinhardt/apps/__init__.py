from reinhardt.apps.config import AppConfig
from reinhardt.apps.registry import apps

__all__ = ["AppConfig", "apps"]
