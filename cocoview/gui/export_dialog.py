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
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                               QDoubleSpinBox, QFileDialog, QFrame, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton,
                               QRadioButton, QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from cocoview.gui.categories_model import swatch_icon
from cocoview.gui.colors import category_color
from cocoview.model.errors import Cancelled, CocoError
from cocoview.model.export import ExportOptions, ExportPlan, export_dataset, plan_export
from cocoview.model.ids import format_id

#: the longest wait between a change of options and its preview
PREVIEW_DELAY_MS = 300

ALL, FILTERED, SELECTED = "all", "filtered", "selected"
#: reindexing choices: (label, start id or None)
REINDEX_CHOICES = (("Keep ids", None), ("Renumber from 1", 1), ("Renumber from 0", 0))

_ERROR_COLOR = QColor("#d64541")
_OK_COLOR = QColor("#2e9e5b")


def default_export_path(dataset_path: str | None) -> str:
    """``<folder>/<name>-subset.json`` beside the dataset's file."""
    if not dataset_path:
        return os.path.join(os.path.expanduser("~"), "subset.json")
    folder, name = os.path.split(os.path.abspath(dataset_path))
    stem = name[:-5] if name.lower().endswith(".json") else name
    return os.path.join(folder, f"{stem}-subset.json")


def default_id_map_path(output_path: str) -> str:
    """``<out>.idmap.json`` for ``<out>.json``."""
    stem = output_path[:-5] if output_path.lower().endswith(".json") else output_path
    return stem + ".idmap.json"


def _count(n: int, word: str) -> str:
    if n == 1:
        return f"{n:,} {word}"
    return f"{n:,} {word[:-1]}ies" if word.endswith("y") else f"{n:,} {word}s"


class ExportDialog(QDialog):
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
    def _images_box(self) -> QGroupBox:
        box = QGroupBox("Images")
        grid = QGridLayout(box)
        grid.setVerticalSpacing(4)
        self.image_buttons = QButtonGroup(self)
        choices = ((ALL, "All images", len(self.dataset.images), ""),
                   (FILTERED, "Shown in the dataset panel", len(self.image_lists[FILTERED] or ()),
                    "Images passing the dataset panel's current filter"),
                   (SELECTED, "Selected", len(self.image_lists[SELECTED] or ()),
                    "Images selected in the dataset panel"))
        self.image_radios: dict[str, QRadioButton] = {}
        for row, (key, label, count, tip) in enumerate(choices):
            radio = QRadioButton(label)
            radio.setProperty("choice", key)
            available = key == ALL or bool(self.image_lists[key])
            radio.setEnabled(available)
            if not available:
                tip = {FILTERED: "No filter is active in the dataset panel",
                       SELECTED: "No image is selected in the dataset panel"}[key]
            radio.setToolTip(tip)
            number = QLabel(f"{count:,}" if available else "—")
            number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            number.setEnabled(available)
            self._dim(number)
            self.image_buttons.addButton(radio)
            self.image_radios[key] = radio
            grid.addWidget(radio, row, 0)
            grid.addWidget(number, row, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnMinimumWidth(1, 56)
        self.image_radios[ALL].setChecked(True)
        return box

    def _annotations_box(self) -> QGroupBox:
        box = QGroupBox("Annotations")
        grid = QGridLayout(box)
        grid.setVerticalSpacing(6)
        self.min_score_spin = QDoubleSpinBox()
        self.min_score_spin.setRange(0.0, 1.0)
        self.min_score_spin.setSingleStep(0.05)
        self.min_score_spin.setDecimals(2)
        self.min_score_spin.setSpecialValueText("any")
        self.min_score_spin.setToolTip("Leave out annotations scored below this (0: keep all). "
                                       "Annotations without a score are always kept.")
        grid.addWidget(QLabel("Minimum score"), 0, 0)
        grid.addWidget(self.min_score_spin, 0, 1)
        self.drop_empty_check = QCheckBox("Leave out images with no annotation left")
        self.drop_empty_check.setToolTip("Images whose annotations are all left out are not written either")
        grid.addWidget(self.drop_empty_check, 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        return box

    def _ids_box(self) -> QGroupBox:
        box = QGroupBox("Ids")
        grid = QGridLayout(box)
        grid.setVerticalSpacing(6)
        self.reindex_combo = QComboBox()
        for label, start in REINDEX_CHOICES:
            self.reindex_combo.addItem(label, start)
        self.reindex_combo.setToolTip("Renumber images and annotations in the order written; "
                                      "every reference follows")
        grid.addWidget(QLabel("Images and annotations"), 0, 0)
        grid.addWidget(self.reindex_combo, 0, 1)
        self.reindex_categories_check = QCheckBox("Number categories 1, 2, 3… in order")
        self.reindex_categories_check.setToolTip("Give the categories written contiguous ids from 1")
        grid.addWidget(self.reindex_categories_check, 1, 0, 1, 2)
        self.id_map_check = QCheckBox("Write the old → new ids to")
        self.id_map_check.setChecked(True)
        grid.addWidget(self.id_map_check, 2, 0, 1, 2)
        self.id_map_edit = QLineEdit()
        self.id_map_edit.setMinimumWidth(220)
        self.id_map_browse = QToolButton()
        self.id_map_browse.setText("…")
        self.id_map_browse.setToolTip("Choose where to write the id map")
        self.id_map_browse.clicked.connect(self._browse_id_map)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.id_map_edit, 1)
        row.addWidget(self.id_map_browse)
        grid.addLayout(row, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        return box

    def _categories_box(self) -> QGroupBox:
        box = QGroupBox("Categories")
        v = QVBoxLayout(box)
        v.setSpacing(6)
        self.category_filter = QLineEdit()
        self.category_filter.setPlaceholderText("Find a category…")
        self.category_filter.setClearButtonEnabled(True)
        self.category_filter.textChanged.connect(self._filter_categories)
        v.addWidget(self.category_filter)
        self.all_categories_button = QPushButton("All")
        self.no_categories_button = QPushButton("None")
        for button in (self.all_categories_button, self.no_categories_button):
            button.setAutoDefault(False)
        self.all_categories_button.setToolTip("Check every category (those found, when searching)")
        self.no_categories_button.setToolTip("Uncheck every category (those found, when searching)")
        self.all_categories_button.clicked.connect(lambda: self._check_shown(True))
        self.no_categories_button.clicked.connect(lambda: self._check_shown(False))

        self.category_list = QTreeWidget()
        self.category_list.setColumnCount(3)
        self.category_list.setHeaderLabels(["Category", "Id", "Annotations"])
        self.category_list.setRootIsDecorated(False)
        self.category_list.setUniformRowHeights(True)
        self.category_list.setAlternatingRowColors(True)
        self.category_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.category_list.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        header = self.category_list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        ds = self.dataset
        items = []
        for cat in ds.categories:
            cid = cat.get("id")
            item = QTreeWidgetItem([str(cat.get("name", "")), format_id(cid), f"{ds.category_count(cid):,}"])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked)
            item.setIcon(0, swatch_icon(category_color(ds, cid)))
            item.setTextAlignment(1, right)
            item.setTextAlignment(2, right)
            supercategory = cat.get("supercategory")
            if supercategory:
                item.setToolTip(0, f"{cat.get('name')} ({supercategory})")
            item.setData(0, Qt.ItemDataRole.UserRole, cat)
            items.append(item)
        self.category_list.addTopLevelItems(items)
        v.addWidget(self.category_list, 1)
        self.category_count_label = QLabel()
        self._dim(self.category_count_label)
        bottom = QHBoxLayout()
        bottom.setSpacing(4)
        bottom.addWidget(self.category_count_label, 1)
        bottom.addWidget(self.all_categories_button)
        bottom.addWidget(self.no_categories_button)
        v.addLayout(bottom)
        if len(ds.categories) <= 12:
            self.category_filter.hide()
        return box

    def _output_box(self) -> QGroupBox:
        box = QGroupBox("Output")
        row = QHBoxLayout(box)
        row.setSpacing(4)
        self.output_edit = QLineEdit()
        self.output_edit.setMinimumWidth(380)
        self.output_browse = QPushButton("Browse…")
        self.output_browse.setAutoDefault(False)
        self.output_browse.clicked.connect(self._browse_output)
        row.addWidget(self.output_edit, 1)
        row.addWidget(self.output_browse)
        return box

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

    def _dim(self, label: QLabel) -> None:
        palette = label.palette()
        palette.setColor(label.foregroundRole(), palette.placeholderText().color())
        label.setPalette(palette)

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

    # ---- options ------------------------------------------------------------------
    def image_choice(self) -> str:
        button = self.image_buttons.checkedButton()
        return button.property("choice") if button is not None else ALL

    def set_image_choice(self, choice: str) -> None:
        self.image_radios[choice].setChecked(True)

    def checked_categories(self) -> list[dict]:
        return [self.category_list.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                for i in range(self.category_list.topLevelItemCount())
                if self.category_list.topLevelItem(i).checkState(0) == Qt.CheckState.Checked]

    def set_categories_checked(self, category_ids: list[Any] | None) -> None:
        """Check exactly these categories (None: all)."""
        from cocoview.model.ids import id_key
        wanted = None if category_ids is None else {id_key(c) for c in category_ids}
        self.category_list.blockSignals(True)
        for i in range(self.category_list.topLevelItemCount()):
            item = self.category_list.topLevelItem(i)
            cat = item.data(0, Qt.ItemDataRole.UserRole)
            on = wanted is None or id_key(cat.get("id")) in wanted
            item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.category_list.blockSignals(False)
        self._changed()

    def options(self) -> ExportOptions:
        """The export the controls describe now."""
        images = self.image_lists.get(self.image_choice())
        checked = self.checked_categories()
        categories = None if len(checked) == len(self.dataset.categories) else [c.get("id") for c in checked]
        start = self.reindex_combo.currentData()
        score = self.min_score_spin.value()
        return ExportOptions(
            image_ids=None if images is None else [img.get("id") for img in images],
            categories=categories,
            min_score=score if score > 0 else None,
            drop_empty=self.drop_empty_check.isChecked(),
            reindex=start is not None, start_id=start if start is not None else 1,
            reindex_categories=self.reindex_categories_check.isChecked(), category_start=1)

    def output_path(self) -> str:
        text = self.output_edit.text().strip()
        return os.path.abspath(os.path.expanduser(text)) if text else ""

    def id_map_path(self) -> str | None:
        """Where the id map goes (None: not written, or nothing is renumbered)."""
        if not (self.id_map_check.isEnabled() and self.id_map_check.isChecked()):
            return None
        text = self.id_map_edit.text().strip()
        return os.path.abspath(os.path.expanduser(text)) if text else None

    def _renumbers(self) -> bool:
        return self.reindex_combo.currentData() is not None or self.reindex_categories_check.isChecked()

    def _update_enabled(self) -> None:
        busy = self.is_exporting
        renumbers = self._renumbers()
        self.id_map_check.setEnabled(renumbers and not busy)
        on = renumbers and self.id_map_check.isChecked() and not busy
        self.id_map_edit.setEnabled(on)
        self.id_map_browse.setEnabled(on)
        self.id_map_check.setToolTip("A JSON file with [old, new] pairs for images, annotations and categories"
                                     if renumbers else "Nothing is renumbered: ids stay as they are")
        if self._id_map_follows or not self.id_map_edit.text().strip():
            self._id_map_follows = True
            self.id_map_edit.setText(default_id_map_path(self.output_path()) if self.output_path() else "")

    def _output_changed(self, _text: str) -> None:
        self._confirmed_path = None
        if self._id_map_follows:
            self.id_map_edit.setText(default_id_map_path(self.output_path()) if self.output_path() else "")

    def _id_map_edited(self, text: str) -> None:
        self._id_map_follows = not text.strip()

    def _filter_categories(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.category_list.topLevelItemCount()):
            item = self.category_list.topLevelItem(i)
            hit = not needle or needle in item.text(0).lower() or needle == item.text(1).lower()
            item.setHidden(not hit)

    def _check_shown(self, on: bool) -> None:
        self.category_list.blockSignals(True)
        for i in range(self.category_list.topLevelItemCount()):
            item = self.category_list.topLevelItem(i)
            if not item.isHidden():
                item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.category_list.blockSignals(False)
        self._changed()

    def _ask_path(self, title: str, start: str, filters: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, start, filters)
        return path

    def _browse_output(self) -> None:
        path = self.ask_path("Export subset to", self.output_path(), "COCO JSON (*.json);;All files (*)")
        if path:
            self.output_edit.setText(path)
            self._confirmed_path = self.output_path()  # the file dialog asked about replacing it

    def _browse_id_map(self) -> None:
        path = self.ask_path("Write the id map to", self.id_map_edit.text(), "JSON (*.json);;All files (*)")
        if path:
            self.id_map_edit.setText(path)
            self._id_map_follows = False

    # ---- preview -------------------------------------------------------------------
    def _changed(self) -> None:
        n = len(self.checked_categories())
        total = len(self.dataset.categories)
        self.category_count_label.setText(f"{n:,} of {_count(total, 'category')} checked")
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
        self.preview_label.setText(" · ".join((_count(c["images"], "image"), _count(c["annotations"], "annotation"),
                                              _count(c["categories"], "category"))))
        details = [f"of {len(ds.images):,} images, {len(ds.annotations):,} annotations and "
                   f"{len(ds.categories):,} categories in {os.path.basename(ds.path or '') or 'the dataset'}"]
        if plan.dropped_dangling:
            details.append(f"{_count(plan.dropped_dangling, 'annotation')} referring to missing images or "
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
            text = (f"Wrote {_count(c['images'], 'image')}, {_count(c['annotations'], 'annotation')} and "
                    f"{_count(c['categories'], 'category')} to {out}")
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
