"""A key a widget would handle itself, given another meaning."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QWidget


class KeyAction(QObject):
    """Runs ``action`` instead of ``widget``'s own handling of the key presses
    ``matches`` accepts (an item view copies the shown text on Ctrl+C and
    selects on Space; cocoview's views give those keys their own meaning)."""

    def __init__(self, widget: QWidget, matches: Callable[[QKeyEvent], bool], action: Callable[[], None]) -> None:
        super().__init__(widget)
        self._matches = matches
        self._action = action
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.KeyPress and self._matches(event):
            self._action()
            return True
        return False


def is_copy(event: QKeyEvent) -> bool:
    """The platform's Copy key (Ctrl+C)."""
    return event.matches(QKeySequence.StandardKey.Copy)
