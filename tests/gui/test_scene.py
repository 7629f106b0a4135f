import time

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QTransform

from cocoview.gui.annotation_items import AnnotationItem
from cocoview.gui.label_items import annotation_tooltip, label_text
from cocoview.gui.colors import PALETTE, UNKNOWN_COLOR, colors_for
from cocoview.gui.scene import AnnotationScene
from cocoview.model import geometry
from cocoview.model.commands import (
    delete_annotations, rename_category, set_bbox, set_category, set_category_fields,
)
from cocoview.model.dataset import Dataset
from cocoview.model.view_state import ViewState
from tests.gui.scene_data import (
    GREY, HEIGHT, WIDTH, blend, close, grey_image, many_annotations_doc, pentagram, render_scene, rgb,
    small_dataset,
)

CAT = QColor(PALETTE[0])
DOG = QColor(PALETTE[1])


@pytest.fixture
def shown(qapp):
    ds = small_dataset()
    state = ViewState()
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), grey_image(), state)
    yield ds, state, scene
    scene.detach()


def ann(ds, ann_id):
    return next(a for a in ds.annotations if a.id == ann_id)


def box_edge_has(image, x_edge, y, color: QColor) -> bool:
    want = (color.red(), color.green(), color.blue())
    return any(close(rgb(image, x, y), want, 2) for x in range(x_edge - 2, x_edge + 2))


# ---- building ---------------------------------------------------------------------
def test_every_annotation_of_the_image_gets_an_item(shown):
    ds, _state, scene = shown
    items = scene.annotation_items()
    assert [it.annotation.id for it in items] == [1, 2, 3, 4, 5, 6]
    for it in items:
        assert isinstance(it, AnnotationItem)
        assert scene.item_for(it.annotation) is it
        assert it.scene() is scene
    assert scene.item_for(ann(ds, 7)) is None
    assert scene.sceneRect() == QRectF(0, 0, WIDTH, HEIGHT)


def test_geometry_read_from_the_annotations(shown):
    ds, _state, scene = shown
    cat = scene.item_for(ann(ds, 1))
    assert cat.box == QRectF(10, 10, 60, 60)
    assert len(cat.polygons) == 1 and cat.polygons[0].boundingRect() == QRectF(20, 20, 40, 40)
    crowd = scene.item_for(ann(ds, 5))
    assert crowd.crowd and crowd.mask_crop is not None
    assert crowd.mask_crop.shape == (15, 50) and crowd.mask_origin == (10, 80)
    assert crowd.contours
    person = scene.item_for(ann(ds, 4))
    # v=0 is not drawn; skeleton indices are 1-based and skip unlabelled points
    assert [(p.x(), filled) for p, filled in person.points] == [(150, True), (160, False)]
    assert len(person.lines) == 1 and person.lines[0].x1() == 150 and person.lines[0].x2() == 160
    label_only = scene.item_for(ann(ds, 6))
    assert not label_only.has_geometry()


def test_smaller_annotations_are_stacked_above_larger_ones(shown):
    ds, _state, scene = shown
    assert scene.item_for(ann(ds, 3)).zValue() > scene.item_for(ann(ds, 1)).zValue()


def test_labels_show_name_and_score(shown):
    ds, _state, scene = shown
    assert scene.item_for(ann(ds, 1)).text == "cat 0.90"
    assert scene.item_for(ann(ds, 3)).text == "dog"
    assert scene.item_for(ann(ds, 5)).text == "cat · crowd"
    orphan = Dataset.from_dict({"images": [{"id": 1}], "categories": [],
                                "annotations": [{"id": 1, "image_id": 1, "category_id": 42, "score": 0.456}]})
    assert label_text(orphan, orphan.annotations[0]) == "42 (unknown) 0.46"


def test_tooltip_names_category_id_score_area_and_box(shown):
    ds, _state, _scene = shown
    text = annotation_tooltip(ds, ann(ds, 1))
    for part in ("cat", "annotation id 1", "score 0.900", "area 1600", "bbox [10, 10, 60, 60]"):
        assert part in text


def test_colours_come_from_the_category(shown):
    ds, _state, scene = shown
    assert scene.item_for(ann(ds, 1)).style.color == CAT
    assert scene.item_for(ann(ds, 2)).style.color == DOG


def test_pixels_take_box_and_mask_colours(shown):
    ds, state, scene = shown
    state.set_layer("labels", False)  # label chips step into boxes when they meet; not the subject here
    image = render_scene(scene)
    # right edge of the cat box (x = 70) at mid height
    assert box_edge_has(image, 70, 45, CAT)
    # inside the cat polygon: the grey image tinted toward the category colour
    assert close(rgb(image, 45, 50), blend((GREY,) * 3, CAT, state.mask_opacity), 3)
    # inside the crowd RLE (a stripe or a gap of the hatching): tinted red
    r, g, b = rgb(image, 30, 88)
    assert r > GREY + 10 and g < GREY and b < GREY
    # untouched background stays grey
    assert rgb(image, 190, 5) == (GREY, GREY, GREY)


def test_keypoints_are_drawn(shown):
    ds, state, scene = shown
    state.set_layer("labels", False)  # chips make room beside and over boxes; not the subject here
    person = QColor(PALETTE[2])
    image = render_scene(scene)
    assert close(rgb(image, 150, 70), (person.red(), person.green(), person.blue()), 10)
    # v=0 point (170, 70) is not drawn: only the box passes nearby, the point stays grey
    state.set_layer("boxes", False)
    image = render_scene(scene)
    assert rgb(image, 170, 70) == (GREY, GREY, GREY)
    state.set_layer("keypoints", False)
    assert rgb(render_scene(scene), 150, 70) == (GREY, GREY, GREY)


# ---- view state ---------------------------------------------------------------------
def test_score_threshold_hides_without_rebuilding(shown):
    ds, state, scene = shown
    state.set_layer("labels", False)  # chips make room beside and over boxes; not the subject here
    items = {a: scene.item_for(a) for a in ds.annotations_of_image(1)}
    crowd_pixmap = scene.item_for(ann(ds, 5)).mask_pixmap
    misses = geometry.MASKS.misses
    before = render_scene(scene)
    assert box_edge_has(before, 140, 40, DOG)
    state.set_min_score(0.5)
    after = render_scene(scene)
    assert not box_edge_has(after, 140, 40, DOG)
    assert rgb(after, 140, 40) == (GREY, GREY, GREY)
    assert not scene.item_for(ann(ds, 2)).isVisible()
    assert scene.item_for(ann(ds, 3)).isVisible()  # no score: never hidden by score
    # same items, same mask overlay, nothing decoded again
    assert {a: scene.item_for(a) for a in items} == items
    assert scene.item_for(ann(ds, 5)).mask_pixmap is crowd_pixmap
    assert geometry.MASKS.misses == misses
    state.set_min_score(0.0)
    assert scene.item_for(ann(ds, 2)).isVisible()


def test_hidden_categories(shown):
    ds, state, scene = shown
    state.set_category_hidden(2, True)
    assert [a.id for a in scene.visible_annotations()] == [1, 4, 5]
    state.set_category_hidden(2, False)
    assert [a.id for a in scene.visible_annotations()] == [1, 2, 3, 4, 5]


def test_layer_toggles(shown):
    ds, state, scene = shown
    state.set_layer("labels", False)
    state.set_layer("boxes", False)
    image = render_scene(scene)
    assert not box_edge_has(image, 70, 45, CAT)
    assert close(rgb(image, 45, 50), blend((GREY,) * 3, CAT, state.mask_opacity), 3)
    state.set_layer("masks", False)
    assert rgb(render_scene(scene), 45, 50) == (GREY, GREY, GREY)
    state.set_layer("boxes", True)
    state.set_layer("masks", True)
    assert box_edge_has(render_scene(scene), 70, 45, CAT)


def test_labels_layer(shown):
    ds, state, scene = shown
    # the cat label sits just above the cat box's top-left corner (10, 10)...
    # there is no room above y=10 within the image, so it goes inside the box, where it
    # would cover the image-level label's chip in the corner: it moves just right of it
    chip = dict(scene.labels_layer.chip_rects(QTransform(), QRectF(0, 0, WIDTH, HEIGHT)))
    cat_chip = chip[scene.item_for(ann(ds, 1))]
    image_label_chip = chip[scene.item_for(ann(ds, 6))]
    assert image_label_chip.topLeft() == QPointF(4.0, 4.0)
    assert cat_chip.top() == pytest.approx(11.0)
    assert image_label_chip.right() < cat_chip.left() <= image_label_chip.right() + 2.0 < 70
    assert not cat_chip.intersects(image_label_chip)
    with_labels = render_scene(scene)
    inside_chip = (int(cat_chip.right()) - 3, int(cat_chip.center().y()))
    state.set_layer("labels", False)
    without = render_scene(scene)
    assert rgb(with_labels, *inside_chip) != rgb(without, *inside_chip)
    assert sum(rgb(with_labels, *inside_chip)) < sum(rgb(without, *inside_chip))  # dark chip


def test_mask_opacity_changes_the_tint(shown):
    ds, state, scene = shown
    state.set_mask_opacity(0.8)
    assert close(rgb(render_scene(scene), 45, 50), blend((GREY,) * 3, CAT, 0.8), 3)


# ---- dataset events ------------------------------------------------------------------
def test_deleting_and_undoing(shown):
    ds, _state, scene = shown
    heard = []
    scene.selection_changed.connect(heard.append)
    target = ann(ds, 2)
    scene.set_selected_annotations([target])
    assert heard[-1] == [target]
    ds.history.push(delete_annotations(ds, [target]))
    assert scene.item_for(target) is None
    assert target not in [it.annotation for it in scene.annotation_items()]
    assert scene.selected_annotations() == [] and heard[-1] == []
    ds.history.undo()
    assert scene.item_for(target) is not None
    assert sorted(it.annotation.id for it in scene.annotation_items()) == [1, 2, 3, 4, 5, 6]


def test_changing_category_recolours(shown):
    ds, state, scene = shown
    state.set_layer("labels", False)  # chips make room beside and over boxes; not the subject here
    target = ann(ds, 2)
    ds.history.push(set_category(ds, [target], 1))
    item = scene.item_for(target)
    assert item.style.color == CAT and item.text == "cat 0.30"
    assert box_edge_has(render_scene(scene), 140, 40, CAT)


def test_moving_a_box_moves_the_item(shown):
    ds, _state, scene = shown
    target = ann(ds, 2)
    ds.history.push(set_bbox(ds, target, [100, 20, 20, 40]))
    assert scene.item_for(target).box == QRectF(100, 20, 20, 40)
    ds.history.undo()
    assert scene.item_for(target).box == QRectF(100, 20, 40, 40)


def test_annotations_of_other_images_are_ignored(shown):
    ds, _state, scene = shown
    other = ann(ds, 7)
    ds.history.push(set_bbox(ds, other, [2, 2, 5, 5]))
    assert scene.item_for(other) is None
    ds.history.push(delete_annotations(ds, [other]))
    assert len(scene.annotation_items()) == 6


def test_renaming_a_category_updates_labels(shown):
    ds, _state, scene = shown
    ds.history.push(rename_category(ds, ds.category(2), "hound"))
    assert scene.item_for(ann(ds, 3)).text == "hound"
    assert scene.item_for(ann(ds, 2)).text == "hound 0.30"


def test_skeleton_edits_redraw_keypoints(shown):
    ds, _state, scene = shown
    ds.history.push(set_category_fields(ds, ds.category(3), skeleton=[]))
    assert scene.item_for(ann(ds, 4)).lines == []


def test_colour_overrides_recolour_without_decoding(shown):
    ds, _state, scene = shown
    crowd = scene.item_for(ann(ds, 5))
    misses = geometry.MASKS.misses
    colors_for(ds).set_override(1, QColor("#00ff00"))
    assert scene.item_for(ann(ds, 1)).style.color == QColor("#00ff00")
    assert crowd.style.color == QColor("#00ff00")
    assert geometry.MASKS.misses == misses
    image = render_scene(scene)
    r, g, b = rgb(image, 30, 88)
    assert g > GREY + 10 and r < GREY
    colors_for(ds).set_override(1, None)


def test_unknown_category_is_grey(qapp):
    ds = Dataset.from_dict({"images": [{"id": 1, "width": 20, "height": 20}], "categories": [],
                            "annotations": [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [2, 2, 10, 10]}]})
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), None, ViewState())
    assert scene.item_for(ds.annotations[0]).style.color == QColor(UNKNOWN_COLOR)


# ---- hit testing, hover, selection ------------------------------------------------------
def test_annotation_at_prefers_the_smallest(shown):
    ds, state, scene = shown
    state.set_layer("labels", False)  # labels are found first: test_annotation_at_finds_labels_first
    assert scene.annotation_at(QPointF(35, 35)) is ann(ds, 3)
    assert scene.annotation_at(QPointF(50, 50)) is ann(ds, 1)
    assert scene.annotation_at(QPointF(120, 40)) is ann(ds, 2)
    assert scene.annotation_at(QPointF(190, 5)) is None
    assert scene.annotation_at(QPointF(30, 88)) is ann(ds, 5)  # mask pixel of the crowd
    state.set_min_score(0.5)
    assert scene.annotation_at(QPointF(120, 40)) is None


def test_annotation_at_finds_labels_first(shown):
    ds, _state, scene = shown
    chips = dict(scene.labels_layer.chip_rects(QTransform(), QRectF(0, 0, WIDTH, HEIGHT)))
    person_chip = chips[scene.item_for(ann(ds, 4))]
    point = person_chip.center()
    assert scene.annotation_at(point, 1.0, QTransform(), QRectF(0, 0, WIDTH, HEIGHT)) is ann(ds, 4)


def test_hover_highlights(shown):
    ds, _state, scene = shown
    target = ann(ds, 2)
    before = render_scene(scene)
    scene.set_hovered_annotation(target)
    assert scene.hovered_annotation() is target and scene.item_for(target).hovered
    after = render_scene(scene)
    # a thicker outline and a light fill inside the box
    assert rgb(after, 120, 40) != rgb(before, 120, 40)
    scene.set_hovered_annotation(None)
    assert not scene.item_for(target).hovered


def test_selection_is_a_list_and_is_drawn(shown):
    ds, state, scene = shown
    state.set_layer("labels", False)  # chips make room beside and over boxes; not the subject here
    a, b = ann(ds, 1), ann(ds, 2)
    scene.set_selected_annotations([a, b, a])
    assert scene.selected_annotations() == [a, b]
    image = render_scene(scene)
    # the white halo runs along the dog box's right edge
    assert any(min(rgb(image, x, 40)) >= 235 for x in range(136, 145))
    scene.set_selected_annotations([])
    assert scene.selected_annotations() == []


def test_preview_draws_a_drag_without_touching_the_dataset(shown):
    ds, state, scene = shown
    cat = ann(ds, 1)  # box (10, 10, 60, 60), polygon (20..60)
    state.set_layer("labels", False)
    scene.preview_annotation(cat, QRectF(110, 30, 60, 60), QPointF(100, 20))
    image = render_scene(scene)
    assert close(rgb(image, 125, 70), blend((GREY,) * 3, CAT, state.mask_opacity), 3)  # polygon moved
    assert rgb(image, 45, 50) == (GREY, GREY, GREY)  # and left its old place
    assert box_edge_has(image, 170, 60, CAT) and not box_edge_has(image, 70, 45, CAT)
    assert cat.bbox == [10, 10, 60, 60]
    scene.preview_annotation(cat, None, None)
    assert not scene.item_for(cat).previewing and box_edge_has(render_scene(scene), 70, 45, CAT)


def test_single_selected_box_gets_handles_that_follow_edits(shown):
    ds, _state, scene = shown
    scene.set_selected_annotations([ann(ds, 2)])
    assert scene.box_handles.isVisible() and scene.box_handles.box == QRectF(100, 20, 40, 40)
    ds.history.push(set_bbox(ds, ann(ds, 2), [90, 10, 20, 20]))
    assert scene.box_handles.box == QRectF(90, 10, 20, 20)
    ds.history.undo()
    assert scene.box_handles.box == QRectF(100, 20, 40, 40)


def test_annotations_in_rect_are_those_wholly_inside(shown):
    ds, state, scene = shown
    assert [a.id for a in scene.annotations_in_rect(QRectF(75, 75, -70, -70))] == [1, 3]
    assert [a.id for a in scene.annotations_in_rect(QRectF(0, 0, 200, 100))] == [1, 2, 3, 4, 5]
    state.set_category_hidden(2, True)
    assert [a.id for a in scene.annotations_in_rect(QRectF(0, 0, 200, 100))] == [1, 4, 5]


def test_next_annotation_cycles_visible_ones(shown):
    ds, state, scene = shown
    ids = [1, 2, 3, 4, 5]
    assert scene.next_annotation(None).id == 1
    assert scene.next_annotation(None, -1).id == 5
    current = None
    seen = []
    for _ in range(6):
        current = scene.next_annotation(current)
        seen.append(current.id)
    assert seen == ids + [1]
    state.set_min_score(0.5)
    assert scene.next_annotation(ann(ds, 1)).id == 3


# ---- placeholder --------------------------------------------------------------------
def test_placeholder_uses_recorded_size_and_shows_the_note(qapp):
    ds = small_dataset()
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), None, ViewState(), "Image not found: one.png")
    assert scene.image_rect == QRectF(0, 0, WIDTH, HEIGHT)
    assert "Image not found: one.png" in scene.note_text
    assert "200 × 100" in scene.note_text
    image = render_scene(scene)
    assert image.width() == WIDTH and image.height() == HEIGHT
    # annotations are still drawn over the placeholder (the crowd mask at the bottom)
    scene.view_state.set_layer("masks", False)
    assert rgb(render_scene(scene), 30, 88) != rgb(image, 30, 88)


def test_a_long_note_is_shortened_in_the_middle_and_centred(qapp):
    from cocoview.gui.placeholder import NOTE_WIDTH

    ds = small_dataset()
    scene = AnnotationScene()
    deep = "/data/" + "very_long_folder_name/" * 12 + "one.png"
    note = f"Image not found: one.png\nlooked in {deep}, {deep}"
    scene.show_image(ds, ds.image(1), None, ViewState(), note)
    try:
        chip = scene._note_item
        assert chip.boundingRect().width() <= NOTE_WIDTH + 2 * 10.0 + 1
        lines = [item.text() for item in chip.childItems()]
        assert lines[0] == "Image not found: one.png" and "…" in lines[1] and lines[1].endswith("one.png")
        assert lines[2] == "200 × 100 px (size recorded in the file)"
        for item in chip.childItems():   # each line centred on the chip
            r = item.mapRectToParent(item.boundingRect())
            assert abs(r.center().x()) < 1.5
        assert scene.note_text == chip.toolTip() and deep in scene.note_text
    finally:
        scene.detach()


def test_placeholder_without_recorded_size_covers_the_boxes(qapp):
    ds = Dataset.from_dict({"images": [{"id": 1, "file_name": "x.jpg"}], "categories": [],
                            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 300, 50]}]})
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), None, ViewState())
    assert scene.image_rect == QRectF(0, 0, 311, 61)
    assert "size unknown" in scene.note_text


def test_real_image_size_wins_over_recorded_size(qapp):
    ds = small_dataset()
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), grey_image(300, 150), ViewState())
    assert scene.image_rect == QRectF(0, 0, 300, 150)
    assert scene.note_item is None


def test_showing_the_same_image_again_keeps_items(qapp):
    ds = small_dataset()
    scene = AnnotationScene()
    state = ViewState()
    scene.show_image(ds, ds.image(1), None, state, "loading")
    items = scene.annotation_items()
    scene.set_selected_annotations([ann(ds, 1)])
    scene.show_image(ds, ds.image(1), grey_image(), state)
    assert scene.annotation_items() == items
    assert scene.selected_annotations() == [ann(ds, 1)]
    assert scene.note_item is None
    scene.show_image(ds, ds.image(2), None, state)
    assert [it.annotation.id for it in scene.annotation_items()] == [7]
    assert scene.selected_annotations() == []


def test_a_forgotten_scene_stops_listening(qapp):
    import gc

    ds = small_dataset()
    state = ViewState()
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), None, state)
    del scene
    gc.collect()
    # events keep working and reach nobody
    state.set_min_score(0.5)
    ds.history.push(delete_annotations(ds, [ds.annotations[0]]))


# ---- speed ----------------------------------------------------------------------------
@pytest.mark.parametrize("count, limit_s", [(1000, 0.6), (10000, 5.0)])
def test_building_many_annotations_is_fast(qapp, count, limit_s):
    ds = Dataset.from_dict(many_annotations_doc(count))
    scene = AnnotationScene()
    image = grey_image(1920, 1080)
    started = time.perf_counter()
    scene.show_image(ds, ds.image(1), image, ViewState())
    elapsed = time.perf_counter() - started
    assert len(scene.annotation_items()) == count
    print(f"\n{count} annotations built in {elapsed * 1000:.0f} ms")
    assert elapsed < limit_s
    state = scene.view_state
    started = time.perf_counter()
    state.set_min_score(0.5)
    assert time.perf_counter() - started < limit_s / 4
    assert 0 < len(scene.visible_annotations()) < count


def test_hovered_label_is_drawn_on_top_without_repainting_all_labels(shown):
    ds, _state, scene = shown
    target = ann(ds, 3)
    scene.set_hovered_annotation(target)
    chip = scene._hover_chip
    assert chip.isVisible() and chip.target is scene.item_for(target)
    assert chip.pos() == QPointF(30, 30)
    scene.set_hovered_annotation(None)
    assert not chip.isVisible()


def test_crowded_labels_are_thinned_out(qapp):
    doc = {"images": [{"id": 1, "width": 400, "height": 400}],
           "categories": [{"id": 1, "name": "thing"}],
           "annotations": [{"id": i, "image_id": 1, "category_id": 1,
                            "bbox": [(i % 20) * 4, (i // 20) * 4, 10 + i % 7, 10]} for i in range(400)]}
    ds = Dataset.from_dict(doc)
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), None, ViewState())
    view = QRectF(0, 0, 400, 400)
    chips = scene.labels_layer.chip_rects(QTransform(), view)
    assert 0 < len(chips) < 100
    for i, (_a, r) in enumerate(chips):  # what is kept does not overlap
        assert not any(r.intersects(o) for _b, o in chips[i + 1:])
    # zoomed in, few chips are on screen and none of them is left out
    zoomed = scene.labels_layer.chip_rects(QTransform.fromScale(40, 40), view)
    on_screen = {i for i in range(400) if (i % 20) * 160 < 400 and (i // 20) * 160 < 400}
    assert {item.annotation.id for item, _r in zoomed} == on_screen


# ---- malformed input ------------------------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_numbers = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                     st.just(1e300))
_junk = st.one_of(st.none(), st.booleans(), st.text(max_size=3), _numbers)
_field = st.one_of(_junk, st.lists(_numbers, max_size=8), st.lists(_junk, max_size=5),
                   st.lists(st.lists(_numbers, max_size=10), max_size=3),
                   st.fixed_dictionaries({"size": st.lists(st.integers(-2, 30), max_size=3),
                                          "counts": st.one_of(st.text(max_size=8),
                                                              st.lists(st.integers(-3, 400), max_size=6))}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({}, optional={
    "bbox": _field, "segmentation": _field, "keypoints": _field, "score": _junk,
    "iscrowd": _junk, "category_id": _junk}), max_size=6))
def test_malformed_annotations_never_break_the_scene(qapp, anns):
    doc = {"images": [{"id": 1, "width": 20, "height": 10}],
           "categories": [{"id": 1, "name": "x", "skeleton": [[1, 2], [0, 9], "bad"]}],
           "annotations": [dict(a, id=i, image_id=1) for i, a in enumerate(anns)]}
    ds = Dataset.from_dict(doc)
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), None, ViewState())
    assert len(scene.annotation_items()) == len(anns)
    render_scene(scene)
    scene.annotation_at(QPointF(5, 5))
    scene.set_selected_annotations(ds.annotations)
    scene.detach()


def test_selection_tint_covers_the_area_as_pycocotools_sees_it(qapp):
    star = pentagram(100, 100, 80)
    square = [220, 20, 300, 20, 300, 100, 220, 100]            # clockwise
    reverse = [260, 60, 260, 140, 340, 140, 340, 60]           # counter-clockwise, overlapping it
    doc = {"images": [{"id": 1, "width": 400, "height": 200}], "categories": [{"id": 1, "name": "x"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [star]},
                           {"id": 2, "image_id": 1, "category_id": 1, "segmentation": [square, reverse]}]}
    ds = Dataset.from_dict(doc)
    state = ViewState()
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), grey_image(400, 200), state)
    try:
        star_area = scene.item_for(ds.annotations[0]).area_path()
        assert not star_area.contains(QPointF(100, 100)) and star_area.contains(QPointF(100, 35))
        parts = scene.item_for(ds.annotations[1]).area_path()
        for p in ((230, 30), (280, 80), (330, 130)):   # each part and their overlap
            assert parts.contains(QPointF(*p)), p
        # drawn: the overlap of the two parts is tinted like the rest, the star's centre is not
        state.set_layer("labels", False)
        state.set_layer("masks", False)
        scene.set_selected_annotations([ds.annotations[0], ds.annotations[1]])
        image = render_scene(scene)
        assert rgb(image, 100, 100) == (GREY, GREY, GREY)
        assert rgb(image, 280, 80) == rgb(image, 230, 30) != (GREY, GREY, GREY)
    finally:
        scene.detach()


def test_enlarged_pixels_of_image_and_mask_stay_sharp(qapp):
    from PySide6.QtGui import QImage, QPainter

    from pycocotools import mask as mask_utils
    import numpy as np

    image = QImage(4, 2, QImage.Format.Format_RGB32)
    for x in range(4):
        for y in range(2):
            image.setPixelColor(x, y, QColor(0, 0, 0) if (x + y) % 2 == 0 else QColor(255, 255, 255))
    m = np.zeros((2, 4), np.uint8, order="F")
    m[:, 2] = 1
    rle = mask_utils.encode(np.asfortranarray(m))
    rle["counts"] = rle["counts"].decode()
    ds = Dataset.from_dict({"images": [{"id": 1, "width": 4, "height": 2}], "categories": [{"id": 1, "name": "m"}],
                            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": rle}]})
    state = ViewState()
    for name in ("boxes", "labels"):
        state.set_layer(name, False)
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), image, state)

    def render(zoom):
        out = QImage(int(4 * zoom), int(2 * zoom), QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(out)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        scene.render(painter, QRectF(0, 0, out.width(), out.height()), QRectF(0, 0, 4, 2))
        painter.end()
        return out

    try:
        big = render(10)
        # the last screen pixel of an image pixel and the first of the next: pure colours
        assert rgb(big, 9, 5) == (0, 0, 0) and rgb(big, 10, 5) == (255, 255, 255)
        # the mask covers image column 2 exactly: the pixel just left of it is untouched
        assert rgb(big, 19, 5) == (255, 255, 255) and rgb(big, 20, 15) != (255, 255, 255)
        # a small enlargement stays smooth (neighbouring pixels blend)
        small = render(1.5)
        assert rgb(small, 1, 1) not in ((0, 0, 0), (255, 255, 255))
    finally:
        scene.detach()
