"""Signals: decoupled notifications between parts of an application."""

from reinhardt.dispatch.dispatcher import Signal, receiver

__all__ = ["Signal", "receiver"]
