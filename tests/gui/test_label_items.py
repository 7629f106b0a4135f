"""Label chips: placement without overlaps, texts."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QRectF
from PySide6.QtGui import QTransform

from cocoview.gui.label_items import LabelChipItem, LabelLayerItem, label_text
from cocoview.gui.label_placement import CROWDED_LABELS, MAX_STEPS, MIN_STEPS
from cocoview.gui.scene import AnnotationScene
from cocoview.model.dataset import Dataset
from cocoview.model.view_state import ViewState
from tests.gui.scene_data import grey_image, render_scene, rgb

W, H = 400, 300
VIEW = QRectF(0, 0, W, H)


def _doc(anns: list[dict]) -> dict:
    return {"images": [{"id": 1, "width": W, "height": H}],
            "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "long category name"}],
            "annotations": [{"id": i + 1, "image_id": 1, "category_id": 1, **a} for i, a in enumerate(anns)]}


@pytest.fixture
def show(qapp):
    scenes = []

    def make(anns: list[dict]):
        ds = Dataset.from_dict(_doc(anns))
        scene = AnnotationScene()
        scene.show_image(ds, ds.image(1), grey_image(W, H), ViewState())
        scenes.append(scene)
        return ds, scene

    yield make
    for scene in scenes:
        scene.detach()


def _chips(scene, transform=None) -> dict[int, QRectF]:
    """Annotation id -> chip rectangle (device pixels), for the chips drawn."""
    placed = scene.labels_layer.chip_rects(transform or QTransform(), VIEW)
    return {item.annotation.id: rect for item, rect in placed}


def _overlapping(rects) -> list:
    rects = list(rects)
    return [(a, b) for i, a in enumerate(rects) for b in rects[i + 1:]
            if a.adjusted(0.5, 0.5, -0.5, -0.5).intersects(b)]


def _row() -> float:
    LabelLayerItem.font()
    return LabelLayerItem.PAD_Y * 2 + LabelLayerItem._metrics.height() + 1.0


def test_boxes_sharing_a_corner_get_separate_chips(show):
    # a large box and a smaller crowd sharing their top-left corner
    ds, scene = show([{"bbox": [100, 100, 200, 150], "iscrowd": 0},
                      {"category_id": 2, "bbox": [100, 100, 120, 80], "iscrowd": 1}])
    chips = _chips(scene)
    assert set(chips) == {1, 2}
    assert not _overlapping(chips.values())
    # the larger annotation keeps the place above the corner; the other sits just right of it,
    # still over its own box (near-duplicate detections read side by side)
    assert chips[1].bottom() == pytest.approx(99.0)
    assert chips[2].top() == chips[1].top()
    assert chips[1].right() < chips[2].left() <= chips[1].right() + 2.5
    assert chips[2].left() < 100 + 120
    assert label_text(ds, ds.annotations[0]) == "a"
    assert label_text(ds, ds.annotations[1]) == "b · crowd"
    # each chip answers for its own annotation
    layer = scene.labels_layer
    assert layer.item_at(chips[2].center(), QTransform(), VIEW).annotation is ds.annotations[1]
    assert layer.item_at(chips[1].center(), QTransform(), VIEW).annotation is ds.annotations[0]


def test_a_chip_that_cannot_stay_over_its_box_beside_another_steps_down_into_it(show):
    # the small box is narrower than the chip in the way: its chip goes one row down, into the box
    ds, scene = show([{"bbox": [100, 100, 200, 150]}, {"category_id": 2, "bbox": [100, 100, 20, 80]}])
    chips = _chips(scene)
    assert not _overlapping(chips.values())
    assert chips[2].left() == chips[1].left()
    assert chips[2].top() == pytest.approx(chips[1].top() + _row())
    assert chips[2].top() >= 100


def test_moved_chip_is_painted_where_it_was_placed(show):
    _ds, scene = show([{"bbox": [100, 100, 200, 150]}, {"category_id": 2, "bbox": [100, 100, 20, 80]}])
    moved = _chips(scene)[2]
    with_labels = render_scene(scene)
    # the dark chip background shows inside the box, where the second chip went
    x, y = int(moved.right()) - 2, int(moved.center().y())
    assert sum(rgb(with_labels, x, y)) < 3 * 100


def test_side_by_side_chips_that_would_overlap_are_stacked(show):
    _ds, scene = show([{"category_id": 3, "bbox": [50, 150, 40, 40]},
                       {"category_id": 2, "bbox": [70, 150, 40, 40]}])
    chips = _chips(scene)
    assert set(chips) == {1, 2}
    assert not _overlapping(chips.values())


def test_image_level_chips_stay_and_box_chips_avoid_them(show):
    _ds, scene = show([{"bbox": [5, 20, 60, 40]}, {"category_id": 2}])
    layer = scene.labels_layer
    chips = _chips(scene)
    assert chips[2].left() == pytest.approx(layer.origin.x() + 4.0)
    assert chips[2].top() == pytest.approx(layer.origin.y() + 4.0)
    assert not _overlapping(chips.values())
    # the box's chip moves right of the image-level chip, still over the box
    assert chips[1].bottom() == pytest.approx(19.0)
    assert chips[2].right() < chips[1].left() < 5 + 60


def test_a_cluster_of_tiny_boxes_stacks_a_few_chips_and_leaves_the_rest_for_hover(show):
    n = 12
    _ds, scene = show([{"bbox": [200 + i * 0.5, 150 + i * 0.5, 6, 6]} for i in range(n)])
    chips = _chips(scene)
    assert not _overlapping(chips.values())
    assert len(chips) == MIN_STEPS + 1
    assert MIN_STEPS + 1 < n
    # a large box lets more chips step down into it, up to the limit
    _ds, scene = show([{"bbox": [100, 50, 20, 240 - i]} for i in range(n)])
    chips = _chips(scene)
    assert not _overlapping(chips.values())
    assert len(chips) == MAX_STEPS + 1
    # a wide one also lets them sit side by side, a few per row
    _ds, scene = show([{"bbox": [100, 50, 250, 240 - i]} for i in range(n)])
    chips = _chips(scene)
    assert not _overlapping(chips.values())
    assert len(chips) == n
    rows = {round(r.top()) for r in chips.values()}
    assert len(rows) < n / 2
    assert all(100 - 1 <= r.left() < 350 for r in chips.values())


def test_past_the_crowded_count_overlapping_chips_are_left_out_not_moved(show):
    anns = [{"bbox": [(i % 30) * 13, (i // 30) * 20 + 20, 12, 12]} for i in range(CROWDED_LABELS + 30)]
    _ds, scene = show(anns)
    placed = scene.labels_layer.chip_rects(QTransform(), VIEW)
    assert 0 < len(placed) < len(anns)
    assert not _overlapping(r for _i, r in placed)


def test_zooming_in_separates_chips_again(show):
    _ds, scene = show([{"bbox": [100, 100, 50, 50]}, {"category_id": 2, "bbox": [101, 101, 10, 40]}])
    # one row down from just above its corner (y=101): just inside the box
    assert _chips(scene)[2].top() == pytest.approx(101.0)
    zoomed = _chips(scene, QTransform.fromScale(40, 40).translate(-95, -95))
    assert not _overlapping(zoomed.values())
    assert zoomed[2].top() == pytest.approx(40 * (101 - 95) - _row())


@pytest.mark.parametrize("boxes", [
    [[100, 100, 50, 50], [101, 101, 10, 40]],     # stepped down
    [[100, 100, 250, 50], [101, 101, 200, 40]],   # moved right
    [[100, 100, 50, 50], [W - 20, 101, 10, 40]],  # moved left, at the image's right edge
], ids=["down", "right", "left"])
def test_hover_and_selection_chips_are_drawn_where_the_chip_was_placed(show, boxes):
    ds, scene = show([{"bbox": boxes[0]}, {"category_id": 2, "bbox": boxes[1]}])
    small = ds.annotations[1]
    placed = _chips(scene)[2]
    edge = (int(placed.left()), int(placed.center().y()))
    before = rgb(render_scene(scene), *edge)
    scene.set_hovered_annotation(small)
    chip = scene._hover_chip
    assert scene.labels_layer.placed_rect(scene.item_for(small), QTransform()) == placed
    # the chip item's area (scene-anchored, device sized) covers the moved chip
    anchor = scene.item_for(small).label_anchor()
    assert chip.boundingRect().translated(anchor).contains(placed)
    # drawn on top at the placed rectangle, outlined in the category colour
    colour = scene.item_for(small).style.color
    after = rgb(render_scene(scene), *edge)
    distance = lambda c: sum(abs(a - b) for a, b in zip(c, (colour.red(), colour.green(), colour.blue())))  # noqa: E731
    assert distance(after) < distance(before) - 60
    scene.set_hovered_annotation(None)
    scene.set_selected_annotations([small])
    selection_chip = scene._selection_chips[0]
    assert selection_chip.target is scene.item_for(small)
    assert selection_chip.boundingRect().translated(anchor).contains(placed)


def test_hovered_chip_is_found_first_where_chips_meet(show):
    ds, scene = show([{"bbox": [100, 100, 50, 50]}, {"category_id": 2, "bbox": [101, 101, 40, 40]}])
    chips = _chips(scene)
    layer = scene.labels_layer
    scene.set_hovered_annotation(ds.annotations[1])
    assert layer.item_at(chips[2].center(), QTransform(), VIEW).annotation is ds.annotations[1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 380), st.integers(0, 280), st.integers(1, 120), st.integers(1, 120),
                          st.integers(1, 3), st.booleans()), min_size=1, max_size=40),
       st.sampled_from([0.5, 1.0, 3.0]))
def test_no_two_chips_ever_overlap(qapp, boxes, zoom):
    anns = [{"category_id": c, "bbox": [x, y, w, h]} if geo else {"category_id": c}
            for x, y, w, h, c, geo in boxes]
    ds = Dataset.from_dict(_doc(anns))
    scene = AnnotationScene()
    try:
        scene.show_image(ds, ds.image(1), None, ViewState())
        transform = QTransform.fromScale(zoom, zoom)
        placed = scene.labels_layer.chip_rects(transform, VIEW)
        assert not _overlapping(r for _i, r in placed)
        layer = scene.labels_layer
        for ann in ds.annotations:
            item = scene.item_for(ann)
            rect = layer.placed_rect(item, transform)
            if not item.has_geometry():
                assert rect is not None  # image-level chips are never left out
            elif rect is not None:
                # a chip stays within the image's right edge and starts over its box
                assert rect.right() <= W * zoom + 1e-6
                assert rect.left() <= transform.mapRect(item.box).right()
                # the hover chip's area covers wherever the layer put it
                chip = LabelChipItem(layer)
                chip.set_target(item)
                anchor = transform.map(item.label_anchor())
                assert chip.boundingRect().translated(anchor).contains(rect)
        assert any(layer.placed_rect(scene.item_for(a), transform) is not None for a in ds.annotations)
    finally:
        scene.detach()


def test_panning_moves_chips_with_the_image(show):
    # five boxes whose chips meet: some step down; a pan must not rearrange them
    _ds, scene = show([{"category_id": 1 + i % 3, "bbox": [60 + 12 * i, 60 + 3 * i, 120 - 5 * i, 100]}
                       for i in range(5)])
    still = _chips(scene)
    layer = scene.labels_layer
    placed = layer._placement
    moved = _chips(scene, QTransform.fromTranslate(-30, -40))
    assert layer._placement is placed  # the zoom did not change: nothing placed again
    assert set(moved) == set(still)
    for ann_id, rect in still.items():
        assert moved[ann_id] == rect.translated(-30, -40)
    # chips that leave the view are not reported
    assert not _chips(scene, QTransform.fromTranslate(-1000, 0))


def test_a_box_at_the_image_top_has_its_chip_inside_wherever_the_view_is(show):
    _ds, scene = show([{"bbox": [100, 5, 80, 60]}])
    for dy in (0, 150):   # the image top at the view's top, then well below it
        rect = _chips(scene, QTransform.fromTranslate(0, dy))[1]
        assert rect.top() == pytest.approx(dy + 5 + 1.0)


def test_a_chip_near_the_right_edge_moves_left_to_stay_in_the_image(show):
    _ds, scene = show([{"category_id": 3, "bbox": [W - 30, 100, 25, 25]}, {"bbox": [2, 100, 20, 20]}])
    chips = _chips(scene)
    assert chips[1].right() == pytest.approx(W)
    assert chips[1].left() < W - 30
    assert chips[2].left() == pytest.approx(1.0)  # one pixel left of its box, as everywhere


def test_crowding_counts_the_chips_a_screen_would_hold_at_that_zoom(show):
    # two chips that meet, among 200 annotations spread over the image
    pair = [{"bbox": [100, 100, 200, 150]}, {"category_id": 2, "bbox": [100, 100, 20, 80]}]
    rest = [{"bbox": [(i % 20) * 19 + 2, (i // 20) * 28 + 2, 4, 4]} for i in range(198)]
    ds, scene = show(pair + rest)
    layer = scene.labels_layer
    second = scene.item_for(ds.annotations[1])
    # the whole image on screen: crowded, the chip in the way is left out
    layer.chip_rects(QTransform(), VIEW)
    assert layer.placed_rect(second, QTransform()) is None
    # zoomed in four times, a screen holds a sixteenth of them: chips make room again
    zoomed = QTransform.fromScale(4, 4).translate(-90, -90)
    layer.chip_rects(zoomed, VIEW)
    assert layer.placed_rect(second, zoomed) is not None


def test_a_chip_left_out_is_shown_on_hover_in_its_usual_place(show):
    # crowded; the second box at the image's top edge has its chip inside, not cut off above
    anns = [{"bbox": [100, 0, 200, 150]}, {"category_id": 2, "bbox": [100, 0, 20, 80]}]
    anns += [{"bbox": [(i % 20) * 19 + 2, 200 + (i // 20) * 10, 4, 4]} for i in range(CROWDED_LABELS + 10)]
    ds, scene = show(anns)
    layer = scene.labels_layer
    second = scene.item_for(ds.annotations[1])
    render_scene(scene)  # the layer places the chips for this zoom
    assert layer.placed_rect(second, QTransform()) is None
    usual = layer.usual_rect(second, QTransform())
    assert usual.top() == pytest.approx(1.0)
    scene.set_hovered_annotation(ds.annotations[1])
    assert scene._hover_chip.boundingRect().translated(second.label_anchor()).contains(usual)


@pytest.mark.parametrize("x", [600, -300])
def test_a_box_outside_the_image_keeps_its_chip_nearby(show, x):
    ds, scene = show([{"bbox": [x, 100, 50, 40]}])
    shift = 200 - x  # a pan that brings the box into the view
    chip = _chips(scene, QTransform().translate(shift, 0))[1].translated(-shift, 0)
    w = chip.width()
    assert x - 1 - w - 1e-6 <= chip.left() <= x - 1 + w + 1e-6


def test_a_new_image_size_places_the_chips_again(show):
    ds, scene = show([{"category_id": 3, "bbox": [W - 30, 100, 25, 25]}])
    assert _chips(scene)[1].right() == pytest.approx(W)
    scene.labels_layer.set_image_rect(QRectF(0, 0, W - 10, H))
    assert _chips(scene)[1].right() == pytest.approx(W - 10)


def test_dragging_a_box_leaves_the_other_chips_in_place(show):
    ds, scene = show([{"bbox": [100, 100, 200, 150]}, {"category_id": 2, "bbox": [100, 100, 20, 80]},
                      {"category_id": 3, "bbox": [102, 103, 15, 60]}])
    before = _chips(scene)
    scene.preview_annotation(ds.annotations[0], QRectF(20, 200, 200, 150))
    during = _chips(scene)
    assert 1 not in during                      # its selection chip follows the drag
    assert during[2] == before[2] and during[3] == before[3]
    scene.preview_annotation(ds.annotations[0], None)
    assert _chips(scene) == before
