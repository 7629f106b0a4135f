"""One undo history for all edits, with a clean/dirty state."""

from __future__ import annotations

from cocoview.model.events import EventGroup
from cocoview.model.gc_pause import gc_paused


class Command:
    """An edit that can be done and undone. Subclasses set ``text``."""

    text = "Edit"
    #: how many annotations the command touches (shown before it runs)
    touches = 0

    def do(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text!r}>"


class History:
    """Undo and redo stacks. ``events.changed`` fires after every move."""

    def __init__(self) -> None:
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean_at: int | None = 0
        self.events = EventGroup("changed", "clean_changed")

    def push(self, command: Command) -> Command:
        """Do the command and record it."""
        was_clean = self.is_clean
        with gc_paused():
            command.do()
        self._done.append(command)
        if self._clean_at is not None and self._clean_at > len(self._done) - 1:
            self._clean_at = None  # the clean state was in the discarded redo branch
        self._undone.clear()
        self._announce(was_clean)
        return command

    def undo(self) -> Command | None:
        if not self._done:
            return None
        was_clean = self.is_clean
        command = self._done.pop()
        with gc_paused():
            command.undo()
        self._undone.append(command)
        self._announce(was_clean)
        return command

    def redo(self) -> Command | None:
        if not self._undone:
            return None
        was_clean = self.is_clean
        command = self._undone.pop()
        with gc_paused():
            command.do()
        self._done.append(command)
        self._announce(was_clean)
        return command

    def undo_to(self, index: int) -> None:
        """Undo or redo until ``index`` commands are done (0: the file as opened)."""
        while len(self._done) > index and self._done:
            self.undo()
        while len(self._done) < index and self._undone:
            self.redo()

    def set_clean(self) -> None:
        was_clean = self.is_clean
        self._clean_at = len(self._done)
        self._announce(was_clean)

    @property
    def is_clean(self) -> bool:
        return self._clean_at == len(self._done)

    @property
    def clean_index(self) -> int | None:
        """How many commands were done at the last save (None: that state is gone)."""
        return self._clean_at

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    @property
    def index(self) -> int:
        return len(self._done)

    def texts(self) -> list[str]:
        """Texts of done then undone commands, oldest first."""
        return [c.text for c in self._done] + [c.text for c in reversed(self._undone)]

    def _announce(self, was_clean: bool) -> None:
        self.events.changed.emit()
        if was_clean != self.is_clean:
            self.events.clean_changed.emit(clean=self.is_clean)
