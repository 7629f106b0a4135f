"""The categories panel: which categories are shown, their colours and counts,
and the category editor (rename, ids, merge, delete, add, renumber, label map).
"""

from __future__ import annotations

from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QColorDialog, QDialog, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QMenu, QTableView, QToolBar, QToolButton, QVBoxLayout, QWidget)

from cocoview.gui.categories_model import COL_COUNT, COL_ID, COL_NAME, COL_SHOWN, COL_SUPER, CategoriesModel
from cocoview.gui.category_dialogs import (AddCategoryDialog, ChangeIdDialog, DeleteCategoryDialog,
                                           MergeCategoriesDialog, merge_question, parse_category_id)
from cocoview.gui.colors import colors_for
from cocoview.gui.key_action import KeyAction
from cocoview.gui.label_map_dialog import LabelMapDialog, RenumberDialog
from cocoview.model.commands import category_label, change_category_id
from cocoview.model.errors import CocoError
from cocoview.model.history import Command
from cocoview.model.ids import id_key
from cocoview.model.view_state import ViewState
from cocoview.gui.model_events import Listeners


class _SortProxy(QSortFilterProxyModel):
    """Sorts with the model's keys (ids and counts as numbers)."""

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:  # noqa: N802 (Qt name)
        model = self.sourceModel()
        return model.sort_key(left.row(), left.column()) < model.sort_key(right.row(), right.column())


class CategoryColorChoices:
    """Colours the user picked, held per category and kept in the settings.

    Choices follow the category dicts, so an id change, a renumbering or an
    undo keeps each colour on its category; they reach the drawing through
    ``colors_for(ds).set_overrides`` (the canvas and swatches listen there).
    They are saved per file as ``{id: {"color": "#rrggbb", "name": name}}``
    and found again by id, or by name when that id now names another one.
    """

    def __init__(self) -> None:
        self.ds = None
        self.settings = None
        self._chosen: list[tuple[dict, QColor]] = []
        self._applied: dict[Any, int] = {}

    def attach(self, ds, settings) -> None:
        self.ds, self.settings = ds, settings
        self._chosen = []
        self._applied = {}
        if ds is None:
            return
        current = colors_for(ds).overrides
        for cat in ds.categories:
            if id_key(cat.get("id")) in current:
                self._chosen.append((cat, QColor(current[id_key(cat.get("id"))])))
        self._applied = {k: QColor(v).rgba() for k, v in current.items()}
        if settings is not None and ds.path:
            self._load(settings.category_colors_for(ds.path))
        self.apply(save=False)

    def _load(self, stored: dict[str, Any]) -> None:
        for key, value in stored.items():
            color = value.get("color") if isinstance(value, dict) else value
            name = value.get("name") if isinstance(value, dict) else None
            if not isinstance(color, str) or not QColor(color).isValid():
                continue
            cat = self.ds.category(key)
            if cat is None or (name is not None and cat.get("name") != name):
                named = [c for c in self.ds.categories if name is not None and c.get("name") == name]
                cat = named[0] if len(named) == 1 else None
            if cat is not None:
                self._set(cat, QColor(color))

    def _set(self, cat: dict, color: QColor | None) -> None:
        self._chosen = [(c, col) for c, col in self._chosen if c is not cat]
        if color is not None:
            self._chosen.append((cat, QColor(color)))

    def color_of(self, cat: dict) -> QColor | None:
        return next((QColor(col) for c, col in self._chosen if c is cat), None)

    def set(self, cat: dict, color: QColor | None) -> None:
        self._set(cat, color)
        self.apply()

    def apply(self, save: bool = True) -> None:
        """Hand the choices for the categories present to the colour table (if they changed)."""
        if self.ds is None:
            return
        present = {id(c) for c in self.ds.categories}
        effective = [(c, col) for c, col in self._chosen if id(c) in present]
        keys = {id_key(c.get("id")): col.rgba() for c, col in effective}
        if keys == self._applied:
            return
        self._applied = keys
        colors_for(self.ds).set_overrides({c.get("id"): col for c, col in effective})
        if save and self.settings is not None and self.ds.path:
            self.settings.set_category_colors_for(self.ds.path, {
                str(c.get("id")): {"color": col.name(), "name": c.get("name")} for c, col in effective})


class CategoriesView(QWidget):
    """A table of the dataset's categories with visibility checkboxes, and their editor.

    Unchecking a row hides the category through the shared ``ViewState``
    (canvas, counts and the dataset tree follow). Double-click on the swatch
    column, or "Show only …" in the context menu, hides all others; "Show
    all" brings them back. Click a header to sort (ids and counts sort as
    numbers); the filter box matches any column.

    Editing: double-click or F2 edits a name, supercategory or id in place;
    the toolbar, the context menu and :meth:`actions_for_menu` add, merge,
    delete, renumber and apply a label map. Every change is a command on the
    dataset's history; dialogs open window-modal without blocking
    (:attr:`last_dialog` is the latest) and show what will change first.

    Signals:
        ``category_activated(category: dict)`` when the current row changes;
        ``colors_changed(category_ids)`` after a colour was picked or reset
        (the canvas already follows ``colors_for(ds)``; connect other
        swatches here); ``status_message(text)`` for the status bar.

    Slots:
        :meth:`set_dataset` ``(dataset, view_state=None, color_for=None)``
        where ``color_for(category_id) -> QColor`` gives swatch colours
        (grey without it); :meth:`set_color_for`; :meth:`select_category`;
        :meth:`set_settings` (where picked colours are kept).
    """

    category_activated = Signal(object)
    colors_changed = Signal(object)
    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None, dataset=None, view_state: ViewState | None = None,
                 color_for: Callable[[Any], QColor] | None = None, settings=None) -> None:
        super().__init__(parent)
        self.setObjectName("categories_view")
        self.settings = settings
        self.colors = CategoryColorChoices()
        self.last_dialog: QDialog | None = None
        self._listeners = Listeners(self)
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
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
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

        self._build_actions()
        self.toolbar = self._build_toolbar()

        bottom = QHBoxLayout()
        bottom.setSpacing(0)
        bottom.addWidget(self.summary_label, 1)
        bottom.addWidget(self.show_all_button)
        bottom.addWidget(self.hide_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.table.doubleClicked.connect(self._on_double_click)
        self.table.customContextMenuRequested.connect(self._context_menu)
        # Space shows or hides the selected categories (the table would only select).
        KeyAction(self.table, self._is_toggle_key, lambda: self.model.toggle_shown(self.selected_categories()))
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.model.modelReset.connect(self._update_summary)
        self.model.dataChanged.connect(lambda *_: self._update_summary())
        self.model.id_edit_requested.connect(self._on_id_edit)
        self.model.edit_rejected.connect(self.status_message)
        self.set_dataset(dataset, view_state, color_for)

    def _button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def _action(self, text: str, slot, tip: str, shortcut=None) -> QAction:
        action = QAction(text, self)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.table.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.add_action = self._action("&Add Category…", self.add_category, "Add a new, empty category")
        self.rename_action = self._action("&Rename", self.rename_current, "Edit the name in place", "F2")
        self.change_id_action = self._action("Change &Id…", self.change_current_id,
                                             "Give the category another id; its annotations follow")
        self.merge_action = self._action("&Merge…", self.merge_selected,
                                         "Merge the selected categories into one of them")
        self.delete_action = self._action("&Delete…", self.delete_current,
                                          "Delete the category, with its annotations or moving them",
                                          [QKeySequence.StandardKey.Delete, "Backspace"])
        self.color_action = self._action("C&olour…", self.choose_color, "Pick the colour the category is drawn in")
        self.reset_color_action = self._action("Reset Co&lour", self.reset_color, "Use the palette colour again")
        self.renumber_from_1_action = self._action("Renumber &1..N", lambda: self.renumber(1),
                                                   "Number the categories 1, 2, 3… in file order")
        self.renumber_from_0_action = self._action("Renumber &0..N-1", lambda: self.renumber(0),
                                                   "Number the categories 0, 1, 2… in file order")
        self.label_map_action = self._action("Apply &Label Map…", self.apply_label_map,
                                             "Give categories the ids a label map file names for them")
        self.renumber_menu = QMenu("Re&number", self)
        self.renumber_menu.addAction(self.renumber_from_1_action)
        self.renumber_menu.addAction(self.renumber_from_0_action)

    def _build_toolbar(self) -> QToolBar:
        bar = QToolBar()
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.setStyleSheet("QToolBar { border: none; spacing: 1px; } "
                          "QToolButton::menu-indicator { image: none; width: 0px; }")
        self.add_button = self._tool(bar, self.add_action, "Add")
        self.merge_button = self._tool(bar, self.merge_action, "Merge")
        self.delete_button = self._tool(bar, self.delete_action, "Delete")
        self.renumber_button = QToolButton()
        self.renumber_button.setText("Renumber ▾")
        self.renumber_button.setToolTip("Number the categories contiguously")
        self.renumber_button.setMenu(self.renumber_menu)
        self.renumber_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.renumber_button.setAutoRaise(True)
        self.renumber_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.addWidget(self.renumber_button)
        self.label_map_button = self._tool(bar, self.label_map_action, "Label map")
        return bar

    def _tool(self, bar: QToolBar, action: QAction, text: str) -> QToolButton:
        # A button of its own, so the toolbar can say less than the menu does.
        button = QToolButton()
        button.setText(text)
        button.setToolTip(action.toolTip())
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(action.trigger)
        action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
        bar.addWidget(button)
        return button

    def actions_for_menu(self) -> list[QAction]:
        """The editor's actions for an Edit ▸ Categories menu (separators included)."""
        def separator() -> QAction:
            action = QAction(self)
            action.setSeparator(True)
            return action

        return [self.add_action, self.rename_action, self.change_id_action, self.color_action,
                self.reset_color_action, separator(), self.merge_action, self.delete_action, separator(),
                self.renumber_from_1_action, self.renumber_from_0_action, self.label_map_action]

    # ---- slots ---------------------------------------------------------------------
    def set_dataset(self, dataset, view_state: ViewState | None = None,
                    color_for: Callable[[Any], QColor] | None = None) -> None:
        """Show a dataset's categories (None: none)."""
        dialog = self.last_dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.reject()
        self._listeners.clear()
        if color_for is not None:
            self.model.set_color_for(color_for)
        self.model.set_dataset(dataset, view_state)
        self.colors.attach(dataset, self.settings)
        if dataset is not None:
            self._listeners.listen(dataset.events.categories_changed, "_on_categories_changed")
            self._listeners.listen(colors_for(dataset).events.changed, "_on_colors_changed")
        self._update_summary()

    def set_settings(self, settings) -> None:
        """Where picked colours are kept (a ``Settings``); reloads the current file's colours."""
        self.settings = settings
        self.colors.attach(self.model.dataset, settings)

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
        return self._category(index)

    def selected_categories(self) -> list[dict]:
        """Selected categories in table order (the current one when nothing is selected)."""
        rows = sorted(self.table.selectionModel().selectedRows(COL_NAME), key=lambda i: i.row())
        cats = [c for c in (self._category(i) for i in rows) if c is not None]
        if not cats and self.current_category() is not None:
            cats = [self.current_category()]
        return cats

    # ---- editing -------------------------------------------------------------------------
    @property
    def dataset(self):
        return self.model.dataset

    def add_category(self) -> AddCategoryDialog | None:
        if self.dataset is None:
            return None
        current = self.current_category()
        dialog = AddCategoryDialog(self.dataset, self, str((current or {}).get("supercategory") or ""))
        return self._open(dialog, lambda: self._run(dialog.command(), lambda: self.dataset.categories[-1]))

    def merge_selected(self) -> MergeCategoriesDialog | None:
        cats = self.selected_categories()
        if self.dataset is None or not cats or len(self.dataset.categories) < 2:
            return None
        dialog = MergeCategoriesDialog(self.dataset, cats, self)
        return self._open(dialog, lambda: self._run(dialog.command(), dialog.target()))

    def delete_current(self) -> DeleteCategoryDialog | None:
        cats = self.selected_categories()
        if self.dataset is None or len(cats) != 1:
            return None
        dialog = DeleteCategoryDialog(self.dataset, cats[0], self)
        return self._open(dialog, lambda: self._run(dialog.command(), dialog.target()))

    def change_current_id(self) -> ChangeIdDialog | None:
        cat = self.current_category()
        if self.dataset is None or cat is None:
            return None
        dialog = ChangeIdDialog(self.dataset, cat, self)
        return self._open(dialog, lambda: self._run(dialog.command(), dialog.merges_into() or cat))

    def rename_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            name_index = index.siblingAtColumn(COL_NAME)
            self.table.setCurrentIndex(name_index)
            self.table.edit(name_index)

    def renumber(self, start: int) -> RenumberDialog | None:
        """Ask, then number the categories from ``start`` in file order (None if nothing changes)."""
        ds = self.dataset
        if ds is None or not ds.categories:
            return None
        if all(id_key(c.get("id")) == start + i for i, c in enumerate(ds.categories)):
            self.status_message.emit(f"The category ids are already {start}..{start + len(ds.categories) - 1}.")
            return None
        dialog = RenumberDialog(ds, start, self)
        current = self.current_category()
        return self._open(dialog, lambda: self._run(dialog.command(), current))

    def apply_label_map(self, path: str | None = None) -> LabelMapDialog | None:
        """Open the label-map dialog (reading ``path`` first when given)."""
        if self.dataset is None:
            return None
        dialog = LabelMapDialog(self.dataset, self)
        if path:
            dialog.load_file(path)
        current = self.current_category()
        return self._open(dialog, lambda: self._run(dialog.command(), current))

    def choose_color(self) -> QColorDialog | None:
        cat = self.current_category()
        if self.dataset is None or cat is None:
            return None
        dialog = QColorDialog(colors_for(self.dataset).color(cat.get("id")), self)
        dialog.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
        dialog.setWindowTitle(f"Colour of {category_label(cat)}")
        dialog.colorSelected.connect(lambda color: self.set_category_color(cat, color))
        return self._open(dialog, None)

    def reset_color(self) -> None:
        cat = self.current_category()
        if cat is not None:
            self.set_category_color(cat, None)

    def set_category_color(self, cat: dict, color: QColor | None) -> None:
        """Draw ``cat`` in ``color`` (None: the palette colour), kept for this file."""
        if self.dataset is not None:
            self.colors.set(cat, color)
            self._update_actions()

    def _open(self, dialog: QDialog, on_accept):
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ds = self.dataset
        if on_accept is not None:
            # A dialog built for one dataset never edits the next one.
            dialog.accepted.connect(lambda: on_accept() if self.dataset is ds else None)
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def _run(self, command: Command | None, follow: dict | Callable[[], dict] | None = None) -> bool:
        """Push a command, then make ``follow`` (a category, or what the callable gives) current."""
        ds = self.dataset
        if ds is None or command is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            ds.history.push(command)
        except CocoError as e:
            self.status_message.emit(str(e))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.status_message.emit(command.text)
        cat = follow() if callable(follow) else follow
        if cat is not None and any(c is cat for c in ds.categories):
            self.select_category(cat.get("id"))
        return True

    def _on_id_edit(self, cat: dict, text: str) -> None:
        ds = self.dataset
        new_id = parse_category_id(text, ds) if ds is not None else None
        if new_id is None:
            self.status_message.emit(f"'{text}' is not a category id: ids are whole numbers.")
            return
        if id_key(new_id) == id_key(cat.get("id")):
            return
        other = ds.category(new_id)
        if other is not None and other is not cat:
            dialog = merge_question(ds, cat, other, self)
            self._open(dialog, lambda: self._run(dialog.command(), other))
            return
        self._run(change_category_id(ds, cat, new_id), cat)

    # ---- internals ---------------------------------------------------------------------
    def _category(self, proxy_index: QModelIndex) -> dict | None:
        # The dataset's own dict: commands find categories by identity, and
        # data(CategoryRole) hands out a converted copy.
        if not proxy_index.isValid():
            return None
        return self.model.category_at(self.proxy.mapToSource(proxy_index).row())

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        cat = self._category(current)
        self._update_actions()
        if cat is not None:
            self.category_activated.emit(cat)

    def _on_double_click(self, index: QModelIndex) -> None:
        cat = self._category(index)
        if cat is not None and index.column() == COL_SHOWN:
            self.model.show_only(cat)

    def _on_categories_changed(self) -> None:
        self.colors.apply()
        self._update_actions()

    def _on_colors_changed(self, category_ids: Any = None) -> None:
        self.model.refresh_colors()
        self.colors_changed.emit(category_ids)

    def _update_actions(self) -> None:
        ds = self.dataset
        cats = self.selected_categories() if ds is not None else []
        current = self.current_category() if ds is not None else None
        has = ds is not None
        self.add_action.setEnabled(has)
        self.rename_action.setEnabled(current is not None)
        self.change_id_action.setEnabled(current is not None)
        self.color_action.setEnabled(current is not None)
        self.reset_color_action.setEnabled(current is not None and self.colors.color_of(current) is not None)
        self.merge_action.setEnabled(bool(cats) and has and len(ds.categories) > 1)
        self.merge_action.setText("&Merge…" if len(cats) != 1 else "&Merge Into…")
        self.delete_action.setEnabled(len(cats) == 1)
        several = has and bool(ds.categories)
        for action in (self.renumber_from_1_action, self.renumber_from_0_action):
            action.setEnabled(several)
        self.renumber_button.setEnabled(several)
        self.label_map_action.setEnabled(several)

    def _update_summary(self) -> None:
        self._update_actions()
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
        menu = self.context_menu(self.table.indexAt(pos))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _is_toggle_key(self, event) -> bool:
        return (event.key() == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier
                and self.table.state() != QAbstractItemView.State.EditingState)

    def context_menu(self, index: QModelIndex) -> QMenu:
        """The menu for a cell (built, not shown)."""
        cat = self._category(index)
        menu = QMenu(self)
        if cat is not None:
            name = str(cat.get("name", cat.get("id")))
            shown = self.model.is_shown(cat)
            menu.addAction(self.rename_action)
            menu.addAction(self.change_id_action)
            menu.addAction(self.color_action)
            if self.colors.color_of(cat) is not None:
                menu.addAction(self.reset_color_action)
            menu.addSeparator()
            menu.addAction(self.merge_action)
            menu.addAction(self.delete_action)
            menu.addSeparator()
            menu.addAction(f"Show only '{name}'", lambda: self.model.show_only(cat))
            menu.addAction(f"Hide '{name}'" if shown else f"Show '{name}'",
                           lambda: self.model.view_state.set_category_hidden(cat.get("id"), shown))
        menu.addAction("Show all", self.model.show_all)
        menu.addAction("Hide all", self.model.hide_all)
        menu.addSeparator()
        menu.addAction(self.add_action)
        menu.addMenu(self.renumber_menu)
        menu.addAction(self.label_map_action)
        if cat is not None:
            menu.addSeparator()
            clipboard = QGuiApplication.clipboard()
            menu.addAction("Copy name", lambda: clipboard.setText(str(cat.get("name", ""))))
            menu.addAction("Copy id", lambda: clipboard.setText(str(cat.get("id"))))
        return menu
