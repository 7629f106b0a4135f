"""Graphics items that draw annotations: one item per annotation, one label layer.

An :class:`AnnotationItem` paints everything of one annotation that lives in
image coordinates: the RLE mask overlay (a coloured image cropped to the mask,
decoded once and only recoloured afterwards), the polygon fill and outline,
the box (a cosmetic pen, two device pixels at any zoom) and the keypoints
(dots of constant on-screen size over the skeleton lines). Crowd regions are
hatched with a dashed outline.

Labels are drawn by a single :class:`LabelLayerItem` above every annotation,
in device pixels so they stay readable at any zoom; one item for all labels
keeps a scene of ten thousand annotations cheap to build and to paint.

Which layers show and the mask opacity live in a shared :class:`DrawState`,
so switching a layer or moving the opacity slider repaints without touching
the items. Pens and brushes come from :class:`ItemStyle`, one per colour.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import cv2
import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QPixmap,
    QPolygonF, QTransform,
)
from PySide6.QtWidgets import QGraphicsItem

from cocoview.model.annotation import Annotation
from cocoview.model.geometry import annotation_mask, segmentation_kind
from cocoview.model.view_state import LAYERS

AA = QPainter.RenderHint.Antialiasing
NO_PEN = QPen(Qt.PenStyle.NoPen)
NO_BRUSH = QBrush(Qt.BrushStyle.NoBrush)
WINDING = Qt.FillRule.WindingFill

BOX_WIDTH = 2.0
BOX_WIDTH_HOVER = 3.0
OUTLINE_WIDTH = 1.0
OUTLINE_WIDTH_HOVER = 2.0
KEYPOINT_RADIUS = 3.5
SKELETON_WIDTH = 2.0
#: Device pixels around an item's geometry that its pens and dots may reach.
PAINT_MARGIN_PX = 8.0
CROWD_DASHES = [4.0, 3.0]
LABEL_BACKGROUND = QColor(18, 20, 24, 205)
#: Labels on screen beyond which small annotations lose theirs (see LabelLayerItem).
CROWDED_LABELS = 150
LABEL_TEXT = QColor(245, 246, 248)
DARK_EDGE = QColor(16, 16, 20, 230)
SWATCH_EDGE = QPen(DARK_EDGE, 1.0)
LABEL_BACKGROUND_BRUSH = QBrush(LABEL_BACKGROUND)


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
        parts.append(QPolygonF(points))
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


def label_text(ds: Any, ann: Annotation) -> str:
    """``"name 0.86"``: the category name, the score to two decimals, crowds noted."""
    cat = ds.category_of(ann) if ds is not None else None
    if cat is not None:
        name = cat.get("name")
        name = str(name) if name not in (None, "") else f"category {ann.category_id}"
    else:
        name = f"{ann.category_id} (unknown)"
    score = ann.score_value()
    if score is not None:
        name = f"{name} {score:.2f}"
    if ann.iscrowd in (1, True):
        name += " · crowd"
    return name


def _number(v: Any) -> str:
    if type(v) is float:
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return str(v)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def annotation_tooltip(ds: Any, ann: Annotation) -> str:
    """What hovering an annotation tells: category, id, score, area, bbox (rich text)."""
    cat = ds.category_of(ann) if ds is not None else None
    name = cat.get("name") if cat is not None else None
    title = _escape(str(name)) if name is not None else "unknown category"
    lines = [f"<b>{title}</b> &nbsp;<span style='color:gray'>category {_escape(str(ann.category_id))}</span>",
             f"annotation id {_escape(str(ann.id))}"]
    score = ann.score_value()
    if score is not None:
        lines.append(f"score {score:.3f}")
    area = ann.get("area")
    if type(area) in (int, float):
        lines.append(f"area {_number(area)}")
    if type(ann.bbox) is list:
        lines.append("bbox [" + ", ".join(_escape(_number(v)) for v in ann.bbox) + "]")
    if ann.iscrowd in (1, True):
        lines.append("crowd region")
    return "<br>".join(lines)


# ---- the annotation item --------------------------------------------------------------
class AnnotationItem(QGraphicsItem):
    """Draws one annotation (all but its label). ``annotation`` is the Annotation.

    Geometry is read once from the annotation's dict: ``box`` (QRectF or
    None), ``polygons`` (QPolygonF parts), the RLE mask crop with its
    ``contours``, and the keypoints. ``bounds`` covers all of it.
    """

    def __init__(self, ann: Annotation, data: dict, style: ItemStyle, text: str,
                 skeleton: Any, state: DrawState) -> None:
        super().__init__()
        self.annotation = ann
        self.style = style
        self.state = state
        self.text = text
        self.crowd = ann.iscrowd in (1, True)
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
        bounds: QRectF | None = None

        box = valid_bbox(ann.bbox)
        if box is not None:
            self.box = QRectF(*box)
            bounds = QRectF(self.box)

        seg = data.get("segmentation")
        kind = segmentation_kind(seg)
        if kind == "polygon":
            self.polygons = polygon_parts(seg)
            for poly in self.polygons:
                bounds = _unite(bounds, poly.boundingRect())
        elif kind in ("rle_string", "rle_list"):
            rect = self._read_mask(data, style)
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
        if mask is None:
            return None
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
        return self.bounds.adjusted(-m, -m, m, m)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        state = self.state
        layers = state.layers
        style = self.style
        hovered = self.hovered
        crowd = self.crowd
        antialiased = painter.testRenderHint(AA)
        if layers["masks"]:
            if self.mask_pixmap is not None:
                base = painter.opacity()
                painter.setOpacity(base * min(1.0, state.mask_opacity + (0.25 if hovered else 0.0)))
                x0, y0 = self.mask_origin
                painter.drawPixmap(x0, y0, self.mask_pixmap)
                painter.setOpacity(base)
            if self.polygons:
                # Fills without antialiasing are several times faster; the
                # antialiased outline drawn over them hides their edges.
                painter.setRenderHint(AA, False)
                painter.setPen(NO_PEN)
                painter.setBrush(style.fill(state.mask_opacity, hovered, crowd))
                for poly in self.polygons:
                    painter.drawPolygon(poly, WINDING)
                painter.setRenderHint(AA, antialiased)
            outline = self.polygons or self.contours
            if outline:
                if crowd:
                    painter.setPen(style.crowd_outline_pen_hover if hovered else style.crowd_outline_pen)
                else:
                    painter.setPen(style.outline_pen_hover if hovered else style.outline_pen)
                painter.setBrush(NO_BRUSH)
                for poly in outline:
                    painter.drawPolygon(poly)
        if self.box is not None and layers["boxes"]:
            painter.setRenderHint(AA, False)
            if crowd:
                painter.setPen(style.crowd_box_pen_hover if hovered else style.crowd_box_pen)
            else:
                painter.setPen(style.box_pen_hover if hovered else style.box_pen)
            painter.setBrush(style.box_hover_fill if hovered else NO_BRUSH)
            painter.drawRect(self.box)
            painter.setRenderHint(AA, antialiased)
        if self.points and layers["keypoints"]:
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

    # ---- state ---------------------------------------------------------------------
    def has_geometry(self) -> bool:
        return self._has_geometry

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

    # ---- geometry for views ------------------------------------------------------------
    def outline_path(self) -> QPainterPath:
        """The annotation's outline in scene coordinates, as the layers shown draw it."""
        layers = self.state.layers
        path = QPainterPath()
        path.setFillRule(WINDING)
        if self.box is not None and layers["boxes"]:
            path.addRect(self.box)
        if layers["masks"]:
            for poly in self.polygons or self.contours:
                path.addPolygon(poly)
                path.closeSubpath()
        if path.isEmpty():
            if self.box is not None:
                path.addRect(self.box)
            elif self.polygons or self.contours:
                for poly in self.polygons or self.contours:
                    path.addPolygon(poly)
                    path.closeSubpath()
            elif self._has_geometry:
                path.addRect(self.bounds)
        return path

    def focus_rect(self) -> QRectF:
        """The area to bring into view (the box, else everything drawn)."""
        return QRectF(self.box) if self.box is not None else QRectF(self.bounds)

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
                if poly.containsPoint(pos, WINDING):
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


# ---- labels ---------------------------------------------------------------------------
class LabelLayerItem(QGraphicsItem):
    """Every label chip, painted in device pixels above all annotations.

    A chip sits just above its annotation's top-left corner, or just inside
    it when there is no room above on screen. Annotations without geometry
    (image-level labels) get chips stacked in the image's top-left corner.
    Chips of hovered and selected annotations are drawn last, outlined.
    Placement is cached per view transform; hover changes repaint only the
    chips concerned.
    """

    PAD_X = 5.0
    PAD_Y = 2.0
    SWATCH = 8.0
    GAP = 4.0
    _font: QFont | None = None
    _metrics: QFontMetricsF | None = None

    @classmethod
    def font(cls) -> QFont:
        if cls._font is None:
            font = QFont()
            font.setPixelSize(12)
            font.setWeight(QFont.Weight.DemiBold)
            cls._font = font
            cls._metrics = QFontMetricsF(font)
        return cls._font

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.items: list[AnnotationItem] = []
        self.origin = QPointF(0, 0)
        #: ``id()`` of the annotation items whose chips are drawn on top, outlined.
        self.emphasised: set[int] = set()
        self._generation = 0
        self._cache: tuple[Any, list] | None = None
        self.font()

    def set_items(self, items: Iterable[AnnotationItem]) -> None:
        """The annotation items whose labels to draw, bottom to top."""
        self.items = sorted(items, key=lambda it: it.zValue())
        self.refresh()

    def refresh(self) -> None:
        """Place every chip again (texts or visibility changed) and repaint."""
        self._generation += 1
        self._cache = None
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        # Chips have a fixed size on screen, whatever the zoom: always paint.
        return QRectF(-1e9, -1e9, 2e9, 2e9)

    def chip_size(self, item: AnnotationItem) -> tuple[float, float]:
        metrics = self._metrics
        if item.label_width < 0:
            item.label_width = metrics.horizontalAdvance(item.text)
        return (self.PAD_X * 2 + self.SWATCH + self.GAP + item.label_width,
                self.PAD_Y * 2 + metrics.height())

    def chip_rects(self, transform: QTransform, view: QRectF) -> list[tuple[AnnotationItem, QRectF]]:
        """Where each visible chip lands in device pixels, bottom to top."""
        key = (self._generation, transform.m11(), transform.m12(), transform.m21(), transform.m22(),
               transform.dx(), transform.dy(), view.left(), view.top(), view.width(), view.height())
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        out = []
        stack = 0
        top = view.top()
        origin = transform.map(self.origin)
        height = self.PAD_Y * 2 + self._metrics.height()
        for item in self.items:
            if not item.isVisible():
                continue
            w = self.chip_size(item)[0]
            if item.has_geometry():
                p = transform.map(item.label_anchor())
                y = p.y() - height - 1.0
                rect = QRectF(p.x() - 1.0, y if y >= top else p.y() + 1.0, w, height)
            else:
                item.chip_stack = stack
                rect = QRectF(origin.x() + 4.0, origin.y() + 4.0 + stack * (height + 2.0), w, height)
                stack += 1
            out.append((item, rect))
        out = self._declutter(out, transform, view)
        self._cache = (key, out)
        return out

    def _declutter(self, chips: list, transform: QTransform, view: QRectF) -> list:
        """Past :data:`CROWDED_LABELS` chips on screen, keep only chips that do
        not overlap one already kept, larger annotations first: a wall of
        overlapping chips reads as nothing. Hover and selection still show
        any annotation's chip; zooming in brings the others back."""
        on_screen = [(item, rect) for item, rect in chips if rect.intersects(view)]
        if len(on_screen) <= CROWDED_LABELS:
            return chips
        cell = 64.0
        grid: dict[tuple[int, int], list[QRectF]] = {}
        kept: set[int] = set()
        for item, rect in sorted(on_screen, key=lambda c: -c[0].area):
            x0, x1 = int(rect.left() // cell), int(rect.right() // cell)
            y0, y1 = int(rect.top() // cell), int(rect.bottom() // cell)
            cells = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
            if any(rect.intersects(other) for c in cells for other in grid.get(c, ())):
                continue
            for c in cells:
                grid.setdefault(c, []).append(rect)
            kept.add(id(item))
        return [(item, rect) for item, rect in chips if id(item) in kept]

    def _on_top(self, item: AnnotationItem) -> bool:
        return item.hovered or id(item) in self.emphasised

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.items:
            return
        transform = painter.worldTransform()
        view = QRectF(painter.viewport())
        chips = self.chip_rects(transform, view)
        exposed = transform.mapRect(option.exposedRect).adjusted(-2, -2, 2, 2)
        cull = exposed.intersected(view.adjusted(-4, -4, 4, 4))
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(AA, True)
        painter.setFont(self._font)
        for item, rect in chips:
            if rect.intersects(cull):
                draw_chip(painter, rect, item, False)
        painter.restore()

    def item_at(self, device_point: QPointF, transform: QTransform, view: QRectF) -> AnnotationItem | None:
        """The annotation whose chip is under a device point (the one drawn on top)."""
        chips = self.chip_rects(transform, view)
        for item, rect in chips:
            if self._on_top(item) and rect.contains(device_point):
                return item
        for item, rect in reversed(chips):
            if rect.contains(device_point):
                return item
        return None


def draw_chip(painter: QPainter, rect: QRectF, item: AnnotationItem, outlined: bool) -> None:
    """One label chip in device coordinates: dark rounded box, colour swatch, text."""
    layer = LabelLayerItem
    metrics = layer._metrics
    s = layer.SWATCH
    painter.setPen(item.style.chip_pen if outlined else NO_PEN)
    painter.setBrush(LABEL_BACKGROUND_BRUSH)
    painter.drawRoundedRect(rect, 3.0, 3.0)
    painter.setPen(SWATCH_EDGE)
    painter.setBrush(item.style.swatch_brush)
    painter.drawEllipse(QRectF(rect.left() + layer.PAD_X, rect.center().y() - s / 2, s, s))
    painter.setPen(LABEL_TEXT)
    painter.drawText(QPointF(rect.left() + layer.PAD_X + s + layer.GAP,
                             rect.top() + layer.PAD_Y + metrics.ascent()), item.text)


class LabelChipItem(QGraphicsItem):
    """The chip of a hovered or selected annotation, outlined, above every other label.

    It ignores the view's transformations, so showing, hiding or moving it
    repaints only the few pixels it covers.
    """

    def __init__(self, layer: LabelLayerItem) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.layer = layer
        self.target: AnnotationItem | None = None
        self._size = (0.0, 0.0)
        self.setVisible(False)

    def set_target(self, item: AnnotationItem | None) -> None:
        self.prepareGeometryChange()
        self.target = item
        if item is None:
            self.setVisible(False)
            return
        self._size = self.layer.chip_size(item)
        if item.has_geometry():
            self.setPos(item.label_anchor())
        else:
            self.setPos(self.layer.origin)
        self.setVisible(item.isVisible() and self.layer.isVisible())

    def _local_rect(self, above: bool) -> QRectF:
        w, h = self._size
        item = self.target
        if item is not None and not item.has_geometry():
            stack = getattr(item, "chip_stack", 0)
            return QRectF(4.0, 4.0 + stack * (h + 2.0), w, h)
        return QRectF(-1.0, -h - 1.0 if above else 1.0, w, h)

    def boundingRect(self) -> QRectF:  # noqa: N802
        above, inside = self._local_rect(True), self._local_rect(False)
        return above.united(inside).adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        item = self.target
        if item is None or not item.isVisible():
            return
        # Same rule as the layer: above the anchor unless that leaves the view.
        top = painter.worldTransform().dy()
        above = top - self._size[1] - 1.0 >= painter.viewport().top()
        painter.setRenderHint(AA, True)
        painter.setFont(LabelLayerItem.font())
        draw_chip(painter, self._local_rect(above), item, True)
