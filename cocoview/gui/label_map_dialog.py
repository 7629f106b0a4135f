"""Apply a label map: the map's text on the left, what will change on the right.

The map comes from a file (JSON, text or ``.pbtxt``, see
:mod:`cocoview.model.label_map`) and stays editable here; every edit
re-reads it and refreshes the preview table (old id → new id, merges,
annotations touched, categories the map does not name). Apply is enabled
when the map reads, changes something and leaves no conflict. The dialog
does not push: the caller pushes :meth:`LabelMapDialog.command` on
``accepted``.
"""

from __future__ import annotations

import os
import re
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLayout,
                               QLineEdit, QPlainTextEdit, QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
                               QTextEdit, QVBoxLayout, QWidget)

from cocoview.gui.category_dialogs import ERROR_COLOR, WARNING_COLOR, CommandDialog
from cocoview.model import label_map as lm
from cocoview.model.commands import Edit, renumber_categories
from cocoview.model.errors import CocoError
from cocoview.model.ids import format_id, id_key
from cocoview.model.text import plural

COLUMNS = ("Name", "Old id", "New id", "Annotations", "Action")
COL_NAME, COL_OLD, COL_NEW, COL_TOUCHES, COL_ACTION = range(5)
_CHANGE_COLOR = QColor(30, 110, 200)
_MUTED = QColor(128, 128, 128)
_KIND_COLORS = {lm.CHANGE: _CHANGE_COLOR, lm.TARGET: WARNING_COLOR, lm.MERGE: WARNING_COLOR,
                lm.DELETE: ERROR_COLOR, lm.CONFLICT: ERROR_COLOR, lm.UNMAPPED: _MUTED, lm.MISSING: _MUTED}
FILE_FILTER = "Label maps (*.json *.txt *.csv *.names *.labels *.pbtxt *.yaml);;All files (*)"


def _id_text(value: Any) -> str:
    return "—" if value is None else format_id(value)


class PreviewTable(QTableWidget):
    """Rows of :class:`~cocoview.model.label_map.LabelMapRow`: what happens to each category."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for column in (COL_OLD, COL_NEW, COL_TOUCHES):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_ACTION, QHeaderView.ResizeMode.Stretch)
        self.rows: list[lm.LabelMapRow] = []

    def set_rows(self, rows: list[lm.LabelMapRow]) -> None:
        self.rows = list(rows)
        self.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setBold(True)
        conflict = QColor(ERROR_COLOR)
        conflict.setAlpha(40)
        for r, row in enumerate(rows):
            color = _KIND_COLORS.get(row.kind)
            values = (row.name, _id_text(row.old_id), _id_text(row.new_id),
                      f"{row.touches:,}" if row.touches else "", row.action)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c in (COL_NAME, COL_ACTION):
                    item.setToolTip(value)
                if c in (COL_OLD, COL_NEW, COL_TOUCHES):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if color is not None and c in (COL_NEW, COL_ACTION):
                    item.setForeground(QBrush(color))
                if c == COL_NEW and row.changes and row.new_id is not None:
                    item.setFont(bold)
                if row.kind in (lm.UNMAPPED, lm.MISSING, lm.KEEP) and c != COL_TOUCHES:
                    item.setForeground(QBrush(_MUTED))
                if row.kind == lm.CONFLICT:
                    item.setBackground(QBrush(conflict))
                self.setItem(r, c, item)

    def caption(self) -> str:
        """A one-line count of the rows by what happens to them."""
        rows = self.rows
        if not rows:
            return "Preview"
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.kind] = counts.get(row.kind, 0) + 1
        changed = sum(1 for row in rows if row.changes)
        parts = [plural(sum(1 for r in rows if r.old_id is not None), "category", "categories"),
                 f"{changed:,} changing"]
        for kind, word in ((lm.MERGE, "merged"), (lm.UNMAPPED, "not in the map"), (lm.DELETE, "to delete"),
                           (lm.CONFLICT, "in conflict")):
            if counts.get(kind):
                parts.append(f"{counts[kind]:,} {word}")
        if counts.get(lm.MISSING):
            parts.append(plural(counts[lm.MISSING], "map name") + " not found")
        return "Preview: " + " · ".join(parts)


class LabelMapDialog(CommandDialog):
    """Preview and apply a label map to a dataset's categories."""

    def __init__(self, ds: Any, parent: QWidget | None = None) -> None:
        super().__init__(ds, "Apply label map", "Apply", parent)
        self.mapping: dict[str, Any] | None = None
        self.rows: list[lm.LabelMapRow] = []
        self.error = ""
        self.source: str | None = None
        self.path: str | None = None
        self.intro.setText(
            "Give each category the id the label map names for it; categories mapped to the same id are merged "
            "and nothing is renamed. A map is JSON ({\"person\": 1, …}), lines of 'name id', 'name: id' or "
            "'name,id', or a .pbtxt file. You can edit it on the left.")

        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("No file: type or paste a label map below")
        self.open_button = QPushButton("Open…")
        self.open_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.open_button)
        self.form.addRow("File:", file_row)

        self.text_edit = QPlainTextEdit()
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.text_edit.setFont(fixed)
        self.text_edit.setPlaceholderText("signboard 1\nstorefront 2\nperson 3\n…")
        self.text_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._reparse = QTimer(self)
        self._reparse.setSingleShot(True)
        self._reparse.setInterval(250)
        self._reparse.timeout.connect(self.refresh)
        self.text_edit.textChanged.connect(self._reparse.start)

        self.table = PreviewTable()
        self.table_caption = QLabel()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Label map:"))
        left_layout.addWidget(self.text_edit)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.table_caption)
        right_layout.addWidget(self.table)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([220, 640])
        self.layout().insertWidget(2, self.splitter, 1)

        self.unmapped_combo = QComboBox()
        self.unmapped_combo.addItem("keep their ids", lm.KEEP_UNMAPPED)
        self.unmapped_combo.addItem("delete them and their annotations", lm.DELETE_UNMAPPED)
        self.unmapped_combo.currentIndexChanged.connect(self.refresh)
        unmapped_row = QHBoxLayout()
        unmapped_row.addWidget(QLabel("Categories not in the map:"))
        unmapped_row.addWidget(self.unmapped_combo)
        unmapped_row.addStretch(1)
        self.layout().insertLayout(3, unmapped_row)
        self.setAcceptDrops(True)
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetDefaultConstraint)
        self.setMinimumSize(720, 440)
        self.resize(920, 560)
        self.refresh()

    # ---- input -----------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt name)
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt name)
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            self.load_file(urls[0].toLocalFile())
            event.acceptProposedAction()

    def load_file(self, path: str) -> bool:
        """Read ``path`` into the editor; False (with the reason shown) if it cannot be read."""
        self.path = os.path.abspath(path)
        self.path_edit.setText(self.path)
        self.source = os.path.basename(path)
        try:
            with open(path, encoding="utf-8-sig") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            reason = "not a UTF-8 text file" if isinstance(e, UnicodeDecodeError) else (e.strerror or str(e))
            self._set_text("")
            self._show_error(f"{self.source}: cannot read the file ({reason})")
            return False
        self._set_text(text)
        self.refresh()
        return self.error == ""

    def set_text(self, text: str, source: str | None = None) -> None:
        """Use ``text`` as the map (``source`` names it in messages and in the undo text)."""
        self.source = source
        self._set_text(text)
        self.refresh()

    def _set_text(self, text: str) -> None:
        self.text_edit.blockSignals(True)
        self.text_edit.setPlainText(text)
        self.text_edit.blockSignals(False)

    def set_unmapped(self, what: str) -> None:
        """``label_map.KEEP_UNMAPPED`` or ``label_map.DELETE_UNMAPPED``."""
        self.unmapped_combo.setCurrentIndex(self.unmapped_combo.findData(what))

    def unmapped(self) -> str:
        return self.unmapped_combo.currentData()

    def choose_file(self) -> None:
        start = os.path.dirname(self.path or getattr(self.ds, "path", None) or "")
        path, _ = QFileDialog.getOpenFileName(self, "Open label map", start, FILE_FILTER)
        if path:
            self.load_file(path)

    # ---- state --------------------------------------------------------------------------
    def command(self) -> Edit | None:
        if self.mapping is None or self.error or not any(r.changes for r in self.rows):
            return None
        try:
            return lm.apply_label_map(self.ds, self.mapping, self.unmapped(), self.source)
        except CocoError:
            return None

    def refresh(self) -> None:
        self._reparse.stop()
        text = self.text_edit.toPlainText()
        self.error = ""
        self.mapping = None
        self.rows = []
        if text.strip():
            try:
                self.mapping = lm.parse_label_map(text, self.source or "label map")
                self.rows = lm.preview(self.ds, self.mapping, self.unmapped())
            except CocoError as e:
                self.error = str(e)
        self._fill_table()
        self._mark_line(self.error)
        command = self.command()
        self.ok_button.setEnabled(command is not None)
        if self.error:
            self._show_error(self.error)
        elif self.mapping is None:
            self.summary.show_command(None, "Open a label map file, or type one on the left.")
        else:
            problems = lm.conflicts(self.ds, self.mapping, self.unmapped())
            if problems:
                more = f" ({len(problems) - 1} more in the table)" if len(problems) > 1 else ""
                self.summary.show_command(None, problem=problems[0] + more,
                                          detail="Add those categories to the map, or choose to delete "
                                                 "the categories not in the map.")
            elif command is None:
                self.summary.show_command(None, "The categories already have the ids of this map: nothing to do.")
            else:
                self.summary.show_command(command, self._detail(command))

    def _show_error(self, message: str) -> None:
        self.error = message
        self.ok_button.setEnabled(False)
        self.summary.show_command(None, problem=message)
        self._mark_line(message)

    def _mark_line(self, message: str) -> None:
        """Tint the line an error names in the editor (none: clear the tint)."""
        found = re.search(r", line (\d+)", message)
        selections = []
        if found:
            block = self.text_edit.document().findBlockByNumber(int(found.group(1)) - 1)
            if block.isValid():
                mark = QTextEdit.ExtraSelection()
                tint = QColor(ERROR_COLOR)
                tint.setAlpha(50)
                mark.format.setBackground(tint)
                mark.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                mark.cursor = QTextCursor(block)
                selections.append(mark)
        self.text_edit.setExtraSelections(selections)

    def _detail(self, command: Edit) -> str:
        missing = sum(1 for r in self.rows if r.kind == lm.MISSING)
        deleting = any(r.kind == lm.DELETE for r in self.rows)
        what = "change category id or are deleted" if deleting else "change category id"
        text = f"{plural(command.touches, 'annotation')} {what}."
        if missing:
            text += (f" {plural(missing, 'name')} in the map {'matches' if missing == 1 else 'match'} no "
                     "category and " + ("is" if missing == 1 else "are") + " ignored.")
        return text

    def _fill_table(self) -> None:
        self.table.set_rows(self.rows)
        self.table_caption.setText(self.table.caption())


class RenumberDialog(CommandDialog):
    """Number the categories from ``start`` in file order, with the id changes listed."""

    def __init__(self, ds: Any, start: int, parent: QWidget | None = None) -> None:
        super().__init__(ds, "Renumber categories", "Renumber", parent)
        self.start = start
        n = len(ds.categories)
        self._command = renumber_categories(ds, start)
        counts = ds.category_counts()
        self.rows = []
        for i, cat in enumerate(ds.categories):
            old, new = cat.get("id"), start + i
            changed = id_key(old) != new
            self.rows.append(lm.LabelMapRow(str(cat.get("name", "")), old, new if changed else old,
                                            counts.get(id_key(old), 0) if changed else 0,
                                            lm.CHANGE if changed else lm.KEEP))
        moving = sum(1 for r in self.rows if r.changes)
        self.intro.setText(f"Give the {plural(n, 'category', 'categories')} the ids {start}..{start + n - 1} in "
                           "the order of the file. Annotations follow their category.")
        self.table = PreviewTable()
        self.table.set_rows(self.rows)
        self.table.setMinimumHeight(min(len(self.rows), 10) * self.table.verticalHeader().defaultSectionSize()
                                    + self.table.horizontalHeader().sizeHint().height() + 4)
        self.layout().insertWidget(2, self.table, 1)
        detail = (f"{plural(moving, 'id')} change; {plural(self._command.touches, 'annotation')} follow."
                  if moving else f"The ids are already {start}..{start + n - 1}.")
        self.summary.show_command(self._command if moving else None, detail)
        self.ok_button.setEnabled(bool(moving))
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetDefaultConstraint)
        self.resize(560, 480)

    def command(self) -> Edit | None:
        return self._command if any(r.changes for r in self.rows) else None
