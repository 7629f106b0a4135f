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
