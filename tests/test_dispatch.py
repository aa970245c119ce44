"""reinhardt.dispatch: Signal and receiver, as django.dispatch."""

import asyncio
import gc

import pytest

from reinhardt.dispatch import Signal, receiver


class Sender:
    pass


def test_send_calls_receivers_with_signal_and_sender():
    signal = Signal()
    calls = []

    def handler(signal, sender, **kwargs):
        calls.append((sender, kwargs))
        return "ok"

    signal.connect(handler)
    responses = signal.send(sender=Sender, value=1)
    assert calls == [(Sender, {"value": 1})]
    assert responses == [(handler, "ok")]


def test_sender_filtering():
    signal = Signal()
    seen = []

    @receiver(signal, sender=Sender)
    def only_sender(sender, **kwargs):
        seen.append("only")

    @receiver(signal)
    def any_sender(sender, **kwargs):
        seen.append("any")

    signal.send(sender=object)
    assert seen == ["any"]
    signal.send(sender=Sender)
    assert seen == ["any", "only", "any"]


def test_receivers_are_weakly_referenced_by_default():
    signal = Signal(use_caching=True)
    calls = []

    def make():
        def handler(sender, **kwargs):
            calls.append(1)

        return handler

    handler = make()
    signal.connect(handler)
    signal.connect(make(), weak=False)
    del handler
    gc.collect()
    signal.send(sender=Sender)
    assert calls == [1]  # only the strongly held one is left


def test_bound_methods_are_weak_too():
    signal = Signal()
    calls = []

    class Listener:
        def on(self, sender, **kwargs):
            calls.append(1)

    listener = Listener()
    signal.connect(listener.on)
    signal.send(sender=Sender)
    del listener
    gc.collect()
    signal.send(sender=Sender)
    assert len(calls) == 1


def test_dispatch_uid_prevents_duplicates_and_disconnect():
    signal = Signal()
    calls = []

    def handler(sender, **kwargs):
        calls.append(1)

    signal.connect(handler, dispatch_uid="x")
    signal.connect(handler, dispatch_uid="x")
    signal.send(sender=Sender)
    assert calls == [1]
    assert signal.disconnect(dispatch_uid="x") is True
    assert signal.disconnect(dispatch_uid="x") is False
    signal.send(sender=Sender)
    assert calls == [1]
    assert not signal.has_listeners()


def test_send_propagates_errors_and_send_robust_returns_them():
    signal = Signal()

    def bad(sender, **kwargs):
        raise ValueError("boom")

    def good(sender, **kwargs):
        return 2

    signal.connect(bad)
    signal.connect(good)
    with pytest.raises(ValueError, match="boom"):
        signal.send(sender=Sender)
    responses = signal.send_robust(sender=Sender)
    assert isinstance(responses[0][1], ValueError)
    assert responses[1] == (good, 2)


def test_receivers_must_be_callable():
    with pytest.raises(TypeError, match="must be callable"):
        Signal().connect("not callable")


def test_async_receivers_from_sync_and_async_senders():
    signal = Signal()
    seen = []

    async def async_handler(sender, **kwargs):
        seen.append("async")
        return "a"

    def sync_handler(sender, **kwargs):
        seen.append("sync")
        return "s"

    signal.connect(async_handler)
    signal.connect(sync_handler)
    assert sorted(r for _, r in signal.send(sender=Sender)) == ["a", "s"]
    assert sorted(r for _, r in asyncio.run(signal.asend(sender=Sender))) == ["a", "s"]
    assert sorted(seen) == ["async", "async", "sync", "sync"]


def test_asend_runs_sync_and_async_receivers_and_orders_sync_first():
    import asyncio
    import threading

    from reinhardt.dispatch import Signal

    signal = Signal(use_caching=True)
    seen = {}

    def plain(signal, sender, **kwargs):
        seen["plain_thread"] = threading.current_thread()
        return "plain"

    async def coro(signal, sender, **kwargs):
        return "coro", kwargs["value"]

    signal.connect(coro)
    signal.connect(plain)
    result = asyncio.run(signal.asend(object, value=1))
    assert result == [(plain, "plain"), (coro, ("coro", 1))]
    assert seen["plain_thread"] is not threading.main_thread()
    assert signal.has_listeners(None) and signal.send(None, value=2)[1] == (coro, ("coro", 2))
    assert signal.disconnect(plain) and not signal.disconnect(plain)
    assert asyncio.run(signal.asend_robust(object, value=3)) == [(coro, ("coro", 3))]
