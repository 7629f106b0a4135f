"""The dataset panel: a filter box, filter options and the image tree."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QModelIndex, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QIcon, QKeySequence, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QMenu, QToolButton, QTreeView, QVBoxLayout, QWidget)

from cocoview.gui.dataset_tree_model import (CATEGORIES, COL_COUNT, COL_ID, COL_NAME, FOLDERS, DatasetTreeModel,
                                             ImageFilter)
from cocoview.gui.key_action import KeyAction, is_copy
from cocoview.model.ids import id_key
from cocoview.model.text import plural as _plural
from cocoview.model.view_state import ViewState

#: how long typing in the filter box waits before filtering
TYPING_DELAY_MS = 150
# Folders expanded by themselves after a filter change, at most.
_AUTO_EXPAND = 24


def _search_icon(color: QColor) -> QIcon:
    """A small magnifying glass for the filter box."""
    pix = QPixmap(16, 16)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(color, 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.drawEllipse(QPointF(6.5, 6.5), 4.2, 4.2)
    painter.drawLine(QPointF(9.7, 9.7), QPointF(13.5, 13.5))
    painter.end()
    return QIcon(pix)


class DatasetTreeView(QWidget):
    """Browse and filter a dataset's images; the current image is announced.

    Signals:
        ``image_activated(image: dict)`` when the current row becomes an image
        other than the last one announced (keyboard or mouse), but not when
        :meth:`select_image` moves there.

    Slots:
        :meth:`set_dataset` (a ``Dataset`` or None, and the shared
        ``ViewState``), :meth:`select_image`,
        :meth:`set_findings_predicate` (``predicate(image) -> bool``; enables
        the "Findings" filter), :meth:`set_color_for` (category swatches).

    :meth:`ordered_images` lists the images shown, in tree order, for
    next/previous navigation. The tree model is :attr:`model` (a
    :class:`DatasetTreeModel`); the widgets are public attributes.
    """

    image_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None, dataset=None,
                 view_state: ViewState | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataset_tree_view")
        self.view_state = view_state if view_state is not None else ViewState()
        self.model = DatasetTreeModel(None, self.view_state, self)
        self._last_image: dict | None = None
        self._quiet = False

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by file name…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.addAction(_search_icon(self.palette().placeholderText().color()),
                                   QLineEdit.ActionPosition.LeadingPosition)
        self.filter_edit.setToolTip("Show images whose file name contains this text (case-insensitive)")

        self.category_combo = QComboBox()
        self.category_combo.setToolTip("Show images with at least one visible annotation of this category")
        self.category_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.category_combo.setMinimumContentsLength(10)
        self.category_combo.setMaxVisibleItems(24)
        self.annotated_check = QCheckBox("Annotated")
        self.annotated_check.setToolTip("Show images with at least one visible annotation")
        self.findings_check = QCheckBox("Findings")
        self.findings_check.setEnabled(False)
        self.findings_check.setToolTip("Show images with validation findings (not available yet)")

        self.tree = QTreeView()
        self.tree.setUniformRowHeights(True)
        self.tree.setModel(self.model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setIndentation(14)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_COUNT, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_ID, QHeaderView.ResizeMode.Interactive)
        metrics = self.tree.fontMetrics()
        header.resizeSection(COL_COUNT, metrics.horizontalAdvance("000 / 000") + 14)
        header.resizeSection(COL_ID, metrics.horizontalAdvance("0000000") + 12)

        self.status_label = QLabel()
        self.status_label.setObjectName("dataset_tree_status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.status_label.palette()
        palette.setColor(self.status_label.foregroundRole(), palette.placeholderText().color())
        self.status_label.setPalette(palette)
        self.folders_button = self._segment("Folders", "Group images by the folders in their file names")
        self.categories_button = self._segment("Categories", "Group images by the categories they show")
        self.folders_button.setChecked(True)
        self.grouping_buttons = QButtonGroup(self)
        self.grouping_buttons.setExclusive(True)
        self.grouping_buttons.addButton(self.folders_button)
        self.grouping_buttons.addButton(self.categories_button)

        options = QHBoxLayout()
        options.setSpacing(8)
        options.addWidget(self.category_combo, 1)
        options.addWidget(self.annotated_check)
        options.addWidget(self.findings_check)
        bottom = QHBoxLayout()
        bottom.setSpacing(0)
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.folders_button)
        bottom.addWidget(self.categories_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter_edit)
        layout.addLayout(options)
        layout.addWidget(self.tree, 1)
        layout.addLayout(bottom)

        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_DELAY_MS)
        self._typing.timeout.connect(self._apply_filter)
        self.filter_edit.textChanged.connect(self._typing.start)
        self.filter_edit.returnPressed.connect(self._apply_filter)
        self.category_combo.currentIndexChanged.connect(self._apply_filter)
        self.annotated_check.toggled.connect(self._apply_filter)
        self.findings_check.toggled.connect(self._apply_filter)
        self.folders_button.toggled.connect(self._on_grouping)
        self.tree.selectionModel().currentChanged.connect(self._on_current)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.model.filtered.connect(self._on_filtered)
        self.model.modelReset.connect(self._expand_lone_group)

        self.copy_action = QAction("Copy file name", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.triggered.connect(self.copy_file_name)
        # Ctrl+C copies the whole file name, not the text the row shows.
        KeyAction(self.tree, is_copy, self.copy_file_name)

        self.set_dataset(dataset)

    def _segment(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    # ---- slots ---------------------------------------------------------------
    def set_dataset(self, dataset, view_state: ViewState | None = None) -> None:
        """Show a dataset (None: nothing); the filter box keeps its text."""
        if view_state is not None:
            self.view_state = view_state
            self.model.set_view_state(view_state)
        old = self.model.dataset
        if old is not None:
            old.events.categories_changed.disconnect(self._fill_categories)
        self._last_image = None
        self.model.set_dataset(dataset)
        if dataset is not None:
            dataset.events.categories_changed.connect(self._fill_categories)
        self._fill_categories()
        self._apply_filter()
        self._on_filtered(self.model.shown_count(), self.model.total_count())

    def select_image(self, image: dict | None) -> bool:
        """Make ``image`` current: expand its folder and scroll to it.

        Returns False when the image is not in the tree (absent or filtered
        out). Does not emit :attr:`image_activated`.
        """
        if image is None:
            return False
        current = self.tree.currentIndex()
        if self.model.image_at(current) is image:
            index = current   # already there (the row just clicked, in its group)
        else:
            # Grouped by category, stay in the current row's category when it holds the image.
            index = self.model.index_for_image(image, category_id=self._category_near(current))
            if not index.isValid():
                index = self.model.index_for_image(image)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self._quiet = True
        try:
            self.tree.setCurrentIndex(index)
        finally:
            self._quiet = False
        self._last_image = image
        self.tree.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def _category_near(self, index: QModelIndex) -> Any:
        """The category key of the group holding ``index`` (None outside category groups)."""
        while index.isValid():
            ident = self.model.group_at(index)
            if ident is not None and ident[0] == "category":
                return ident[1]
            index = index.parent()   # a page's parent is the group it pages
        return None

    def ordered_images(self) -> list[dict]:
        """Images shown (filter applied), in tree order, each once."""
        return self.model.ordered_images()

    def current_image(self) -> dict | None:
        return self.model.image_at(self.tree.currentIndex())

    def set_findings_predicate(self, predicate: Callable[[dict], bool] | None) -> None:
        """``predicate(image) -> bool``, e.g. ``lambda im: bool(validate_image(ds, im))``."""
        self.model.set_findings_predicate(predicate)
        self.findings_check.setEnabled(predicate is not None)
        self.findings_check.setToolTip("Show images with validation findings" if predicate is not None
                                       else "Show images with validation findings (not available yet)")
        if predicate is None and self.findings_check.isChecked():
            self.findings_check.setChecked(False)

    def set_color_for(self, color_for: Callable[[Any], QColor] | None) -> None:
        self.model.set_color_for(color_for)

    def set_grouping(self, grouping: str) -> None:
        (self.folders_button if grouping == FOLDERS else self.categories_button).setChecked(True)

    def current_filter(self) -> ImageFilter:
        """The filter the controls describe now (typing included, before the delay)."""
        data = self.category_combo.currentData()
        return ImageFilter(
            text=self.filter_edit.text().strip(),
            category_id=data[0] if data else None,
            has_annotations=self.annotated_check.isChecked(),
            has_findings=self.findings_check.isChecked() and self.findings_check.isEnabled(),
        )

    def copy_file_name(self) -> None:
        image = self.current_image()
        if image is not None:
            QGuiApplication.clipboard().setText(str(image.get("file_name", "")))

    # ---- internals -------------------------------------------------------------
    def _apply_filter(self) -> None:
        self._typing.stop()
        before = self.model.image_filter
        self.model.set_filter(self.current_filter())
        if self.model.image_filter != before and not self.model.image_filter.is_empty():
            self._expand_few_groups()

    def _fill_categories(self, **_: Any) -> None:
        ds = self.model.dataset
        combo = self.category_combo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("All categories", None)
        chosen = 0
        for cat in (ds.categories if ds is not None else []):
            cid = cat.get("id")
            combo.addItem(f"{cat.get('name', cid)}  ({cid})", (cid,))
            if current and id_key(current[0]) == id_key(cid):
                chosen = combo.count() - 1
        combo.setCurrentIndex(chosen)
        combo.blockSignals(False)
        if current and chosen == 0:
            self._apply_filter()

    def _on_grouping(self, folders: bool) -> None:
        current = self.current_image()
        self.model.set_grouping(FOLDERS if folders else CATEGORIES)
        if current is not None:
            self.select_image(current)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        image = self.model.image_at(current)
        if image is None or self._quiet or image is self._last_image:
            return
        self._last_image = image
        self.image_activated.emit(image)

    def _on_filtered(self, shown: int, total: int) -> None:
        ds = self.model.dataset
        if ds is None:
            self.status_label.setText("No dataset")
        elif self.model.image_filter.is_empty():
            n_anns = len(ds.annotations)
            self.status_label.setText(f"{_plural(total, 'image')} · {_plural(n_anns, 'annotation')}")
        else:
            self.status_label.setText(f"{shown:,} of {total:,} images shown")

    def _expand_lone_group(self) -> None:
        """Open a folder that is alone at its level, and the first page of a huge folder."""
        model = self.model
        parent = QModelIndex()
        while model.rowCount(parent):
            first = model.index(0, 0, parent)
            ident = model.group_at(first)
            if ident is None:
                return
            if ident[0] == "page" or model.rowCount(parent) == 1:
                self.tree.expand(first)
                parent = first
                if ident[0] == "page":
                    return
            else:
                return

    def _expand_few_groups(self) -> None:
        """Open the groups a filter left (a few), and only the first page of a
        paged group: laying out tens of thousands of rows would freeze the view."""
        model = self.model
        stack = [QModelIndex()]
        expanded = 0
        while stack and expanded < _AUTO_EXPAND:
            parent = stack.pop()
            for row in range(model.rowCount(parent)):
                index = model.index(row, 0, parent)
                if model.image_at(index) is not None:
                    break
                ident = model.group_at(index)
                if ident is not None and ident[0] == "page" and row > 0:
                    break
                self.tree.expand(index)
                expanded += 1
                stack.append(index)

    def _context_menu(self, pos) -> None:
        index = self.tree.indexAt(pos)
        image = self.model.image_at(index)
        menu = QMenu(self)
        if image is not None:
            menu.addAction(self.copy_action)
            menu.addAction("Copy image id", lambda: QGuiApplication.clipboard().setText(str(image.get("id"))))
            menu.addSeparator()
        menu.addAction("Expand all", self.tree.expandAll)
        menu.addAction("Collapse all", self.tree.collapseAll)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

