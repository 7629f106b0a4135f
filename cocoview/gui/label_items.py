"""Label chips: "name 0.86" on a dark rounded chip, readable at any zoom.

One :class:`LabelLayerItem` paints every chip in device pixels above all
annotations (one item for all labels keeps a scene of ten thousand
annotations cheap to build and to paint); :class:`LabelChipItem` draws the
hovered or a selected annotation's chip again on top, outlined, so that hover
changes repaint only a few pixels. Where chips go, so that none covers
another, is :mod:`cocoview.gui.label_placement`'s work. Also the texts:
:func:`label_text` and the hover tooltip :func:`annotation_tooltip`.
"""

from __future__ import annotations

from typing import Any, Iterable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem

from cocoview.gui.annotation_items import AA, DARK_EDGE, NO_PEN, AnnotationItem
from cocoview.gui.label_placement import Chip, Zoom, chip_reach, crowded, home, separate, stacked
from cocoview.model.annotation import Annotation

LABEL_BACKGROUND = QColor(18, 20, 24, 205)
LABEL_BACKGROUND_BRUSH = QBrush(LABEL_BACKGROUND)
LABEL_TEXT = QColor(245, 246, 248)
SWATCH_EDGE = QPen(DARK_EDGE, 1.0)


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

    Chips are placed by :mod:`cocoview.gui.label_placement` once per zoom
    (and view size) over the whole image, so that none covers another;
    annotations without geometry (image-level labels) get chips stacked in
    the image's top-left corner. Panning only moves chips with the image.
    Chips of hovered and selected annotations are drawn again on top,
    outlined, where the layer placed them (a dragged annotation keeps its
    place, so other chips do not jump while it moves); hover changes repaint
    only the chips concerned.
    """

    PAD_X = 5.0
    PAD_Y = 2.0
    SWATCH = 8.0
    GAP = 4.0
    _font: QFont | None = None
    _metrics: QFontMetricsF | None = None
    #: Width in pixels of each word measured so far (label texts share most words).
    _word_widths: dict[str, float] = {}

    @classmethod
    def font(cls) -> QFont:
        if cls._font is None:
            font = QFont()
            font.setPixelSize(12)
            font.setWeight(QFont.Weight.DemiBold)
            cls._font = font
            cls._metrics = QFontMetricsF(font)
        return cls._font

    @classmethod
    def chip_height(cls) -> float:
        cls.font()
        return cls.PAD_Y * 2 + cls._metrics.height()

    @classmethod
    def text_width(cls, text: str) -> float:
        """The advance of ``text``, summed from its words (measured once each)."""
        cls.font()
        widths = cls._word_widths
        if len(widths) > 20000:
            widths.clear()
        metrics = cls._metrics
        total = 0.0
        words = text.split(" ")
        for word in words:
            w = widths.get(word)
            if w is None:
                w = widths[word] = metrics.horizontalAdvance(word)
            total += w
        space = widths.get(" ")
        if space is None:
            space = widths[" "] = metrics.horizontalAdvance(" ")
        return total + space * (len(words) - 1)

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.items: list[AnnotationItem] = []
        #: The image's rectangle (scene units): chips stay within its top and right edges.
        self.image_rect = QRectF()
        #: ``id()`` of the annotation items whose chips are drawn on top, outlined.
        self.emphasised: set[int] = set()
        self._generation = 0
        #: Chips placed at one zoom and view size: ``(key, {id(item): (item, x, y, width)})``,
        #: bottom to top; and the chips in one view.
        self._placement: tuple[Any, dict] | None = None
        self._cache: tuple[Any, list] | None = None
        #: The device transform of the last paint (chip items draw their chip where it put it).
        self.painted_with: QTransform | None = None
        self.font()

    @property
    def origin(self) -> QPointF:
        return self.image_rect.topLeft()

    def set_items(self, items: Iterable[AnnotationItem]) -> None:
        """The annotation items whose labels to draw, bottom to top."""
        self.items = sorted(items, key=lambda it: it.zValue())
        self.refresh()

    def set_image_rect(self, rect: QRectF) -> None:
        if rect != self.image_rect:
            self.image_rect = QRectF(rect)
            self.refresh()

    def refresh(self) -> None:
        """Place every chip again (texts or visibility changed) and repaint."""
        self._generation += 1
        self._placement = self._cache = None
        self.update()

    def refresh_shown(self) -> None:
        """Repaint after a drag started or ended (chips keep their places)."""
        self._cache = None
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        # Chips have a fixed size on screen, whatever the zoom: always paint.
        return QRectF(-1e9, -1e9, 2e9, 2e9)

    def chip_size(self, item: AnnotationItem) -> tuple[float, float]:
        if item.label_width < 0:
            item.label_width = self.text_width(item.text)
        return self.PAD_X * 2 + self.SWATCH + self.GAP + item.label_width, self.chip_height()

    def _zoom(self, transform: QTransform) -> Zoom:
        r = self.image_rect
        return Zoom(transform.m11(), transform.m12(), transform.m21(), transform.m22(),
                    r.left(), r.top(), r.right(), r.bottom())

    def chip_rects(self, transform: QTransform, view: QRectF) -> list[tuple[AnnotationItem, QRectF]]:
        """Where each chip in the view lands in device pixels, bottom to top."""
        dx, dy = transform.dx(), transform.dy()
        key = (self._generation, transform.m11(), transform.m12(), transform.m21(), transform.m22(),
               view.width(), view.height())
        if self._placement is None or self._placement[0] != key:
            self._placement = (key, self._place(self._zoom(transform), view.width() * view.height()))
        shown_key = (key, dx, dy, view.left(), view.top())
        if self._cache is not None and self._cache[0] == shown_key:
            return self._cache[1]
        h = self.chip_height()
        left, top, right, bottom = view.left() - dx, view.top() - dy, view.right() - dx, view.bottom() - dy
        # A dragged annotation keeps its place; its selection chip follows the drag.
        out = [(item, QRectF(x + dx, y + dy, w, h)) for item, x, y, w in self._placement[1].values()
               if x < right and x + w > left and y < bottom and y + h > top and not item.previewing]
        self._cache = (shown_key, out)
        return out

    def _place(self, zoom: Zoom, view_area: float) -> dict:
        """Every chip's place (see :mod:`cocoview.gui.label_placement`), as
        ``{id(item): (item, x, y, width)}`` in device pixels before the view's
        translation, bottom to top."""
        h = self.chip_height()
        chips = []
        stack = 0
        for item in self.items:
            if not item.isVisible():
                continue
            w = self.chip_size(item)[0]
            if item.has_geometry():
                r = item.box if item.box is not None else item.bounds
                box = (r.left(), r.top(), r.right(), r.bottom())
                x, y = home(box, w, h, zoom)
                device_box = (zoom.x(box[0], box[1]), zoom.y(box[0], box[1]),
                              zoom.x(box[2], box[1]), zoom.y(box[0], box[3]))
                chips.append(Chip(item, x, y, w, item.area, device_box))
            else:
                item.chip_stack = stack
                sx, sy = stacked(stack, h)
                chips.append(Chip(item, zoom.image_left + sx, zoom.image_top + sy, w, 0.0, None))
                stack += 1
        kept = separate(chips, h, zoom, crowded(len(chips), zoom, view_area))
        return {id(c.item): (c.item, c.x, c.y, c.w) for c in kept}

    def placed_rect(self, item: AnnotationItem, transform: QTransform) -> QRectF | None:
        """Where the last placement put ``item``'s chip (device pixels), if it was
        made at ``transform``'s zoom; None if the chip was left out."""
        if self._placement is None or self._placement[0][:5] != (
                self._generation, transform.m11(), transform.m12(), transform.m21(), transform.m22()):
            return None
        placed = self._placement[1].get(id(item))
        if placed is None:
            return None
        _item, x, y, w = placed
        return QRectF(x + transform.dx(), y + transform.dy(), w, self.chip_height())

    def usual_rect(self, item: AnnotationItem, transform: QTransform) -> QRectF:
        """Where ``item``'s chip goes before making room for others (device
        pixels), at the box shown (a dragged box too)."""
        w, h = self.chip_size(item)
        if not item.has_geometry():
            origin = transform.map(self.origin)
            sx, sy = stacked(getattr(item, "chip_stack", 0), h)
            return QRectF(origin.x() + sx, origin.y() + sy, w, h)
        r = item.focus_rect()
        x, y = home((r.left(), r.top(), r.right(), r.bottom()), w, h, self._zoom(transform))
        return QRectF(x + transform.dx(), y + transform.dy(), w, h)

    def _on_top(self, item: AnnotationItem) -> bool:
        return item.hovered or id(item) in self.emphasised

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.items:
            return
        transform = painter.worldTransform()
        self.painted_with = transform
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

    It sits where the layer placed that annotation's chip; a chip the layer
    left out, or the chip of a box being dragged, shows in its usual place. It ignores the
    view's transformations, so showing, hiding or moving it repaints only the
    few pixels it may cover.
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

    def boundingRect(self) -> QRectF:  # noqa: N802
        # Everywhere the layer may place the chip: above the anchor or inside
        # the box, stepped down, moved right past other chips or left to stay
        # within the image.
        w, h = self._size
        item = self.target
        if item is not None and not item.has_geometry():
            sx, sy = stacked(getattr(item, "chip_stack", 0), h)
            return QRectF(sx, sy, w, h).adjusted(-2, -2, 2, 2)
        left, top, right, bottom = chip_reach(w, h)
        return QRectF(left, top, right - left, bottom - top).adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        item = self.target
        layer = self.layer
        transform = layer.painted_with
        if item is None or not item.isVisible() or transform is None:
            return
        # The layer, below, has just placed and painted the chips of this paint.
        rect = None if item.previewing else layer.placed_rect(item, transform)
        if rect is None:
            rect = layer.usual_rect(item, transform)   # left out, or dragged
        at = painter.worldTransform()
        painter.setRenderHint(AA, True)
        painter.setFont(LabelLayerItem.font())
        draw_chip(painter, rect.translated(-at.dx(), -at.dy()), item, True)
