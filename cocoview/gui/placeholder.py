"""What the scene shows where an image's pixels are missing: a checker and a note."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsSimpleTextItem

from cocoview.gui.label_items import LabelLayerItem


def cosmetic_pen(color: QColor, width: float) -> QPen:
    """A pen of constant on-screen width."""
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    return pen


def placeholder_item(w: int, h: int, z: float) -> QGraphicsRectItem:
    """A neutral checker of the image's recorded size, with a dashed border."""
    tile = QPixmap(2, 2)
    tile.fill(QColor(52, 54, 58))
    painter = QPainter(tile)
    painter.fillRect(0, 0, 1, 1, QColor(60, 62, 67))
    painter.fillRect(1, 1, 1, 1, QColor(60, 62, 67))
    painter.end()
    brush = QBrush(tile)
    square = max(4.0, min(w, h) / 24.0)
    brush.setTransform(QTransform.fromScale(square, square))
    item = QGraphicsRectItem(0, 0, w, h)
    item.setBrush(brush)
    pen = cosmetic_pen(QColor(110, 112, 118), 1.0)
    pen.setStyle(Qt.PenStyle.DashLine)
    item.setPen(pen)
    item.setZValue(z)
    return item


def note_chip(text: str, centre: QPointF, z: float) -> QGraphicsPathItem:
    """A dark rounded chip with ``text``, centred on ``centre``, readable at any zoom."""
    chip = QGraphicsPathItem()
    chip.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
    chip.setZValue(z)
    chip.setPos(centre)
    label = QGraphicsSimpleTextItem(text, chip)
    font = QFont(LabelLayerItem.font())
    font.setPixelSize(13)
    label.setFont(font)
    label.setBrush(QBrush(QColor(235, 236, 240)))
    rect = label.boundingRect()
    pad = 10.0
    box = QRectF(-rect.width() / 2 - pad, -rect.height() / 2 - pad,
                 rect.width() + 2 * pad, rect.height() + 2 * pad)
    label.setPos(box.left() + pad, box.top() + pad)
    path = QPainterPath()
    path.addRoundedRect(box, 6.0, 6.0)
    chip.setPath(path)
    chip.setBrush(QBrush(QColor(20, 22, 26, 225)))
    chip.setPen(QPen(Qt.PenStyle.NoPen))
    chip.text_item = label
    return chip
