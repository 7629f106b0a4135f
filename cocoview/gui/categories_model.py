"""The dataset's categories as a table: swatch, id, name, supercategory, counts.

The visibility checkbox writes to the shared :class:`ViewState` (what is
shown, not data). Name and supercategory cells are edited in place through
``set_category_fields`` commands on the dataset's history; an id typed in a
cell is handed to the view (``id_edit_requested``) because a taken id means
a merge the user has to confirm. The model itself never assigns a field.
"""

from __future__ import annotations

import bisect
from typing import Any, Callable, Hashable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication

from cocoview.gui.image_groups import segments_of
from cocoview.model.commands import set_category_fields
from cocoview.model.ids import id_key
from cocoview.model.view_state import ViewState

COL_SHOWN, COL_ID, COL_NAME, COL_SUPER, COL_COUNT = range(5)
_HEADERS = ("", "Id", "Name", "Supercategory", "Count")
#: the category field each text column shows
FIELD_OF_COLUMN = {COL_ID: "id", COL_NAME: "name", COL_SUPER: "supercategory"}
#: the category dict of a row
CategoryRole = Qt.ItemDataRole.UserRole + 2
#: (visible, total) annotations of a row
CountsRole = Qt.ItemDataRole.UserRole + 3

DEFAULT_COLOR = QColor(150, 150, 150)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def swatch_icon(color: QColor, faded: bool = False, size: int = 14) -> QIcon:
    """A rounded colour square (hollow when faded, for hidden categories)."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(color)
    edge = fill.darker(160)
    if faded:
        fill.setAlpha(50)
        edge.setAlpha(120)
    painter.setPen(edge)
    painter.setBrush(fill)
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return QIcon(pix)


def _sort_id(value: Any):
    key = id_key(value)
    return (0, key, "") if type(key) is int else (1, 0, str(key))


class CategoriesModel(QAbstractTableModel):
    """One row per category of a dataset, in file order.

    Column 0 holds the visibility checkbox and the colour swatch; then id,
    name, supercategory and "visible / total" annotations under the view
    state (panoptic files count their segments). Counts are computed for the
    rows painted and cached; edits and view-state changes refresh them.

    Signals:
        ``id_edit_requested(category: dict, text: str)`` when an id cell is
        edited (the view decides: change, merge after asking, or refuse);
        ``edit_rejected(message: str)`` when an edit cannot be applied.
    """

    id_edit_requested = Signal(object, str)
    edit_rejected = Signal(str)

    def __init__(self, dataset=None, view_state: ViewState | None = None,
                 color_for: Callable[[Any], QColor] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ds = None
        self._vs = view_state if view_state is not None else ViewState()
        self._color_for = color_for
        self._cats: list[dict] = []
        self._counts: dict[Hashable, tuple[int, int]] = {}
        #: Category key -> its annotations' numeric scores, sorted (for the score threshold).
        self._scores: dict[Hashable, list] = {}
        self._panoptic_totals: dict[Hashable, int] | None = None
        self._icons: dict[tuple, QIcon] = {}
        self._editable = True
        # Hidden categories by identity, so that hiding follows id edits.
        self._hidden: list[dict] = []
        self._hidden_orphans: set[Hashable] = set()  # hidden ids no category has
        self._following = False
        self._vs.events.changed.connect(self._on_view_state)
        if dataset is not None:
            self.set_dataset(dataset)

    # ---- public API ---------------------------------------------------------
    @property
    def dataset(self):
        return self._ds

    @property
    def view_state(self) -> ViewState:
        return self._vs

    def set_dataset(self, dataset, view_state: ViewState | None = None) -> None:
        """Show another dataset (None: empty), optionally following another view state."""
        if self._ds is not None:
            self._listen(self._ds, False)
        if view_state is not None and view_state is not self._vs:
            self._vs.events.changed.disconnect(self._on_view_state)
            self._vs = view_state
            view_state.events.changed.connect(self._on_view_state)
        self.beginResetModel()
        self._ds = dataset
        self._cats = list(dataset.categories) if dataset is not None else []
        self._forget_counts()
        self.endResetModel()
        self._hidden = []
        self._track_hidden()
        if dataset is not None:
            self._listen(dataset, True)

    def detach(self) -> None:
        self.set_dataset(None)
        self._vs.events.changed.disconnect(self._on_view_state)

    def set_color_for(self, color_for: Callable[[Any], QColor] | None) -> None:
        self._color_for = color_for
        self._icons.clear()
        self._emit_column(COL_SHOWN)

    def set_editable(self, editable: bool) -> None:
        """Allow editing ids, names and supercategories in their cells (the default)."""
        self._editable = editable

    def refresh_colors(self) -> None:
        """Repaint the swatches (after a colour override changed)."""
        self._icons.clear()
        self._emit_column(COL_SHOWN)

    def category_at(self, row: int) -> dict | None:
        return self._cats[row] if 0 <= row < len(self._cats) else None

    def row_of(self, category_id: Any) -> int:
        key = id_key(category_id)
        return next((i for i, c in enumerate(self._cats) if id_key(c.get("id")) == key), -1)

    def counts(self, category: dict) -> tuple[int, int]:
        """(visible, total) annotations of a category under the view state."""
        key = id_key(category.get("id"))
        found = self._counts.get(key)
        if found is None:
            found = self._counts[key] = self._count(key)
        return found

    def is_shown(self, category: dict) -> bool:
        return id_key(category.get("id")) not in self._vs.hidden_categories

    def show_only(self, category: dict) -> None:
        """Hide every other category (one view-state change)."""
        key = id_key(category.get("id"))
        self._vs.set_hidden_categories([c.get("id") for c in self._cats if id_key(c.get("id")) != key])

    def toggle_shown(self, categories: list[dict]) -> None:
        """Hide the categories when any of them shows, else show them all (one change)."""
        if not categories:
            return
        keys = {id_key(c.get("id")) for c in categories}
        hidden = set(self._vs.hidden_categories)
        hidden = hidden | keys if keys - hidden else hidden - keys
        self._vs.set_hidden_categories(hidden)

    def show_all(self) -> None:
        self._vs.set_hidden_categories([])

    def hide_all(self) -> None:
        self._vs.set_hidden_categories([c.get("id") for c in self._cats])

    def refresh_counts(self) -> None:
        self._forget_counts()
        self._emit_column(COL_COUNT)

    # ---- Qt model ------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._cats)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(_HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == COL_SHOWN:
            return "Shown on the canvas and counted (uncheck to hide)"
        if role == Qt.ItemDataRole.ToolTipRole and section == COL_COUNT:
            return "Annotations visible under the score threshold / in the file"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section in (COL_ID, COL_COUNT) else _LEFT
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if index.column() == COL_SHOWN:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        elif self._editable and index.column() in FIELD_OF_COLUMN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        cat = self.category_at(index.row()) if index.isValid() else None
        if cat is None:
            return None
        column = index.column()
        shown = self.is_shown(cat)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_COUNT:
                visible, total = self.counts(cat)
                return f"{visible:,}" if visible == total else f"{visible:,} / {total:,}"
            field = FIELD_OF_COLUMN.get(column)
            value = cat.get(field) if field else None
            return None if value is None else str(value)
        if role == Qt.ItemDataRole.EditRole and column in FIELD_OF_COLUMN:
            value = cat.get(FIELD_OF_COLUMN[column])
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.CheckStateRole and column == COL_SHOWN:
            return Qt.CheckState.Checked if shown else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and column == COL_SHOWN:
            return self._swatch(cat, not shown)
        if role == CategoryRole:
            return cat
        if role == CountsRole:
            return self.counts(cat)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_ID, COL_COUNT):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column != COL_SHOWN:
            if not shown or (column == COL_COUNT and self.counts(cat)[1] == 0):
                return QApplication.palette().placeholderText()
        if role == Qt.ItemDataRole.ToolTipRole:
            visible, total = self.counts(cat)
            state = "shown" if shown else "hidden"
            tip = (f"{cat.get('name', '')} (id {cat.get('id')}), {state}\n"
                   f"{visible:,} of {total:,} annotations visible")
            if self._editable and column == COL_ID:
                tip += f"\nDouble-click to change the id: the {total:,} annotations follow"
            elif self._editable and column in FIELD_OF_COLUMN:
                tip += "\nDouble-click or F2 to edit"
            return tip
        return None

    def sort_key(self, row: int, column: int) -> tuple:
        """How a cell sorts: ids and counts as numbers, text without case."""
        cat = self._cats[row]
        if column == COL_COUNT:
            return self.counts(cat)[::-1]
        if column == COL_ID:
            return _sort_id(cat.get("id"))
        if column == COL_SHOWN:
            return (self.is_shown(cat),)
        return (str(cat.get(FIELD_OF_COLUMN[column], "")).casefold(),)

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        cat = self.category_at(index.row()) if index.isValid() else None
        if cat is not None and role == Qt.ItemDataRole.EditRole and index.column() in FIELD_OF_COLUMN:
            return self._edit(cat, FIELD_OF_COLUMN[index.column()], "" if value is None else str(value))
        if cat is None or index.column() != COL_SHOWN or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = value == Qt.CheckState.Checked or value == Qt.CheckState.Checked.value or value is True
        self._vs.set_category_hidden(cat.get("id"), not checked)
        return True

    # ---- internals --------------------------------------------------------------------
    def _edit(self, cat: dict, field: str, text: str) -> bool:
        """Push the command for a cell edit; True when something changed."""
        if self._ds is None or not self._editable:
            return False
        if field == "id":
            if text.strip() != str(cat.get("id")):
                self.id_edit_requested.emit(cat, text.strip())
            return False
        text = text.strip()
        old = cat.get(field)
        if text == ("" if old is None else str(old)):
            return False
        if field == "name" and not text:
            self.edit_rejected.emit(f"Category {cat.get('id')} keeps its name: a name cannot be empty.")
            return False
        self._ds.history.push(set_category_fields(self._ds, cat, **{field: text}))
        return True

    def _swatch(self, cat: dict, faded: bool) -> QIcon:
        cid = cat.get("id")
        color = self._color_for(cid) if self._color_for is not None else DEFAULT_COLOR
        key = (QColor(color).rgba(), faded)
        icon = self._icons.get(key)
        if icon is None:
            icon = self._icons[key] = swatch_icon(QColor(color), faded)
        return icon

    def _count(self, key: Hashable) -> tuple[int, int]:
        ds, vs = self._ds, self._vs
        if ds is None:
            return 0, 0
        if ds.is_panoptic:
            if self._panoptic_totals is None:
                totals: dict[Hashable, int] = {}
                for ann in ds.annotations:
                    for seg in segments_of(ann):
                        k = id_key(seg.get("category_id"))
                        totals[k] = totals.get(k, 0) + 1
                self._panoptic_totals = totals
            total = self._panoptic_totals.get(key, 0)
            return (0 if key in vs.hidden_categories else total), total
        anns = ds.annotations_of_category(key)
        total = len(anns)
        if key in vs.hidden_categories:
            return 0, total
        if vs.min_score <= 0:
            return total, total
        scores = self._scores.get(key)
        if scores is None:
            # Sorted once; each move of the score slider is then a bisection.
            numeric = (a.score_value() for a in anns)
            scores = self._scores[key] = sorted(s for s in numeric if s is not None and s == s)
        return total - bisect.bisect_left(scores, vs.min_score), total

    def _forget_counts(self) -> None:
        self._counts.clear()
        self._scores.clear()
        self._panoptic_totals = None

    def _emit_column(self, column: int) -> None:
        if self._cats:
            self.dataChanged.emit(self.index(0, column), self.index(len(self._cats) - 1, column))

    def _listen(self, ds, on: bool) -> None:
        ev = ds.events
        for event, callback in ((ev.annotations_added, self._on_annotations),
                                (ev.annotations_removed, self._on_annotations),
                                (ev.annotations_changed, self._on_annotations),
                                (ev.categories_changed, self._on_categories)):
            (event.connect if on else event.disconnect)(callback)

    def _track_hidden(self) -> None:
        """Remember which category dicts the view state hides (after the user changed it)."""
        hidden = self._vs.hidden_categories
        present = {id(c) for c in self._cats}
        shown_here = [c for c in self._cats if id_key(c.get("id")) in hidden]
        self._hidden = shown_here + [c for c in self._hidden if id(c) not in present]
        self._hidden_orphans = set(hidden) - {id_key(c.get("id")) for c in shown_here}

    def _follow_hidden(self, cats: list[dict]) -> None:
        """After category ids changed, hide the same categories under their new ids."""
        present = {id(c) for c in cats}
        wanted = {id_key(c.get("id")) for c in self._hidden if id(c) in present} | self._hidden_orphans
        if wanted != self._vs.hidden_categories:
            self._following = True
            try:
                self._vs.set_hidden_categories(wanted)
            finally:
                self._following = False

    def _on_view_state(self, what: str = "", **_: Any) -> None:
        if what == "categories" and not self._following:
            self._track_hidden()
        if what == "categories":
            self._counts.clear()
            self._emit_column(COL_SHOWN)
            self._emit_column(COL_COUNT)
            self.dataChanged.emit(self.index(0, 0), self.index(max(len(self._cats) - 1, 0), len(_HEADERS) - 1),
                                  [Qt.ItemDataRole.ForegroundRole])
        elif what == "min_score":
            self._counts.clear()   # the sorted scores stay: only edits change them
            self._emit_column(COL_COUNT)

    def _on_annotations(self, **_: Any) -> None:
        self.refresh_counts()

    def _on_categories(self, **_: Any) -> None:
        cats = list(self._ds.categories) if self._ds is not None else []
        self._forget_counts()
        self._icons.clear()
        if self._hidden:
            self._follow_hidden(cats)
        if [id(c) for c in cats] == [id(c) for c in self._cats]:
            if cats:  # same categories, fields edited in place
                self.dataChanged.emit(self.index(0, 0), self.index(len(cats) - 1, len(_HEADERS) - 1))
            return
        self.beginResetModel()
        self._cats = cats
        self.endResetModel()
