"""Label chips: "name 0.86" on a dark rounded chip, readable at any zoom.

One :class:`LabelLayerItem` paints every chip in device pixels above all
annotations (one item for all labels keeps a scene of ten thousand
annotations cheap to build and to paint); :class:`LabelChipItem` draws the
hovered or a selected annotation's chip again on top, outlined, so that hover
changes repaint only a few pixels. Also the texts: :func:`label_text` and
the hover tooltip :func:`annotation_tooltip`.
"""

from __future__ import annotations

from typing import Any, Iterable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem

from cocoview.gui.annotation_items import AA, DARK_EDGE, NO_PEN, AnnotationItem
from cocoview.model.annotation import Annotation

LABEL_BACKGROUND = QColor(18, 20, 24, 205)
LABEL_BACKGROUND_BRUSH = QBrush(LABEL_BACKGROUND)
LABEL_TEXT = QColor(245, 246, 248)
SWATCH_EDGE = QPen(DARK_EDGE, 1.0)
#: Labels on screen beyond which only chips that do not overlap are kept.
CROWDED_LABELS = 150


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


def annotation_tooltip(ds: Any, ann: Annotation, hint: str = "") -> str:
    """What hovering an annotation tells: category, id, score, area, bbox (rich text),
    then ``hint`` (what the mouse can do here) in grey."""
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
    if hint:
        hint_lines = "<br>".join(_escape(line) for line in hint.split("\n"))
        lines.append(f"<span style='color:gray'>{hint_lines}</span>")
    return "<br>".join(lines)


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
            if not item.isVisible() or item.previewing:
                continue  # a dragged annotation's chip is drawn by its selection chip
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
