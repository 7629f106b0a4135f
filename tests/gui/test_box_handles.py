from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform

from cocoview.gui.annotation_items import DrawState
from cocoview.gui.box_handles import (
    CORNERS, HANDLE_REACH, HANDLE_SIZE, ROLE_EDGES, BoxHandlesItem, box_edges, clamp_shift, format_box,
    moved_bbox, resized_bbox, shifted, shifted_keypoints, shifted_polygons, snap, snap_step,
)

D = Decimal


# ---- numbers ------------------------------------------------------------------------
@pytest.mark.parametrize("zoom, step", [(0.1, "1"), (0.66, "1"), (1.0, "1"), (1.5, "0.1"), (8.0, "0.1"),
                                        (12.0, "0.01"), (64.0, "0.01")])
def test_snap_step_follows_the_zoom(zoom, step):
    assert snap_step(zoom) == D(step)


def test_snap_rounds_to_the_step():
    assert snap(3.46, D("0.1")) == D("3.5")
    assert snap(-2.4, D(1)) == D(-2)
    assert snap(float("nan"), D(1)) == 0


def test_shifted_adds_exactly_and_keeps_types():
    assert shifted(224.24, D(3)) == 227.24
    assert shifted(0.1, D("0.2")) == 0.3  # not 0.30000000000000004
    assert shifted(10, D(3)) == 13 and type(shifted(10, D(3))) is int
    assert shifted(10, D("0.5")) == 10.5
    assert shifted("x", D(3)) == "x" and shifted(None, D(1)) is None
    assert shifted(float("inf"), D(1)) == float("inf")


def test_clamp_shift_keeps_the_box_in_the_image():
    box = [10, 20, 30, 40]  # right 40, bottom 60 in a 100 x 80 image
    assert clamp_shift(box, D(-50), D(50), 100, 80) == (D(-10), D(20))
    assert clamp_shift(box, D(5), D(-5), 100, 80) == (D(5), D(-5))
    # already sticking out on the left: may stay, never goes further out
    assert clamp_shift([-5, 0, 10, 10], D(-3), D(0), 100, 80) == (D(0), D(0))
    assert clamp_shift([-5, 0, 10, 10], D(2), D(0), 100, 80) == (D(2), D(0))


def test_moved_bbox_keeps_the_size_objects():
    assert moved_bbox([217.62, 240.54, 38.99, 57.75], D("-17.6"), D(3)) == [200.02, 243.54, 38.99, 57.75]


def test_each_handle_moves_only_its_edges():
    box = [10, 10, 20, 20]
    assert resized_bbox(box, "right", D(5), D(99), 100, 100) == [10, 10, 25, 20]
    assert resized_bbox(box, "left", D(5), D(99), 100, 100) == [15, 10, 15, 20]
    assert resized_bbox(box, "top", D(99), D(-4), 100, 100) == [10, 6, 20, 24]
    assert resized_bbox(box, "bottom_left", D(-3), D(2), 100, 100) == [7, 10, 23, 22]
    assert resized_bbox(box, "top_right", D(1), D(1), 100, 100) == [10, 11, 21, 19]


def test_resize_clamps_to_the_image_and_a_pixel():
    box = [10.5, 10, 20, 20]
    assert resized_bbox(box, "right", D(500), D(0), 100, 100) == [10.5, 10, 89.5, 20]
    assert resized_bbox(box, "left", D(-500), D(0), 100, 100) == [0.0, 10, 30.5, 20]
    assert resized_bbox(box, "left", D(500), D(0), 100, 100) == [29.5, 10, 1.0, 20]
    assert resized_bbox(box, "bottom", D(0), D(-500), 100, 100) == [10.5, 10, 20, 1]


def test_polygons_and_keypoints_move_point_by_point():
    seg = [[1, 2, 3.5, 4.25, 5, 6], [10, 10, 20, 10, 20, 20.1]]
    assert shifted_polygons(seg, D(2), D("0.5")) == [[3, 2.5, 5.5, 4.75, 7, 6.5], [12, 10.5, 22, 10.5, 22, 20.6]]
    kps = [150, 70, 2, 160, 70, 1, 0, 0, 0, "x", 3, 2]
    assert shifted_keypoints(kps, D(10), D(-5)) == [160, 65, 2, 170, 65, 1, 0, 0, 0, "x", -2, 2]


def test_box_edges_reads_only_usable_boxes():
    assert box_edges([1, 2, 3, 4]) == (1, 2, 4, 6)
    for bad in (None, [1, 2, 3], [1, 2, -3, 4], [1, "2", 3, 4], [1, 2, float("nan"), 4]):
        assert box_edges(bad) is None


def test_format_box():
    assert format_box([10, 20.5, 30.25, 40]) == "x 10  y 20.5  ·  30.25 × 40"


_coord = st.integers(0, 200).map(lambda v: D(v) / 2)
_delta = st.integers(-400, 400).map(lambda v: D(v) / 4)


@settings(max_examples=300, deadline=None)
@given(st.tuples(_coord, _coord, _coord, _coord), st.sampled_from(sorted(ROLE_EDGES)), _delta, _delta)
def test_resizing_stays_in_the_image_and_keeps_a_pixel(values, role, dx, dy):
    width, height = 100.0, 100.0
    x, y, a, b = values
    w, h = max(D(1), min(a, D(100) - x)), max(D(1), min(b, D(100) - y))
    if x + w > 100 or y + h > 100:
        return
    box = [float(x), float(y), float(w), float(h)]
    new = resized_bbox(box, role, dx, dy, width, height)
    left, top, right, bottom = box_edges(new)
    old = box_edges(box)
    assert right - left >= 1 and bottom - top >= 1
    assert 0 <= left and right <= 100 and 0 <= top and bottom <= 100
    edges = ROLE_EDGES[role]
    for name, index in (("left", 0), ("top", 1), ("right", 2), ("bottom", 3)):
        if name not in edges:
            assert (left, top, right, bottom)[index] == old[index]


@settings(max_examples=200, deadline=None)
@given(st.tuples(_coord, _coord, _coord, _coord), _delta, _delta)
def test_moving_stays_in_the_image_and_keeps_the_size(values, dx, dy):
    x, y, w, h = values
    if x + w > 100 or y + h > 100:
        return
    box = [float(x), float(y), float(w), float(h)]
    cx, cy = clamp_shift(box, dx, dy, 100, 100)
    new = moved_bbox(box, cx, cy)
    left, top, right, bottom = box_edges(new)
    assert 0 <= left and right <= 100 and 0 <= top and bottom <= 100
    assert new[2:] == box[2:]
    assert abs(cx) <= abs(dx) and abs(cy) <= abs(dy)


# ---- the item --------------------------------------------------------------------------
@pytest.fixture
def handles(qapp):
    state = DrawState()
    item = BoxHandlesItem(state)
    item.set_box(QRectF(10, 10, 40, 20), QColor("#38b6ff"))
    return item


@pytest.mark.parametrize("zoom", [0.5, 1.0, 8.0])
def test_handles_are_grabbed_at_the_same_screen_distance_at_any_zoom(handles, zoom):
    t = QTransform.fromScale(zoom, zoom)
    inverse = t.inverted()[0]
    corner = t.map(QPointF(10, 10))
    reach = HANDLE_SIZE / 2 + HANDLE_REACH
    near = inverse.map(corner + QPointF(-(reach - 1), -(reach - 1)))
    far = inverse.map(corner + QPointF(-(reach + 2), 0))
    assert handles.role_at(near, t) == "top_left"
    assert handles.role_at(far, t) is None


def test_roles_inside_and_outside(handles):
    t = QTransform.fromScale(4, 4)
    assert handles.role_at(QPointF(30, 20), t) == "move"
    assert handles.role_at(QPointF(50, 20), t) == "right"
    assert handles.role_at(QPointF(30, 30), t) == "bottom"
    assert handles.role_at(QPointF(49.5, 29.5), t) == "bottom_right"
    assert handles.role_at(QPointF(80, 80), t) is None
    handles.set_box(None)
    assert handles.role_at(QPointF(30, 20), t) is None and not handles.isVisible()


def test_edge_handles_leave_small_boxes_to_the_corners(handles):
    assert set(handles.shown_roles(QTransform.fromScale(4, 4))) == set(ROLE_EDGES)
    # 40 x 20 at 0.5 zoom is 20 x 10 px: room for the corners only
    assert handles.shown_roles(QTransform.fromScale(0.5, 0.5)) == list(CORNERS)
    # 40 x 20 at 1.0: 40 px wide holds top/bottom handles, 20 px high not left/right
    assert set(handles.shown_roles(QTransform())) == set(CORNERS) | {"top", "bottom"}


def _handle_extent(zoom: float) -> tuple[int, int]:
    """Width and height in pixels of the top-left handle painted at ``zoom``."""
    state = DrawState()
    state.pixel_size = 1.0 / zoom
    item = BoxHandlesItem(state)
    item.set_box(QRectF(20, 20, 40, 40), QColor(255, 0, 0))
    image = QImage(800, 800, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(0, 128, 0))
    painter = QPainter(image)
    painter.setTransform(QTransform.fromScale(zoom, zoom))
    item.paint(painter, None)
    painter.end()
    cx, cy = round(20 * zoom), round(20 * zoom)
    xs, ys = [], []
    for y in range(cy - 12, cy + 13):
        for x in range(cx - 12, cx + 13):
            c = image.pixelColor(x, y)
            if (c.red(), c.green(), c.blue()) != (0, 128, 0):
                xs.append(x)
                ys.append(y)
    return max(xs) - min(xs), max(ys) - min(ys)


def test_handles_keep_their_size_on_screen(qapp):
    assert _handle_extent(1.0) == _handle_extent(3.0) == _handle_extent(10.0)
    w, h = _handle_extent(1.0)
    assert HANDLE_SIZE <= w <= HANDLE_SIZE + 4


def test_bounds_cover_the_handles(handles):
    handles.state.pixel_size = 2.0
    rect = handles.boundingRect()
    assert rect.contains(QRectF(10 - HANDLE_SIZE, 10 - HANDLE_SIZE, 40 + 2 * HANDLE_SIZE, 20 + 2 * HANDLE_SIZE))
