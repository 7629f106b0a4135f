"""The undo history as a list: click an entry to go back (or forward) to it."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QListView, QWidget

from cocoview.model.history import History

_Index = QModelIndex | QPersistentModelIndex


class HistoryModel(QAbstractListModel):
    """Row 0 is the file as opened; row i is the state after the i-th command."""

    def __init__(self, history: History | None = None, parent=None) -> None:
        super().__init__(parent)
        self._history: History | None = None
        self._texts: list[str] = []
        self.set_history(history)

    def set_history(self, history: History | None) -> None:
        if self._history is not None:
            self._history.events.changed.disconnect(self._reset)
        self._history = history
        if history is not None:
            history.events.changed.connect(self._reset)
        self._reset()

    @property
    def history(self) -> History | None:
        return self._history

    def _reset(self, **_) -> None:
        self.beginResetModel()
        self._texts = ["Opened file"] + (self._history.texts() if self._history else [])
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._texts)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._history is None and index.row() > 0:
            return None
        row = index.row()
        done = self._history.index if self._history else 0
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[row]
        if role == Qt.ItemDataRole.FontRole and row == done:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and row > done:
            return QPalette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row > done:
                return "Undone: click to redo up to here"
            return "Current state" if row == done else "Click to undo back to here"
        return None


class HistoryView(QListView):
    """Shows a :class:`History`; selecting a row undoes or redoes to it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history_model = HistoryModel(parent=self)
        self.setModel(self.history_model)
        self.setUniformItemSizes(True)
        self.clicked.connect(self._go)
        self.history_model.modelReset.connect(self._follow)

    def set_history(self, history: History | None) -> None:
        self.history_model.set_history(history)

    def _go(self, index: QModelIndex) -> None:
        history = self.history_model.history
        if history is not None and index.isValid():
            history.undo_to(index.row())

    def _follow(self) -> None:
        history = self.history_model.history
        if history is not None:
            index = self.history_model.index(history.index, 0)
            self.setCurrentIndex(index)
            self.scrollTo(index)
