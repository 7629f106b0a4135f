"""Listening to model events from Qt objects without keeping them alive."""

from __future__ import annotations

import weakref
from typing import Any, Callable

import shiboken6


def weak_call(obj: Any, method: str) -> Callable[..., None]:
    """A model-event callback calling ``obj.method`` while ``obj`` (a QObject) lives.

    Model events hold their callbacks strongly; a bound method would keep a
    closed widget alive, and calling into a deleted C++ object crashes.
    """
    ref = weakref.ref(obj)

    def call(**kwargs: Any) -> None:
        target = ref()
        if target is not None and shiboken6.isValid(target):
            getattr(target, method)(**kwargs)

    return call


class Listeners:
    """The model-event subscriptions of one Qt object, dropped together.

    ``listen(event, "method")`` calls ``owner.method(**kwargs)`` on each
    emission while the owner lives (see :func:`weak_call`); ``clear()``
    disconnects them all, as when the owner moves to another dataset.
    """

    def __init__(self, owner: Any) -> None:
        self._owner = weakref.ref(owner)
        self._connected: list[tuple[Any, Callable[..., None]]] = []

    def listen(self, event: Any, method: str) -> None:
        owner = self._owner()
        if owner is None:
            return
        callback = weak_call(owner, method)
        event.connect(callback)
        self._connected.append((event, callback))

    def clear(self) -> None:
        for event, callback in self._connected:
            event.disconnect(callback)
        self._connected = []
