"""The inspector: every field of the selected annotation and image, and findings.

Read-only. Unknown fields (``attributes``, ``track_id``, ``ignore`` ...) show
like the standard ones, in italics; long geometry is summarised
("polygon, 3 parts, 124 points") while "Copy value" copies it whole, as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QMenu, QStyle, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from cocoview.gui.key_action import KeyAction, is_copy
from cocoview.gui.model_events import Listeners
from cocoview.model import geometry
from cocoview.model.ids import format_id, id_key
from cocoview.model.text import plural as _plural

#: fields of the COCO format; any other field is shown in italics
ANNOTATION_FIELDS = frozenset({"id", "image_id", "category_id", "segmentation", "area", "bbox", "iscrowd",
                               "score", "keypoints", "num_keypoints", "segments_info", "file_name", "caption"})
IMAGE_FIELDS = frozenset({"id", "file_name", "width", "height", "license", "flickr_url", "coco_url",
                          "date_captured"})

# Lists longer than this show their first items only (copying still gives all).
MAX_CHILDREN = 100
# Lists of numbers up to this long are written on one line.
INLINE_NUMBERS = 8
_SEVERITY_COLORS = {"error": QColor(190, 30, 30), "warning": QColor(150, 90, 0)}


def _num(value: Any) -> str:
    return repr(value) if type(value) is float else str(value)


def scalar_text(value: Any) -> str:
    """A JSON scalar as shown: strings bare, null/true/false as in JSON."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return value.replace("\n", " ⏎ ") if value else '""'
    return _num(value) if isinstance(value, (int, float)) else str(value)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def summarize_segmentation(seg: Any) -> str:
    """"polygon, 3 parts, 124 points", "RLE 427×640, string counts (812 chars)" and the like."""
    kind = geometry.segmentation_kind(seg)
    if kind == "polygon":
        points = sum(len(part) // 2 for part in seg)
        return f"polygon, {_plural(len(seg), 'part')}, {_plural(points, 'point')}"
    if kind in ("rle_string", "rle_list"):
        h, w = seg["size"]
        counts = seg["counts"]
        if kind == "rle_string":
            return f"RLE {h}×{w}, string counts ({_plural(len(counts), 'char')})"
        return f"RLE {h}×{w}, {_plural(len(counts), 'count')} (list)"
    if kind == "empty":
        return "empty"
    if kind == "none":
        return "null"
    return f"not a polygon or RLE ({type(seg).__name__})"


def summarize_keypoints(points: Any) -> str | None:
    if not (isinstance(points, list) and points and len(points) % 3 == 0
            and all(isinstance(v, (int, float)) for v in points)):
        return None
    labelled = sum(1 for v in points[2::3] if v > 0)
    return f"{_plural(len(points) // 3, 'keypoint')}, {labelled} labelled"


def summarize(key: str, value: Any) -> str:
    """The one-line text of a field's value."""
    if key == "segmentation":
        return summarize_segmentation(value)
    if key == "keypoints":
        text = summarize_keypoints(value)
        if text:
            return text
    if isinstance(value, dict):
        return "{ " + _plural(len(value), "field") + " }"
    if isinstance(value, list):
        if len(value) <= INLINE_NUMBERS and all(_is_scalar(v) and not isinstance(v, str) for v in value):
            return "[" + ", ".join(scalar_text(v) for v in value) + "]"
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return f"{_plural(len(value), 'number')}"
        return "[ " + _plural(len(value), "item") + " ]"
    return scalar_text(value)


def copy_text(value: Any) -> str:
    """What "Copy value" puts on the clipboard: strings bare, the rest as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    except (TypeError, ValueError):
        return str(value)


class _Item(QTreeWidgetItem):
    """A row that remembers the value it shows and its path for expansion memory."""

    def __init__(self, parent, key: str, text: str, value: Any, path: tuple) -> None:
        super().__init__(parent, [key, text])
        self.value = value
        self.path = path
        self.has_value = True


class InspectorView(QWidget):
    """Shows the current annotation, the current image and the image's findings.

    Slots:
        :meth:`show_image` ``(dataset, image, findings)``: the image's fields
        and its findings (objects with ``severity`` and ``message``, and
        optionally ``annotation_id``; None when not checked).
        :meth:`show_annotation` ``(annotation or None)``: an ``Annotation``
        (or a plain dict) of the shown dataset; None clears that section.
        :meth:`clear`.

    Signals:
        ``finding_activated(finding)`` on a double-click on a finding.

    Right-click or Ctrl+C copies the current value (whole, as JSON when it is
    not a string); "Copy field name" and "Copy section as JSON" are in the menu.
    """

    finding_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector_view")
        self._ds = None
        self._image: dict | None = None
        self._findings: list | None = None
        self._annotation: Any = None
        self._expanded: set[tuple] = set()
        self._collapsed: set[tuple] = set()
        self._rebuilding = False
        #: The dataset's events: edits and undo refresh what is shown.
        self._listeners = Listeners(self)
        self._refresh_pending = False

        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setIndentation(14)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, self.tree.fontMetrics().horizontalAdvance("image_source_path") + 48)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)

        self.copy_action = QAction("Copy value", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.triggered.connect(self.copy_value)
        # Ctrl+C copies the whole value, not the text the row shows.
        KeyAction(self.tree, is_copy, self.copy_value)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemExpanded.connect(lambda item: self._remember(item, True))
        self.tree.itemCollapsed.connect(lambda item: self._remember(item, False))
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        self._rebuild()

    # ---- slots -------------------------------------------------------------------
    def show_image(self, dataset, image: dict | None, findings: list | None = None) -> None:
        """Show an image's fields and findings; a different image drops the annotation."""
        if image is not self._image or dataset is not self._ds:
            self._annotation = None
        if dataset is not self._ds:
            self._follow(dataset)
        self._ds = dataset
        self._image = image
        self._findings = list(findings) if findings is not None else None
        self._rebuild()

    def show_annotation(self, annotation: Any = None) -> None:
        """Show an annotation's fields (None: none selected)."""
        self._annotation = annotation
        self._rebuild()

    def clear(self) -> None:
        self._follow(None)
        self._ds = self._image = self._findings = self._annotation = None
        self._rebuild()

    # ---- following the dataset -------------------------------------------------------
    def _follow(self, dataset) -> None:
        self._listeners.clear()
        if dataset is None:
            return
        events = dataset.events
        for event in (events.annotations_added, events.annotations_changed, events.categories_changed,
                      events.images_changed, events.images_added):
            self._listeners.listen(event, "_on_dataset_changed")
        self._listeners.listen(events.annotations_removed, "_on_annotations_removed")
        self._listeners.listen(events.images_removed, "_on_images_removed")

    def _on_annotations_removed(self, annotations=(), **_kw) -> None:
        if self._annotation is not None and any(a is self._annotation for a in annotations):
            self._annotation = None
        self._on_dataset_changed()

    def _on_images_removed(self, images=(), **_kw) -> None:
        if self._image is not None and any(img is self._image for img in images):
            self._image = self._findings = self._annotation = None
        self._on_dataset_changed()

    def _on_dataset_changed(self, **_kw) -> None:
        # One refresh after a whole edit (or undo), however many events it sent.
        if not self._refresh_pending:
            self._refresh_pending = True
            QTimer.singleShot(0, self, self._refresh)

    def _refresh(self) -> None:
        self._refresh_pending = False
        bar = self.tree.verticalScrollBar()
        scrolled = bar.value()
        self._rebuild()
        bar.setValue(scrolled)

    def copy_value(self) -> None:
        item = self.tree.currentItem()
        if isinstance(item, _Item) and item.has_value:
            QGuiApplication.clipboard().setText(copy_text(item.value))
        elif item is not None:
            QGuiApplication.clipboard().setText(item.text(1) or item.text(0))

    def section(self, name: str) -> QTreeWidgetItem | None:
        """The top item of a section: ``"annotation"``, ``"image"`` or ``"findings"``."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == name:
                return item
        return None

    def field_item(self, section: str, *keys: str) -> QTreeWidgetItem | None:
        """The row of a field by its keys (``field_item("annotation", "attributes", "occluded")``)."""
        item = self.section(section)
        for key in keys:
            if item is None:
                return None
            item = next((item.child(i) for i in range(item.childCount()) if item.child(i).text(0) == key), None)
        return item

    # ---- building ------------------------------------------------------------------
    def _rebuild(self) -> None:
        self._rebuilding = True
        self.tree.setUpdatesEnabled(False)
        try:
            self.tree.clear()
            self._keep: list[QTreeWidgetItem] = []
            if self._annotation is not None:
                self._annotation_section(self._annotation)
            if self._image is not None:
                self._image_section(self._image)
                self._findings_section(self._findings)
            if self.tree.topLevelItemCount() == 0:
                hint = QTreeWidgetItem(self.tree, ["No image"])
                hint.setFirstColumnSpanned(True)
                hint.setForeground(0, self.palette().placeholderText())
                hint.setFlags(Qt.ItemFlag.NoItemFlags)
        finally:
            self.tree.setUpdatesEnabled(True)
            self._rebuilding = False

    def _item(self, parent, key: str, text: str, value: Any, path: tuple) -> _Item:
        item = _Item(parent, key, text, value, path)
        self._keep.append(item)  # the Python side holds the value
        return item

    def _section_item(self, name: str, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree, [title])
        self._keep.append(item)
        item.setData(0, Qt.ItemDataRole.UserRole, name)
        item.setFirstColumnSpanned(True)
        font = QFont(self.font())
        font.setBold(True)
        item.setFont(0, font)
        item.setBackground(0, self.palette().button())
        item.setExpanded(True)
        return item

    def _annotation_section(self, ann: Any) -> None:
        data = ann.to_dict() if hasattr(ann, "to_dict") else dict(ann)
        title = f"Annotation {format_id(data.get('id'))}"
        cat = self._ds.category(data.get("category_id")) if self._ds is not None else None
        if cat is not None:
            title += f" · {cat.get('name', '')}"
        top = self._section_item("annotation", title)
        top.section_value = data  # type: ignore[attr-defined]
        for key, value in data.items():
            self._add(top, key, value, ("annotation", key), ANNOTATION_FIELDS)

    def _image_section(self, image: dict) -> None:
        name = image.get("file_name")
        title = f"Image {format_id(image.get('id'))}" + (f" · {name}" if isinstance(name, str) else "")
        top = self._section_item("image", title)
        top.section_value = image  # type: ignore[attr-defined]
        for key, value in image.items():
            self._add(top, key, value, ("image", key), IMAGE_FIELDS)
        if self._ds is not None:
            anns = self._ds.annotations_of_image(image.get("id"))
            item = QTreeWidgetItem(top, ["annotations", _plural(len(anns), "annotation")])
            item.setForeground(0, self.palette().placeholderText())
            item.setToolTip(0, "Annotations whose image_id is this image's id (not a field of the image)")

    def _findings_section(self, findings: list | None) -> None:
        if findings is None:
            top = self._section_item("findings", "Findings: not checked")
            return
        errors = sum(1 for f in findings if getattr(f, "severity", "") == "error")
        title = f"Findings ({len(findings)})" if findings else "Findings: none"
        if errors:
            title = f"Findings ({_plural(errors, 'error')}, {len(findings) - errors} other)"
        top = self._section_item("findings", title)
        style = self.style()
        icons = {"error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                 "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)}
        info = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        if not findings:
            ok = QTreeWidgetItem(top, ["No problems found in this image and its annotations"])
            ok.setFirstColumnSpanned(True)
            ok.setIcon(0, style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
            ok.setForeground(0, self.palette().placeholderText())
        selected = None
        if self._annotation is not None:
            selected = id_key(self._annotation.id if hasattr(self._annotation, "id")
                              else self._annotation.get("id"))
        for i, finding in enumerate(findings):
            severity = str(getattr(finding, "severity", "note"))
            message = str(getattr(finding, "message", finding))
            item = self._item(top, message, "", message, ("findings", i))
            item.setFirstColumnSpanned(True)
            item.finding = finding  # type: ignore[attr-defined]
            item.setIcon(0, icons.get(severity, info))
            color = _SEVERITY_COLORS.get(severity)
            if color is not None:
                item.setForeground(0, QBrush(color))
            code = getattr(finding, "code", None)
            item.setToolTip(0, f"{severity}{f' ({code})' if code else ''}: {message}")
            aid = getattr(finding, "annotation_id", None)
            if selected is not None and aid is not None and id_key(aid) == selected:
                font = QFont(self.font())
                font.setBold(True)
                item.setFont(0, font)

    def _add(self, parent: QTreeWidgetItem, key: str, value: Any, path: tuple,
             known: frozenset | None = None) -> None:
        text = summarize(str(key), value)
        if isinstance(value, str) and (key == "id" or str(key).endswith("_id")):
            text = format_id(value)  # a string id is not the number it spells
        item = self._item(parent, str(key), text, value, path)
        if known is not None and key not in known:
            font = QFont(self.font())
            font.setItalic(True)
            item.setFont(0, font)
            item.setToolTip(0, f"{key}: not a COCO field, kept as it is in the file")
        if isinstance(value, str) and len(value) > 40:
            item.setToolTip(1, value if len(value) < 2000 else value[:2000] + " …")
        if value is None or value == "":
            item.setForeground(1, self.palette().placeholderText())
        if key == "category_id" and self._ds is not None and _is_scalar(value):
            cat = self._ds.category(value)
            item.setText(1, f"{text}  ({cat.get('name', '')})" if cat is not None
                         else f"{text}  (no such category)")
        self._add_children(item, str(key), value, path)
        remembered = path in self._expanded or (path not in self._collapsed and isinstance(value, dict)
                                                 and len(value) <= 8 and len(path) <= 2)
        if item.childCount() and remembered:
            item.setExpanded(True)

    def _add_children(self, item: _Item, key: str, value: Any, path: tuple) -> None:
        if key == "segmentation" and isinstance(value, list) and geometry.segmentation_kind(value) == "polygon":
            for i, part in enumerate(value[:MAX_CHILDREN]):
                self._item(item, f"part {i + 1}", _plural(len(part) // 2, "point"), part, path + (i,))
            self._more(item, len(value))
            return
        if key == "keypoints" and summarize_keypoints(value):
            for i in range(min(len(value) // 3, MAX_CHILDREN)):
                x, y, v = value[3 * i:3 * i + 3]
                self._item(item, f"{i + 1}", f"{_num(x)}, {_num(y)}  (v={_num(v)})", [x, y, v], path + (i,))
            return
        if isinstance(value, dict):
            if key == "segmentation" and isinstance(value.get("counts"), (str, list)) and len(value["counts"]) > 40:
                for sub, sub_value in value.items():
                    text = summarize(sub, sub_value) if sub != "counts" else (
                        _plural(len(sub_value), "char") if isinstance(sub_value, str)
                        else _plural(len(sub_value), "count"))
                    self._item(item, str(sub), text, sub_value, path + (sub,))
                return
            for sub, sub_value in value.items():
                self._add(item, sub, sub_value, path + (sub,))
        elif isinstance(value, list) and not (len(value) <= INLINE_NUMBERS and all(
                _is_scalar(v) and not isinstance(v, str) for v in value)):
            for i, sub_value in enumerate(value[:MAX_CHILDREN]):
                self._add(item, f"[{i}]", sub_value, path + (i,))
            self._more(item, len(value))

    def _more(self, item: QTreeWidgetItem, total: int) -> None:
        if total > MAX_CHILDREN:
            more = QTreeWidgetItem(item, ["…", f"{total - MAX_CHILDREN:,} more (Copy value copies all)"])
            more.setForeground(1, self.palette().placeholderText())

    # ---- interaction ------------------------------------------------------------------
    def _remember(self, item: QTreeWidgetItem, expanded: bool) -> None:
        if self._rebuilding or not isinstance(item, _Item):
            return
        (self._expanded if expanded else self._collapsed).add(item.path)
        (self._collapsed if expanded else self._expanded).discard(item.path)

    def _on_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        finding = getattr(item, "finding", None)
        if finding is not None:
            self.finding_activated.emit(finding)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        self.tree.setCurrentItem(item)
        menu = QMenu(self)
        if isinstance(item, _Item):
            menu.addAction(self.copy_action)
            menu.addAction("Copy field name", lambda: QGuiApplication.clipboard().setText(item.text(0)))
        top = item
        while top.parent() is not None:
            top = top.parent()
        value = getattr(top, "section_value", None)
        if value is not None:
            menu.addAction(f"Copy {top.data(0, Qt.ItemDataRole.UserRole)} as JSON",
                           lambda: QGuiApplication.clipboard().setText(copy_text(value)))
        if not menu.isEmpty():
            menu.exec(self.tree.viewport().mapToGlobal(pos))

