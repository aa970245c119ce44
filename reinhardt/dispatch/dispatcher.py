"""Signal and receiver, with Django's semantics: weak references by default, sender filtering,
``dispatch_uid`` de-duplication, and ``send``/``send_robust``/``asend``/``asend_robust``."""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async

logger = logging.getLogger("reinhardt.dispatch")


def _make_id(target) -> int | tuple[int, int]:
    if hasattr(target, "__func__"):
        return (id(target.__self__), id(target.__func__))
    return id(target)


NONE_ID = _make_id(None)
NO_RECEIVERS = object()


class Signal:
    """A signal that receivers connect to and senders send.

    ``use_caching`` caches the receivers per sender, which makes sending to a sender with no
    receivers a dictionary lookup: model signals use it, since they fire on every save.
    """

    def __init__(self, use_caching: bool = False):
        self.receivers: list = []  # entries: ((receiver_id, sender_id), ref_or_receiver, is_async)
        self.lock = threading.Lock()
        self.use_caching = use_caching
        self.sender_receivers_cache: dict | weakref.WeakKeyDictionary = (
            weakref.WeakKeyDictionary() if use_caching else {}
        )
        self._dead_receivers = False

    def connect(self, receiver: Callable, sender=None, weak: bool = True, dispatch_uid=None):
        """Connect ``receiver(signal, sender, **kwargs)`` to this signal.

        With ``weak`` (the default) the signal holds a weak reference, so a receiver that goes
        out of scope disconnects itself.
        """
        if not callable(receiver):
            raise TypeError("Signal receivers must be callable.")
        lookup_key = (dispatch_uid or _make_id(receiver), _make_id(sender))
        is_async = iscoroutinefunction(receiver)
        if weak:
            ref_type = weakref.ref
            target = receiver
            if hasattr(receiver, "__self__") and hasattr(receiver, "__func__"):
                ref_type = weakref.WeakMethod
                target = receiver.__self__
            receiver_ref = ref_type(receiver)
            weakref.finalize(target, self._flag_dead_receivers)
        else:
            receiver_ref = receiver
        with self.lock:
            self._clear_dead_receivers()
            if not any(r_key == lookup_key for r_key, _, _ in self.receivers):
                self.receivers.append((lookup_key, receiver_ref, is_async))
            self.sender_receivers_cache.clear()

    def disconnect(self, receiver=None, sender=None, dispatch_uid=None) -> bool:
        """Disconnect a receiver; returns whether one was disconnected."""
        lookup_key = (dispatch_uid or _make_id(receiver), _make_id(sender))
        disconnected = False
        with self.lock:
            self._clear_dead_receivers()
            for index, (r_key, _, _) in enumerate(self.receivers):
                if r_key == lookup_key:
                    disconnected = True
                    del self.receivers[index]
                    break
            self.sender_receivers_cache.clear()
        return disconnected

    def has_listeners(self, sender=None) -> bool:
        sync_receivers, async_receivers = self._live_receivers(sender)
        return bool(sync_receivers) or bool(async_receivers)

    def send(self, sender, **named) -> list[tuple[Callable, Any]]:
        """Call every receiver; an exception in one propagates and stops the rest."""
        if not self.receivers or self._known_empty(sender):
            return []
        sync_receivers, async_receivers = self._live_receivers(sender)
        responses = [
            (receiver, receiver(signal=self, sender=sender, **named))
            for receiver in sync_receivers
        ]
        if async_receivers:

            async def run_async():
                return await asyncio.gather(
                    *(r(signal=self, sender=sender, **named) for r in async_receivers)
                )

            responses += list(zip(async_receivers, async_to_sync(run_async)()))
        return responses

    def send_robust(self, sender, **named) -> list[tuple[Callable, Any]]:
        """Call every receiver, returning exceptions as responses instead of raising them."""
        if not self.receivers or self._known_empty(sender):
            return []
        sync_receivers, async_receivers = self._live_receivers(sender)
        responses = []
        for receiver in sync_receivers:
            try:
                response = receiver(signal=self, sender=sender, **named)
            except Exception as err:
                self._log_robust_failure(receiver, err)
                responses.append((receiver, err))
            else:
                responses.append((receiver, response))
        if async_receivers:

            async def run_one(receiver):
                try:
                    return await receiver(signal=self, sender=sender, **named)
                except Exception as err:
                    self._log_robust_failure(receiver, err)
                    return err

            async def run_async():
                return await asyncio.gather(*(run_one(r) for r in async_receivers))

            responses += list(zip(async_receivers, async_to_sync(run_async)()))
        return responses

    async def asend(self, sender, **named) -> list[tuple[Callable, Any]]:
        """Send from async code: sync receivers run in a thread, async ones concurrently."""
        if not self.receivers or self._known_empty(sender):
            return []
        sync_receivers, async_receivers = self._live_receivers(sender)
        responses = []
        if sync_receivers:

            def run_sync():
                return [(r, r(signal=self, sender=sender, **named)) for r in sync_receivers]

            responses = await sync_to_async(run_sync)()
        results = await asyncio.gather(
            *(r(signal=self, sender=sender, **named) for r in async_receivers)
        )
        return responses + list(zip(async_receivers, results))

    async def asend_robust(self, sender, **named) -> list[tuple[Callable, Any]]:
        if not self.receivers or self._known_empty(sender):
            return []
        sync_receivers, async_receivers = self._live_receivers(sender)

        def run_sync():
            out = []
            for receiver in sync_receivers:
                try:
                    out.append((receiver, receiver(signal=self, sender=sender, **named)))
                except Exception as err:
                    self._log_robust_failure(receiver, err)
                    out.append((receiver, err))
            return out

        async def run_one(receiver):
            try:
                return await receiver(signal=self, sender=sender, **named)
            except Exception as err:
                self._log_robust_failure(receiver, err)
                return err

        responses = await sync_to_async(run_sync)() if sync_receivers else []
        results = await asyncio.gather(*(run_one(r) for r in async_receivers))
        return responses + list(zip(async_receivers, results))

    def _known_empty(self, sender) -> bool:
        """True when the cache already knows ``sender`` has no receivers."""
        if not self.use_caching:
            return False
        try:
            return self.sender_receivers_cache.get(sender) is NO_RECEIVERS
        except TypeError:  # not weak-referenceable: never cached
            return False

    def _log_robust_failure(self, receiver, err) -> None:
        logger.error(
            "Error calling %s in Signal.send_robust() (%s)",
            getattr(receiver, "__qualname__", repr(receiver)),
            err,
            exc_info=err,
        )

    def _clear_dead_receivers(self) -> None:
        if self._dead_receivers:
            self._dead_receivers = False
            self.receivers = [
                r for r in self.receivers if not (isinstance(r[1], weakref.ReferenceType)
                                                  and r[1]() is None)
            ]

    def _live_receivers(self, sender) -> tuple[list, list]:
        """The receivers to call for ``sender``, split into sync and async lists."""
        receivers = None
        if self.use_caching and not self._dead_receivers:
            try:
                receivers = self.sender_receivers_cache.get(sender)
            except TypeError:
                receivers = None
            if receivers is NO_RECEIVERS:
                return [], []
        if receivers is None:
            with self.lock:
                self._clear_dead_receivers()
                sender_id = _make_id(sender)
                receivers = [
                    (ref, is_async)
                    for (_, r_sender_id), ref, is_async in self.receivers
                    if r_sender_id == NONE_ID or r_sender_id == sender_id
                ]
                if self.use_caching:
                    try:
                        self.sender_receivers_cache[sender] = receivers or NO_RECEIVERS
                    except TypeError:
                        pass
        sync_receivers, async_receivers = [], []
        for ref, is_async in receivers:
            if isinstance(ref, weakref.ReferenceType):
                ref = ref()
                if ref is None:
                    continue
            (async_receivers if is_async else sync_receivers).append(ref)
        return sync_receivers, async_receivers

    def _flag_dead_receivers(self) -> None:
        self._dead_receivers = True


def receiver(signal, **kwargs):
    """Decorator connecting a function to a signal (or a list of signals)."""

    def _decorator(func):
        if isinstance(signal, (list, tuple)):
            for s in signal:
                s.connect(func, **kwargs)
        else:
            signal.connect(func, **kwargs)
        return func

    return _decorator
