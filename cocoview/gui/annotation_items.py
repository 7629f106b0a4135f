"""Graphics items that draw annotations: one item per annotation, one label layer.

An :class:`AnnotationItem` paints everything of one annotation that lives in
image coordinates: the RLE mask overlay (a coloured image cropped to the mask,
decoded once and only recoloured afterwards), the polygon fill and outline,
the box (a cosmetic pen, two device pixels at any zoom) and the keypoints
(dots of constant on-screen size over the skeleton lines). Crowd regions are
hatched with a dashed outline.

Labels are drawn separately, by :mod:`cocoview.gui.label_items`.

While the user drags a box, the item shows a *preview* (:meth:`AnnotationItem.set_preview`):
another box, and polygons and keypoints shifted, without touching the
annotation. The next edit of the annotation builds a new item anyway.

Which layers show and the mask opacity live in a shared :class:`DrawState`,
so switching a layer or moving the opacity slider repaints without touching
the items. Pens and brushes come from :class:`ItemStyle`, one per colour.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from cocoview.gui.shape_paths import rect_path, shape_paths, united_paths
from cocoview.model.annotation import Annotation
from cocoview.model.geometry import annotation_mask, segmentation_kind
from cocoview.model.view_state import LAYERS

AA = QPainter.RenderHint.Antialiasing
SMOOTH = QPainter.RenderHint.SmoothPixmapTransform
#: Zoom from which image and mask pixels are drawn as sharp squares.
SHARP_PIXELS_ZOOM = 2.0
NO_PEN = QPen(Qt.PenStyle.NoPen)
NO_BRUSH = QBrush(Qt.BrushStyle.NoBrush)
EVEN_ODD = Qt.FillRule.OddEvenFill

BOX_WIDTH = 2.0
BOX_WIDTH_HOVER = 3.0
OUTLINE_WIDTH = 1.0
OUTLINE_WIDTH_HOVER = 2.0
KEYPOINT_RADIUS = 3.5
SKELETON_WIDTH = 2.0
#: Device pixels around an item's geometry that its pens and dots may reach.
PAINT_MARGIN_PX = 8.0
CROWD_DASHES = [4.0, 3.0]
DARK_EDGE = QColor(16, 16, 20, 230)
#: Default of :class:`AnnotationItem`'s ``bbox``: the annotation's own box.
FROM_ANNOTATION: Any = object()


def sharp_pixels(painter: QPainter) -> bool:
    """Is the painter enlarging pixels enough (:data:`SHARP_PIXELS_ZOOM`) to draw them as sharp squares?"""
    t = painter.worldTransform()
    return math.hypot(t.m11(), t.m12()) >= SHARP_PIXELS_ZOOM


def _pen(color: QColor, width: float, dashed: bool = False) -> QPen:
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    if dashed:
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pen.setDashPattern(CROWD_DASHES)
    return pen


def _with_alpha(color: QColor, alpha: float) -> QColor:
    c = QColor(color)
    c.setAlphaF(min(max(alpha, 0.0), 1.0))
    return c


class DrawState:
    """What every item of a scene reads while painting: layers, opacity, margin."""

    def __init__(self) -> None:
        self.layers = {name: True for name in LAYERS}
        self.mask_opacity = 0.45
        #: Scene units per device pixel of the view (1 when rendering 1:1).
        self.pixel_size = 1.0

    @property
    def margin(self) -> float:
        return PAINT_MARGIN_PX * self.pixel_size


class ItemStyle:
    """Every pen and brush one category colour needs."""

    def __init__(self, color: QColor) -> None:
        self.color = QColor(color)
        c = self.color
        self.box_pen = _pen(c, BOX_WIDTH)
        self.box_pen_hover = _pen(c, BOX_WIDTH_HOVER)
        self.crowd_box_pen = _pen(c, BOX_WIDTH, dashed=True)
        self.crowd_box_pen_hover = _pen(c, BOX_WIDTH_HOVER, dashed=True)
        outline = c.lighter(118)
        self.outline_pen = _pen(outline, OUTLINE_WIDTH)
        self.outline_pen_hover = _pen(outline, OUTLINE_WIDTH_HOVER)
        self.crowd_outline_pen = _pen(outline, OUTLINE_WIDTH, dashed=True)
        self.crowd_outline_pen_hover = _pen(outline, OUTLINE_WIDTH_HOVER, dashed=True)
        self.box_hover_fill = QBrush(_with_alpha(c, 0.12))
        self.skeleton_pen = _pen(c, SKELETON_WIDTH)
        self.skeleton_pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.dot_brush = QBrush(c)
        self.dot_pen = _pen(DARK_EDGE, 1.0)
        self.hollow_pen = _pen(c, 1.8)
        self.hollow_brush = QBrush(QColor(16, 16, 20, 150))
        self.swatch_brush = QBrush(c)
        self.chip_pen = QPen(c, 1.5)
        self._fills: dict[tuple[float, bool, bool], QBrush] = {}

    def fill(self, opacity: float, hovered: bool = False, crowd: bool = False) -> QBrush:
        """The polygon fill at a mask opacity (stronger when hovered; hatched for crowds)."""
        key = (opacity, hovered, crowd)
        brush = self._fills.get(key)
        if brush is None:
            alpha = opacity + (1.0 - opacity) * 0.3 if hovered else opacity
            if crowd:
                brush = QBrush(_with_alpha(self.color, min(1.0, alpha * 1.8)), Qt.BrushStyle.BDiagPattern)
            else:
                brush = QBrush(_with_alpha(self.color, alpha))
            self._fills[key] = brush
        return brush


class StyleBook:
    """Shared :class:`ItemStyle` objects by colour."""

    def __init__(self) -> None:
        self._styles: dict[int, ItemStyle] = {}

    def style(self, color: QColor) -> ItemStyle:
        key = color.rgba()
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = ItemStyle(color)
        return style

    def clear(self) -> None:
        self._styles.clear()


# ---- geometry helpers --------------------------------------------------------
def valid_bbox(bbox: Any) -> tuple[float, float, float, float] | None:
    """``(x, y, w, h)`` of a usable COCO bbox, else None."""
    if type(bbox) is not list or len(bbox) != 4:
        return None
    for v in bbox:
        if type(v) is not int and type(v) is not float:
            return None
    x, y, w, h = (float(v) for v in bbox)
    if not all(math.isfinite(v) for v in (x, y, w, h)) or w < 0 or h < 0:
        return None
    return x, y, w, h


def polygon_parts(segmentation: list) -> list[QPolygonF]:
    """One QPolygonF per usable polygon part (three points or more)."""
    parts = []
    for part in segmentation:
        if type(part) is not list or len(part) < 6:
            continue
        it = iter(part)
        try:
            points = list(map(QPointF, it, it))
        except (TypeError, ValueError, OverflowError):
            continue
        poly = QPolygonF(points)
        r = poly.boundingRect()
        if math.isfinite(r.width()) and math.isfinite(r.height()) and math.isfinite(r.x() + r.y()):
            parts.append(poly)
    return parts


def contour_polygons(mask: np.ndarray, dx: float, dy: float) -> list[QPolygonF]:
    """The outlines of a binary mask (holes included), through pixel centres."""
    contours, _ = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    ox, oy = dx + 0.5, dy + 0.5
    for contour in contours:
        pts = contour.reshape(-1, 2)
        if len(pts) == 0:
            continue
        out.append(QPolygonF(list(map(QPointF, (pts[:, 0] + ox).tolist(), (pts[:, 1] + oy).tolist()))))
    return out


def crop_mask(mask: np.ndarray) -> tuple[np.ndarray, int, int] | None:
    """The mask cut to its non-zero pixels, with the crop's offset; None if empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if not len(rows):
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    return np.ascontiguousarray(mask[y0:y1, x0:x1]), x0, y0


def mask_image(crop: np.ndarray, color: QColor, crowd: bool) -> QImage:
    """A premultiplied ARGB image of the mask in ``color``; crowds are striped."""
    h, w = crop.shape
    on = crop != 0
    if crowd:
        yy, xx = np.indices((h, w))
        strong = ((xx + yy) // 5) % 2 == 0
        alpha = np.where(on, np.where(strong, 255, 90), 0).astype(np.uint32)
    else:
        alpha = on.astype(np.uint32) * 255
    r, g, b = color.red(), color.green(), color.blue()
    pixels = (alpha << 24) | ((alpha * r // 255) << 16) | ((alpha * g // 255) << 8) | (alpha * b // 255)
    pixels = np.ascontiguousarray(pixels, dtype=np.uint32)
    return QImage(pixels.data, w, h, w * 4, QImage.Format.Format_ARGB32_Premultiplied).copy()


def keypoint_triples(data: dict) -> list[tuple[float, float, float]]:
    """``(x, y, v)`` for each keypoint (a malformed triple counts as not labelled)."""
    kps = data.get("keypoints")
    if type(kps) is not list or len(kps) < 3:
        return []
    out = []
    for i in range(0, len(kps) - 2, 3):
        x, y, v = kps[i], kps[i + 1], kps[i + 2]
        if all((type(t) is int or type(t) is float) and math.isfinite(t) for t in (x, y, v)):
            out.append((float(x), float(y), float(v)))
        else:
            out.append((0.0, 0.0, 0.0))
    return out


# ---- the annotation item --------------------------------------------------------------
class AnnotationItem(QGraphicsItem):
    """Draws one annotation (all but its label). ``annotation`` is the Annotation.

    Geometry is read once from the annotation's dict: ``box`` (QRectF or
    None), ``polygons`` (QPolygonF parts), the RLE mask crop with its
    ``contours``, and the keypoints. ``bounds`` covers all of it. ``bbox``,
    ``crowd`` and ``mask`` (a uint8 mask of the image) replace what the
    annotation says: panoptic segments are drawn this way.
    """

    def __init__(self, ann: Annotation, data: dict, style: ItemStyle, text: str,
                 skeleton: Any, state: DrawState, *, bbox: Any = FROM_ANNOTATION,
                 crowd: bool | None = None, mask: np.ndarray | None = None) -> None:
        super().__init__()
        self.annotation = ann
        self.style = style
        self.state = state
        self.text = text
        self.crowd = ann.iscrowd in (1, True) if crowd is None else crowd
        self.hovered = False
        self.box: QRectF | None = None
        self.polygons: list[QPolygonF] = []
        self.contours: list[QPolygonF] = []
        self.mask_crop: np.ndarray | None = None
        self.mask_origin = (0, 0)
        self.mask_pixmap: QPixmap | None = None
        self.points: list[tuple[QPointF, bool]] = []
        self.lines: list[QLineF] = []
        self.label_width = -1.0
        #: While a drag is previewed: the box shown and how far polygons and keypoints move.
        self.preview_box: QRectF | None = None
        self.preview_shift: QPointF | None = None
        self._preview_bounds: QRectF | None = None
        bounds: QRectF | None = None

        box = valid_bbox(ann.bbox if bbox is FROM_ANNOTATION else bbox)
        if box is not None:
            self.box = QRectF(*box)
            bounds = QRectF(self.box)

        seg = data.get("segmentation")
        kind = segmentation_kind(seg)
        if kind == "polygon":
            self.polygons = polygon_parts(seg)
            for poly in self.polygons:
                bounds = _unite(bounds, poly.boundingRect())
        elif kind in ("rle_string", "rle_list") or mask is not None:
            rect = self._read_mask(data, style) if mask is None else self._set_mask(mask, style)
            if rect is not None:
                bounds = _unite(bounds, rect)

        if "keypoints" in data:
            rect = self._read_keypoints(keypoint_triples(data), skeleton)
            if rect is not None:
                bounds = _unite(bounds, rect)

        self.bounds = bounds if bounds is not None else QRectF()
        self._has_geometry = bounds is not None
        b = self.bounds
        #: ``(left, top, right, bottom)`` as plain floats, for quick hit tests.
        self.extent = (b.left(), b.top(), b.right(), b.bottom())
        self.area = box[2] * box[3] if box is not None else self.bounds.width() * self.bounds.height()
        self.setZValue(-self.area)

    # ---- reading geometry -----------------------------------------------------
    def _read_mask(self, data: dict, style: ItemStyle) -> QRectF | None:
        size = data["segmentation"]["size"]
        mask = annotation_mask(data, size[0], size[1])
        return None if mask is None else self._set_mask(mask, style)

    def _set_mask(self, mask: np.ndarray, style: ItemStyle) -> QRectF | None:
        """Keep the non-zero part of a uint8 mask of the image, its overlay and outline."""
        cropped = crop_mask(mask)
        if cropped is None:
            return None
        crop, x0, y0 = cropped
        self.mask_crop = crop
        self.mask_origin = (x0, y0)
        self.mask_pixmap = QPixmap.fromImage(mask_image(crop, style.color, self.crowd))
        self.contours = contour_polygons(crop, x0, y0)
        return QRectF(x0, y0, crop.shape[1], crop.shape[0])

    def _read_keypoints(self, kps: list, skeleton: Any) -> QRectF | None:
        labelled = [(x, y, v) for x, y, v in kps if v > 0]
        if not labelled:
            return None
        if type(skeleton) is list:
            n = len(kps)
            for pair in skeleton:
                if type(pair) is not list or len(pair) != 2:
                    continue
                i, j = pair
                if type(i) is int and type(j) is int and 1 <= i <= n and 1 <= j <= n:
                    a, b = kps[i - 1], kps[j - 1]
                    if a[2] > 0 and b[2] > 0:
                        self.lines.append(QLineF(a[0], a[1], b[0], b[1]))
        self.points = [(QPointF(x, y), v >= 2) for x, y, v in labelled]
        xs = [p[0] for p in labelled]
        ys = [p[1] for p in labelled]
        return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)).adjusted(-0.5, -0.5, 0.5, 0.5)

    # ---- QGraphicsItem -----------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802
        m = self.state.margin
        bounds = self._preview_bounds if self._preview_bounds is not None else self.bounds
        return bounds.adjusted(-m, -m, m, m)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        state = self.state
        layers = state.layers
        style = self.style
        hovered = self.hovered
        crowd = self.crowd
        box = self.preview_box if self.preview_box is not None else self.box
        shift = self.preview_shift
        antialiased = painter.testRenderHint(AA)
        if layers["masks"]:
            if self.mask_pixmap is not None:
                base = painter.opacity()
                painter.setOpacity(base * min(1.0, state.mask_opacity + (0.25 if hovered else 0.0)))
                x0, y0 = self.mask_origin
                # Enlarged, mask pixels stay sharp squares, like the image's.
                smooth = painter.testRenderHint(SMOOTH)
                if smooth and sharp_pixels(painter):
                    painter.setRenderHint(SMOOTH, False)
                painter.drawPixmap(x0, y0, self.mask_pixmap)
                painter.setRenderHint(SMOOTH, smooth)
                painter.setOpacity(base)
            if shift is not None and self.polygons:
                painter.translate(shift)
            polygons = self.polygons
            outline = polygons or self.contours
            if outline:
                if crowd:
                    painter.setPen(style.crowd_outline_pen_hover if hovered else style.crowd_outline_pen)
                else:
                    painter.setPen(style.outline_pen_hover if hovered else style.outline_pen)
                # Polygons are filled and outlined in one call, even-odd like
                # pycocotools' rasteriser (and several times faster than winding).
                painter.setBrush(style.fill(state.mask_opacity, hovered, crowd) if polygons else NO_BRUSH)
                for poly in outline:
                    painter.drawPolygon(poly)
            if shift is not None and polygons:
                painter.translate(-shift)
        if box is not None and layers["boxes"]:
            painter.setRenderHint(AA, False)
            if crowd:
                painter.setPen(style.crowd_box_pen_hover if hovered else style.crowd_box_pen)
            else:
                painter.setPen(style.box_pen_hover if hovered else style.box_pen)
            painter.setBrush(style.box_hover_fill if hovered else NO_BRUSH)
            painter.drawRect(box)
            painter.setRenderHint(AA, antialiased)
        if self.points and layers["keypoints"]:
            if shift is not None:
                painter.translate(shift)
            if self.lines:
                painter.setPen(style.skeleton_pen)
                painter.drawLines(self.lines)
            t = painter.worldTransform()
            scale = math.hypot(t.m11(), t.m12()) or 1.0
            r = KEYPOINT_RADIUS * (1.25 if hovered else 1.0) / scale
            for point, filled in self.points:
                if filled:
                    painter.setPen(style.dot_pen)
                    painter.setBrush(style.dot_brush)
                else:
                    painter.setPen(style.hollow_pen)
                    painter.setBrush(style.hollow_brush)
                painter.drawEllipse(point, r, r)
            if shift is not None:
                painter.translate(-shift)

    # ---- state ---------------------------------------------------------------------
    def has_geometry(self) -> bool:
        return self._has_geometry

    def label_items(self) -> list["AnnotationItem"]:
        """The items that carry this annotation's label chips (panoptic records have several)."""
        return [self]

    def chip_target(self) -> "AnnotationItem | None":
        """The item whose chip shows while this annotation is hovered."""
        return self

    def set_style(self, style: ItemStyle, text: str | None = None) -> None:
        """Recolour (the mask overlay is recoloured, never decoded again)."""
        if style.color.rgba() != self.style.color.rgba() and self.mask_crop is not None:
            self.mask_pixmap = QPixmap.fromImage(mask_image(self.mask_crop, style.color, self.crowd))
        self.style = style
        if text is not None and text != self.text:
            self.text = text
            self.label_width = -1.0
        self.update()

    def set_hovered(self, hovered: bool) -> None:
        if hovered != self.hovered:
            self.hovered = hovered
            self.update()

    @property
    def previewing(self) -> bool:
        return self._preview_bounds is not None

    def set_preview(self, box: QRectF | None, shift: QPointF | None = None) -> None:
        """Show ``box`` instead of the box, and polygons and keypoints moved by ``shift``
        (an RLE mask stays where it is); both None: show the annotation as it is."""
        self.prepareGeometryChange()
        self.preview_box = QRectF(box) if box is not None else None
        self.preview_shift = QPointF(shift) if shift is not None and not shift.isNull() else None
        if box is None and self.preview_shift is None:
            self._preview_bounds = None
        else:
            bounds = _unite(None, self.bounds)
            if self.preview_box is not None:
                bounds = _unite(bounds, self.preview_box)
            if self.preview_shift is not None:
                bounds = _unite(bounds, self.bounds.translated(self.preview_shift))
            self._preview_bounds = bounds
        self.update()

    def current_box(self) -> QRectF | None:
        """The box as shown (the preview while a drag is previewed)."""
        box = self.preview_box if self.preview_box is not None else self.box
        return QRectF(box) if box is not None else None

    # ---- geometry for views ------------------------------------------------------------
    def _drawn_shapes(self) -> tuple[QRectF | None, list[QPolygonF]]:
        """The box and the shapes (polygon parts, else mask outlines) that the
        outline and area follow: those of the layers shown; when these show
        nothing, the box, else the shapes."""
        layers = self.state.layers
        box = self.current_box()
        shapes = self.polygons or self.contours
        if self.polygons and self.preview_shift is not None:
            shapes = [poly.translated(self.preview_shift) for poly in self.polygons]
        shown_box = box if layers["boxes"] else None
        shown = shapes if layers["masks"] and any(len(poly) > 1 for poly in shapes) else []
        if shown_box is None and not shown:
            return (box, []) if box is not None else (None, shapes)
        return shown_box, shown

    def outline_path(self) -> QPainterPath:
        """Every edge of the annotation in scene coordinates, as the layers shown
        draw them (to stroke; :meth:`area_path` is the area to fill)."""
        box, shapes = self._drawn_shapes()
        path = QPainterPath()
        if box is not None:
            path.addRect(box)
        for poly in shapes:
            path.addPolygon(poly)
            path.closeSubpath()
        if path.isEmpty() and self._has_geometry:
            path.addRect(self.bounds)
        return path

    def area_path(self) -> QPainterPath:
        """The annotation's area in scene coordinates, as the layers shown draw it:
        the box, and each polygon part filled even-odd (as pycocotools rasterises
        it) united with the others; an RLE mask's outlines, holes included."""
        box, shapes = self._drawn_shapes()
        regions = [rect_path(box)] if box is not None else []
        regions += shape_paths(shapes, per_part=bool(self.polygons))
        if not regions and self._has_geometry:
            regions.append(rect_path(self.bounds))
        return united_paths(regions)

    def focus_rect(self) -> QRectF:
        """The area to bring into view (the box, else everything drawn)."""
        box = self.current_box()
        return box if box is not None else QRectF(self.bounds)

    def label_anchor(self) -> QPointF:
        return self.focus_rect().topLeft()

    def hit(self, pos: QPointF, slack: float = 0.0) -> bool:
        """Does a scene point fall on a part of this annotation that is drawn?"""
        if not self.isVisible():
            return False
        layers = self.state.layers
        x, y = pos.x(), pos.y()
        if self.box is not None and layers["boxes"]:
            b = self.box
            if b.left() - slack <= x <= b.right() + slack and b.top() - slack <= y <= b.bottom() + slack:
                return True
        if layers["masks"]:
            if self.mask_crop is not None:
                x0, y0 = self.mask_origin
                ix, iy = int(math.floor(x)) - x0, int(math.floor(y)) - y0
                crop = self.mask_crop
                if 0 <= iy < crop.shape[0] and 0 <= ix < crop.shape[1] and crop[iy, ix]:
                    return True
            for poly in self.polygons:
                if poly.containsPoint(pos, EVEN_ODD):
                    return True
        if self.points and layers["keypoints"]:
            reach = max(slack, 0.5) * 2
            for point, _ in self.points:
                if abs(point.x() - x) <= reach and abs(point.y() - y) <= reach:
                    return True
        return False


def _unite(a: QRectF | None, b: QRectF) -> QRectF:
    if a is None:
        return QRectF(b)
    # QRectF.united ignores empty rectangles; a zero-size box still counts here.
    left, top = min(a.left(), b.left()), min(a.top(), b.top())
    right, bottom = max(a.right(), b.right()), max(a.bottom(), b.bottom())
    return QRectF(left, top, right - left, bottom - top)
