"""What the user grabs to edit a box, and the arithmetic of a drag.

:class:`BoxHandlesItem` draws eight handles (corners and edge midpoints) on
the box of the one selected annotation, always the same size on screen, and
tells which handle (or ``"move"``, inside the box) lies under a point.
:class:`BandItem` is the rubber band of a rectangle selection, :class:`MarksItem`
outlines what it would select, and :class:`InfoChipItem` is the small dark
chip that shows numbers during a drag.

The functions compute what a drag does to the numbers of an annotation:
deltas snapped to a step that suits the zoom (whole pixels when zoomed out,
hundredths when far in), added in decimal so that ``224.24`` moved by ``3``
gives ``227.24`` and not ``227.24000000000001``; boxes kept inside the image
and at least one pixel wide; polygons and keypoints shifted point by point.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem

from cocoview.gui.annotation_items import AA, DrawState
from cocoview.gui.label_items import LabelLayerItem

#: Handle side in device pixels, and how far beyond it a press still grabs it.
HANDLE_SIZE = 10.0
HANDLE_REACH = 4.0
MIN_SIZE = Decimal(1)

#: The edges each handle moves.
ROLE_EDGES: dict[str, tuple[str, ...]] = {
    "top_left": ("top", "left"), "top_right": ("top", "right"),
    "bottom_right": ("bottom", "right"), "bottom_left": ("bottom", "left"),
    "top": ("top",), "right": ("right",), "bottom": ("bottom",), "left": ("left",),
}
CORNERS = ("top_left", "top_right", "bottom_right", "bottom_left")
EDGES = ("top", "right", "bottom", "left")

_C = Qt.CursorShape
CURSORS: dict[str, Qt.CursorShape] = {
    "top_left": _C.SizeFDiagCursor, "bottom_right": _C.SizeFDiagCursor,
    "top_right": _C.SizeBDiagCursor, "bottom_left": _C.SizeBDiagCursor,
    "top": _C.SizeVerCursor, "bottom": _C.SizeVerCursor,
    "left": _C.SizeHorCursor, "right": _C.SizeHorCursor,
    "move": _C.SizeAllCursor,
}

HANDLE_FILL = QColor(255, 255, 255)
HANDLE_EDGE = QColor(18, 20, 24)
HANDLE_SHADOW = QColor(0, 0, 0, 90)
BAND_FILL = QColor(70, 150, 255, 56)
BAND_EDGE = QColor(160, 210, 255)
BAND_SHADOW = QColor(0, 0, 0, 130)
CHIP_FILL = QColor(18, 20, 24, 225)
CHIP_TEXT = QColor(245, 246, 248)


# ---- numbers ------------------------------------------------------------------------
def snap_step(zoom: float) -> Decimal:
    """The step drags move in: the power of ten just under one screen pixel,
    between 0.01 and 1 image pixel."""
    if not zoom > 0 or not math.isfinite(zoom):
        return Decimal(1)
    exponent = math.floor(math.log10(1.0 / zoom))
    return Decimal(1).scaleb(min(0, max(-2, exponent)))


def snap(delta: float, step: Decimal) -> Decimal:
    """``delta`` rounded to a multiple of ``step``."""
    if not math.isfinite(delta):
        return Decimal(0)
    return (Decimal(repr(float(delta))) / step).to_integral_value(ROUND_HALF_EVEN) * step


def _decimal(v: Any) -> Decimal | None:
    if type(v) is int:
        return Decimal(v)
    if type(v) is float and math.isfinite(v):
        return Decimal(repr(v))
    return None


def _number(value: Decimal, like: Any) -> int | float:
    """``value`` as an int when ``like`` was an int and it is whole, else a float."""
    if type(like) is int and value == value.to_integral_value():
        return int(value)
    return float(value)


def shifted(v: Any, delta: Decimal) -> Any:
    """A coordinate moved by ``delta`` (anything that is not a finite number stays)."""
    d = _decimal(v)
    if d is None or not delta:
        return v
    return _number(d + delta, v)


def box_edges(bbox: Any) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """``(left, top, right, bottom)`` of a usable COCO bbox, exactly; else None."""
    if type(bbox) is not list or len(bbox) != 4:
        return None
    values = [_decimal(v) for v in bbox]
    if any(v is None for v in values) or values[2] < 0 or values[3] < 0:
        return None
    x, y, w, h = values
    return x, y, x + w, y + h


def clamp_shift(bbox: list, dx: Decimal, dy: Decimal, width: float, height: float) -> tuple[Decimal, Decimal]:
    """The part of a move that keeps the box inside the image (a box already
    outside may stay where it is, never go further out)."""
    left, top, right, bottom = box_edges(bbox)
    w, h = Decimal(repr(float(width))), Decimal(repr(float(height)))
    dx = min(max(dx, min(Decimal(0), -left)), max(Decimal(0), w - right))
    dy = min(max(dy, min(Decimal(0), -top)), max(Decimal(0), h - bottom))
    return dx, dy


def moved_bbox(bbox: list, dx: Decimal, dy: Decimal) -> list:
    x, y, w, h = bbox
    return [shifted(x, dx), shifted(y, dy), w, h]


def resized_bbox(bbox: list, role: str, dx: Decimal, dy: Decimal, width: float, height: float) -> list:
    """The box with the edges of ``role`` moved, kept in the image and at least
    :data:`MIN_SIZE` wide and high. Untouched numbers keep their values."""
    left, top, right, bottom = box_edges(bbox)
    w, h = Decimal(repr(float(width))), Decimal(repr(float(height)))
    edges = ROLE_EDGES[role]

    def inside(v: Decimal, limit: Decimal) -> Decimal:
        return min(max(v, Decimal(0)), limit)

    if "left" in edges:
        left = min(inside(left + dx, w), right - MIN_SIZE)
    if "right" in edges:
        right = max(inside(right + dx, w), left + MIN_SIZE)
    if "top" in edges:
        top = min(inside(top + dy, h), bottom - MIN_SIZE)
    if "bottom" in edges:
        bottom = max(inside(bottom + dy, h), top + MIN_SIZE)
    x, y, bw, bh = bbox
    return [_number(left, x), _number(top, y), _number(right - left, bw), _number(bottom - top, bh)]


def shifted_polygons(segmentation: list, dx: Decimal, dy: Decimal) -> list:
    """Every polygon part moved (x at even positions, y at odd ones)."""
    out = []
    for part in segmentation:
        if type(part) is list:
            out.append([shifted(v, dx if i % 2 == 0 else dy) for i, v in enumerate(part)])
        else:
            out.append(part)
    return out


def shifted_keypoints(keypoints: list, dx: Decimal, dy: Decimal) -> list:
    """Labelled keypoints (v > 0) moved; unlabelled ones stay as written."""
    out = list(keypoints)
    for i in range(0, len(keypoints) - 2, 3):
        v = keypoints[i + 2]
        if (type(v) is int or type(v) is float) and v > 0:
            out[i] = shifted(keypoints[i], dx)
            out[i + 1] = shifted(keypoints[i + 1], dy)
    return out


def format_box(bbox: list) -> str:
    def n(v: Any) -> str:
        try:
            return f"{float(v):.2f}".rstrip("0").rstrip(".")
        except (TypeError, ValueError, InvalidOperation):
            return str(v)
    x, y, w, h = bbox
    return f"x {n(x)}  y {n(y)}  ·  {n(w)} × {n(h)}"


# ---- items ---------------------------------------------------------------------------
def _device_rect(painter: QPainter, rect: QRectF) -> QRectF:
    return painter.worldTransform().mapRect(rect)


class BoxHandlesItem(QGraphicsItem):
    """Eight handles on a box, of constant size on screen.

    Edge handles are left out when the box is too small on screen for them;
    ``active`` (the handle hovered or dragged) is filled with the colour.
    """

    def __init__(self, state: DrawState) -> None:
        super().__init__()
        self.state = state
        self.box: QRectF | None = None
        self.color = QColor(HANDLE_FILL)
        self.active: str | None = None
        self.setVisible(False)

    def set_box(self, box: QRectF | None, color: QColor | None = None) -> None:
        self.prepareGeometryChange()
        self.box = QRectF(box) if box is not None else None
        if color is not None:
            self.color = QColor(color)
        self.setVisible(box is not None)
        self.update()

    def set_active(self, role: str | None) -> None:
        if role != self.active:
            self.active = role
            self.update()

    def handle_points(self) -> dict[str, QPointF]:
        """Where each handle sits on the box, in scene coordinates."""
        b = self.box
        if b is None:
            return {}
        c = b.center()
        return {"top_left": b.topLeft(), "top": QPointF(c.x(), b.top()), "top_right": b.topRight(),
                "right": QPointF(b.right(), c.y()), "bottom_right": b.bottomRight(),
                "bottom": QPointF(c.x(), b.bottom()), "bottom_left": b.bottomLeft(),
                "left": QPointF(b.left(), c.y())}

    def shown_roles(self, transform: QTransform) -> list[str]:
        """The handles drawn at this view transform: corners, then edges with room."""
        if self.box is None:
            return []
        screen = transform.mapRect(self.box)
        roles = list(CORNERS)
        if screen.width() >= 3 * HANDLE_SIZE:
            roles += ["top", "bottom"]
        if screen.height() >= 3 * HANDLE_SIZE:
            roles += ["left", "right"]
        return roles

    def role_at(self, scene_pos: QPointF, transform: QTransform) -> str | None:
        """The handle under a point (device distance), ``"move"`` inside the box, else None."""
        if self.box is None or not self.isVisible():
            return None
        device = transform.map(scene_pos)
        points = self.handle_points()
        reach = HANDLE_SIZE / 2 + HANDLE_REACH
        best, best_distance = None, None
        for role in self.shown_roles(transform):
            p = transform.map(points[role])
            dx, dy = abs(p.x() - device.x()), abs(p.y() - device.y())
            if dx <= reach and dy <= reach and (best is None or max(dx, dy) < best_distance):
                best, best_distance = role, max(dx, dy)
        if best is not None:
            return best
        if transform.mapRect(self.box).adjusted(-1, -1, 1, 1).contains(device):
            return "move"
        return None

    def boundingRect(self) -> QRectF:  # noqa: N802
        if self.box is None:
            return QRectF()
        m = (HANDLE_SIZE + HANDLE_REACH + 2) * self.state.pixel_size
        return self.box.adjusted(-m, -m, m, m)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.box is None:
            return
        transform = painter.worldTransform()
        points = self.handle_points()
        roles = self.shown_roles(transform)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(AA, True)
        half = HANDLE_SIZE / 2
        for role in roles:
            p = transform.map(points[role])
            # Whole device pixels keep the edges crisp.
            centre = QPointF(round(p.x()) + 0.5, round(p.y()) + 0.5)
            rect = QRectF(centre.x() - half, centre.y() - half, HANDLE_SIZE, HANDLE_SIZE)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(HANDLE_SHADOW)
            painter.drawRoundedRect(rect.translated(0.5, 1.0).adjusted(-1, -1, 1, 1), 2.5, 2.5)
            painter.setPen(QPen(HANDLE_EDGE, 1.0))
            painter.setBrush(self.color if role == self.active else HANDLE_FILL)
            painter.drawRoundedRect(rect, 2.0, 2.0)
            if role != self.active:
                inner = rect.adjusted(2.5, 2.5, -2.5, -2.5)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(self.color)
                painter.drawRoundedRect(inner, 1.0, 1.0)
        painter.restore()


class BandItem(QGraphicsItem):
    """The rubber band of a rectangle selection: a light fill and a crisp edge."""

    def __init__(self, state: DrawState) -> None:
        super().__init__()
        self.state = state
        self.rect = QRectF()
        self.setVisible(False)

    def set_rect(self, rect: QRectF | None) -> None:
        self.prepareGeometryChange()
        self.rect = QRectF(rect).normalized() if rect is not None else QRectF()
        self.setVisible(rect is not None)

    def boundingRect(self) -> QRectF:  # noqa: N802
        m = 3 * self.state.pixel_size
        return self.rect.adjusted(-m, -m, m, m)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        device = _device_rect(painter, self.rect)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(AA, False)
        r = QRectF(round(device.left()) + 0.5, round(device.top()) + 0.5,
                   round(device.width()), round(device.height()))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BAND_FILL)
        painter.drawRect(r)
        # A light edge between two dark ones reads on bright and dark images alike.
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(BAND_SHADOW, 1.0))
        painter.drawRect(r.adjusted(-1, -1, 1, 1))
        painter.drawRect(r.adjusted(1, 1, -1, -1))
        painter.setPen(QPen(BAND_EDGE, 1.0))
        painter.drawRect(r)
        painter.restore()


class MarksItem(QGraphicsItem):
    """Thin halos around the annotations a rubber band would select."""

    def __init__(self, state: DrawState) -> None:
        super().__init__()
        self.state = state
        self.paths: list[tuple[QPainterPath, QColor]] = []
        self._bounds = QRectF()

    def set_paths(self, paths: list[tuple[QPainterPath, QColor]]) -> None:
        self.prepareGeometryChange()
        self.paths = list(paths)
        bounds = QRectF()
        for path, _color in self.paths:
            bounds = bounds.united(path.boundingRect())
        self._bounds = bounds

    def boundingRect(self) -> QRectF:  # noqa: N802
        if not self.paths:
            return QRectF()
        m = 4 * self.state.pixel_size
        return self._bounds.adjusted(-m, -m, m, m)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(AA, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for color, width in ((HANDLE_SHADOW, 5.0), (QColor(255, 255, 255, 230), 3.0), (None, 1.5)):
            for path, own in self.paths:
                pen = QPen(own if color is None else color, width)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.drawPath(path)


class InfoChipItem(QGraphicsItem):
    """A one-line dark chip of constant size on screen, hung below a scene point."""

    PAD_X = 7.0
    PAD_Y = 3.0
    OFFSET = 10.0

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.text = ""
        self._size = (0.0, 0.0)
        self.setVisible(False)

    def set_text(self, text: str, anchor: QPointF | None) -> None:
        self.prepareGeometryChange()
        self.text = text
        if not text or anchor is None:
            self.setVisible(False)
            return
        LabelLayerItem.font()
        metrics = LabelLayerItem._metrics
        self._size = (metrics.horizontalAdvance(text) + 2 * self.PAD_X, metrics.height() + 2 * self.PAD_Y)
        self.setPos(anchor)
        self.setVisible(True)

    def chip_rect(self) -> QRectF:
        w, h = self._size
        return QRectF(0.0, self.OFFSET, w, h)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self.chip_rect().adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.text:
            return
        rect = self.chip_rect()
        painter.setRenderHint(AA, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(CHIP_FILL))
        painter.drawRoundedRect(rect, 4.0, 4.0)
        painter.setFont(LabelLayerItem.font())
        painter.setPen(CHIP_TEXT)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)
