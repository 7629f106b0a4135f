"""Exporting a subset of the dataset: choose images, categories, score and ids, then write.

The dialog runs the same model code as ``cocoview export``: ``plan_export``
counts what will be written (on a worker thread, at most about three times a
second while options change) and ``export_dataset`` writes it (on a worker
thread, with progress and Cancel).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFrame, QHBoxLayout, QLabel, QMessageBox, QProgressBar,
                               QVBoxLayout, QWidget)

from cocoview.gui.export_options import ALL, FILTERED, SELECTED, ExportOptionsForm, counted, default_export_path
from cocoview.model.errors import Cancelled, CocoError
from cocoview.model.export import ExportPlan, export_dataset, plan_export

#: the longest wait between a change of options and its preview
PREVIEW_DELAY_MS = 300

_ERROR_COLOR = QColor("#d64541")
_OK_COLOR = QColor("#2e9e5b")


class ExportDialog(ExportOptionsForm, QDialog):
    """Write a subset of ``dataset`` to a new file.

    ``filtered_images`` and ``selected_images`` are the images passing the
    dataset panel's filter and those selected there (lists of image dicts;
    None or empty disables the choice). ``min_score`` starts the score
    threshold (the view's, typically).

    Signals: ``previewed(plan)`` after each count (None when the options are
    not valid), ``exported(path, plan)``, ``export_failed(message)``.
    :attr:`ask` shows a question box and returns the button chosen (tests
    replace it); :attr:`ask_path` asks for a file name.
    """

    previewed = Signal(object)
    exported = Signal(str, object)
    export_failed = Signal(str)

    _preview_done = Signal(int, object, str)
    _export_progress = Signal(str, float)
    _export_done = Signal(object, str, bool)

    def __init__(self, dataset, filtered_images: list[dict] | None = None,
                 selected_images: list[dict] | None = None, min_score: float = 0.0,
                 output_path: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset = dataset
        self.image_lists: dict[str, list[dict] | None] = {
            ALL: None, FILTERED: filtered_images or None, SELECTED: selected_images or None}
        self.ask: Callable[[QMessageBox], Any] = lambda box: box.exec()
        self.ask_path: Callable[[str, str, str], str] = self._ask_path
        self.last_plan: ExportPlan | None = None
        self._generation = 0
        self._previewing = False
        self._preview_again = False
        self._cancel: threading.Event | None = None
        self._export_thread: threading.Thread | None = None
        self._close_when_done = False
        self._id_map_follows = True
        self._confirmed_path: str | None = None

        name = os.path.basename(dataset.path) if dataset.path else "dataset"
        self.setWindowTitle(f"Export Subset — {name}")

        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(self._images_box())
        left.addWidget(self._annotations_box())
        left.addWidget(self._ids_box())
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(12)
        columns.addLayout(left, 0)
        columns.addWidget(self._categories_box(), 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 14, 14, 12)
        layout.setSpacing(10)
        layout.addLayout(columns, 1)
        layout.addWidget(self._output_box())
        layout.addWidget(self._preview_frame())
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.hide()
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._start_preview)
        self._preview_done.connect(self._on_preview_done, Qt.ConnectionType.QueuedConnection)
        self._export_progress.connect(self._on_export_progress, Qt.ConnectionType.QueuedConnection)
        self._export_done.connect(self._on_export_done, Qt.ConnectionType.QueuedConnection)

        self.min_score_spin.setValue(max(0.0, min(1.0, float(min_score or 0.0))))
        self.output_edit.setText(output_path or default_export_path(dataset.path))
        self.resize(self.sizeHint())
        self._update_enabled()
        self._connect_changes()
        self._changed()
        self._preview_timer.stop()
        self._start_preview()  # the first count at once

    # ---- building ---------------------------------------------------------------
    def _preview_frame(self) -> QFrame:
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setAutoFillBackground(True)
        palette = frame.palette()
        base = palette.color(QPalette.ColorRole.Base)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        tint = QColor(
            (base.red() * 9 + highlight.red()) // 10,
            (base.green() * 9 + highlight.green()) // 10,
            (base.blue() * 9 + highlight.blue()) // 10)
        palette.setColor(QPalette.ColorRole.Window, tint)
        frame.setPalette(palette)
        v = QVBoxLayout(frame)
        v.setContentsMargins(12, 8, 12, 8)
        v.setSpacing(2)
        self.preview_label = QLabel()
        font = QFont(self.preview_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        font.setBold(True)
        self.preview_label.setFont(font)
        self.preview_detail = QLabel()
        self.preview_detail.setWordWrap(True)
        self._dim(self.preview_detail)
        v.addWidget(self.preview_label)
        v.addWidget(self.preview_detail)
        return frame

    def _connect_changes(self) -> None:
        self.image_buttons.buttonToggled.connect(lambda *_: self._changed())
        self.category_list.itemChanged.connect(lambda *_: self._changed())
        self.min_score_spin.valueChanged.connect(lambda *_: self._changed())
        self.drop_empty_check.toggled.connect(lambda *_: self._changed())
        self.reindex_combo.currentIndexChanged.connect(lambda *_: self._update_enabled())
        self.reindex_categories_check.toggled.connect(lambda *_: self._update_enabled())
        self.id_map_check.toggled.connect(lambda *_: self._update_enabled())
        self.output_edit.textChanged.connect(self._output_changed)
        self.id_map_edit.textEdited.connect(self._id_map_edited)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(760, 580)

    # ---- preview -------------------------------------------------------------------
    def _changed(self) -> None:
        n = len(self.checked_categories())
        total = len(self.dataset.categories)
        self.category_count_label.setText(f"{n:,} of {counted(total, 'category')} checked")
        self._generation += 1
        if not self.is_exporting:
            self.preview_label.setText("Counting…")
            self.preview_detail.setText("")
        self._preview_timer.start()

    def _start_preview(self) -> None:
        """Count off the GUI thread; a change meanwhile counts again once this ends."""
        if self._previewing:
            self._preview_again = True
            return
        self._preview_again = False
        self._previewing = True
        generation = self._generation
        ds, options = self.dataset, self.options()

        def work() -> None:
            try:
                plan, error = plan_export(ds, options), ""
            except CocoError as e:
                plan, error = None, str(e)
            except Exception as e:  # a bug: say so rather than count forever
                plan, error = None, f"cannot count: {type(e).__name__}: {e}"
            try:
                self._preview_done.emit(generation, plan, error)
            except RuntimeError:  # the dialog is gone
                pass

        threading.Thread(target=work, name="cocoview-export-preview", daemon=True).start()

    def _on_preview_done(self, generation: int, plan: ExportPlan | None, error: str) -> None:
        self._previewing = False
        if self._preview_again or generation != self._generation:
            self._start_preview()
            return
        self.last_plan = plan
        if plan is None:
            self.preview_label.setText("Nothing to count")
            self.preview_detail.setText(error)
        else:
            self._show_counts(plan)
        self.previewed.emit(plan)

    def _show_counts(self, plan: ExportPlan) -> None:
        c = plan.counts()
        ds = self.dataset
        self.preview_label.setText(" · ".join((counted(c["images"], "image"), counted(c["annotations"], "annotation"),
                                              counted(c["categories"], "category"))))
        details = [f"of {len(ds.images):,} images, {len(ds.annotations):,} annotations and "
                   f"{len(ds.categories):,} categories in {os.path.basename(ds.path or '') or 'the dataset'}"]
        if plan.dropped_dangling:
            details.append(f"{counted(plan.dropped_dangling, 'annotation')} referring to missing images or "
                           "categories left out")
        self.preview_detail.setText("; ".join(details))

    # ---- export -------------------------------------------------------------------
    @property
    def is_exporting(self) -> bool:
        return self._export_thread is not None

    def export(self) -> bool:
        """Start writing; returns False when the options stop it (the reason is shown)."""
        if self.is_exporting:
            return False
        out = self.output_path()
        id_map = self.id_map_path()
        problem = None
        if not out:
            problem = "Choose a file to export to."
        elif self.dataset.path and os.path.abspath(self.dataset.path) == out:
            problem = "That is the file open in cocoview; choose another file (File ▸ Save writes this one)."
        elif id_map is not None and id_map == out:
            problem = "The id map and the export need different files."
        elif self.id_map_check.isEnabled() and self.id_map_check.isChecked() and id_map is None:
            problem = "Choose a file for the id map, or uncheck it."
        if problem:
            self._show_status(problem, _ERROR_COLOR)
            return False
        if os.path.exists(out) and out != self._confirmed_path:
            box = QMessageBox(QMessageBox.Icon.Question, "Replace file",
                              f"“{os.path.basename(out)}” already exists. Replace it?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
            box.setInformativeText(out)
            box.button(QMessageBox.StandardButton.Yes).setText("Replace")
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            if self.ask(box) != QMessageBox.StandardButton.Yes:
                return False
            self._confirmed_path = out
        ds, options = self.dataset, self.options()
        cancel = threading.Event()
        self._cancel = cancel

        def report(message: str, fraction: float) -> None:
            try:
                self._export_progress.emit(message, fraction)
            except RuntimeError:
                pass

        def work() -> None:
            plan, error, cancelled = None, "", False
            try:
                plan = export_dataset(ds, out, options, id_map, progress=report, cancel=cancel)
            except Cancelled:
                cancelled = True
            except CocoError as e:
                error = str(e)
            except MemoryError:
                error = f"{out}: not enough memory to export"
            except Exception as e:  # a bug, not the user's doing: still no silent death
                error = f"{out}: unexpected error while exporting: {type(e).__name__}: {e}"
            try:
                self._export_done.emit(plan, error, cancelled)
            except RuntimeError:
                pass

        self._export_thread = threading.Thread(target=work, name="cocoview-export", daemon=True)
        self._exporting_to = (out, id_map)
        self.status_label.hide()
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(f"Exporting {os.path.basename(out)} %p%")
        self.progress_bar.show()
        self._set_inputs_enabled(False)
        self.close_button.setText("Cancel")
        self._export_thread.start()
        return True

    def cancel_export(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.progress_bar.setFormat("Cancelling…")

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (self.image_radios[ALL], self.category_list, self.category_filter,
                       self.all_categories_button, self.no_categories_button, self.min_score_spin,
                       self.drop_empty_check, self.reindex_combo, self.reindex_categories_check,
                       self.output_edit, self.output_browse, self.export_button):
            widget.setEnabled(enabled)
        for key in (FILTERED, SELECTED):
            self.image_radios[key].setEnabled(enabled and bool(self.image_lists[key]))
        self._update_enabled()

    def _on_export_progress(self, message: str, fraction: float) -> None:
        if self._cancel is not None and not self._cancel.is_set():
            self.progress_bar.setValue(int(fraction * 1000))
            if fraction >= 0.85:
                self.progress_bar.setFormat(f"Writing {os.path.basename(self._exporting_to[0])}…")

    def _on_export_done(self, plan: ExportPlan | None, error: str, cancelled: bool) -> None:
        if self._export_thread is not None:
            self._export_thread.join()
        self._export_thread = None
        self._cancel = None
        self.progress_bar.hide()
        self.close_button.setText("Close")
        self._set_inputs_enabled(True)
        out, id_map = self._exporting_to
        if cancelled:
            self._show_status("Export cancelled; nothing was written.", None)
        elif error:
            self._show_status(error, _ERROR_COLOR)
            self.export_failed.emit(error)
        else:
            c = plan.counts()
            text = (f"Wrote {counted(c['images'], 'image')}, {counted(c['annotations'], 'annotation')} and "
                    f"{counted(c['categories'], 'category')} to {out}")
            if id_map:
                text += f", and the id map to {id_map}"
            self._show_status(text + ".", _OK_COLOR)
            self.exported.emit(out, plan)
        if self._close_when_done:
            super().reject()

    def _show_status(self, text: str, color: QColor | None) -> None:
        palette = self.status_label.palette()
        palette.setColor(self.status_label.foregroundRole(),
                         color if color is not None else self.palette().color(QPalette.ColorRole.WindowText))
        self.status_label.setPalette(palette)
        self.status_label.setText(text)
        self.status_label.show()

    def reject(self) -> None:
        """Close, or cancel the export in flight (a second time: close once it stops)."""
        if self.is_exporting:
            self._close_when_done = self._cancel is not None and self._cancel.is_set()
            self.cancel_export()
            return
        super().reject()
