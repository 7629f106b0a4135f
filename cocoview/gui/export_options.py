"""The option controls of the export dialog, and the export they describe.

:class:`ExportOptionsForm` builds the group boxes (images, annotations, ids,
categories, output), reads them back as an :class:`ExportOptions`, the output
path and the id map path, and keeps the id map controls in step with the
rest. :class:`~cocoview.gui.export_dialog.ExportDialog` mixes it in and adds
the preview and the export itself.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog,
                               QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QRadioButton, QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout)

from cocoview.gui.categories_model import swatch_icon
from cocoview.gui.colors import category_color
from cocoview.model.export import ExportOptions
from cocoview.model.ids import format_id, id_key

if TYPE_CHECKING:
    from cocoview.model.dataset import Dataset

ALL, FILTERED, SELECTED = "all", "filtered", "selected"
#: reindexing choices: (label, start id or None)
REINDEX_CHOICES = (("Keep ids", None), ("Renumber from 1", 1), ("Renumber from 0", 0))


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


def counted(n: int, word: str) -> str:
    """``n`` and the word, plural unless n is 1 (\"1 category\", \"3 categories\")."""
    if n == 1:
        return f"{n:,} {word}"
    return f"{n:,} {word[:-1]}ies" if word.endswith("y") else f"{n:,} {word}s"


class ExportOptionsForm:
    """The export options part of a dialog (mixed into a ``QDialog``).

    The dialog provides ``dataset``, ``image_lists`` (choice → images or
    None), ``ask_path``, ``is_exporting``, ``_changed()`` (options changed),
    ``_id_map_follows`` (the id map path follows the output path) and
    ``_confirmed_path`` (a path the user already agreed to replace).
    """

    dataset: "Dataset"
    image_lists: dict[str, list[dict] | None]
    ask_path: Callable[[str, str, str], str]
    _id_map_follows: bool
    _confirmed_path: str | None

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

    def _dim(self, label: QLabel) -> None:
        palette = label.palette()
        palette.setColor(label.foregroundRole(), palette.placeholderText().color())
        label.setPalette(palette)

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
