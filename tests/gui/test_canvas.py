import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from cocoview.gui.canvas import FIT_MARGIN, CanvasView
from cocoview.model.commands import delete_annotations
from cocoview.model.view_state import ViewState
from tests.gui.scene_data import HEIGHT, WIDTH, grey_image, small_dataset


@pytest.fixture
def canvas(qtbot):
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    ds = small_dataset()
    state = ViewState()
    view.show_image(ds, ds.image(1), grey_image(), state)
    return view, ds, state


def ann(ds, ann_id):
    return next(a for a in ds.annotations if a.id == ann_id)


def view_point(view, x, y) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def fit_zoom(view) -> float:
    vp = view.viewport().rect()
    return min((vp.width() - 2 * FIT_MARGIN) / WIDTH, (vp.height() - 2 * FIT_MARGIN) / HEIGHT)


def wheel(view, pos: QPoint, delta: int) -> None:
    event = QWheelEvent(QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)), QPoint(0, 0),
                        QPoint(0, delta), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


# ---- zoom ------------------------------------------------------------------------
def test_new_image_is_fitted(canvas):
    view, ds, state = canvas
    assert view.zoom == pytest.approx(fit_zoom(view))
    vp = view.viewport().rect()
    for corner in (QPointF(0, 0), QPointF(WIDTH, HEIGHT)):
        assert vp.contains(view.mapFromScene(corner))


def test_same_image_keeps_the_zoom_and_a_new_one_is_fitted(canvas):
    view, ds, state = canvas
    view.set_zoom(4.0)
    view.show_image(ds, ds.image(1), grey_image(), state)
    assert view.zoom == pytest.approx(4.0)
    view.show_image(ds, ds.image(2), None, state)
    assert view.zoom == pytest.approx(min((400 - 24) / 50, (300 - 24) / 40))


def test_fit_and_actual_size(canvas, qtbot):
    view, ds, state = canvas
    with qtbot.waitSignal(view.zoom_changed) as signal:
        view.actual_size()
    assert view.zoom == 1.0 and signal.args == [1.0]
    view.fit()
    assert view.zoom == pytest.approx(fit_zoom(view))
    view.zoom_by(2.0)
    assert view.zoom == pytest.approx(2 * fit_zoom(view))


def test_wheel_zooms_about_the_cursor(canvas, qtbot):
    view, ds, state = canvas
    view.set_zoom(3.0)
    pos = view_point(view, 120, 40)
    under = view.mapToScene(pos)
    with qtbot.waitSignal(view.zoom_changed):
        wheel(view, pos, 240)
    assert view.zoom > 3.0 * 1.3
    after = view.mapToScene(pos)
    assert abs(after.x() - under.x()) < 1.0 and abs(after.y() - under.y()) < 1.0
    wheel(view, pos, -240)
    assert view.zoom == pytest.approx(3.0, rel=1e-6)


def test_resizing_keeps_a_fitted_image_fitted(canvas, qtbot):
    view, ds, state = canvas
    view.resize(600, 500)
    qtbot.wait(10)
    assert view.zoom == pytest.approx(fit_zoom(view))
    view.set_zoom(5.0)
    view.resize(500, 400)
    assert view.zoom == pytest.approx(5.0)


def test_labels_keep_their_screen_size_when_zooming(canvas):
    view, ds, state = canvas
    item = view.annotation_scene.item_for(ann(ds, 2))
    sizes = []
    for zoom in (1.0, 2.5, 6.0):
        view.set_zoom(zoom)
        view.centerOn(item.box.center())
        chips = dict(view.annotation_scene.labels_layer.chip_rects(
            view.viewportTransform(), QRectF(view.viewport().rect())))
        sizes.append((chips[item].width(), chips[item].height()))
    assert sizes[0] == sizes[1] == sizes[2]
    # ...while the box itself grows with the zoom
    assert view.mapFromScene(item.box).boundingRect().width() > 200


# ---- hover and selection ------------------------------------------------------------------
def test_hover_highlights_and_explains(canvas, qtbot):
    view, ds, state = canvas
    target = ann(ds, 2)
    qtbot.mouseMove(view.viewport(), view_point(view, 120, 40))
    qtbot.waitUntil(lambda: view.hovered_annotation() is target)
    assert view.annotation_scene.item_for(target).hovered
    tip = view.viewport().toolTip()
    assert "dog" in tip and "annotation id 2" in tip and "score 0.300" in tip and "bbox" in tip
    qtbot.mouseMove(view.viewport(), view_point(view, 190, 5))
    qtbot.waitUntil(lambda: view.hovered_annotation() is None)
    assert view.viewport().toolTip() == ""
    assert not view.annotation_scene.item_for(target).hovered


def test_click_selects_and_empty_click_clears(canvas, qtbot):
    view, ds, state = canvas
    small = ann(ds, 3)
    with qtbot.waitSignal(view.annotation_selected) as signal:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view_point(view, 35, 35))
    assert signal.args == [small]
    assert view.selected_annotations() == [small]
    with qtbot.waitSignal(view.annotation_selected) as signal:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view_point(view, 190, 5))
    assert signal.args == [None]
    assert view.selected_annotations() == []


def test_ctrl_click_builds_a_multi_selection(canvas, qtbot):
    view, ds, state = canvas
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view_point(view, 120, 40))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, ctrl, view_point(view, 35, 35))
    assert view.selected_annotations() == [ann(ds, 2), ann(ds, 3)]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, ctrl, view_point(view, 120, 40))
    assert view.selected_annotations() == [ann(ds, 3)]


def test_escape_clears_selection(canvas, qtbot):
    view, ds, state = canvas
    view.select_annotation(ann(ds, 1))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.selected_annotations() == []


def test_tab_cycles_through_visible_annotations(canvas, qtbot):
    view, ds, state = canvas
    state.set_min_score(0.5)  # hides annotation 2
    view.setFocus()
    picked = []
    for _ in range(5):
        qtbot.keyClick(view, Qt.Key.Key_Tab)
        picked.append(view.selected_annotations()[0].id)
    assert picked == [1, 3, 4, 5, 1]
    qtbot.keyClick(view, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert view.selected_annotations()[0].id == 5
    qtbot.keyClick(view, Qt.Key.Key_Backtab)
    assert view.selected_annotations()[0].id == 4
    assert view.hasFocus()


def test_tab_brings_the_annotation_into_view(canvas, qtbot):
    view, ds, state = canvas
    view.set_zoom(12.0)
    view.centerOn(QPointF(10, 10))
    view.setFocus()
    target = ann(ds, 4)
    for _ in range(4):
        qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert view.selected_annotations() == [target]
    centre = view.mapFromScene(view.annotation_scene.item_for(target).focus_rect().center())
    assert view.viewport().rect().contains(centre)


def test_dragging_empty_space_pans(canvas, qtbot):
    view, ds, state = canvas
    view.set_zoom(8.0)
    view.centerOn(QPointF(90, 5))
    start = view_point(view, 90, 5)
    before = view.mapToScene(view.viewport().rect().center())
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(view.viewport(), start + QPoint(-20 * step, 0))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(-100, 0))
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() - before.x() == pytest.approx(100 / 8.0, abs=0.5)
    assert view.selected_annotations() == []  # a drag is not a click


def test_middle_button_pans_over_annotations(canvas, qtbot):
    view, ds, state = canvas
    view.set_zoom(8.0)
    view.centerOn(QPointF(120, 40))
    start = view_point(view, 120, 40)
    before = view.mapToScene(view.viewport().rect().center())
    qtbot.mousePress(view.viewport(), Qt.MouseButton.MiddleButton, pos=start)
    for step in range(1, 5):
        qtbot.mouseMove(view.viewport(), start + QPoint(0, -15 * step))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.MiddleButton, pos=start + QPoint(0, -60))
    after = view.mapToScene(view.viewport().rect().center())
    assert after.y() - before.y() == pytest.approx(60 / 8.0, abs=0.5)
    assert view.selected_annotations() == []


def test_deleted_selection_is_announced(canvas, qtbot):
    view, ds, state = canvas
    view.select_annotation(ann(ds, 2))
    with qtbot.waitSignal(view.annotation_selected) as signal:
        ds.history.push(delete_annotations(ds, [ann(ds, 2)]))
    assert signal.args == [None]


def test_clear_shows_nothing(canvas):
    view, ds, state = canvas
    view.clear()
    assert view.annotation_scene.annotation_items() == []
    assert view.annotation_at(QPointF(10, 10)) is None
    view.grab()  # paints the empty-canvas hint without errors


def test_tab_moves_focus_on_when_there_is_nothing_to_select(qtbot):
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    from cocoview.model.dataset import Dataset

    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    view = CanvasView()
    edit = QLineEdit()
    layout.addWidget(view)
    layout.addWidget(edit)
    host.show()
    qtbot.waitExposed(host)
    ds = Dataset.from_dict({"images": [{"id": 1, "width": 10, "height": 10}], "annotations": [],
                            "categories": []})
    view.show_image(ds, ds.image(1), None, ViewState())
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    qtbot.waitUntil(edit.hasFocus)
