"""The image canvas: zoom, pan, hover and selection over an AnnotationScene.

Wheel zooms about the cursor; a plain drag pans (from anywhere but the
selected box and its handles; the middle button always pans); hovering an
annotation highlights it and explains it in a tooltip; clicking selects it
(Ctrl+click adds or removes, Shift+click adds); Tab and Shift+Tab step
through the visible annotations. Editing (rubber band, moving and resizing
boxes, keys, context menu) lives in :class:`~cocoview.gui.canvas_editing.CanvasEditing`,
reachable as :attr:`CanvasView.editing`. A new image is fitted to the
window; the same image shown again keeps the zoom the user chose.
"""

from __future__ import annotations

from typing import Any, Iterable

from PySide6.QtCore import Property, QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor, QContextMenuEvent, QFocusEvent, QFont, QImage, QKeyEvent, QMouseEvent, QPainter, QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QToolTip, QWidget

from cocoview.gui.canvas_editing import CanvasEditing
from cocoview.gui.label_items import annotation_tooltip
from cocoview.gui.scene import AnnotationScene
from cocoview.model.annotation import Annotation
from cocoview.model.view_state import ViewState

MIN_ZOOM = 0.005
MAX_ZOOM = 64.0
FIT_MARGIN = 12
WHEEL_STEP = 1.0015  # zoom factor per eighth of a degree: one notch is about 1.2x
CLICK_SLOP = 4
BACKGROUND = QColor(36, 38, 42)


class CanvasView(QGraphicsView):
    """Shows one image with its annotations; the user zooms, pans and selects.

    Signals: ``annotation_selected(object)`` with the first selected
    Annotation or None (again after a command changed it);
    ``zoom_changed(float)`` with the new zoom (1.0 = 1:1). Editing signals
    and actions are on :attr:`editing`.
    """

    annotation_selected = Signal(object)
    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = AnnotationScene(self)
        self.setScene(self._scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform
                            | QPainter.RenderHint.TextAntialiasing)
        # Zooming keeps the point under the cursor in place (see _apply_zoom).
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(BACKGROUND)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Files dragged onto the canvas go to the window, which opens them.
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self._fitted = True
        self._last_zoom = 1.0
        self._pan_from: QPointF | None = None
        self._press_pos: QPointF | None = None
        self._panned = False
        self._scene.selection_changed.connect(self._on_selection_changed)
        self._scene.selection_edited.connect(self._on_selection_changed)
        self._scene.changed.connect(self._on_scene_changed)
        #: Selection gestures, box drags, keys and the context menu: commands on the history.
        self.editing = CanvasEditing(self)

    # ---- showing images -----------------------------------------------------------
    @property
    def annotation_scene(self) -> AnnotationScene:
        return self._scene

    def show_image(self, ds: Any, image: dict, qimage: QImage | None,
                   view_state: ViewState | None = None, note: str | None = None) -> None:
        """Show an image; a new one is fitted, the current one keeps its zoom."""
        scene = self._scene
        new = ds is not scene.ds or image is not scene.image
        old_size = scene.image_rect.size()
        if new:
            self.editing.cancel(quiet=True)
        scene.show_image(ds, image, qimage, view_state, note)
        if new or (self._fitted and scene.image_rect.size() != old_size):
            self.fit()
        else:
            self.setSceneRect(scene.image_rect)
        self.editing.refresh_actions()

    def clear(self) -> None:
        """Show nothing."""
        self.editing.cancel(quiet=True)
        self._scene.clear_image()
        self.editing.refresh_actions()
        self.viewport().setToolTip("")
        self.viewport().update()

    # ---- zoom -----------------------------------------------------------------------
    def _get_zoom(self) -> float:
        return self.transform().m11()

    zoom = Property(float, _get_zoom, notify=zoom_changed)

    def fit(self) -> None:
        """Fit the whole image into the window."""
        rect = self._scene.image_rect
        view = self.viewport().rect()
        if rect.isEmpty() or view.width() <= 2 * FIT_MARGIN or view.height() <= 2 * FIT_MARGIN:
            scale = 1.0
        else:
            scale = min((view.width() - 2 * FIT_MARGIN) / rect.width(),
                        (view.height() - 2 * FIT_MARGIN) / rect.height())
        self.setSceneRect(rect)
        self._apply_zoom(min(max(scale, MIN_ZOOM), MAX_ZOOM), None)
        self.centerOn(rect.center())
        self._fitted = True

    def actual_size(self) -> None:
        """Show the image 1:1 (one image pixel per screen pixel), about the view's centre."""
        self.set_zoom(1.0)

    def zoom_by(self, factor: float) -> None:
        """Zoom in (factor > 1) or out about the view's centre."""
        self.set_zoom(self.zoom * factor)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Set the zoom, keeping the scene point under ``anchor`` (view pixels) in place."""
        self._apply_zoom(min(max(zoom, MIN_ZOOM), MAX_ZOOM), anchor)
        self._fitted = False

    def _apply_zoom(self, zoom: float, anchor: QPointF | None) -> None:
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        before = self._to_scene(anchor)
        self.setTransform(QTransform.fromScale(zoom, zoom))
        after = self._to_scene(anchor)
        centre = self._to_scene(QPointF(self.viewport().rect().center()))
        self.centerOn(centre - (after - before))
        self._scene.set_pixel_size(1.0 / zoom)
        if zoom != self._last_zoom:
            self._last_zoom = zoom
            self.zoom_changed.emit(zoom)

    def _to_scene(self, view_pos: QPointF) -> QPointF:
        inverse, _ok = self.viewportTransform().inverted()
        return inverse.map(QPointF(view_pos))

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta:
            event.ignore()
            return
        self.set_zoom(self.zoom * WHEEL_STEP ** delta, event.position())
        event.accept()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    # ---- selection ---------------------------------------------------------------------
    def selected_annotations(self) -> list[Annotation]:
        return self._scene.selected_annotations()

    def set_selected_annotations(self, anns: Iterable[Annotation]) -> None:
        self._scene.set_selected_annotations(anns)

    def select_annotation(self, ann: Annotation | None, reveal: bool = False) -> None:
        """Select one annotation (None clears); ``reveal`` scrolls it into view."""
        self._scene.set_selected_annotations([] if ann is None else [ann])
        if reveal and ann is not None:
            self.reveal(ann)

    def reveal(self, ann: Annotation) -> None:
        item = self._scene.item_for(ann)
        if item is not None:
            self.ensureVisible(item.focus_rect(), 40, 40)

    def _on_selection_changed(self, anns: list) -> None:
        self.annotation_selected.emit(anns[0] if anns else None)
        hovered = self._scene.hovered_annotation()
        if hovered is not None:  # what the mouse can do with it has changed
            self.viewport().setToolTip(annotation_tooltip(self._scene.ds, hovered,
                                                          self.editing.tooltip_hint(hovered)))

    def cycle(self, step: int = 1) -> Annotation | None:
        """Select the next (or previous) visible annotation and bring it into view."""
        selected = self._scene.selected_annotations()
        current = selected[-1] if selected else None
        nxt = self._scene.next_annotation(current, step)
        if nxt is not None:
            self.select_annotation(nxt, reveal=True)
        return nxt

    def hovered_annotation(self) -> Annotation | None:
        return self._scene.hovered_annotation()

    def annotation_at(self, view_pos: QPointF | QPoint) -> Annotation | None:
        """The annotation under a point of the viewport (a label first, else the smallest)."""
        pos = QPointF(view_pos)
        inverse, ok = self.viewportTransform().inverted()
        if not ok:
            return None
        return self._scene.annotation_at(inverse.map(pos), self.zoom, self.viewportTransform(),
                                         QRectF(self.viewport().rect()))

    # ---- mouse -------------------------------------------------------------------------
    def click_at(self, view_pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        """A click: select what is under the point (Ctrl toggles, Shift adds), or clear."""
        ann = self.annotation_at(view_pos)
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if ann is None:
            if not (ctrl or shift):
                self.select_annotation(None)
            return
        selected = self._scene.selected_annotations()
        if ctrl and ann in selected:
            selected.remove(ann)
        elif ctrl or shift:
            if ann not in selected:
                selected.append(ann)
        else:
            selected = [ann]
        self._scene.set_selected_annotations(selected)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.editing.mouse_press(event):
            event.accept()
            return
        button = event.button()
        pos = event.position()
        if button in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            # A left press becomes a click (selection) on release, or a pan once dragged.
            self._start_pan(pos)
            if button == Qt.MouseButton.LeftButton:
                self.setFocus(Qt.FocusReason.MouseFocusReason)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        # A quick second press (select, then drag at once) is a press like any other.
        self.mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.editing.mouse_move(event):
            event.accept()
            return
        pos = event.position()
        if self._pan_from is not None:
            delta = pos - self._pan_from
            if not self._panned and (abs(pos.x() - self._press_pos.x()) > CLICK_SLOP
                                     or abs(pos.y() - self._press_pos.y()) > CLICK_SLOP):
                self._panned = True
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            if self._panned:
                self._pan_from = pos
                h, v = self.horizontalScrollBar(), self.verticalScrollBar()
                h.setValue(h.value() - round(delta.x()))
                v.setValue(v.value() - round(delta.y()))
                self._fitted = False
            event.accept()
            return
        self._update_hover(pos, event.globalPosition().toPoint())
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.editing.mouse_release(event):
            event.accept()
            return
        if self._pan_from is not None and event.button() in (Qt.MouseButton.LeftButton,
                                                             Qt.MouseButton.MiddleButton):
            clicked = not self._panned and event.button() == Qt.MouseButton.LeftButton
            self._pan_from = None
            self._press_pos = None
            self._panned = False
            self.viewport().unsetCursor()
            if clicked:
                self.click_at(event.position(), event.modifiers())
            self._update_hover(event.position(), event.globalPosition().toPoint())
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        menu = self.editing.context_menu(QPointF(event.pos()))
        event.accept()
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(event.globalPos())

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        self._scene.set_hovered_annotation(None)
        self.viewport().setToolTip("")
        self.editing.hover(None, None)
        super().leaveEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        # A drag whose release may never arrive here is dropped, not half done.
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.editing.cancel()
        super().focusOutEvent(event)

    def _start_pan(self, pos: QPointF) -> None:
        self._pan_from = pos
        self._press_pos = pos
        self._panned = False

    def _update_hover(self, pos: QPointF, global_pos: QPoint | None = None) -> None:
        ann = self.annotation_at(pos)
        self.editing.hover(pos, ann)
        if ann is self._scene.hovered_annotation():
            return
        self._scene.set_hovered_annotation(ann)
        text = annotation_tooltip(self._scene.ds, ann, self.editing.tooltip_hint(ann)) if ann is not None else ""
        self.viewport().setToolTip(text)
        if QToolTip.isVisible():
            if text and global_pos is not None:
                QToolTip.showText(global_pos, text, self.viewport())
            else:
                QToolTip.hideText()

    def _on_scene_changed(self, _regions) -> None:
        # Items under a still cursor may have changed (deleted, hidden, moved).
        hovered = self._scene.hovered_annotation()
        if hovered is not None and self._scene.item_for(hovered) is None:
            self._scene.set_hovered_annotation(None)
            self.viewport().setToolTip("")

    # ---- keys ------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Keys the canvas acts on win over window shortcuts ("1" is also "actual size").
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if self.editing.wants_key(event):
                event.accept()
                return True
        # Tab would move the focus to the next widget; here it steps through annotations.
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            backwards = key == Qt.Key.Key_Backtab or (
                key == Qt.Key.Key_Tab and event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            if (backwards or key == Qt.Key.Key_Tab) and self.cycle(-1 if backwards else 1) is not None:
                return True
            # Nothing to step through: Tab moves the focus on as usual.
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if self.editing.key_press(event):
            event.accept()
            return
        super().keyPressEvent(event)

    # ---- empty canvas ------------------------------------------------------------------
    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        if self._scene.image is not None:
            return
        painter.save()
        painter.resetTransform()
        font = QFont(self.font())
        font.setPixelSize(15)
        painter.setFont(font)
        painter.setPen(QColor(150, 153, 160))
        painter.drawText(QRectF(self.viewport().rect()), Qt.AlignmentFlag.AlignCenter,
                         "Open a COCO file (Ctrl+O) or drop one here")
        painter.restore()
