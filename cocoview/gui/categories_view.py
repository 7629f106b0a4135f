"""The categories panel: which categories are shown, their colours and counts."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu, QTableView,
                               QToolButton, QVBoxLayout, QWidget)

from cocoview.gui.categories_model import (COL_COUNT, COL_ID, COL_NAME, COL_SHOWN, COL_SUPER, CategoriesModel,
                                           CategoryRole)
from cocoview.model.ids import id_key
from cocoview.model.view_state import ViewState


class _SortProxy(QSortFilterProxyModel):
    """Sorts with the model's keys (ids and counts as numbers)."""

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:  # noqa: N802 (Qt name)
        model = self.sourceModel()
        return model.sort_key(left.row(), left.column()) < model.sort_key(right.row(), right.column())


class CategoriesView(QWidget):
    """A table of the dataset's categories with visibility checkboxes.

    Unchecking a row hides the category through the shared ``ViewState``
    (canvas, counts and the dataset tree follow). Double-click on the swatch
    column, or "Show only …" in the context menu, hides all others; "Show
    all" brings them back. Click a header to sort (ids and counts sort as
    numbers); the filter box matches any column.

    Signals:
        ``category_activated(category: dict)`` when the current row changes.

    Slots:
        :meth:`set_dataset` ``(dataset, view_state=None, color_for=None)``
        where ``color_for(category_id) -> QColor`` gives swatch colours
        (grey without it); :meth:`set_color_for`; :meth:`select_category`.
    """

    category_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None, dataset=None, view_state: ViewState | None = None,
                 color_for: Callable[[Any], QColor] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("categories_view")
        self.model = CategoriesModel(None, view_state, color_for, self)
        self.proxy = _SortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter categories…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(COL_SHOWN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COL_SHOWN, 46)
        for column in (COL_ID, COL_COUNT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_SUPER, QHeaderView.ResizeMode.Stretch)
        metrics = self.fontMetrics()
        header.resizeSection(COL_ID, metrics.horizontalAdvance("0000") + 16)
        header.resizeSection(COL_COUNT, metrics.horizontalAdvance("0,000 / 0,000") + 12)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)

        self.summary_label = QLabel()
        palette = self.summary_label.palette()
        palette.setColor(self.summary_label.foregroundRole(), palette.placeholderText().color())
        self.summary_label.setPalette(palette)
        self.show_all_button = self._button("Show all", "Show every category", self.model.show_all)
        self.hide_all_button = self._button("Hide all", "Hide every category", self.model.hide_all)

        bottom = QHBoxLayout()
        bottom.setSpacing(0)
        bottom.addWidget(self.summary_label, 1)
        bottom.addWidget(self.show_all_button)
        bottom.addWidget(self.hide_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.table.doubleClicked.connect(self._on_double_click)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.model.modelReset.connect(self._update_summary)
        self.model.dataChanged.connect(lambda *_: self._update_summary())
        self.set_dataset(dataset, view_state, color_for)

    def _button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    # ---- slots ---------------------------------------------------------------------
    def set_dataset(self, dataset, view_state: ViewState | None = None,
                    color_for: Callable[[Any], QColor] | None = None) -> None:
        """Show a dataset's categories (None: none)."""
        if color_for is not None:
            self.model.set_color_for(color_for)
        self.model.set_dataset(dataset, view_state)
        self._update_summary()

    def set_color_for(self, color_for: Callable[[Any], QColor] | None) -> None:
        self.model.set_color_for(color_for)

    def select_category(self, category_id: Any) -> bool:
        """Make a category the current row (clears a filter that hides it)."""
        row = self.model.row_of(category_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, COL_NAME))
        if not index.isValid():
            self.filter_edit.clear()
            index = self.proxy.mapFromSource(self.model.index(row, COL_NAME))
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    def current_category(self) -> dict | None:
        index = self.table.currentIndex()
        return index.data(CategoryRole) if index.isValid() else None

    # ---- internals ---------------------------------------------------------------------
    def _category(self, proxy_index: QModelIndex) -> dict | None:
        return proxy_index.data(CategoryRole) if proxy_index.isValid() else None

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        cat = self._category(current)
        if cat is not None:
            self.category_activated.emit(cat)

    def _on_double_click(self, index: QModelIndex) -> None:
        cat = self._category(index)
        if cat is not None and index.column() == COL_SHOWN:
            self.model.show_only(cat)

    def _update_summary(self) -> None:
        ds = self.model.dataset
        if ds is None:
            self.summary_label.setText("No dataset")
            return
        n = self.model.rowCount()
        keys = {id_key(c.get("id")) for c in ds.categories}
        hidden = len(keys & self.model.view_state.hidden_categories)
        text = f"{n:,} categor{'y' if n == 1 else 'ies'}"
        if hidden:
            text += f" · {hidden:,} hidden"
        self.summary_label.setText(text)
        self.show_all_button.setEnabled(hidden > 0)
        self.hide_all_button.setEnabled(hidden < n)

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        cat = self._category(index)
        menu = QMenu(self)
        if cat is not None:
            name = str(cat.get("name", cat.get("id")))
            shown = self.model.is_shown(cat)
            menu.addAction(f"Show only '{name}'", lambda: self.model.show_only(cat))
            menu.addAction(f"Hide '{name}'" if shown else f"Show '{name}'",
                           lambda: self.model.view_state.set_category_hidden(cat.get("id"), shown))
            menu.addSeparator()
        menu.addAction("Show all", self.model.show_all)
        menu.addAction("Hide all", self.model.hide_all)
        if cat is not None:
            menu.addSeparator()
            clipboard = QGuiApplication.clipboard()
            menu.addAction("Copy name", lambda: clipboard.setText(str(cat.get("name", ""))))
            menu.addAction("Copy id", lambda: clipboard.setText(str(cat.get("id"))))
        menu.exec(self.table.viewport().mapToGlobal(pos))
