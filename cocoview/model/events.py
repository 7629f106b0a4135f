"""Small named events that models emit and views listen to (no Qt here)."""

from __future__ import annotations

from typing import Any, Callable


class Event:
    """One named event: callbacks are called with keyword arguments."""

    __slots__ = ("name", "_callbacks")

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        try:
            self._callbacks.remove(callback)
        except ValueError:
            pass

    def emit(self, **kwargs: Any) -> None:
        for callback in list(self._callbacks):
            callback(**kwargs)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {len(self._callbacks)} listeners)"


class EventGroup:
    """A namespace of events: ``group.changed.connect(cb)``."""

    def __init__(self, *names: str) -> None:
        for name in names:
            setattr(self, name, Event(name))
