"""The dataset's images as a tree: grouped by folder or by category, filtered.

:class:`DatasetTreeModel` is a lazy ``QAbstractItemModel``: it keeps plain
lists of the dataset's own image dicts per group and hands Qt indexes whose
internal id is a group number, so a file with a hundred thousand images costs
a few lists and no object per row. Annotation counts are computed when a row
is painted and cached per image; view-state changes and dataset edits drop
only what they touch and announce the counts column with ``dataChanged``.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon

from cocoview.gui.dataset_tree_display import (ALIGN_RIGHT, COL_COUNT, COL_ID, COL_NAME, HEADERS, CountsRole,
                                               DatasetTreeDisplay, GroupRole, ImageRole)
from cocoview.gui.image_groups import (NO_ANNOTATIONS, Group, ImageFilter, allowed_image_keys, category_groups,
                                       folder_groups, image_category_keys, image_counts, matching_names,
                                       show_groups, split_file_name)
from cocoview.model.ids import id_key
from cocoview.model.view_state import ViewState

__all__ = ["DatasetTreeModel", "ImageFilter", "ImageRole", "CountsRole", "GroupRole", "FOLDERS", "CATEGORIES",
           "COL_NAME", "COL_COUNT", "COL_ID"]

FOLDERS = "folders"
CATEGORIES = "categories"


class DatasetTreeModel(DatasetTreeDisplay, QAbstractItemModel):
    """Images of a :class:`Dataset` grouped by folder or category, with counts.

    Columns: name, annotations ("visible / total" when they differ), image id.
    Leaves carry the image dict in :data:`ImageRole` and ``(visible, total)``
    in :data:`CountsRole`; groups their identity in :data:`GroupRole`.
    Folders keep their images in file order; a folder with more than
    :attr:`page_above` images (after filtering) shows them in pages of
    :attr:`page_size`, so that the view lays out only the pages opened.

    Signal ``filtered(shown, total)`` follows every regrouping or filtering.
    The model listens to ``dataset.events`` and ``view_state.events``; call
    :meth:`set_dataset` with None (or :meth:`detach`) before dropping it.
    """

    filtered = Signal(int, int)
    page_size = 5000
    page_above = 10000

    def __init__(self, dataset=None, view_state: ViewState | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ds = None
        self._vs = view_state if view_state is not None else ViewState()
        self._grouping = FOLDERS
        self._filter = ImageFilter()
        self._findings_predicate: Callable[[dict], bool] | None = None
        self._findings_cache: dict[int, bool] = {}
        self._color_for: Callable[[Any], QColor] | None = None
        self._panoptic = False
        self._groups: list[Group] = [Group("", ("root",), -1)]
        self._n_base = 1
        self._ordered: list[dict] | None = None
        self._by_ident: dict[Any, int] = {}
        self._counts: dict[int, tuple] = {}
        self._ann_image: dict[int, Hashable] = {}
        self._icons: dict[Any, QIcon] = {}
        self._pending_rebuild = False
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(120)
        self._relayout_timer.timeout.connect(lambda: self._relayout(self._pending_rebuild))
        self._vs.events.changed.connect(self._on_view_state)
        if dataset is not None:
            self.set_dataset(dataset)

    # ---- public API ------------------------------------------------------
    @property
    def dataset(self):
        return self._ds

    @property
    def view_state(self) -> ViewState:
        return self._vs

    @property
    def grouping(self) -> str:
        return self._grouping

    @property
    def image_filter(self) -> ImageFilter:
        return self._filter

    def set_dataset(self, dataset) -> None:
        """Show another dataset (None: empty); stops listening to the old one."""
        if self._ds is not None:
            self._listen(self._ds, False)
        self._relayout_timer.stop()
        self.beginResetModel()
        self._ds = dataset
        self._panoptic = bool(dataset is not None and dataset.is_panoptic)
        self._counts.clear()
        self._ann_image.clear()
        self._findings_cache.clear()
        self._build()
        self._apply_filter()
        self.endResetModel()
        if dataset is not None:
            self._listen(dataset, True)
        self._announce()

    def set_view_state(self, view_state: ViewState) -> None:
        """Follow another view state (counts and visibility filters)."""
        if view_state is self._vs:
            return
        self._vs.events.changed.disconnect(self._on_view_state)
        self._vs = view_state
        view_state.events.changed.connect(self._on_view_state)
        self._on_view_state(what="min_score")

    def ordered_images(self) -> list[dict]:
        """The images the tree shows, in tree order, each once (cached until the next change)."""
        if self._ordered is None:
            out: list[dict] = []

            def walk(g: int) -> None:
                grp = self._groups[g]
                for child in grp.shown_folders:
                    walk(child)
                out.extend(grp.shown_images)

            walk(0)
            if self._grouping == CATEGORIES:
                out = list({id(img): img for img in out}.values())
            self._ordered = out
        return self._ordered

    def detach(self) -> None:
        """Stop listening to the dataset and the view state."""
        self.set_dataset(None)
        self._vs.events.changed.disconnect(self._on_view_state)

    def set_grouping(self, grouping: str) -> None:
        """``"folders"`` or ``"categories"``."""
        if grouping not in (FOLDERS, CATEGORIES):
            raise ValueError(f"unknown grouping {grouping!r}")
        if grouping != self._grouping:
            self._relayout_timer.stop()
            self.beginResetModel()
            self._grouping = grouping
            self._build()
            self._apply_filter()
            self.endResetModel()
            self._announce()

    def set_filter(self, image_filter: ImageFilter) -> None:
        """Apply a filter; expanded folders and the current row survive it."""
        if image_filter != self._filter:
            self._filter = image_filter
            self._relayout(rebuild=False)

    def set_findings_predicate(self, predicate: Callable[[dict], bool] | None) -> None:
        """``predicate(image) -> bool``: whether an image has findings (cached per image)."""
        self._findings_predicate = predicate
        self._findings_cache.clear()
        if self._filter.has_findings:
            self._relayout(rebuild=False)

    @property
    def has_findings_predicate(self) -> bool:
        return self._findings_predicate is not None

    def set_color_for(self, color_for: Callable[[Any], QColor] | None) -> None:
        """``color_for(category_id) -> QColor`` for the swatches of category groups."""
        self._color_for = color_for
        self._drop_swatches()

    def image_at(self, index: QModelIndex) -> dict | None:
        """The image dict of a leaf index (any column), else None."""
        node = self._node(index)
        return node[1] if node is not None and node[0] == "image" else None

    def group_at(self, index: QModelIndex) -> Any:
        """A group index's identity: ``("folder", path)``, ``("category", key)``, ``("page", ...)``."""
        node = self._node(index)
        return self._groups[node[1]].ident if node is not None and node[0] == "group" else None

    def index_for_image(self, image: dict, column: int = 0, category_id: Any = None) -> QModelIndex:
        """The index showing ``image`` (invalid when filtered out or absent).

        Grouped by category, an image shows under each of its categories:
        ``category_id`` picks one, otherwise the first that shows it.
        """
        for g in self._groups_of_image(image, category_id):
            place = self._locate(g, image)
            if place is not None:
                return self.createIndex(place[1], column, place[0])
        return QModelIndex()

    def index_for_group(self, ident: Any, column: int = 0) -> QModelIndex:
        """The index of a group by identity (invalid when hidden by the filter)."""
        if ident[0] == "page":
            base = self._by_ident.get(ident[1])
            pages = self._groups[base].pages if base is not None else []
            n = ident[2] // self.page_size
            g = pages[n] if n < len(pages) else None
        else:
            g = self._by_ident.get(ident)
        if not g or not self._is_shown(g):
            return QModelIndex()
        return self.createIndex(self._groups[g].row, column, self._groups[g].parent)

    def shown_count(self) -> int:
        """Images that pass the filter (each image once, whatever the grouping)."""
        return self._groups[0].shown_total

    def total_count(self) -> int:
        return len(self._ds.images) if self._ds is not None else 0

    def counts(self, image: dict) -> tuple[int, int]:
        """(visible, total) annotations of an image, cached."""
        entry = self._counts_of(image)
        return entry[0], entry[1]

    def flush(self) -> None:
        """Run a pending regrouping or refiltering now (they wait for edits to settle)."""
        if self._relayout_timer.isActive():
            self._relayout(self._pending_rebuild)

    # ---- Qt model ------------------------------------------------------------
    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        if parent.isValid():
            if parent.column():
                return QModelIndex()
            grp = self._groups[parent.internalId()]
            prow = parent.row()
            if prow >= len(grp.shown_folders):
                return QModelIndex()
            g = grp.shown_folders[prow]
        else:
            g = 0
        grp = self._groups[g]
        if 0 <= row < len(grp.shown_folders) + len(grp.shown_images) and 0 <= column < 3:
            return self.createIndex(row, column, g)
        return QModelIndex()

    def parent(self, index: QModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        g = index.internalId()
        if g == 0:
            return QModelIndex()
        grp = self._groups[g]
        return self.createIndex(grp.row, 0, grp.parent)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        if not parent.isValid():
            grp = self._groups[0]
        else:
            up = self._groups[parent.internalId()]
            row = parent.row()
            if parent.column() or row >= len(up.shown_folders):
                return 0
            grp = self._groups[up.shown_folders[row]]
        return len(grp.shown_folders) + len(grp.shown_images)

    def hasChildren(self, parent: QModelIndex = QModelIndex()) -> bool:
        if not parent.isValid():
            return True
        up = self._groups[parent.internalId()]
        row = parent.row()
        if parent.column() or row >= len(up.shown_folders):
            return False
        return self._groups[up.shown_folders[row]].shown_total > 0

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section != COL_NAME:
                return ALIGN_RIGHT
            if role == Qt.ItemDataRole.ToolTipRole:
                return ("File name", "Annotations shown / in the image (images in a group)", "Image id")[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        node = self._node(index)
        if node is None:
            return None
        if node[0] == "image":
            return self._image_data(node[1], node[2], index.column(), role)
        return self._group_data(self._groups[node[1]], index.column(), role)

    def _drop_swatches(self) -> None:
        self._forget_swatches()
        if self._grouping == CATEGORIES and self.rowCount():
            self.dataChanged.emit(self.index(0, COL_NAME), self.index(self.rowCount() - 1, COL_NAME),
                                  [Qt.ItemDataRole.DecorationRole])

    # ---- nodes -------------------------------------------------------------------
    def _node(self, index: QModelIndex):
        """("group", g) or ("image", image, g) for an index, None when invalid."""
        if not index.isValid():
            return None
        g = index.internalId()
        if g >= len(self._groups):
            return None
        grp = self._groups[g]
        row = index.row()
        nf = len(grp.shown_folders)
        if row < nf:
            return ("group", grp.shown_folders[row])
        if row - nf < len(grp.shown_images):
            return ("image", grp.shown_images[row - nf], g)
        return None

    def _groups_of_image(self, image: dict | None, category_id: Any = None) -> list[int]:
        """Base groups that may hold ``image``, best first."""
        if self._ds is None or image is None:
            return []
        if self._grouping == FOLDERS:
            idents = [("folder", split_file_name(image.get("file_name"))[0])]
        elif category_id is not None:
            idents = [("category", id_key(category_id))]
        else:
            idents = [("category", k) for k in image_category_keys(self._ds, image, self._panoptic)] + [NO_ANNOTATIONS]
        return sorted(g for g in map(self._by_ident.get, idents) if g is not None)

    def _locate(self, g: int, image: dict) -> tuple[int, int] | None:
        """(group, row) of ``image`` in base group ``g`` or one of its pages."""
        if not self._is_shown(g):
            return None
        grp = self._groups[g]
        if grp.rows is None:
            grp.rows = {id(img): i for i, img in enumerate(grp.all_shown)}
        pos = grp.rows.get(id(image))
        if pos is None:
            return None
        if grp.pages:
            return grp.pages[pos // self.page_size], pos % self.page_size
        return g, len(grp.shown_folders) + pos

    def _is_shown(self, g: int) -> bool:
        while g > 0:
            grp = self._groups[g]
            parent = self._groups[grp.parent]
            if grp.row >= len(parent.shown_folders) or parent.shown_folders[grp.row] != g:
                return False
            g = grp.parent
        return True

    def _base(self, g: int) -> int:
        return self._groups[g].parent if self._groups[g].ident[0] == "page" else g

    # ---- building and filtering ------------------------------------------------------
    def _build(self) -> None:
        if self._ds is None:
            self._groups = [Group("", ("root",), -1)]
        elif self._grouping == FOLDERS:
            self._groups = folder_groups(self._ds.images)
        else:
            self._groups = category_groups(self._ds, self._panoptic)
        self._n_base = len(self._groups)
        self._by_ident = {grp.ident: g for g, grp in enumerate(self._groups)}

    def _findings_ok(self, image: dict) -> bool:
        cached = self._findings_cache.get(id(image))
        if cached is None:
            cached = self._findings_cache[id(image)] = bool(self._findings_predicate(image))
        return cached

    def _apply_filter(self) -> None:
        f = self._filter
        allowed = allowed_image_keys(self._ds, self._vs, f, self._panoptic)
        named = matching_names(self._ds.images, f.text) if f.text and self._ds is not None else None
        findings = self._findings_ok if (f.has_findings and self._findings_predicate is not None) else None

        def keep(images: list[dict], keys: list) -> list[dict]:
            if allowed is not None:
                images = [img for img, k in zip(images, keys) if k in allowed]
            if named is not None:
                images = [img for img in images if id(img) in named]
            if findings is not None:
                images = [img for img in images if findings(img)]
            return images

        only = None
        if f.category_id is not None and self._grouping == CATEGORIES:
            only = self._by_ident.get(("category", id_key(f.category_id)), -1)
        self._ordered = None
        show_groups(self._groups, self._n_base, keep, only, not f.is_empty(), self.page_size, self.page_above)
        if self._grouping == CATEGORIES:
            root = self._groups[0]
            if not f.is_empty():  # an image shows under each of its categories; count it once
                root.shown_total = len({id(img) for grp in self._groups[:self._n_base] for img in grp.all_shown})
            else:
                root.shown_total = self.total_count()

    def _announce(self) -> None:
        self.filtered.emit(self.shown_count(), self.total_count())

    # ---- relayout with persistent indexes kept ---------------------------------------------
    def _identity(self, index: QModelIndex):
        node = self._node(index)
        if node is None:
            return None
        if node[0] == "group":
            return ("group", self._groups[node[1]].ident, index.column())
        return ("image", self._groups[self._base(node[2])].ident, node[1], index.column())

    def _index_for_identity(self, ident) -> QModelIndex:
        if ident is None:
            return QModelIndex()
        if ident[0] == "group":
            return self.index_for_group(ident[1], ident[2])
        g = self._by_ident.get(ident[1])
        place = self._locate(g, ident[2]) if g is not None else None
        return QModelIndex() if place is None else self.createIndex(place[1], ident[3], place[0])

    def _relayout(self, rebuild: bool) -> None:
        self._relayout_timer.stop()
        self._pending_rebuild = False
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        idents = [self._identity(p) for p in old]
        if rebuild:
            self._build()
        self._apply_filter()
        self.changePersistentIndexList(old, [self._index_for_identity(i) for i in idents])
        self.layoutChanged.emit()
        self._announce()

    def _schedule_relayout(self, rebuild: bool) -> None:
        self._pending_rebuild = self._pending_rebuild or rebuild
        self._relayout_timer.start()

    # ---- counts --------------------------------------------------------------------------
    def _counts_of(self, image: dict) -> tuple:
        entry = self._counts.get(id(image))
        if entry is None:
            entry = self._counts[id(image)] = image_counts(self._ds, self._vs, image, self._panoptic)
            key = id_key(image.get("id"))
            for ann in self._ds.annotations_of_image(key):
                self._ann_image[id(ann)] = key
        return entry

    def _leaf_counts(self, image: dict, g: int) -> tuple[int, int]:
        entry = self._counts_of(image)
        ident = self._groups[self._base(g)].ident
        if ident[0] == "category":
            pair = entry[2].get(ident[1], (0, 0))
            return pair[0], pair[1]
        return entry[0], entry[1]

    def _emit_all_counts(self) -> None:
        for g, grp in enumerate(self._groups):
            n = len(grp.shown_images)
            if n and self._is_shown(g):
                nf = len(grp.shown_folders)
                self.dataChanged.emit(self.createIndex(nf, COL_COUNT, g), self.createIndex(nf + n - 1, COL_COUNT, g))

    def _emit_counts_of(self, keys: set) -> None:
        """dataChanged for the rows of the images with these keys, wherever they show."""
        if len(keys) > 2000:
            self._emit_all_counts()
            return
        for key in keys:
            image = self._ds.image(key)
            for g in self._groups_of_image(image):
                place = self._locate(g, image)
                if place is not None:
                    self.dataChanged.emit(self.createIndex(place[1], COL_NAME, place[0]),
                                          self.createIndex(place[1], COL_ID, place[0]))

    # ---- listening ------------------------------------------------------------------------
    def _listen(self, ds, on: bool) -> None:
        ev = ds.events
        pairs = [(ev.annotations_added, self._on_annotations), (ev.annotations_removed, self._on_annotations),
                 (ev.annotations_changed, self._on_annotations_changed), (ev.images_added, self._on_images),
                 (ev.images_removed, self._on_images), (ev.categories_changed, self._on_categories)]
        if hasattr(ev, "images_changed"):
            pairs.append((ev.images_changed, self._on_images))
        for event, callback in pairs:
            (event.connect if on else event.disconnect)(callback)

    def _on_view_state(self, what: str = "", **_: Any) -> None:
        if what not in ("min_score", "categories") or self._ds is None:
            return
        self._counts.clear()
        self._emit_all_counts()
        if self._grouping == CATEGORIES and self.rowCount():
            self.dataChanged.emit(self.index(0, COL_NAME), self.index(self.rowCount() - 1, COL_NAME))
        if self._filter.uses_visibility():
            self._schedule_relayout(rebuild=False)

    def _forget(self, keys: set) -> set:
        for key in keys:
            image = self._ds.image(key)
            if image is not None:
                self._counts.pop(id(image), None)
                self._findings_cache.pop(id(image), None)
        return keys

    def _on_annotations(self, annotations=(), **_: Any) -> None:
        self._after_edit(self._forget({id_key(a.image_id) for a in annotations}))

    def _on_annotations_changed(self, annotations=(), **_: Any) -> None:
        # An edit may move an annotation to another image: forget where it was counted too.
        keys = {id_key(a.image_id) for a in annotations}
        keys.update(self._ann_image[id(a)] for a in annotations if id(a) in self._ann_image)
        self._after_edit(self._forget(keys))

    def _after_edit(self, keys: set) -> None:
        self._emit_counts_of(keys)
        if self._grouping == CATEGORIES:
            self._schedule_relayout(rebuild=True)
        elif self._filter.uses_visibility() or self._filter.has_findings:
            self._schedule_relayout(rebuild=False)

    def _on_images(self, images=(), **_: Any) -> None:
        for image in images:
            self._counts.pop(id(image), None)
            self._findings_cache.pop(id(image), None)
        self._relayout(rebuild=True)

    def _on_categories(self, **_: Any) -> None:
        self._drop_swatches()
        if self._grouping == CATEGORIES:
            self._schedule_relayout(rebuild=True)
