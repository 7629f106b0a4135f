import copy
from decimal import Decimal

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QContextMenuEvent, QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu

from cocoview.gui.box_handles import HANDLE_SIZE
from cocoview.gui.canvas import CanvasView
from cocoview.model.commands import set_category
from cocoview.model.dataset import Dataset
from cocoview.model.view_state import ViewState
from tests.gui.scene_data import grey_image, small_scene_doc

KERAS = "keras-retinanet-test-data/coco/annotations/instances_val2017.json"
KERAS_IMAGE = "keras-retinanet-test-data/coco/images/val2017/000000397133.jpg"
LEFT = Qt.MouseButton.LeftButton
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def edited_doc() -> dict:
    """The small scene with fields cocoview does not know on two annotations."""
    doc = small_scene_doc()
    doc["annotations"][0]["attributes"] = {"occluded": False, "source": "hand"}
    doc["annotations"][1]["note"] = "kept"
    doc["annotations"][1]["extra_ids"] = [10**20, "x"]
    return doc


def make_view(qtbot, ds, image, qimage, zoom=None) -> CanvasView:
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(500, 340)
    view.show()
    qtbot.waitExposed(view)
    view.show_image(ds, image, qimage, ViewState())
    if zoom is not None:
        view.set_zoom(zoom)
        view.centerOn(view.annotation_scene.image_rect.center())
    view.setFocus()
    return view


@pytest.fixture
def small(qtbot):
    ds = Dataset.from_dict(edited_doc())
    # Zoom 2: every screen pixel is half an image pixel and drags snap to 0.1.
    view = make_view(qtbot, ds, ds.image(1), grey_image(), zoom=2.0)
    return view, ds


def ann(ds, ann_id):
    return next(a for a in ds.annotations if a.id == ann_id)


def at(view, x, y) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def drag(qtbot, view, start: QPoint, end: QPoint, steps: int = 6, modifier=Qt.KeyboardModifier.NoModifier,
         release: bool = True) -> None:
    """Press at ``start``, move in steps to ``end`` and release, like a hand would."""
    vp = view.viewport()
    qtbot.mousePress(vp, LEFT, modifier, start)
    for k in range(1, steps + 1):
        qtbot.mouseMove(vp, start + (end - start) * k / steps)
    if release:
        qtbot.mouseRelease(vp, LEFT, modifier, end)


def click(qtbot, view, point: QPoint, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.mouseClick(view.viewport(), LEFT, modifier, point)


# ---- moving ------------------------------------------------------------------------------
def test_dragging_inside_the_selected_box_moves_it_in_one_command(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)  # box only, [100, 20, 40, 40], unknown fields
    original = copy.deepcopy(dog.to_dict())
    click(qtbot, view, at(view, 120, 40))
    assert view.selected_annotations() == [dog]
    item = view.annotation_scene.item_for(dog)
    drag(qtbot, view, at(view, 120, 40), at(view, 120, 40) + QPoint(40, 20))
    assert ds.history.texts() == ["Move box of annotation 2"]
    data = dog.to_dict()
    assert data["bbox"] == [120, 30, 40, 40]
    assert {k: v for k, v in data.items() if k != "bbox"} == {k: v for k, v in original.items() if k != "bbox"}
    assert list(data) == list(original)  # key order kept
    new_item = view.annotation_scene.item_for(dog)
    assert new_item is not item and new_item.box == new_item.box.__class__(120, 30, 40, 40)
    assert view.selected_annotations() == [dog]
    ds.history.undo()
    assert dog.to_dict() == original
    assert view.annotation_scene.item_for(dog).box.topLeft() == QPointF(100, 20)
    assert view.annotation_scene.box_handles.box.topLeft() == QPointF(100, 20)


def test_the_drag_is_shown_live_without_touching_the_dataset(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    heard = []
    ds.events.annotations_changed.connect(lambda annotations: heard.append(annotations))
    view.select_annotation(dog)
    drag(qtbot, view, at(view, 120, 40), at(view, 120, 40) + QPoint(30, 0), release=False)
    item = view.annotation_scene.item_for(dog)
    assert item.preview_box.topLeft() == QPointF(115, 20)
    assert view.annotation_scene.box_handles.box.topLeft() == QPointF(115, 20)
    assert "115" in view.annotation_scene.info_chip.text
    assert "Moving the box of annotation 2" in view.editing.hint
    assert dog.bbox == [100, 20, 40, 40] and heard == [] and ds.history.texts() == []
    qtbot.mouseRelease(view.viewport(), LEFT, pos=at(view, 120, 40) + QPoint(30, 0))
    assert len(heard) == 1 and ds.history.texts() == ["Move box of annotation 2"]
    assert not view.annotation_scene.info_chip.isVisible()


def test_a_drag_that_ends_where_it_started_pushes_nothing(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    view.select_annotation(dog)
    start = at(view, 120, 40)
    drag(qtbot, view, start, start + QPoint(50, 30), release=False)
    drag(qtbot, view, start + QPoint(50, 30), start, release=False, steps=3)
    vp = view.viewport()
    qtbot.mouseMove(vp, start)
    qtbot.mouseRelease(vp, LEFT, pos=start)
    assert ds.history.texts() == []
    assert dog.bbox == [100, 20, 40, 40]
    item = view.annotation_scene.item_for(dog)
    assert not item.previewing and item.current_box().topLeft() == QPointF(100, 20)


def test_moving_a_polygon_annotation_moves_its_polygon(small, qtbot):
    view, ds = small
    cat = ann(ds, 1)  # box [10, 10, 60, 60], polygon [[20,20, 60,20, 60,60, 20,60]]
    original = copy.deepcopy(cat.to_dict())
    view.select_annotation(cat)
    start = at(view, 15, 65)  # inside the box, outside the smaller dog
    drag(qtbot, view, start, start + QPoint(20, 10))
    assert ds.history.texts() == ["Move annotation 1"]
    data = cat.to_dict()
    assert data["bbox"] == [20, 15, 60, 60]
    assert data["segmentation"] == [[30, 25, 70, 25, 70, 65, 30, 65]]
    assert data["area"] == 1600 and data["attributes"] == {"occluded": False, "source": "hand"}
    ds.history.undo()
    assert cat.to_dict() == original


def test_keypoints_move_with_the_annotation(small, qtbot):
    view, ds = small
    person = ann(ds, 4)  # box [145, 65, 30, 10], keypoints 150,70,2 160,70,1 170,70,0
    view.select_annotation(person)
    start = at(view, 166, 71)
    drag(qtbot, view, start, start + QPoint(-20, -40))
    assert ds.history.texts() == ["Move annotation 4"]
    assert person.to_dict()["keypoints"] == [140, 50, 2, 150, 50, 1, 170, 70, 0]
    assert person.bbox == [135, 45, 30, 10]


def test_an_rle_mask_stays_while_its_box_moves(small, qtbot):
    view, ds = small
    crowd = ann(ds, 5)
    segmentation = copy.deepcopy(crowd.to_dict()["segmentation"])
    view.select_annotation(crowd)
    start = at(view, 45, 88)
    drag(qtbot, view, start, start + QPoint(40, -20))
    assert ds.history.texts() == ["Move box of annotation 5"]
    assert crowd.bbox == [30, 70, 50, 15]
    assert crowd.to_dict()["segmentation"] == segmentation


def test_moves_stop_at_the_image_edge(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    view.select_annotation(dog)
    view.set_zoom(1.0)
    start = at(view, 120, 40)
    drag(qtbot, view, start, start + QPoint(300, -200))
    assert dog.bbox == [160, 0, 40, 40]  # right edge on the image's 200, top on 0


def test_pressing_the_selected_box_without_dragging_is_a_click(small, qtbot):
    view, ds = small
    view.select_annotation(ann(ds, 1))
    click(qtbot, view, at(view, 35, 35))  # on the small dog inside the cat's box
    assert view.selected_annotations() == [ann(ds, 3)]
    assert ds.history.texts() == []


def test_a_quick_second_press_still_drags(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    start = at(view, 120, 40)
    click(qtbot, view, start)
    QApplication.sendEvent(view.viewport(), _mouse(QEvent.Type.MouseButtonDblClick, start))
    for k in range(1, 5):
        qtbot.mouseMove(view.viewport(), start + QPoint(10 * k, 0))
    qtbot.mouseRelease(view.viewport(), LEFT, pos=start + QPoint(40, 0))
    assert dog.bbox == [120, 20, 40, 40]


def _mouse(kind, pos: QPoint, button=LEFT):
    from PySide6.QtGui import QMouseEvent
    return QMouseEvent(kind, QPointF(pos), QPointF(pos), button, button, Qt.KeyboardModifier.NoModifier)


# ---- resizing -------------------------------------------------------------------------------
def test_dragging_a_corner_resizes_the_box(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    original = copy.deepcopy(dog.to_dict())
    view.select_annotation(dog)
    corner = at(view, 140, 60)
    drag(qtbot, view, corner, corner + QPoint(20, 10))
    assert ds.history.texts() == ["Resize box of annotation 2"]
    data = dog.to_dict()
    assert data["bbox"] == [100, 20, 50, 45]
    assert data["area"] == 2250  # a box-only annotation: its area is the box's
    assert data["note"] == "kept" and data["extra_ids"] == [10**20, "x"]
    ds.history.undo()
    assert dog.to_dict() == original


def test_edge_handles_resize_one_side_and_keep_a_pixel(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    view.select_annotation(dog)
    left_edge = at(view, 100, 40)
    drag(qtbot, view, left_edge, left_edge + QPoint(400, 7))  # far past the right edge
    assert dog.bbox == [139, 20, 1, 40]
    view.select_annotation(dog)
    top = at(view, 139.5, 20)
    view.set_zoom(8.0)
    view.centerOn(QPointF(139.5, 20))
    top = at(view, 139.5, 20)
    drag(qtbot, view, top, top + QPoint(0, -400))  # far above the image
    assert dog.bbox == [139, 0, 1, 60]
    assert ds.history.texts() == ["Resize box of annotation 2"] * 2


def test_polygon_keeps_its_shape_when_the_box_is_resized(small, qtbot):
    view, ds = small
    cat = ann(ds, 1)
    polygon = copy.deepcopy(cat.to_dict()["segmentation"])
    view.select_annotation(cat)
    corner = at(view, 10, 10)
    drag(qtbot, view, corner, corner + QPoint(10, 10))
    assert cat.bbox == [15, 15, 55, 55]
    assert cat.to_dict()["segmentation"] == polygon
    assert cat.to_dict()["area"] == 1600


def test_escape_cancels_a_drag(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    view.select_annotation(dog)
    corner = at(view, 140, 60)
    drag(qtbot, view, corner, corner + QPoint(30, 30), release=False)
    assert view.annotation_scene.item_for(dog).previewing
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.annotation_scene.item_for(dog).previewing
    assert view.editing.hint == "Resize cancelled"
    qtbot.mouseMove(view.viewport(), corner + QPoint(40, 40))
    qtbot.mouseRelease(view.viewport(), LEFT, pos=corner + QPoint(40, 40))
    assert ds.history.texts() == [] and dog.bbox == [100, 20, 40, 40]
    assert view.selected_annotations() == [dog]  # Escape during a drag keeps the selection


def test_an_edit_under_a_drag_cancels_it(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    ds.history.push(set_category(ds, [dog], 1))
    view.select_annotation(dog)
    start = at(view, 120, 40)
    drag(qtbot, view, start, start + QPoint(20, 0), release=False)
    ds.history.undo()  # e.g. Ctrl+Z from the menu while the button is down
    qtbot.mouseMove(view.viewport(), start + QPoint(30, 0))
    qtbot.mouseRelease(view.viewport(), LEFT, pos=start + QPoint(30, 0))
    assert dog.bbox == [100, 20, 40, 40]
    assert ds.history.texts() == ["Set category of 1 annotation to 'cat'"]


def test_handles_show_only_for_one_box(small, qtbot):
    view, ds = small
    handles = view.annotation_scene.box_handles
    view.select_annotation(ann(ds, 2))
    assert handles.isVisible() and handles.box.topLeft() == QPointF(100, 20)
    view.set_selected_annotations([ann(ds, 2), ann(ds, 3)])
    assert not handles.isVisible()
    view.select_annotation(ann(ds, 6))  # an image-level label: no box
    assert not handles.isVisible()
    view.select_annotation(None)
    assert not handles.isVisible()


def test_cursor_and_hints_say_what_a_drag_does(small, qtbot):
    view, ds = small
    vp = view.viewport()
    view.select_annotation(ann(ds, 1))
    qtbot.mouseMove(vp, at(view, 70, 70))
    assert vp.cursor().shape() == Qt.CursorShape.SizeFDiagCursor
    assert "resize the box of annotation 1" in view.editing.hint and "polygon keeps its shape" in view.editing.hint
    qtbot.mouseMove(vp, at(view, 15, 65))
    assert vp.cursor().shape() == Qt.CursorShape.SizeAllCursor
    assert "move annotation 1 (box and polygon)" in view.editing.hint
    assert "Drag inside to move" in vp.toolTip()
    qtbot.mouseMove(vp, at(view, 120, 40))
    assert vp.cursor().shape() == Qt.CursorShape.PointingHandCursor
    assert "Click to select" in view.editing.hint
    qtbot.mouseMove(vp, at(view, 190, 5))
    assert "Shift+drag" in view.editing.hint


def test_handles_grab_at_a_constant_screen_distance(small, qtbot):
    view, ds = small
    view.select_annotation(ann(ds, 2))
    for zoom in (1.0, 6.0):
        view.set_zoom(zoom)
        view.centerOn(QPointF(140, 60))
        corner = at(view, 140, 60)
        assert view.editing.role_at(QPointF(corner + QPoint(HANDLE_SIZE // 2 + 2, 0))) == "bottom_right"
        assert view.editing.role_at(QPointF(corner + QPoint(HANDLE_SIZE + 6, 0))) is None


# ---- selection ------------------------------------------------------------------------------
def test_shift_drag_selects_annotations_inside_the_band(small, qtbot):
    view, ds = small
    heard = []
    view.annotation_selected.connect(heard.append)
    before = view.mapToScene(view.viewport().rect().center())
    drag(qtbot, view, at(view, 5, 5), at(view, 75, 75), modifier=SHIFT)
    assert view.selected_annotations() == [ann(ds, 1), ann(ds, 3)]  # the dog box at 100 is outside
    assert heard == [ann(ds, 1)]
    assert view.mapToScene(view.viewport().rect().center()) == before  # no pan
    assert not view.annotation_scene.band.isVisible()
    assert ds.history.texts() == []


def test_the_band_shows_what_it_catches(small, qtbot):
    view, ds = small
    drag(qtbot, view, at(view, 5, 5), at(view, 75, 75), modifier=SHIFT, release=False)
    scene = view.annotation_scene
    assert scene.band.isVisible() and scene.info_chip.text == "2 annotations inside"
    assert scene.marked_annotations() == [ann(ds, 1), ann(ds, 3)] and len(scene.marks.paths) == 2
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    qtbot.mouseRelease(view.viewport(), LEFT, SHIFT, at(view, 75, 75))
    assert view.selected_annotations() == [] and not scene.band.isVisible()
    assert scene.marked_annotations() == [] and scene.marks.paths == []


def test_ctrl_shift_drag_adds_to_the_selection(small, qtbot):
    view, ds = small
    view.select_annotation(ann(ds, 2))
    drag(qtbot, view, at(view, 140, 62), at(view, 180, 78), modifier=SHIFT | CTRL)
    assert view.selected_annotations() == [ann(ds, 2), ann(ds, 4)]


def test_shift_click_adds_and_plain_drag_on_an_annotation_pans(small, qtbot):
    view, ds = small
    click(qtbot, view, at(view, 120, 40))
    click(qtbot, view, at(view, 35, 35), SHIFT)
    assert view.selected_annotations() == [ann(ds, 2), ann(ds, 3)]
    view.set_zoom(6.0)
    view.centerOn(QPointF(50, 50))
    before = view.mapToScene(view.viewport().rect().center())
    drag(qtbot, view, at(view, 50, 50), at(view, 50, 50) + QPoint(-60, 0))  # from the unselected cat
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() - before.x() == pytest.approx(10, abs=0.3)
    assert view.selected_annotations() == [ann(ds, 2), ann(ds, 3)] and ds.history.texts() == []


def test_ctrl_a_selects_every_visible_annotation(small, qtbot):
    view, ds = small
    view.annotation_scene.view_state.set_min_score(0.5)  # hides annotation 2
    qtbot.keyClick(view, Qt.Key.Key_A, CTRL)
    assert [a.id for a in view.selected_annotations()] == [1, 3, 4, 5]
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.selected_annotations() == []


# ---- keys: categories and deleting -------------------------------------------------------------
@pytest.fixture
def windowed(qtbot):
    """The canvas inside a window whose "1" means something else (as in cocoview's window)."""
    window = QMainWindow()
    qtbot.addWidget(window)
    ds = Dataset.from_dict(edited_doc())
    view = CanvasView()
    window.setCentralWidget(view)
    fired = []
    actual = QAction("Actual size", window)
    actual.setShortcut(QKeySequence("1"))
    actual.triggered.connect(lambda: fired.append("1"))
    window.addAction(actual)
    window.resize(500, 360)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    view.show_image(ds, ds.image(1), grey_image(), ViewState())
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    return window, view, ds, fired


def test_number_keys_set_the_category_of_the_selection(windowed, qtbot):
    window, view, ds, fired = windowed
    view.set_selected_annotations([ann(ds, 2), ann(ds, 3), ann(ds, 1)])
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert fired == []  # the canvas took the key
    assert [a.category_id for a in (ann(ds, 1), ann(ds, 2), ann(ds, 3))] == [1, 1, 1]
    assert ds.history.texts() == ["Set category of 2 annotations to 'cat'"]  # the cat was one already
    qtbot.keyClick(view, Qt.Key.Key_3)
    assert ds.history.texts()[-1] == "Set category of 3 annotations to 'person'"
    qtbot.keyClick(view, Qt.Key.Key_9)  # the file has three categories
    assert len(ds.history.texts()) == 2 and "no category 9" in view.editing.hint
    view.select_annotation(None)
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert fired == ["1"]  # nothing selected: the window's shortcut
    assert len(ds.history.texts()) == 2


def test_delete_and_backspace_delete_the_selection(windowed, qtbot):
    window, view, ds, fired = windowed
    originals = {a.id: copy.deepcopy(a.to_dict()) for a in ds.annotations}
    view.set_selected_annotations([ann(ds, 2), ann(ds, 3)])
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert ds.history.texts() == ["Delete 2 annotations"]
    assert {a.id for a in ds.annotations_of_image(1)} == {1, 4, 5, 6}
    assert view.selected_annotations() == []
    view.select_annotation(ann(ds, 4))
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert ds.history.texts()[-1] == "Delete 1 annotation"
    ds.history.undo()
    ds.history.undo()
    assert {a.id: a.to_dict() for a in ds.annotations} == originals
    assert sorted(it.annotation.id for it in view.annotation_scene.annotation_items()) == [1, 2, 3, 4, 5, 6]


def test_delete_image_asks_the_window(windowed, qtbot):
    window, view, ds, fired = windowed
    with qtbot.waitSignal(view.editing.delete_image_requested) as signal:
        qtbot.keyClick(view, Qt.Key.Key_Delete, CTRL)
    assert signal.args == [ds.image(1)]
    assert ds.history.texts() == []  # the window pushes the command
    from cocoview.model.commands import delete_images
    ds.history.push(delete_images(ds, [ds.image(1)]))
    heard = []
    view.editing.delete_image_requested.connect(heard.append)
    view.editing.delete_image_action.trigger()  # still shown until the next image arrives
    assert heard == []
    view.clear()
    assert not view.editing.delete_image_action.isEnabled()


# ---- context menu -----------------------------------------------------------------------------
def _action(menu: QMenu, starts: str) -> QAction:
    for action in menu.actions():
        if action.text().replace("&", "").startswith(starts):
            return action
    raise AssertionError(f"no '{starts}' in {[a.text() for a in menu.actions()]}")


def test_context_menu_selects_and_sets_the_category(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    menu = view.editing.context_menu(QPointF(at(view, 120, 40)))
    assert view.selected_annotations() == [dog]
    assert menu.actions()[0].text() == "Annotation 2 · dog" and not menu.actions()[0].isEnabled()
    categories = _action(menu, "Category: dog").menu()
    names = [a.text() for a in categories.actions()]
    assert names == ["cat\t1", "dog\t2", "person\t3"]
    assert all(not a.icon().isNull() for a in categories.actions())
    categories.actions()[2].trigger()
    assert dog.category_id == 3
    assert ds.history.texts() == ["Set category of 1 annotation to 'person'"]
    menu.deleteLater()


def test_context_menu_deletes_the_selection(small, qtbot):
    view, ds = small
    view.set_selected_annotations([ann(ds, 1), ann(ds, 3)])
    menu = view.editing.context_menu(QPointF(at(view, 35, 35)))  # on a selected one: keeps both
    assert menu.actions()[0].text() == "2 annotations selected"
    _action(menu, "Delete 2 Annotations").trigger()
    assert ds.history.texts() == ["Delete 2 annotations"]
    assert ann(ds, 4) in ds.annotations and all(a.id not in (1, 3) for a in ds.annotations)


def test_right_click_opens_the_menu(small, qtbot):
    view, ds = small
    pos = at(view, 120, 40)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.viewport().mapToGlobal(pos))
    seen = []

    def look():
        popup = QApplication.activePopupWidget()
        seen.append((type(popup), popup.actions()[0].text() if popup is not None else None))
        if popup is not None:
            popup.close()

    QTimer.singleShot(50, look)
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(lambda: len(seen) > 0, timeout=2000)
    assert seen[0] == (QMenu, "Annotation 2 · dog")
    assert view.selected_annotations() == [ann(ds, 2)]


def test_many_categories_are_grouped(qtbot):
    doc = {"images": [{"id": 1, "width": 50, "height": 50}],
           "categories": [{"id": i, "name": f"c{i}", "supercategory": "s" + str(i % 3)} for i in range(1, 41)],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 12, "bbox": [5, 5, 20, 20]}]}
    ds = Dataset.from_dict(doc)
    view = make_view(qtbot, ds, ds.image(1), None)
    menu = view.editing.context_menu(QPointF(at(view, 15, 15)))
    categories = _action(menu, "Category: c12").menu()
    flat = [a.text() for a in categories.actions() if not a.isSeparator() and a.menu() is None]
    assert flat == [f"c{i}\t{i}" for i in range(1, 10)]
    groups = {a.text(): [b.text() for b in a.menu().actions()] for a in categories.actions() if a.menu()}
    assert sorted(groups) == ["s0", "s1", "s2"]
    assert sum(len(v) for v in groups.values()) == 31
    next(a for a in groups_menu(categories, "s2").actions() if a.text() == "c11").trigger()
    assert ds.annotations[0].category_id == 11


def groups_menu(menu: QMenu, title: str) -> QMenu:
    return next(a.menu() for a in menu.actions() if a.menu() and a.text() == title)


# ---- the inspector hears about edits --------------------------------------------------------------
def test_editing_the_selected_annotation_announces_it_again(small, qtbot):
    view, ds = small
    dog = ann(ds, 2)
    view.select_annotation(dog)
    with qtbot.waitSignal(view.annotation_selected) as signal:
        drag(qtbot, view, at(view, 120, 40), at(view, 120, 40) + QPoint(10, 0))
    assert signal.args == [dog]


# ---- real files -------------------------------------------------------------------------------------
def test_moving_and_resizing_in_a_real_coco_file(qtbot, corpus):
    ds = Dataset.load(corpus / KERAS)
    image = ds.images[0]
    qimage = QImage(str(corpus / KERAS_IMAGE))
    assert not qimage.isNull()
    originals = {a.id: copy.deepcopy(a.to_dict()) for a in ds.annotations}
    view = make_view(qtbot, ds, image, qimage, zoom=1.0)
    bottle = next(a for a in ds.annotations if a.id == 82445)  # [217.62, 240.54, 38.99, 57.75], a polygon
    view.select_annotation(bottle)
    view.centerOn(QPointF(236, 270))
    start = at(view, 236, 255)
    assert view.editing.role_at(QPointF(start)) == "move"
    drag(qtbot, view, start, start + QPoint(-17, 3))
    data = bottle.to_dict()
    assert data["bbox"] == [200.62, 243.54, 38.99, 57.75]
    old = originals[82445]["segmentation"][0]
    assert data["segmentation"][0] == [float(Decimal(repr(v)) + (-17 if i % 2 == 0 else 3))
                                       for i, v in enumerate(old)]
    assert data["area"] == originals[82445]["area"]
    corner = at(view, 200.62 + 38.99, 243.54 + 57.75)
    drag(qtbot, view, corner, corner + QPoint(5, 4))
    assert bottle.bbox == [200.62, 243.54, 43.99, 61.75]
    assert bottle.to_dict()["area"] == originals[82445]["area"]  # the polygon's area stays
    assert ds.history.texts() == ["Move annotation 82445", "Resize box of annotation 82445"]
    ds.history.undo()
    ds.history.undo()
    assert {a.id: a.to_dict() for a in ds.annotations} == originals
    item = view.annotation_scene.item_for(bottle)
    assert item.box.topLeft() == QPointF(217.62, 240.54)


def _drag_inside(qtbot, view, ann, dx: int, dy: int) -> None:
    x, y, w, h = ann.bbox
    view.select_annotation(ann)
    view.centerOn(QPointF(x + w / 2, y + h / 2))
    start = at(view, x + w / 2, y + h / 2)
    assert view.editing.role_at(QPointF(start)) == "move"
    drag(qtbot, view, start, start + QPoint(dx, dy))


def test_demo_masks_stay_and_keypoints_follow(qtbot):
    from cocoview.resources import demo_annotations_path

    ds = Dataset.load(str(demo_annotations_path()))
    view = make_view(qtbot, ds, ds.image(104), None, zoom=1.0)
    by_id = {a.id: a for a in ds.annotations_of_image(104)}
    originals = {i: copy.deepcopy(a.to_dict()) for i, a in by_id.items()}
    # an RLE crowd whose keypoints are all unlabelled: only the box moves
    _drag_inside(qtbot, view, by_id[1051], 12, -8)
    # a polygon with labelled keypoints: all of it moves
    _drag_inside(qtbot, view, by_id[1054], -5, 7)
    assert ds.history.texts() == ["Move box of annotation 1051", "Move annotation 1054"]
    crowd = by_id[1051].to_dict()
    assert crowd["bbox"] == [408, 473, 416, 93]
    assert crowd["segmentation"] == originals[1051]["segmentation"]
    assert crowd["keypoints"] == originals[1051]["keypoints"]
    walker = by_id[1054].to_dict()
    kps = originals[1054]["keypoints"]
    assert walker["keypoints"] == [float(Decimal(repr(v)) + (-5, 7, 0)[i % 3]) if i % 3 < 2 else v
                                   for i, v in enumerate(kps)]
    assert walker["segmentation"][0][:2] == [originals[1054]["segmentation"][0][0] - 5,
                                             originals[1054]["segmentation"][0][1] + 7]
    assert walker["attributes"] == {"pose": "walking"}
    ds.history.undo()
    ds.history.undo()
    assert {i: a.to_dict() for i, a in by_id.items()} == originals


def test_a_dropped_canvas_is_freed_at_once(qtbot):
    import gc
    import weakref

    ds = Dataset.from_dict(edited_doc())
    view = CanvasView()
    view.show_image(ds, ds.image(1), None, ViewState())
    view.select_annotation(ann(ds, 2))
    ref = weakref.ref(view)
    gc.disable()
    try:
        del view  # no reference cycle may keep it for the collector to break mid-paint
        assert ref() is None
    finally:
        gc.enable()
