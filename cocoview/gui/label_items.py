"""Label chips: "name 0.86" on a dark rounded chip, readable at any zoom.

One :class:`LabelLayerItem` paints every chip in device pixels above all
annotations (one item for all labels keeps a scene of ten thousand
annotations cheap to build and to paint); :class:`LabelChipItem` draws the
hovered or a selected annotation's chip again on top, outlined, so that hover
changes repaint only a few pixels. Chips never cover one another: one that
would land on a chip placed before it moves beside that chip, or steps down
into its box, row by row.
Also the texts: :func:`label_text` and the hover tooltip :func:`annotation_tooltip`.
"""

from __future__ import annotations

import math
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
#: Chips near the view beyond which a chip that would cover another is left
#: out rather than moved down.
CROWDED_LABELS = 150
#: How many rows a chip may step down, into its box, to clear the chips placed before it.
MAX_STEPS = 8
#: Rows a chip may always step, even below a box shorter than that on screen.
MIN_STEPS = 3
#: How many chips in a row a chip may move right past, staying over its box...
MAX_SHIFTS = 3
#: ...and how far right it may move at most (device pixels).
MAX_SHIFT_PX = 400.0


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
    it when there is no room above within the image; near the image's right
    edge it moves left to stay within the image. Annotations without geometry
    (image-level labels) get chips stacked in the image's top-left corner.
    A chip that would cover one placed before it (image-level chips first,
    then larger annotations before smaller ones) moves right of it while it
    still starts over its box, else steps down a row at a time, into its box;
    when no place within reach is clear, it is left out (hover or selection
    still shows it). Chips of hovered and selected annotations
    are drawn again on top, outlined, where the layer placed them. Placement
    depends on the zoom alone and is cached for it: panning moves chips with
    the image, and hover changes repaint only the chips concerned.
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
        #: Chips placed at one zoom (see :meth:`_place`) and those in one view.
        self._placement: tuple[Any, list] | None = None
        self._cache: tuple[Any, list] | None = None
        #: ``id()`` of an annotation item -> ``(x, y, width)`` of its chip in the placement.
        self._placed: dict[int, tuple[float, float, float]] = {}
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

    def refresh(self) -> None:
        """Place every chip again (texts or visibility changed) and repaint."""
        self._generation += 1
        self._placement = self._cache = None
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        # Chips have a fixed size on screen, whatever the zoom: always paint.
        return QRectF(-1e9, -1e9, 2e9, 2e9)

    def chip_size(self, item: AnnotationItem) -> tuple[float, float]:
        if item.label_width < 0:
            item.label_width = self.text_width(item.text)
        return self.PAD_X * 2 + self.SWATCH + self.GAP + item.label_width, self.chip_height()

    def chip_rects(self, transform: QTransform, view: QRectF) -> list[tuple[AnnotationItem, QRectF]]:
        """Where each chip in the view lands in device pixels, bottom to top."""
        m11, m12, m21, m22 = transform.m11(), transform.m12(), transform.m21(), transform.m22()
        dx, dy = transform.dx(), transform.dy()
        key = (self._generation, m11, m12, m21, m22)
        if self._placement is None or self._placement[0] != key:
            self._placement = (key, self._place(m11, m12, m21, m22))
        shown_key = (key, dx, dy, view.left(), view.top(), view.width(), view.height())
        if self._cache is not None and self._cache[0] == shown_key:
            return self._cache[1]
        h = self.chip_height()
        left, top, right, bottom = view.left() - dx, view.top() - dy, view.right() - dx, view.bottom() - dy
        out = [(item, QRectF(x + dx, y + dy, w, h)) for item, x, y, w in self._placement[1]
               if x < right and x + w > left and y < bottom and y + h > top]
        self._cache = (shown_key, out)
        return out

    def _place(self, m11: float, m12: float, m21: float, m22: float) -> list:
        """Every chip's place at a zoom, as ``(item, x, y, width)`` in device
        pixels before the view's translation, bottom to top. Placement does not
        depend on the view, so panning never moves a chip."""
        h = self.chip_height()
        bounds = self.image_rect
        ox, oy = bounds.left(), bounds.top()
        image_top = m12 * ox + m22 * oy
        image_left = m11 * ox + m21 * oy - 1.0
        image_right = m11 * bounds.right() + m21 * oy if bounds.width() > 0 else math.inf
        sx, sy = m11 * ox + m21 * oy + 4.0, image_top + 4.0
        extra = self.PAD_X * 2 + self.SWATCH + self.GAP
        chips = []   # [index, item, x, y, width, box bottom, box right (both None: image-level)]
        stack = 0
        for item in self.items:
            if not item.isVisible() or item.previewing:
                continue  # a dragged annotation's chip is drawn by its selection chip
            if item.label_width < 0:
                item.label_width = self.text_width(item.text)
            w = extra + item.label_width
            if item.has_geometry():
                r = item.box if item.box is not None else item.bounds
                ax, ay, ab = r.left(), r.top(), r.bottom()
                y_anchor = m12 * ax + m22 * ay
                y = y_anchor - h - 1.0
                if y < image_top:
                    y = y_anchor + 1.0   # no room above inside the image: just inside the box
                # A chip that would stick out past the image's right edge moves left.
                x = max(min(m11 * ax + m21 * ay - 1.0, image_right - w), image_left)
                chips.append([len(chips), item, x, y, w, m12 * ax + m22 * ab, m11 * r.right() + m21 * ay])
            else:
                item.chip_stack = stack
                chips.append([len(chips), item, sx, sy + stack * (h + 2.0), w, None, None])
                stack += 1
        kept = self._separate(chips, h, image_right)
        self._placed = {id(c[1]): (c[2], c[3], c[4]) for c in kept}
        return [(c[1], c[2], c[3], c[4]) for c in kept]

    def _separate(self, chips: list, h: float, image_right: float) -> list:
        """Move chips so that none covers another. Image-level chips stay put;
        larger annotations keep their place; a smaller one's chip moves just
        right of the chip in its way while it still starts over its own box
        (near-duplicate detections read side by side), else steps down a row,
        into its box (at least :data:`MIN_STEPS` rows, more while the box
        reaches, at most :data:`MAX_STEPS`). A chip finding no clear place is
        left out; so is every overlapping chip past :data:`CROWDED_LABELS`
        chips, where a wall of chips would read as nothing. Hover and selection
        still show any annotation's chip; zooming in brings the others back.
        Returns the chips kept, in their original order, with ``x`` and ``y``
        updated."""
        crowded = len(chips) > CROWDED_LABELS
        grid = _ChipGrid()
        row = h + 1.0
        kept = []
        for chip in sorted(chips, key=lambda c: (c[5] is not None, -c[1].area)):
            _i, _item, x, y, w, box_bottom, box_right = chip
            if box_bottom is None:
                grid.add(x, y, w, h)
                kept.append(chip)
                continue
            if crowded:
                if grid.blocker(x, y, w, h) is None:
                    grid.add(x, y, w, h)
                    kept.append(chip)
                continue
            steps = MIN_STEPS
            while steps < MAX_STEPS and y + (steps + 1) * row < box_bottom:
                steps += 1
            last_x = min(box_right - 1.0, image_right - w, x + MAX_SHIFT_PX)
            place = self._free_place(grid, x, y, w, h, row, steps, last_x)
            if place is not None:
                chip[2], chip[3] = place
                grid.add(place[0], place[1], w, h)
                kept.append(chip)
        kept.sort(key=lambda c: c[0])
        return kept

    @staticmethod
    def _free_place(grid: "_ChipGrid", x: float, y: float, w: float, h: float, row: float,
                    steps: int, last_x: float) -> tuple[float, float] | None:
        """The first clear place for a chip: on each row from ``y`` down (``steps``
        rows at most), at ``x`` or just right of what is in the way, no further
        right than ``last_x``."""
        for k in range(steps + 1):
            yk = y + k * row
            xk = x
            for _shift in range(MAX_SHIFTS + 1):
                edge = grid.blocker(xk, yk, w, h)
                if edge is None:
                    return xk, yk
                xk = edge + 2.0
                if xk > last_x:
                    break
        return None

    def placed_rect(self, item: AnnotationItem, transform: QTransform) -> QRectF | None:
        """Where the placement at ``transform``'s zoom put ``item``'s chip (device
        pixels); None if it was left out or the chips are not placed at that zoom."""
        key = (self._generation, transform.m11(), transform.m12(), transform.m21(), transform.m22())
        if self._placement is None or self._placement[0] != key:
            return None
        placed = self._placed.get(id(item))
        if placed is None:
            return None
        x, y, w = placed
        return QRectF(x + transform.dx(), y + transform.dy(), w, self.chip_height())

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


class _ChipGrid:
    """Chip rectangles bucketed by screen cell, to find overlaps quickly."""

    CELL = 64.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def _cells(self, x: float, y: float, w: float, h: float) -> list[tuple[int, int]]:
        cell = self.CELL
        x0, x1 = int(x // cell), int((x + w) // cell)
        y0, y1 = int(y // cell), int((y + h) // cell)
        return [(cx, cy) for cx in range(x0, x1 + 1) for cy in range(y0, y1 + 1)]

    def blocker(self, x: float, y: float, w: float, h: float) -> float | None:
        """The right edge of the rightmost chip added that the rectangle
        overlaps, None when it is clear. Chips that only touch (a shared edge,
        an anti-aliased fringe of half a pixel) do not count."""
        left, top, right, bottom = x + 0.5, y + 0.5, x + w - 0.5, y + h - 0.5
        cells = self.cells
        edge = None
        for c in self._cells(x, y, w, h):
            for ol, ot, o_r, ob in cells.get(c, ()):
                if left < o_r and ol < right and top < ob and ot < bottom and (edge is None or o_r > edge):
                    edge = o_r
        return edge

    def add(self, x: float, y: float, w: float, h: float) -> None:
        rect = (x, y, x + w, y + h)
        for c in self._cells(x, y, w, h):
            self.cells.setdefault(c, []).append(rect)


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

    It sits where the layer placed that annotation's chip, moved down or not;
    a chip the layer left out shows in its usual place. It ignores the
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

    def _local_rect(self, above: bool) -> QRectF:
        """The chip's usual place, relative to the anchor: above it, else just inside."""
        w, h = self._size
        item = self.target
        if item is not None and not item.has_geometry():
            stack = getattr(item, "chip_stack", 0)
            return QRectF(4.0, 4.0 + stack * (h + 2.0), w, h)
        return QRectF(-1.0, -h - 1.0 if above else 1.0, w, h)

    def boundingRect(self) -> QRectF:  # noqa: N802
        # Everywhere the layer may place the chip: above or inside, stepped down,
        # moved right past other chips or left to stay within the image.
        w, h = self._size
        above, inside = self._local_rect(True), self._local_rect(False)
        lowest = inside.translated(0.0, MAX_STEPS * (h + 1.0))
        reach = above.united(lowest)
        if self.target is not None and self.target.has_geometry():
            reach.setLeft(reach.left() - w)
            reach.setRight(reach.right() + MAX_SHIFT_PX)
        return reach.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        item = self.target
        if item is None or not item.isVisible():
            return
        rect = None
        if not item.previewing and self.layer.painted_with is not None:
            # The layer, below, has just placed and painted the chips of this paint.
            placed = self.layer.placed_rect(item, self.layer.painted_with)
            if placed is not None:
                at = painter.worldTransform()
                rect = placed.translated(-at.dx(), -at.dy())
        if rect is None:
            rect = self._local_rect(True)  # left out, or dragged: above the anchor
        painter.setRenderHint(AA, True)
        painter.setFont(LabelLayerItem.font())
        draw_chip(painter, rect, item, True)
