"""Editing on the canvas: the mouse, keys and context menu turned into commands.

What the user can do, and what each gesture becomes:

* click selects an annotation; Ctrl+click adds or removes one; Shift+click adds;
* Shift+drag anywhere draws a rubber band and selects the visible annotations
  lying wholly inside it (Ctrl+Shift+drag adds them to the selection); a
  plain drag that does not start on the selected box pans;
* Ctrl+A selects every visible annotation of the image; Escape cancels a drag
  in progress, else clears the selection;
* the one selected annotation with a box shows eight handles: dragging a
  handle resizes the box (polygons and masks keep their shape), dragging
  inside the box moves the annotation: the box, its polygons and keypoints
  (an RLE mask cannot move; only its box does);
* keys 1–9 give the selection the first nine categories of the file, Delete
  and Backspace delete it; the context menu offers both;
* Ctrl+Del asks for the image shown to be deleted (:attr:`delete_image_requested`).

A drag shows its result live without touching the dataset and ends in one
command on ``dataset.history`` (none when it ends where it started). The
scene follows the dataset's events, after undo and redo alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QMenu

from cocoview.gui.box_handles import (
    CURSORS, ROLE_EDGES, clamp_shift, format_box, moved_bbox, resized_bbox, shifted_keypoints,
    shifted_polygons, snap, snap_step,
)
from cocoview.gui.canvas_menu import category_name, fill_category_menu, menu_text, selection_title
from cocoview.gui.categories_model import swatch_icon
from cocoview.gui.colors import colors_for
from cocoview.gui.panoptic import PanopticItem
from cocoview.model import commands
from cocoview.model.annotation import Annotation
from cocoview.model.geometry import segmentation_kind
from cocoview.model.ids import format_id, id_key
from cocoview.model.text import plural as _plural

if TYPE_CHECKING:
    from cocoview.gui.canvas import CanvasView

CLICK_SLOP = 4
Mod = Qt.KeyboardModifier
Key = Qt.Key

HINT_EMPTY = "Drag to pan · Shift+drag selects the annotations inside a rectangle · Ctrl+A selects all"
HINT_ANNOTATION = "Click to select · Ctrl+click adds or removes · Shift+drag selects a rectangle"


class _Drag:
    """A press on a handle (``role``) or inside the selected box (``"move"``)."""

    def __init__(self, ann: Annotation, item: Any, role: str, press_view: QPointF, press_scene: QPointF,
                 bounds: tuple[float, float], step: Decimal) -> None:
        self.ann = ann
        self.item = item
        self.role = role
        self.press_view = press_view
        self.press_scene = press_scene
        self.bbox = list(ann.bbox)
        self.width, self.height = bounds
        self.step = step
        self.active = False
        self.result: list | None = None
        self.dx = self.dy = Decimal(0)
        data = ann.to_dict()
        self.has_polygon = segmentation_kind(data.get("segmentation")) == "polygon"
        self.has_keypoints = bool(item.points)
        self.has_mask = item.mask_crop is not None


class _Band:
    """A Shift+press that becomes a rubber band once dragged."""

    def __init__(self, press_view: QPointF, press_scene: QPointF, add: bool) -> None:
        self.press_view = press_view
        self.press_scene = press_scene
        self.add = add
        self.active = False
        self.inside: list[Annotation] = []


def _moved_far(a: QPointF, b: QPointF) -> bool:
    return abs(a.x() - b.x()) > CLICK_SLOP or abs(a.y() - b.y()) > CLICK_SLOP


class CanvasEditing(QObject):
    """The canvas's editing controller (see the module's description).

    Signals: ``delete_image_requested(dict)`` with the image shown;
    ``hint_changed(str)`` with a line for the status bar that says what the
    mouse does where it is, or what a drag is doing. Actions (for menus):
    :attr:`select_all_action`, :attr:`clear_selection_action`,
    :attr:`delete_action`, :attr:`delete_image_action`.
    """

    delete_image_requested = Signal(object)
    hint_changed = Signal(str)

    def __init__(self, view: "CanvasView") -> None:
        super().__init__(view)
        # The view is reached through Qt's parent link: a Python reference back
        # to it would make a cycle that the garbage collector may break while
        # the view is painting.
        self.scene = view.annotation_scene
        self._drag: _Drag | None = None
        self._band: _Band | None = None
        self._hint = ""
        self._swallow_menu = False
        self.select_all_action = self._action(
            "Select &All Annotations", "Ctrl+A", self.select_all,
            "Select every visible annotation of the image")
        self.clear_selection_action = self._action(
            "Clear Selection", "Esc", self.clear_selection, "Select nothing")
        self.delete_action = self._action(
            "&Delete Annotation", ["Del", "Backspace"], self.delete_selection,
            "Delete the selected annotations (undoable)")
        self.delete_image_action = self._action(
            "Delete &Image", "Ctrl+Del", self.request_delete_image,
            "Delete the image shown with its annotations (undoable)", Qt.ShortcutContext.WindowShortcut)
        self.scene.selection_changed.connect(self.refresh_actions)
        self.refresh_actions()

    def _action(self, text: str, shortcut: Any, slot: Any, tip: str,
                context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetShortcut) -> QAction:
        action = QAction(text, self.view)
        keys = shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(context)
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({keys[0]})")
        action.triggered.connect(slot)
        self.view.addAction(action)
        return action

    # ---- state -------------------------------------------------------------------------
    @property
    def view(self) -> "CanvasView":
        return self.parent()

    @property
    def dataset(self) -> Any:
        return self.scene.ds

    def is_dragging(self) -> bool:
        """A box drag or a rubber band is under way."""
        return self._drag is not None or self._band is not None

    def refresh_actions(self, *_args: Any) -> None:
        """Enable the actions for what is shown and selected."""
        selected = self.scene.selected_annotations()
        has_image = self.scene.image is not None and self.dataset is not None
        self.select_all_action.setEnabled(has_image)
        self.delete_image_action.setEnabled(self._shown_image() is not None)
        self.clear_selection_action.setEnabled(bool(selected))
        self.delete_action.setEnabled(bool(selected))
        self.delete_action.setText("&Delete Annotation" if len(selected) <= 1
                                   else f"&Delete {len(selected)} Annotations")

    def _set_hint(self, text: str) -> None:
        if text != self._hint:
            self._hint = text
            self.hint_changed.emit(text)

    @property
    def hint(self) -> str:
        return self._hint

    def _single_box(self) -> tuple[Annotation, Any] | None:
        """The one selected annotation and its item, when it has a box that shows handles."""
        selected = self.scene.selected_annotations()
        if len(selected) != 1:
            return None
        item = self.scene.item_for(selected[0])
        if item is None or item.box is None or self.scene.box_handles.box is None:
            return None
        return selected[0], item

    def role_at(self, view_pos: QPointF) -> str | None:
        """``"move"``, a handle's name, or None: what a press at ``view_pos`` would grab."""
        if self._single_box() is None:
            return None
        return self.scene.box_handles.role_at(self.view._to_scene(QPointF(view_pos)),
                                              self.view.viewportTransform())

    # ---- commands ---------------------------------------------------------------------
    def _push(self, command: Any) -> None:
        self.dataset.history.push(command)
        self._set_hint(f"{command.text} — Ctrl+Z undoes")

    def select_all(self) -> None:
        if self.scene.image is not None:
            self.scene.set_selected_annotations(self.scene.visible_annotations())

    def clear_selection(self) -> None:
        self.scene.set_selected_annotations([])

    def delete_selection(self) -> None:
        selected = self.scene.selected_annotations()
        if not selected or self.dataset is None:
            return
        self.cancel(quiet=True)
        if self._panoptic(selected):
            target = self._segment_target(selected, "delete it")
            if target is not None:
                self._push(commands.delete_segment(self.dataset, *target))
            return
        self._push(commands.delete_annotations(self.dataset, selected))

    def set_category(self, category_id: Any) -> None:
        """Give the selected annotations a category (those that have it already are left out)."""
        ds = self.dataset
        key = id_key(category_id)
        selected = self.scene.selected_annotations()
        if ds is not None and self._panoptic(selected):
            target = self._segment_target(selected, "set its category")
            if target is not None:
                record, index = target
                if id_key(commands.segments_info(record)[index].get("category_id")) != key:
                    self._push(commands.set_segment_category(ds, record, index, category_id))
            return
        changing = [a for a in selected if id_key(a.category_id) != key]
        if ds is None or not changing:
            return
        self._push(commands.set_category(ds, changing, category_id))

    def _panoptic(self, anns: list) -> bool:
        return any(isinstance(self.scene.item_for(a), PanopticItem) for a in anns)

    def _segment_target(self, selected: list, what: str) -> tuple[Any, int] | None:
        """In a panoptic file the category keys and Delete act on one segment:
        the one last pointed at in the selected image's record."""
        item = self.scene.item_for(selected[0]) if len(selected) == 1 else None
        segment = item.picked if isinstance(item, PanopticItem) else None
        if segment is None:
            self._set_hint(f"A panoptic record holds a whole image: point at one of its segments to {what}")
            return None
        return selected[0], segment.segment_index

    def set_category_number(self, number: int) -> bool:
        """Keys 1–9: the ``number``-th category of the file."""
        ds = self.dataset
        if ds is None or not 1 <= number <= len(ds.categories):
            self._set_hint(f"There is no category {number} (the file has {len(ds.categories) if ds else 0})")
            return False
        self.set_category(ds.categories[number - 1].get("id"))
        return True

    def _shown_image(self) -> dict | None:
        """The image shown, while it is still part of the dataset."""
        image, ds = self.scene.image, self.dataset
        if image is None or ds is None or ds.image(image.get("id")) is not image:
            return None
        return image

    def request_delete_image(self) -> None:
        image = self._shown_image()
        if image is not None:
            self.cancel(quiet=True)
            self.delete_image_requested.emit(image)

    # ---- keys ---------------------------------------------------------------------------
    def _key_job(self, event: QKeyEvent) -> Any:
        """What a key does on the canvas right now (a callable), or None."""
        key = event.key()
        mods = event.modifiers() & ~Mod.KeypadModifier
        selected = bool(self.scene.selected_annotations())
        if key == Key.Key_Escape and mods == Mod.NoModifier:
            if self.is_dragging():
                return self.cancel
            return self.clear_selection if selected else None
        if key in (Key.Key_Delete, Key.Key_Backspace) and mods == Mod.NoModifier and selected:
            return self.delete_selection
        if key == Key.Key_A and mods == Mod.ControlModifier and self.scene.image is not None:
            return self.select_all
        if Key.Key_1 <= key <= Key.Key_9 and mods == Mod.NoModifier and selected and not self.is_dragging():
            number = key - Key.Key_0
            return lambda: self.set_category_number(number)
        return None

    def wants_key(self, event: QKeyEvent) -> bool:
        """Whether the canvas takes this key before any shortcut (1 is also "actual size")."""
        return self._key_job(event) is not None

    def key_press(self, event: QKeyEvent) -> bool:
        job = self._key_job(event)
        if job is None:
            return False
        job()
        return True

    # ---- mouse ---------------------------------------------------------------------------
    def mouse_press(self, event: QMouseEvent) -> bool:
        """Start a box drag or a rubber band; True when the press is taken."""
        if self.is_dragging():
            if event.button() != Qt.MouseButton.LeftButton:
                # Another button during a drag cancels it (and opens no menu).
                self._swallow_menu = event.button() == Qt.MouseButton.RightButton
                self.cancel()
            return True
        if event.button() != Qt.MouseButton.LeftButton or self.scene.image is None or self.dataset is None:
            return False
        pos = QPointF(event.position())
        mods = event.modifiers()
        if mods & Mod.ShiftModifier:
            self._band = _Band(pos, self.view._to_scene(pos), bool(mods & Mod.ControlModifier))
            self.view.setFocus(Qt.FocusReason.MouseFocusReason)
            return True
        if mods & (Mod.ControlModifier | Mod.AltModifier | Mod.MetaModifier):
            return False
        role = self.role_at(pos)
        single = self._single_box()
        if role is None or single is None:
            return False
        ann, item = single
        rect = self.scene.image_rect
        self._drag = _Drag(ann, item, role, pos, self.view._to_scene(pos),
                           (rect.width(), rect.height()), snap_step(self.view.zoom))
        self.scene.box_handles.set_active(role if role in ROLE_EDGES else None)
        self.view.viewport().setCursor(CURSORS[role])
        self.view.setFocus(Qt.FocusReason.MouseFocusReason)
        return True

    def mouse_move(self, event: QMouseEvent) -> bool:
        pos = QPointF(event.position())
        if self._band is not None:
            self._move_band(pos)
            return True
        if self._drag is not None:
            self._move_drag(pos)
            return True
        return False

    def mouse_release(self, event: QMouseEvent) -> bool:
        if not self.is_dragging():
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return True
        pos = QPointF(event.position())
        if self._band is not None:
            band, self._band = self._band, None
            self._end_feedback()
            if band.active:
                anns = band.inside
                if band.add:
                    anns = self.scene.selected_annotations() + anns
                self.scene.set_selected_annotations(anns)
                self._set_hint(f"Selected {_plural(len(self.scene.selected_annotations()), 'annotation')}")
            else:
                self.view.click_at(pos, event.modifiers())
        else:
            drag, self._drag = self._drag, None
            self._end_feedback(drag)
            if drag.active:
                self._finish_drag(drag)
            else:
                self.view.click_at(pos, event.modifiers())
        self.hover(pos, self.view.hovered_annotation())
        return True

    def cancel(self, quiet: bool = False) -> None:
        """Drop a drag or rubber band in progress; nothing is changed."""
        drag, band = self._drag, self._band
        if drag is None and band is None:
            return
        self._drag = self._band = None
        self._end_feedback(drag)
        self.view.viewport().unsetCursor()
        if not quiet:
            if drag is not None and drag.active:
                self._set_hint("Move cancelled" if drag.role == "move" else "Resize cancelled")
            elif band is not None and band.active:
                self._set_hint("Selection cancelled")

    def _end_feedback(self, drag: _Drag | None = None) -> None:
        if drag is not None and self.scene.item_for(drag.ann) is drag.item:
            self.scene.preview_annotation(drag.ann, None, None)
        self.scene.band.set_rect(None)
        self.scene.mark_annotations([])
        self.scene.info_chip.set_text("", None)
        self.scene.box_handles.set_active(None)

    def _move_band(self, pos: QPointF) -> None:
        band = self._band
        if not band.active and not _moved_far(pos, band.press_view):
            return
        band.active = True
        rect = QRectF(band.press_scene, self.view._to_scene(pos)).normalized()
        band.inside = self.scene.annotations_in_rect(rect)
        self.scene.mark_annotations(band.inside)
        self.scene.band.set_rect(rect)
        n = len(band.inside)
        self.scene.info_chip.set_text(f"{_plural(n, 'annotation')} inside", rect.bottomLeft())
        verb = "Adding" if band.add else "Selecting"
        self._set_hint(f"{verb} the {_plural(n, 'annotation')} wholly inside the rectangle · Esc cancels")

    def _move_drag(self, pos: QPointF) -> None:
        drag = self._drag
        if not drag.active and not _moved_far(pos, drag.press_view):
            return
        if self.scene.item_for(drag.ann) is not drag.item:
            self.cancel()  # the annotation changed under the drag (undo, deletion)
            return
        drag.active = True
        here = self.view._to_scene(pos)
        dx = snap(here.x() - drag.press_scene.x(), drag.step)
        dy = snap(here.y() - drag.press_scene.y(), drag.step)
        shift = None
        if drag.role == "move":
            dx, dy = clamp_shift(drag.bbox, dx, dy, drag.width, drag.height)
            drag.dx, drag.dy = dx, dy
            drag.result = moved_bbox(drag.bbox, dx, dy)
            if drag.has_polygon or drag.has_keypoints:
                shift = QPointF(float(dx), float(dy))
        else:
            drag.result = resized_bbox(drag.bbox, drag.role, dx, dy, drag.width, drag.height)
        box = QRectF(*(float(v) for v in drag.result))
        self.scene.preview_annotation(drag.ann, box, shift)
        self.scene.box_handles.set_active(drag.role if drag.role in ROLE_EDGES else None)
        self.scene.info_chip.set_text(format_box(drag.result), box.bottomLeft())
        what = self._move_subject(drag) if drag.role == "move" else f"the box of annotation {format_id(drag.ann.id)}"
        verb = "Moving" if drag.role == "move" else "Resizing"
        self._set_hint(f"{verb} {what}: {format_box(drag.result)} · Esc cancels")

    @staticmethod
    def _move_subject(drag: _Drag) -> str:
        ident = format_id(drag.ann.id)
        if drag.has_polygon or drag.has_keypoints:
            return f"annotation {ident}"
        return f"the box of annotation {ident}"

    def _finish_drag(self, drag: _Drag) -> None:
        ds = self.dataset
        if (ds is None or drag.result is None or self.scene.item_for(drag.ann) is not drag.item
                or list(drag.ann.bbox) != drag.bbox):
            return
        if drag.result == drag.bbox:
            self._set_hint("The box is where it was: nothing changed")
            return
        ident = format_id(drag.ann.id)
        if drag.role != "move":
            self._push(commands.set_bbox(ds, drag.ann, drag.result, text=f"Resize box of annotation {ident}"))
            return
        data = drag.ann.to_dict()
        fields: dict[str, Any] = {"bbox": drag.result}
        if drag.has_polygon:
            fields["segmentation"] = shifted_polygons(data["segmentation"], drag.dx, drag.dy)
        if drag.has_keypoints and type(data.get("keypoints")) is list:
            fields["keypoints"] = shifted_keypoints(data["keypoints"], drag.dx, drag.dy)
        text = f"Move annotation {ident}" if len(fields) > 1 else f"Move box of annotation {ident}"
        self._push(commands.set_annotation_fields(ds, drag.ann, text=text, **fields))

    # ---- hover: cursor, hint and tooltip ------------------------------------------------------
    def hover(self, view_pos: QPointF | None, hovered: Annotation | None) -> None:
        """Set the cursor and the hint for the mouse resting at ``view_pos`` (None: it left)."""
        if self.is_dragging():
            return
        viewport = self.view.viewport()
        role = self.role_at(view_pos) if view_pos is not None else None
        self.scene.box_handles.set_active(role if role in ROLE_EDGES else None)
        if role is not None:
            viewport.setCursor(CURSORS[role])
        elif hovered is not None:
            viewport.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            viewport.unsetCursor()
        if view_pos is None or self.scene.image is None:
            self._set_hint("")
        elif role is not None:
            self._set_hint(self._handle_hint(role))
        else:
            self._set_hint(HINT_ANNOTATION if hovered is not None else HINT_EMPTY)

    def _handle_hint(self, role: str) -> str:
        ann, item = self._single_box()
        ident = format_id(ann.id)
        if role in ROLE_EDGES:
            shape = " (its polygon keeps its shape)" if item.polygons else (
                " (its mask keeps its shape)" if item.mask_crop is not None else "")
            return f"Drag to resize the box of annotation {ident}{shape} · Esc cancels"
        return f"Drag to move {self._what_moves(item, ident)} · Del deletes · 1–9 set the category"

    @staticmethod
    def _what_moves(item: Any, ident: str) -> str:
        if item.polygons or item.points:
            parts = [p for p, has in (("polygon", item.polygons), ("keypoints", item.points)) if has]
            return f"annotation {ident} (box and {' and '.join(parts)})"
        if item.mask_crop is not None:
            return f"the box of annotation {ident} (an RLE mask stays in place)"
        return f"the box of annotation {ident}"

    def tooltip_hint(self, ann: Annotation) -> str:
        """What the mouse can do with ``ann``, for the end of its tooltip."""
        single = self._single_box()
        if single is not None and single[0] is ann:
            ident = format_id(ann.id)
            return (f"Drag inside to move {self._what_moves(single[1], ident)}\n"
                    "Drag a handle to resize the box; polygons and masks are not reshaped\n"
                    "1–9 set the category · Del deletes · right-click for more")
        if ann in self.scene.selected_annotations():
            return "1–9 set the category · Del deletes · right-click for more"
        return "Click to select · Ctrl+click adds or removes · right-click for edits"

    # ---- context menu --------------------------------------------------------------------------
    def context_menu(self, view_pos: QPointF) -> QMenu | None:
        """The menu for a right-click at ``view_pos`` (the annotation under it gets selected)."""
        if self._swallow_menu:
            self._swallow_menu = False
            return None
        if self.is_dragging() or self.scene.image is None or self.dataset is None:
            return None
        ann = self.view.annotation_at(QPointF(view_pos))
        selected = self.scene.selected_annotations()
        if ann is not None and ann not in selected:
            self.view.select_annotation(ann)
            selected = [ann]
        menu = QMenu(self.view)
        menu.setToolTipsVisible(True)
        if selected:
            title = menu.addAction(menu_text(selection_title(self.dataset, selected)))
            title.setEnabled(False)
            font = QFont(menu.font())
            font.setBold(True)
            title.setFont(font)
            keys = {id_key(a.category_id) for a in selected}
            if len(keys) == 1:
                cid = selected[0].category_id
                sub = menu.addMenu(swatch_icon(colors_for(self.dataset).color(cid), size=14),
                                   f"&Category: {menu_text(category_name(self.dataset, cid))}")
            else:
                sub = menu.addMenu("&Category")
            fill_category_menu(sub, self.dataset, selected, self.set_category)
            menu.addAction(self.delete_action)
            menu.addSeparator()
        menu.addAction(self.select_all_action)
        if selected:
            menu.addAction(self.clear_selection_action)
        menu.addSeparator()
        menu.addAction(self.delete_image_action)
        return menu
