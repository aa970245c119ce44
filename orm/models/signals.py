"""Model signals, as ``django.db.models.signals``.

Senders may be given as model classes or as 'app_label.ModelName' strings (resolved lazily).
"""

from functools import partial

from reinhardt.dispatch import Signal


class ModelSignal(Signal):
    """A signal that accepts a lazy 'app_label.ModelName' sender."""

    def _lazy_method(self, method, apps, receiver, sender, **kwargs):
        from reinhardt.orm.models.fields.related import make_model_tuple

        partial_method = partial(method, receiver, **kwargs)
        if isinstance(sender, str):
            apps = apps or __import__("reinhardt.apps", fromlist=["apps"]).apps
            apps.lazy_model_operation(partial_method, make_model_tuple(sender))
        else:
            return partial_method(sender)

    def connect(self, receiver, sender=None, weak=True, dispatch_uid=None, apps=None):
        self._lazy_method(
            super().connect, apps, receiver, sender, weak=weak, dispatch_uid=dispatch_uid,
        )

    def disconnect(self, receiver=None, sender=None, dispatch_uid=None, apps=None):
        return self._lazy_method(
            super().disconnect, apps, receiver, sender, dispatch_uid=dispatch_uid
        )


pre_init = ModelSignal(use_caching=True)
post_init = ModelSignal(use_caching=True)

pre_save = ModelSignal(use_caching=True)
post_save = ModelSignal(use_caching=True)

pre_delete = ModelSignal(use_caching=True)
post_delete = ModelSignal(use_caching=True)

m2m_changed = ModelSignal(use_caching=True)

pre_migrate = Signal()
post_migrate = Signal()

class_prepared = Signal()
