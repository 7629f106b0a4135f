"""The scene of one image: the pixels (or a placeholder) and every annotation.

The scene follows the dataset and the view state through their events:
threshold and category filters only toggle item visibility, layer switches
and opacity changes only repaint (items read a shared :class:`DrawState`),
colour changes recolour (masks are recoloured, never decoded again), and
annotation edits rebuild just the annotations touched. The canvas and the
windowless renderer both draw through this class. A panoptic record is one item with a child item per
segment (:mod:`cocoview.gui.panoptic`).
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Hashable, Iterable

import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPen, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsPixmapItem, QGraphicsScene

from cocoview.gui.annotation_items import AnnotationItem, DrawState, ItemStyle, StyleBook
from cocoview.gui.box_handles import BandItem, BoxHandlesItem, InfoChipItem, MarksItem
from cocoview.gui.label_items import LabelChipItem, LabelLayerItem, label_text
from cocoview.gui.colors import colors_for
from cocoview.gui.panoptic import PanopticItem, build_panoptic_item, expand
from cocoview.gui.placeholder import ImageItem, cosmetic_pen, note_chip, placeholder_item
from cocoview.model.annotation import Annotation
from cocoview.model.ids import id_key
from cocoview.model.view_state import ViewState
from cocoview.gui.model_events import Listeners, weak_call

IMAGE_Z = -1e30
SELECTION_Z = 1e29
LABELS_Z = 1e30
CHIP_Z = 1.5e30
HANDLES_Z = 1.7e30
NOTE_Z = 2e30
DEFAULT_SIZE = (640, 480)
HALO = QColor(255, 255, 255, 240)
SHADOW = QColor(0, 0, 0, 110)
NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
IGNORES_TRANSFORMATIONS = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations


def _positive(value: Any) -> int | None:
    if type(value) in (int, float) and 1 <= value < 1 << 20:
        return int(value)
    return None


class AnnotationScene(QGraphicsScene):
    """Draws one image of a dataset with its visible annotations.

    ``selection_changed(list)`` fires when the selected annotations change,
    including when a selected annotation is deleted or its image is left;
    ``selection_edited(list)`` when a command changed selected annotations.
    The one selected annotation with a box gets resize handles
    (:attr:`box_handles`); :meth:`preview_annotation` shows a drag in progress.
    """

    selection_changed = Signal(list)
    selection_edited = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        # Items are few per image and mostly painted together; a BSP index
        # would cost more to keep than it saves.
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.ds: Any = None
        self.image: dict | None = None
        self.view_state: ViewState | None = None
        self.note: str | None = None
        #: The chosen images folder, also searched for panoptic PNGs (:meth:`set_images_dir`).
        self.images_dir: str | None = None
        self.state = DrawState()
        self.image_rect = QRectF(0, 0, *DEFAULT_SIZE)
        #: Milliseconds the last :meth:`show_image` took.
        self.build_ms = 0.0
        self._image_key: Hashable = None
        self._items: dict[Annotation, AnnotationItem] = {}
        self._styles = StyleBook()
        self._category_styles: dict[Hashable, tuple[ItemStyle, Any]] = {}
        self._selected: list[Annotation] = []
        self._hovered: AnnotationItem | None = None
        self._marked: list[Annotation] = []
        self._ds_listeners = Listeners(self)
        self._state_listener: Callable | None = None
        self._background: QGraphicsItem | None = None
        self._note_item: QGraphicsPathItem | None = None
        self.labels_layer = LabelLayerItem()
        self.labels_layer.setZValue(LABELS_Z)
        self.addItem(self.labels_layer)
        self._hover_chip = LabelChipItem(self.labels_layer)
        self._hover_chip.setZValue(CHIP_Z)
        self.addItem(self._hover_chip)
        self._selection_chips: list[LabelChipItem] = []
        self._selection_layer = QGraphicsPathItem()
        self._selection_layer.setFlag(NO_CONTENTS)
        self._selection_layer.setZValue(SELECTION_Z)
        self.addItem(self._selection_layer)
        #: Handles on the box of a single selection; the rubber band; the chip of numbers.
        self.box_handles = BoxHandlesItem(self.state)
        self.band = BandItem(self.state)
        self.marks = MarksItem(self.state)
        self.info_chip = InfoChipItem()
        for z, item in ((SELECTION_Z + 1, self.band), (SELECTION_Z + 2, self.marks),
                        (HANDLES_Z, self.box_handles), (NOTE_Z, self.info_chip)):
            item.setZValue(z)
            self.addItem(item)

    # ---- showing an image ----------------------------------------------------------
    def show_image(self, ds: Any, image: dict, qimage: QImage | None,
                   view_state: ViewState | None = None, note: str | None = None) -> None:
        """Show ``image`` of ``ds``: its pixels (or a placeholder with ``note``) and annotations.

        Showing the image already shown again (e.g. once its pixels arrive)
        swaps the background and keeps the annotation items as they are.
        """
        started = time.perf_counter()
        if view_state is None:
            view_state = self.view_state or ViewState()
        key = id_key(image.get("id")) if isinstance(image, dict) else None
        same = ds is self.ds and image is self.image and key == self._image_key
        self._attach(ds, view_state)
        self.image = image
        self._image_key = key
        self.note = note
        self._set_background(qimage, note)
        if not same:
            self._clear_annotations()
            self._set_selection([], emit=bool(self._selected))
            self._add_items(ds.annotations_of_image(image.get("id")) if ds is not None else [])
        self.build_ms = (time.perf_counter() - started) * 1000.0

    def clear_image(self) -> None:
        """Show nothing and let go of the dataset."""
        self._clear_annotations()
        self._set_selection([], emit=bool(self._selected))
        self._remove_background()
        self._attach(None, self.view_state)
        self.image = None
        self._image_key = None

    def rebuild(self) -> None:
        """Build every annotation item again (the events keep them current anyway)."""
        if self.ds is None or self.image is None:
            return
        keep = list(self._selected)
        self._clear_annotations()
        self._add_items(self.ds.annotations_of_image(self.image.get("id")))
        self._set_selection([a for a in keep if a in self._items], emit=False)

    def set_images_dir(self, folder: str | None) -> None:
        """Choose the images folder (panoptic PNGs are also looked for near it)."""
        if folder != self.images_dir:
            self.images_dir = folder
            if any(isinstance(it, PanopticItem) for it in self._items.values()):
                self.rebuild()

    def detach(self) -> None:
        """Stop listening to the dataset and the view state."""
        self._attach(None, None)

    def set_pixel_size(self, scene_units_per_pixel: float) -> None:
        """Tell the items how large a device pixel is (the inverse of the view's zoom).

        Items widen their bounds by a few pixels for cosmetic pens and dots;
        the size is kept as the next power of two so that zooming only
        rarely changes item geometry.
        """
        if not scene_units_per_pixel > 0:
            return
        size = 2.0 ** math.ceil(math.log2(scene_units_per_pixel))
        if size != self.state.pixel_size:
            for item in (*self._items.values(), self.box_handles, self.band):
                item.prepareGeometryChange()
            self.state.pixel_size = size

    # ---- queries ------------------------------------------------------------------
    def annotation_items(self) -> list[AnnotationItem]:
        """Every annotation item of the image, in file order."""
        if self.ds is None or self.image is None:
            return []
        items = self._items
        return [items[a] for a in self.ds.annotations_of_image(self.image.get("id")) if a in items]

    def item_for(self, ann: Annotation) -> AnnotationItem | None:
        return self._items.get(ann)

    def visible_annotations(self) -> list[Annotation]:
        """Annotations drawn right now (shown, with geometry), in file order."""
        return [it.annotation for it in self.annotation_items() if it.isVisible() and it.has_geometry()]

    @property
    def image_item(self) -> QGraphicsItem | None:
        """The item showing the pixels, or the placeholder."""
        return self._background

    @property
    def note_item(self) -> QGraphicsPathItem | None:
        """The chip with the placeholder's note (None when pixels are shown)."""
        return self._note_item

    @property
    def note_text(self) -> str:
        return self._note_item.note if self._note_item is not None else ""

    # ---- selection and hover ----------------------------------------------------------
    def selected_annotations(self) -> list[Annotation]:
        return list(self._selected)

    def set_selected_annotations(self, anns: Iterable[Annotation]) -> None:
        wanted = [a for a in dict.fromkeys(anns) if a in self._items]
        self._set_selection(wanted, emit=wanted != self._selected)

    def preview_annotation(self, ann: Annotation, box: QRectF | None, shift: QPointF | None = None) -> None:
        """Show ``ann`` with another box and its polygons and keypoints moved by
        ``shift`` while a drag goes on (the dataset is not touched); None and
        None show it as it is again."""
        item = self._items.get(ann)
        if item is None:
            return
        was = item.previewing
        item.set_preview(box, shift)
        if item.previewing != was:
            self.labels_layer.refresh_shown()
        self._set_selection(self._selected, emit=False)

    def mark_annotations(self, anns: Iterable[Annotation]) -> None:
        """Outline annotations thinly (what a rubber band would select); [] removes the marks."""
        self._marked = [a for a in anns if a in self._items]
        self.marks.set_paths([(self._items[a].outline_path(), self._items[a].style.color) for a in self._marked])

    def marked_annotations(self) -> list[Annotation]:
        return list(self._marked)

    def annotations_in_rect(self, rect: QRectF) -> list[Annotation]:
        """Visible annotations lying wholly inside ``rect`` (by box, else by extent), in file order."""
        rect = rect.normalized()
        return [it.annotation for it in self.annotation_items()
                if it.isVisible() and it.has_geometry() and rect.contains(it.focus_rect())]

    def hovered_annotation(self) -> Annotation | None:
        return self._hovered.annotation if self._hovered is not None else None

    def set_hovered_annotation(self, ann: Annotation | None) -> None:
        item = self._items.get(ann) if ann is not None else None
        old = self._hovered
        if item is old:
            return
        if old is not None and shiboken6.isValid(old):
            old.set_hovered(False)
        else:
            old = None
        self._hovered = item
        if item is not None:
            item.set_hovered(True)
        self._hover_chip.set_target(item.chip_target() if item is not None else None)

    def annotation_at(self, pos: QPointF, scale: float = 1.0,
                      device_transform: QTransform | None = None,
                      device_rect: QRectF | None = None) -> Annotation | None:
        """The annotation under a scene point: a label first, else the smallest shape.

        ``scale`` is the zoom (device pixels per scene unit), giving a few
        pixels of slack around thin lines and dots; ``device_transform`` and
        ``device_rect`` (the view's) place labels where they appear on screen.
        """
        if self.state.layers.get("labels", True) and self.labels_layer.isVisible():
            transform = device_transform if device_transform is not None else QTransform()
            rect = device_rect if device_rect is not None else transform.mapRect(self.image_rect)
            item = self.labels_layer.item_at(transform.map(pos), transform, rect)
            if item is not None:
                self._pick(getattr(item, "record", None), item)
                return item.annotation
        slack = 3.0 / max(scale, 1e-9)
        x, y = pos.x(), pos.y()
        best = None
        for item in self._items.values():
            left, top, right, bottom = item.extent
            if (left - slack <= x <= right + slack and top - slack <= y <= bottom + slack
                    and (best is None or item.area < best.area) and item.hit(pos, slack)):
                best = item
        if isinstance(best, PanopticItem):
            self._pick(best, best.segment_at(pos, slack))
        return best.annotation if best is not None else None

    def _pick(self, record: PanopticItem | None, segment: Any) -> None:
        # The segment of a panoptic record under the mouse gets the hover highlight and chip.
        if record is not None and record.pick(segment) and record is self._hovered:
            self._hover_chip.set_target(record.chip_target())

    def next_annotation(self, current: Annotation | None, step: int = 1) -> Annotation | None:
        """The visible annotation ``step`` places after ``current`` (wrapping around)."""
        anns = self.visible_annotations()
        if not anns:
            return None
        if current in anns:
            return anns[(anns.index(current) + step) % len(anns)]
        return anns[0] if step > 0 else anns[-1]

    # ---- background -----------------------------------------------------------------
    def _remove_background(self) -> None:
        for item in (self._background, self._note_item):
            if item is not None and shiboken6.isValid(item):
                self.removeItem(item)
        self._background = None
        self._note_item = None

    def _recorded_size(self) -> tuple[int, int, bool]:
        image = self.image if isinstance(self.image, dict) else {}
        w, h = _positive(image.get("width")), _positive(image.get("height"))
        if w and h:
            return w, h, True
        # No usable size in the file: cover the boxes, else a default size.
        right, bottom = 0.0, 0.0
        if self.ds is not None and self.image is not None:
            for ann in self.ds.annotations_of_image(self.image.get("id")):
                b = ann.bbox
                if type(b) is list and len(b) == 4 and all(type(v) in (int, float) for v in b):
                    right, bottom = max(right, b[0] + b[2]), max(bottom, b[1] + b[3])
        right, bottom = min(right, 1 << 16), min(bottom, 1 << 16)
        return (w or (int(right) + 1 if right >= 1 else DEFAULT_SIZE[0]),
                h or (int(bottom) + 1 if bottom >= 1 else DEFAULT_SIZE[1]), False)

    def _set_background(self, qimage: QImage | None, note: str | None) -> None:
        self._remove_background()
        if qimage is not None and not qimage.isNull():
            item = ImageItem(QPixmap.fromImage(qimage))
            item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
            item.setZValue(IMAGE_Z)
            self.image_rect = QRectF(0, 0, qimage.width(), qimage.height())
        else:
            w, h, recorded = self._recorded_size()
            self.image_rect = QRectF(0, 0, w, h)
            item = placeholder_item(w, h, IMAGE_Z)
            size = f"{w} × {h} px" + (" (size recorded in the file)" if recorded else " (size unknown)")
            self._note_item = note_chip(f"{note or 'No image'}\n{size}", QPointF(w / 2, h / 2), NOTE_Z)
            self.addItem(self._note_item)
        self.addItem(item)
        self._background = item
        self.labels_layer.set_image_rect(self.image_rect)
        self.setSceneRect(self.image_rect)

    # ---- annotation items -----------------------------------------------------------
    def _clear_annotations(self) -> None:
        self._hovered = None
        self.mark_annotations([])
        self._hover_chip.set_target(None)
        for item in self._items.values():
            if shiboken6.isValid(item):
                self.removeItem(item)
        self._items = {}
        self._category_styles.clear()
        self.labels_layer.set_items([])

    def _category_style(self, category_id: Any) -> tuple[ItemStyle, Any]:
        key = id_key(category_id)
        found = self._category_styles.get(key)
        if found is None:
            color = colors_for(self.ds).color(category_id)
            cat = self.ds.category(category_id)
            skeleton = cat.get("skeleton") if cat is not None else None
            found = (self._styles.style(color), skeleton)
            self._category_styles[key] = found
        return found

    def _add_items(self, anns: Iterable[Annotation]) -> None:
        ds, state, items = self.ds, self.state, self._items
        is_visible = self.view_state.is_visible
        style_for = self._category_style
        add = self.addItem
        added = False
        for ann in anns:
            if ann in items:
                continue
            style, skeleton = style_for(ann.category_id)
            data = ann.to_dict()
            if "segments_info" in data:  # a panoptic record: one child item per segment
                item = build_panoptic_item(ds, ann, data, style, style_for, state, self.images_dir,
                                           self.view_state.hidden_categories)
            else:
                item = AnnotationItem(ann, data, style, label_text(ds, ann), skeleton, state)
            if not is_visible(ann):
                item.setVisible(False)
            add(item)
            items[ann] = item
            added = True
        if added:
            self.labels_layer.set_items(expand(items.values()))

    def _remove_items(self, anns: Iterable[Annotation]) -> None:
        removed = False
        for ann in anns:
            item = self._items.pop(ann, None)
            if item is None:
                continue
            removed = True
            if item is self._hovered:
                self._hovered = None
                self._hover_chip.set_target(None)
            if shiboken6.isValid(item):
                self.removeItem(item)
        if removed:
            self.labels_layer.set_items(expand(self._items.values()))

    # ---- following the dataset and the view state ---------------------------------------
    def _attach(self, ds: Any, view_state: ViewState | None) -> None:
        if ds is not self.ds:
            self._ds_listeners.clear()
            self.ds = ds
            self._styles.clear()
            self._category_styles.clear()
            if ds is not None:
                events = ds.events
                for event, name in ((events.annotations_added, "_on_annotations_added"),
                                    (events.annotations_removed, "_on_annotations_removed"),
                                    (events.annotations_changed, "_on_annotations_changed"),
                                    (events.categories_changed, "_on_categories_changed"),
                                    (colors_for(ds).events.changed, "_on_colors_changed")):
                    self._ds_listeners.listen(event, name)
        if view_state is not self.view_state:
            if self.view_state is not None and self._state_listener is not None:
                self.view_state.events.changed.disconnect(self._state_listener)
            self.view_state = view_state
            self._state_listener = None
            if view_state is not None:
                self._state_listener = weak_call(self, "_on_view_state_changed")
                view_state.events.changed.connect(self._state_listener)
                self._sync_state()
                self._apply_visibility()

    def _sync_state(self) -> None:
        vs = self.view_state
        self.state.layers = dict(vs.layers)
        self.state.mask_opacity = vs.mask_opacity
        self.labels_layer.setVisible(vs.layers.get("labels", True))
        self.update()

    def _for_this_image(self, ann: Annotation) -> bool:
        return self.image is not None and id_key(ann.image_id) == self._image_key

    def _on_annotations_added(self, annotations: list) -> None:
        self._add_items([a for a in annotations if self._for_this_image(a)])
        self._update_selection()

    def _on_annotations_removed(self, annotations: list) -> None:
        self._remove_items(annotations)
        self._update_selection()

    def _on_annotations_changed(self, annotations: list) -> None:
        touched = [a for a in annotations if a in self._items or self._for_this_image(a)]
        if not touched:
            return
        hovered = self.hovered_annotation()
        # A panoptic record keeps the segment pointed at (found again by its id).
        picked = {a: it.picked.segment.get("id") for a, it in self._items.items()
                  if a in touched and isinstance(it, PanopticItem) and it.picked is not None}
        self._category_styles.clear()
        self._remove_items(touched)
        self._add_items([a for a in touched if self._for_this_image(a)])
        for a, segment_id in picked.items():
            record = self._items.get(a)
            if isinstance(record, PanopticItem):
                record.pick(next((seg for seg in record.segments if seg.segment.get("id") == segment_id), None))
        if hovered is not None and hovered in self._items:
            self.set_hovered_annotation(hovered)
        self._update_selection(redraw=True)
        if any(a in self._items for a in touched if a in self._selected):
            self.selection_edited.emit(list(self._selected))

    def _on_categories_changed(self) -> None:
        # Names, colours (by position) and skeletons may all have changed.
        self._category_styles.clear()
        with_keypoints = [it.annotation for it in self._items.values() if it.points]
        if with_keypoints:
            self._remove_items(with_keypoints)
            self._add_items(with_keypoints)
        self._restyle(names=True)
        self._update_selection(redraw=True)

    def _on_colors_changed(self, category_ids: Any = None) -> None:
        self._category_styles.clear()
        self._restyle()
        self._update_selection(redraw=True)

    def _on_view_state_changed(self, what: str | None = None) -> None:
        if what in ("min_score", "categories"):
            self._apply_visibility()
        else:
            self._sync_state()
            if what != "mask_opacity":
                self._apply_visibility()
        self._update_selection(redraw=True)

    def _apply_visibility(self) -> None:
        is_visible = self.view_state.is_visible
        changed = False
        for ann, item in self._items.items():
            shown = is_visible(ann)
            if item.isVisible() != shown:
                item.setVisible(shown)
                changed = True
            if isinstance(item, PanopticItem):
                changed = item.apply_hidden(self.view_state.hidden_categories) or changed
        if changed:
            self.labels_layer.refresh()

    def _restyle(self, names: bool = False) -> None:
        ds = self.ds
        for ann, item in self._items.items():
            if isinstance(item, PanopticItem):
                item.restyle(self._category_style, ds if names else None)
                continue
            style, _ = self._category_style(ann.category_id)
            text = label_text(ds, ann) if names else None
            if style is not item.style or (text is not None and text != item.text):
                item.set_style(style, text)
        self.labels_layer.refresh()

    # ---- selection drawing --------------------------------------------------------------
    def _update_selection(self, redraw: bool = False) -> None:
        kept = [a for a in self._selected if a in self._items]
        if kept != self._selected or redraw:
            self._set_selection(kept, emit=kept != self._selected)

    def _set_selection(self, anns: list[Annotation], emit: bool) -> None:
        self._selected = list(anns)
        for child in self._selection_layer.childItems():
            self.removeItem(child)
        for chip in self._selection_chips:
            self.removeItem(chip)
        self._selection_chips = []
        emphasised = set()
        single = self._items.get(self._selected[0]) if len(self._selected) == 1 else None
        if single is not None and single.isVisible() and single.box is not None:
            self.box_handles.set_box(single.current_box(), single.style.color)
        elif self.box_handles.box is not None:
            self.box_handles.set_box(None)
        for ann in self._selected:
            item = self._items.get(ann)
            if item is None or not item.isVisible():
                continue
            for part in item.label_items():  # a panoptic record: each segment shown
                if not part.isVisible():
                    continue
                emphasised.add(id(part))
                self._draw_selected(part)
                chip = LabelChipItem(self.labels_layer)
                chip.setZValue(CHIP_Z)
                self.addItem(chip)
                chip.set_target(part)
                self._selection_chips.append(chip)
        self.labels_layer.emphasised = emphasised
        if self._hovered is not None:
            self._hover_chip.set_target(self._hovered.chip_target())
        if emit:
            self.selection_changed.emit(list(self._selected))

    def _draw_selected(self, item: AnnotationItem) -> None:
        # A light tint over the annotation's area, then its edges dark, white and
        # in the category colour: visible on any background.
        tint = QColor(item.style.color)
        tint.setAlphaF(0.22)
        area = QGraphicsPathItem(item.area_path(), self._selection_layer)
        area.setPen(QPen(Qt.PenStyle.NoPen))
        area.setBrush(QBrush(tint))
        path = item.outline_path()
        for color, width in ((SHADOW, 10.0), (HALO, 7.0), (item.style.color, 3.0)):
            line = QGraphicsPathItem(path, self._selection_layer)
            line.setPen(cosmetic_pen(color, width))
