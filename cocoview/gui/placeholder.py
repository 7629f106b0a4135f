"""The image under the annotations: its pixels, or where they are missing a checker and a note."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (
    QGraphicsItem, QGraphicsPathItem, QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsSimpleTextItem,
)

from cocoview.gui.annotation_items import sharp_pixels
from cocoview.gui.label_items import LabelLayerItem


def cosmetic_pen(color: QColor, width: float) -> QPen:
    """A pen of constant on-screen width."""
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    return pen


class ImageItem(QGraphicsPixmapItem):
    """The image's pixels: smoothed when shrunk or slightly enlarged, sharp
    squares once :func:`sharp_pixels` says so (pixel edges show as they are)."""

    def paint(self, painter: QPainter, option, widget=None) -> None:
        sharp = sharp_pixels(painter)
        mode = Qt.TransformationMode.FastTransformation if sharp else Qt.TransformationMode.SmoothTransformation
        if self.transformationMode() != mode:
            self.setTransformationMode(mode)
        super().paint(painter, option, widget)


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


#: Widest a note's line may be on screen; longer lines (paths) are shortened in the middle.
NOTE_WIDTH = 520.0


def note_chip(text: str, centre: QPointF, z: float) -> QGraphicsPathItem:
    """A dark rounded chip with ``text``, centred on ``centre``, readable at any
    zoom. Each line is centred; a line too long for the screen (a long path)
    keeps its start and end around an ellipsis, and the whole text is the
    chip's tooltip and its ``note`` attribute."""
    chip = QGraphicsPathItem()
    chip.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
    chip.setZValue(z)
    chip.setPos(centre)
    font = QFont(LabelLayerItem.font())
    font.setPixelSize(13)
    metrics = QFontMetricsF(font)
    lines = [metrics.elidedText(line, Qt.TextElideMode.ElideMiddle, NOTE_WIDTH) for line in text.split("\n")]
    widths = [metrics.horizontalAdvance(line) for line in lines]
    step = metrics.lineSpacing()
    pad = 10.0
    width, height = max(widths, default=0.0), step * len(lines)
    box = QRectF(-width / 2 - pad, -height / 2 - pad, width + 2 * pad, height + 2 * pad)
    for i, (line, w) in enumerate(zip(lines, widths)):
        label = QGraphicsSimpleTextItem(line, chip)
        label.setFont(font)
        label.setBrush(QBrush(QColor(235, 236, 240)))
        label.setPos(-w / 2, box.top() + pad + i * step)
    path = QPainterPath()
    path.addRoundedRect(box, 6.0, 6.0)
    chip.setPath(path)
    chip.setBrush(QBrush(QColor(20, 22, 26, 225)))
    chip.setPen(QPen(Qt.PenStyle.NoPen))
    chip.setToolTip(text)
    chip.note = text
    return chip
