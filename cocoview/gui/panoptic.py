"""Panoptic COCO records on the canvas: their PNGs and one item per segment.

A panoptic file keeps one record per image: ``file_name`` names a PNG whose
RGB pixels encode segment ids (``R + 256·G + 256²·B``) and ``segments_info``
lists the segments with their category, box, area and crowd flag.

:func:`find_panoptic_png` looks for the PNG in the usual layouts,
:func:`read_segment_ids` decodes it (a few recent files are kept), and
:class:`PanopticItem` stands for the record in the scene with one
:class:`SegmentItem` child per segment: its box, its mask decoded from the PNG
(when the PNG was found) and its label chip. The record stays the annotation
that hover and selection report; the scene remembers which segment the mouse
is over to highlight just that one.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any, Callable, Iterable

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsItem

from cocoview.gui.annotation_items import AnnotationItem, DrawState, ItemStyle
from cocoview.gui.shape_paths import united_paths
from cocoview.gui.label_items import label_text
from cocoview.model.annotation import Annotation
from cocoview.model.ids import id_key
from cocoview.model.image_paths import is_absolute_file_name, normalize_file_name, subset_names

#: Decoded PNGs kept in memory (a panoptic id map of 640×480 takes 1.2 MB).
CACHED_PNGS = 6
_cache: OrderedDict[tuple, np.ndarray | None] = OrderedDict()


# ---- finding and decoding the PNG ------------------------------------------------------
def _stem(json_path: str) -> str:
    name = os.path.basename(json_path)
    for suffix in (".coco.json", ".json"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def panoptic_png_candidates(json_path: str | os.PathLike | None, file_name: Any,
                            images_dir: str | os.PathLike | None = None) -> list[str]:
    """Every place a record's PNG may be, most likely first.

    For ``<dir>/<stem>.json`` (subset ``s`` guessed from the name) and a
    chosen images folder ``<images>``: ``<dir>/<stem>/``, ``<dir>/panoptic_<s>/``,
    ``<dir>/``, the same three one folder up, then ``<images>/``,
    ``<images>/../<stem>/``, ``<images>/../panoptic_<s>/`` and
    ``<images>/../annotations/<stem>/``.
    """
    if not isinstance(file_name, str) or not file_name:
        return []
    name = normalize_file_name(file_name)
    found: list[str] = []
    if is_absolute_file_name(name):
        found.append(name)
        name = name.rsplit("/", 1)[-1]
    folders: list[str] = []
    if json_path:
        json_path = os.fspath(json_path)
        json_dir = os.path.dirname(os.path.abspath(json_path))
        stem = _stem(json_path)
        subsets = [s for s in subset_names(json_path) if s]
        for base in (json_dir, os.path.dirname(json_dir)):
            folders.append(os.path.join(base, stem))
            folders.extend(os.path.join(base, "panoptic_" + s) for s in subsets)
            folders.append(base)
    else:
        stem, subsets = "", []
    if images_dir:
        images = os.path.abspath(os.fspath(images_dir))
        root = os.path.dirname(images)
        folders.append(images)
        if stem:
            folders.extend((os.path.join(root, stem), os.path.join(root, "annotations", stem)))
        folders.extend(os.path.join(root, "panoptic_" + s) for s in subsets)
    found.extend(os.path.normpath(os.path.join(folder, name)) for folder in folders)
    return list(dict.fromkeys(found))


def find_panoptic_png(json_path: str | os.PathLike | None, file_name: Any,
                      images_dir: str | os.PathLike | None = None) -> str | None:
    """The first existing :func:`panoptic_png_candidates`, or None."""
    for path in panoptic_png_candidates(json_path, file_name, images_dir):
        if os.path.isfile(path):
            return path
    return None


def segment_ids(pixels: np.ndarray) -> np.ndarray:
    """Segment ids (uint32) of an RGB panoptic image: ``R + 256·G + 256²·B``.

    A single-channel image holds the ids directly; an alpha channel is ignored.
    """
    if pixels.ndim == 2:
        return pixels.astype(np.uint32)
    rgb = pixels[..., :3].astype(np.uint32)
    return rgb[..., 0] | (rgb[..., 1] << 8) | (rgb[..., 2] << 16)


def read_segment_ids(path: str | os.PathLike) -> np.ndarray | None:
    """The segment id of every pixel of a panoptic PNG, or None when it cannot be read.

    The last :data:`CACHED_PNGS` files read are kept (keyed by path, size and
    modification time); the array returned is shared: do not modify it.
    """
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (path, st.st_size, st.st_mtime_ns)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    ids = None
    try:
        data = np.fromfile(path, dtype=np.uint8)  # cv2.imread mishandles non-ASCII paths on Windows
        pixels = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    except (OSError, ValueError, cv2.error):
        pixels = None
    if pixels is not None and pixels.ndim in (2, 3) and pixels.size:
        if pixels.ndim == 3:
            order = cv2.COLOR_BGRA2RGBA if pixels.shape[2] == 4 else cv2.COLOR_BGR2RGB
            pixels = cv2.cvtColor(pixels, order) if pixels.shape[2] in (3, 4) else pixels
        ids = segment_ids(pixels)
        ids.setflags(write=False)
    _cache[key] = ids
    while len(_cache) > CACHED_PNGS:
        _cache.popitem(last=False)
    return ids


def clear_cache() -> None:
    """Forget every decoded PNG."""
    _cache.clear()


def segments_of(data: dict) -> list[tuple[int, dict]]:
    """``(position, segment)`` of each usable entry of a record's ``segments_info``."""
    segs = data.get("segments_info")
    if not isinstance(segs, list):
        return []
    return [(i, s) for i, s in enumerate(segs) if isinstance(s, dict)]


def _int_id(value: Any) -> int | None:
    if type(value) is int:
        return value if 0 <= value < 1 << 24 else None
    if isinstance(value, str) and value.isdigit():
        return _int_id(int(value))
    return None


def segment_mask(ids: np.ndarray, segment_id: Any) -> np.ndarray | None:
    """The uint8 mask of one segment id in a segment id map (None for an unusable id)."""
    sid = _int_id(segment_id)
    if sid is None:
        return None
    return (ids == sid).view(np.uint8)


# ---- items -------------------------------------------------------------------------------
class SegmentItem(AnnotationItem):
    """One segment of a panoptic record: its box, its mask (from the PNG) and its chip.

    ``annotation`` is the record; ``segment_index`` the position in ``segments_info``.
    """

    def __init__(self, ann: Annotation, index: int, segment: dict, style: ItemStyle, text: str,
                 state: DrawState, mask: np.ndarray | None) -> None:
        super().__init__(ann, {}, style, text, None, state, bbox=segment.get("bbox"),
                         crowd=segment.get("iscrowd") in (1, True), mask=mask)
        self.segment_index = index
        self.segment = segment
        self.category_id = segment.get("category_id")
        self.record: PanopticItem | None = None


class PanopticItem(AnnotationItem):
    """A panoptic record: draws nothing itself; its :class:`SegmentItem` children do.

    ``picked`` is the segment last found under the mouse; while the record is
    hovered only that segment is highlighted and shows its chip.
    """

    def __init__(self, ann: Annotation, style: ItemStyle, state: DrawState,
                 segments: list[SegmentItem]) -> None:
        super().__init__(ann, {}, style, "", None, state, bbox=None, crowd=False)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.segments = segments
        self.picked: SegmentItem | None = None
        bounds = None
        for seg in segments:
            seg.record = self
            seg.setParentItem(self)
            if seg.has_geometry():
                b = seg.bounds
                bounds = QRectF(b) if bounds is None else _union(bounds, b)
        self._has_geometry = bounds is not None
        self.bounds = bounds if bounds is not None else QRectF()
        b = self.bounds
        self.extent = (b.left(), b.top(), b.right(), b.bottom())
        self.area = b.width() * b.height()
        self.setZValue(-self.area)

    def shown_segments(self) -> list[SegmentItem]:
        return [s for s in self.segments if s.isVisible()]

    # ---- AnnotationItem --------------------------------------------------------------
    def paint(self, painter, option, widget=None) -> None:
        return

    def has_geometry(self) -> bool:
        return self._has_geometry and any(s.has_geometry() for s in self.shown_segments())

    def label_items(self) -> list[AnnotationItem]:
        return list(self.segments)

    def chip_target(self) -> AnnotationItem | None:
        picked = self.picked
        return picked if picked is not None and picked.isVisible() else None

    def set_hovered(self, hovered: bool) -> None:
        self.hovered = hovered
        if self.picked is not None:
            self.picked.set_hovered(hovered)

    def pick(self, segment: SegmentItem | None) -> bool:
        """Make ``segment`` the one under the mouse; True when that changed."""
        if segment is self.picked:
            return False
        if self.picked is not None:
            self.picked.set_hovered(False)
        self.picked = segment
        if segment is not None and self.hovered:
            segment.set_hovered(True)
        return True

    def set_style(self, style: ItemStyle, text: str | None = None) -> None:
        self.style = style

    def set_preview(self, box: QRectF | None, shift: QPointF | None = None) -> None:
        return  # segments are not dragged

    def restyle(self, style_of: Callable[[Any], tuple[ItemStyle, Any]], ds: Any = None) -> None:
        """Recolour every segment by its category (and rename them, given the dataset)."""
        for seg in self.segments:
            style = style_of(seg.category_id)[0]
            text = segment_text(ds, seg.segment) if ds is not None else None
            if style is not seg.style or (text is not None and text != seg.text):
                seg.set_style(style, text)

    def apply_hidden(self, hidden: set) -> bool:
        """Hide the segments of hidden categories; True when a segment changed."""
        changed = False
        for seg in self.segments:
            shown = not hidden or id_key(seg.category_id) not in hidden
            if seg.isVisible() != shown:
                seg.setVisible(shown)
                changed = True
        return changed

    def outline_path(self) -> QPainterPath:
        path = QPainterPath()
        for seg in self.shown_segments():
            path.addPath(seg.outline_path())
        return path

    def area_path(self) -> QPainterPath:
        return united_paths([seg.area_path() for seg in self.shown_segments()])

    def focus_rect(self) -> QRectF:
        rect = None
        for seg in self.shown_segments():
            if seg.has_geometry():
                r = seg.focus_rect()
                rect = r if rect is None else _union(rect, r)
        return rect if rect is not None else QRectF(self.bounds)

    def segment_at(self, pos: QPointF, slack: float = 0.0) -> SegmentItem | None:
        """The smallest shown segment under a scene point."""
        best = None
        if self.isVisible():
            for seg in self.segments:
                if (best is None or seg.area < best.area) and seg.hit(pos, slack):
                    best = seg
        return best

    def hit(self, pos: QPointF, slack: float = 0.0) -> bool:
        return self.segment_at(pos, slack) is not None


def _union(a: QRectF, b: QRectF) -> QRectF:
    left, top = min(a.left(), b.left()), min(a.top(), b.top())
    right, bottom = max(a.right(), b.right()), max(a.bottom(), b.bottom())
    return QRectF(left, top, right - left, bottom - top)


def segment_text(ds: Any, segment: dict) -> str:
    """The chip of a segment, worded as an annotation of its category would be."""
    return label_text(ds, Annotation(category_id=segment.get("category_id"), iscrowd=segment.get("iscrowd")))


def build_panoptic_item(ds: Any, ann: Annotation, data: dict, record_style: ItemStyle,
                        style_of: Callable[[Any], tuple[ItemStyle, Any]], state: DrawState,
                        images_dir: str | None = None, hidden: set | None = None) -> PanopticItem:
    """The item of a panoptic record, its segments' masks read from the PNG when found.

    ``style_of(category_id)`` gives ``(style, skeleton)``; segments of the
    ``hidden`` category keys start hidden.
    """
    segments = segments_of(data)
    ids = None
    if segments:
        png = find_panoptic_png(getattr(ds, "path", None), data.get("file_name"), images_dir)
        ids = read_segment_ids(png) if png is not None else None
    items = []
    for index, seg in segments:
        mask = segment_mask(ids, seg.get("id")) if ids is not None else None
        style = style_of(seg.get("category_id"))[0]
        items.append(SegmentItem(ann, index, seg, style, segment_text(ds, seg), state, mask))
    record = PanopticItem(ann, record_style, state, items)
    if hidden:
        record.apply_hidden(hidden)
    return record


def expand(items: Iterable[AnnotationItem]) -> list[AnnotationItem]:
    """The items that carry label chips, records expanded into their segments."""
    return [part for item in items for part in item.label_items()]
