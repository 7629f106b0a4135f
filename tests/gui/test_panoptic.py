import json
import os

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPointF

from cocoview.gui import panoptic
from cocoview.gui.colors import colors_for
from cocoview.gui.panoptic import (
    PanopticItem, SegmentItem, find_panoptic_png, panoptic_png_candidates, read_segment_ids, segment_ids,
)
from cocoview.gui.scene import AnnotationScene
from cocoview.model.commands import rename_category
from cocoview.model.dataset import Dataset
from cocoview.model.view_state import ViewState
from tests.gui.scene_data import GREY, blend, close, grey_image, render_scene, rgb

W, H = 200, 120
CAT_ID, DOG_ID = 7, 300000  # 300000 needs all three channels


def write_png(path, ids: np.ndarray) -> None:
    rgb_ = np.stack([ids & 255, (ids >> 8) & 255, (ids >> 16) & 255], axis=-1).astype(np.uint8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb_, cv2.COLOR_RGB2BGR))


def id_map() -> np.ndarray:
    ids = np.zeros((H, W), dtype=np.uint32)
    ids[40:50, 10:20] = CAT_ID      # 100 pixels
    ids[70:80, 120:135] = DOG_ID    # 150 pixels
    return ids


def doc(png_name="p1.png", dog_crowd=1) -> dict:
    return {
        "images": [{"id": 1, "file_name": "one.jpg", "width": W, "height": H}],
        "categories": [{"id": 1, "name": "cat", "isthing": 1}, {"id": 2, "name": "dog", "isthing": 1}],
        "annotations": [{"image_id": 1, "file_name": png_name, "segments_info": [
            {"id": CAT_ID, "category_id": 1, "bbox": [10, 40, 10, 10], "area": 100, "iscrowd": 0},
            {"id": DOG_ID, "category_id": 2, "bbox": [120, 70, 15, 10], "area": 150, "iscrowd": dog_crowd},
        ]}],
    }


@pytest.fixture
def on_disk(tmp_path):
    """panoptic_val.json beside panoptic_val/p1.png (the official layout)."""
    panoptic.clear_cache()
    json_path = tmp_path / "annotations" / "panoptic_val.json"
    json_path.parent.mkdir()
    json_path.write_text(json.dumps(doc()))
    write_png(tmp_path / "annotations" / "panoptic_val" / "p1.png", id_map())
    return json_path


@pytest.fixture
def shown(qapp, on_disk):
    ds = Dataset.load(on_disk)
    state = ViewState()
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), grey_image(W, H), state)
    yield ds, state, scene
    scene.detach()


# ---- decoding and finding -------------------------------------------------------
def test_segment_ids_from_rgb():
    pixels = np.array([[[1, 0, 0], [0, 1, 0], [0, 0, 1], [7, 145, 4]]], dtype=np.uint8)
    assert segment_ids(pixels).tolist() == [[1, 256, 65536, 7 + 145 * 256 + 4 * 65536]]
    assert segment_ids(np.array([[3, 9]], dtype=np.uint8)).tolist() == [[3, 9]]


def test_read_segment_ids_round_trips_and_caches(tmp_path):
    panoptic.clear_cache()
    write_png(tmp_path / "a.png", id_map())
    ids = read_segment_ids(tmp_path / "a.png")
    assert np.array_equal(ids, id_map())
    assert read_segment_ids(tmp_path / "a.png") is ids
    (tmp_path / "bad.png").write_bytes(b"not a png")
    assert read_segment_ids(tmp_path / "bad.png") is None
    assert read_segment_ids(tmp_path / "missing.png") is None


@pytest.mark.parametrize("folder", ["annotations/panoptic_train",
                                    "annotations", "panoptic_train", "elsewhere"])
def test_png_layouts(tmp_path, folder):
    json_path = tmp_path / "annotations" / "panoptic_train.json"
    json_path.parent.mkdir(parents=True)
    target = tmp_path / folder / "x.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"")
    found = find_panoptic_png(json_path, "x.png", tmp_path / "elsewhere")
    assert found == str(target)
    if folder != "elsewhere":
        assert find_panoptic_png(json_path, "x.png") == str(target)


def test_candidates_start_with_the_folder_named_like_the_file(tmp_path):
    got = panoptic_png_candidates(tmp_path / "panoptic_examples.json", "a.png")
    assert got[0] == str(tmp_path / "panoptic_examples" / "a.png")
    assert panoptic_png_candidates(tmp_path / "x.json", None) == []
    assert find_panoptic_png(None, "a.png") is None


# ---- the scene ---------------------------------------------------------------------
def test_each_segment_gets_box_mask_and_label(shown):
    ds, _state, scene = shown
    [record] = scene.annotation_items()
    assert isinstance(record, PanopticItem) and record.annotation is ds.annotations[0]
    cat, dog = record.segments
    assert isinstance(cat, SegmentItem) and cat.segment_index == 0 and dog.segment_index == 1
    assert (cat.box.x(), cat.box.y(), cat.box.width(), cat.box.height()) == (10, 40, 10, 10)
    assert int(cat.mask_crop.sum()) == 100 and cat.mask_origin == (10, 40)
    assert int(dog.mask_crop.sum()) == 150 and dog.mask_origin == (120, 70)
    assert (cat.text, dog.text) == ("cat", "dog · crowd")
    assert not cat.crowd and dog.crowd
    assert cat.style.color == colors_for(ds).color(1)
    assert dog.style.color == colors_for(ds).color(2)
    assert set(scene.labels_layer.items) == {cat, dog}


def test_segment_masks_are_drawn_in_their_colours(shown):
    ds, state, scene = shown
    image = render_scene(scene)
    assert close(rgb(image, 15, 45), blend((GREY,) * 3, colors_for(ds).color(1), state.mask_opacity), 3)
    assert rgb(image, 190, 110) == (GREY, GREY, GREY)  # no segment there
    state.set_layer("masks", False)
    state.set_layer("boxes", False)
    state.set_layer("labels", False)
    assert rgb(render_scene(scene), 15, 45) == (GREY, GREY, GREY)


def test_hidden_category_hides_its_segment_only(shown):
    _ds, state, scene = shown
    [record] = scene.annotation_items()
    cat, dog = record.segments
    state.set_category_hidden(2, True)
    assert cat.isVisible() and not dog.isVisible()
    assert rgb(render_scene(scene), 127, 75) == (GREY, GREY, GREY)
    assert rgb(render_scene(scene), 15, 45) != (GREY, GREY, GREY)
    state.set_category_hidden(1, True)
    assert not record.has_geometry()
    assert scene.visible_annotations() == []


def test_hover_picks_the_segment_under_the_mouse(shown):
    ds, _state, scene = shown
    [record] = scene.annotation_items()
    cat, dog = record.segments
    ann = scene.annotation_at(QPointF(15.5, 45.5))
    assert ann is ds.annotations[0]
    scene.set_hovered_annotation(ann)
    assert cat.hovered and not dog.hovered
    assert scene._hover_chip.target is cat
    # same record, another segment: the highlight and chip follow
    assert scene.annotation_at(QPointF(127.5, 75.5)) is ann
    assert dog.hovered and not cat.hovered and scene._hover_chip.target is dog
    assert scene.annotation_at(QPointF(190.5, 110.5)) is None


def test_selecting_the_record_outlines_every_segment(shown):
    ds, _state, scene = shown
    scene.set_selected_annotations([ds.annotations[0]])
    assert scene.selected_annotations() == [ds.annotations[0]]
    assert len(scene._selection_chips) == 2
    assert scene.box_handles.box is None  # a record has no box to drag
    rect = scene.item_for(ds.annotations[0]).focus_rect()
    assert (rect.left(), rect.top(), rect.right(), rect.bottom()) == (10, 40, 135, 80)


def test_renaming_a_category_renames_the_segment_chip(shown):
    ds, _state, scene = shown
    ds.history.push(rename_category(ds, ds.category(2), "hound"))
    [record] = scene.annotation_items()
    assert record.segments[1].text == "hound · crowd"


def test_without_the_png_segments_keep_their_boxes(qapp, tmp_path):
    panoptic.clear_cache()
    ds = Dataset.from_dict(doc(png_name="absent.png", dog_crowd=0))
    scene = AnnotationScene()
    scene.show_image(ds, ds.image(1), grey_image(W, H), ViewState())
    [record] = scene.annotation_items()
    assert [s.mask_crop for s in record.segments] == [None, None]
    assert [s.text for s in record.segments] == ["cat", "dog"]
    assert record.has_geometry()
    # the PNG turns up in the chosen images folder
    write_png(tmp_path / "absent.png", id_map())
    scene.set_images_dir(str(tmp_path))
    [record] = scene.annotation_items()
    assert int(record.segments[0].mask_crop.sum()) == 100
    scene.detach()


@pytest.mark.parametrize("segments", [None, "x", [], [None, 3, {"id": "abc", "bbox": "?"}, {}]])
def test_malformed_records_never_break_the_scene(qapp, segments):
    data = doc()
    data["annotations"][0]["segments_info"] = segments
    ds = Dataset.from_dict(data)
    scene = AnnotationScene()
    state = ViewState()
    scene.show_image(ds, ds.image(1), grey_image(W, H), state)
    render_scene(scene)
    state.set_layer("labels", False)  # segments without geometry have chips in the corner
    assert scene.annotation_at(QPointF(5, 5)) is None
    scene.detach()


# ---- real files -------------------------------------------------------------------------
def test_panopticapi_sample_masks_match_the_areas(qapp, corpus):
    panoptic.clear_cache()
    ds = Dataset.load(corpus / "panopticapi/sample_data/panoptic_examples.json")
    scene = AnnotationScene()
    for image in ds.images:
        scene.show_image(ds, image, None, ViewState())
        [record] = scene.annotation_items()
        segs = record.segments
        assert len(segs) == len(ds.annotations_of_image(image["id"])[0].to_dict()["segments_info"])
        assert [int(s.mask_crop.sum()) for s in segs] == [s.segment["area"] for s in segs]
        assert all(s.box is not None for s in segs)
    scene.detach()


def test_mapillary_string_ids_and_empty_boxes(qapp, corpus):
    panoptic.clear_cache()
    ds = Dataset.load(corpus / "datumaro/tests/assets/mapillary_vistas_dataset/val/v2.0/panoptic/panoptic_2020.json")
    scene = AnnotationScene()
    scene.show_image(ds, ds.image("0"), None, ViewState())
    [record] = scene.annotation_items()
    assert [s.box for s in record.segments] == [None, None]
    assert [int(s.mask_crop.sum()) for s in record.segments] == [15, 10]
    assert record.segments[0].text == "animal--bird · crowd"
    scene.detach()


def test_keys_and_delete_act_on_the_segment_pointed_at(qtbot, on_disk):
    from PySide6.QtCore import Qt

    from cocoview.gui.canvas import CanvasView
    from cocoview.model.writer import save_dataset

    ds = Dataset.load(on_disk)
    original = on_disk.read_bytes()
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(500, 340)
    view.show()
    view.show_image(ds, ds.image(1), grey_image(W, H), ViewState())
    scene = view.annotation_scene
    record = ds.annotations[0]
    hints = []
    view.editing.hint_changed.connect(hints.append)
    scene.set_selected_annotations([record])
    # nothing pointed at yet: the key is refused with a hint, the record untouched
    scene.item_for(record).pick(None)
    view.editing.set_category(1)
    view.editing.delete_selection()
    assert "point at one of its segments" in hints[-1]
    assert not ds.history.can_undo
    # point at the dog segment, press 1: that segment becomes a cat; no field is added to the record
    scene.annotation_at(QPointF(127.5, 75.5))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_1)
    data = record.to_dict()
    assert "category_id" not in data
    assert [s["category_id"] for s in data["segments_info"]] == [1, 1]
    assert ds.history.undo_text.startswith("Set category of segment 300000")
    # Delete takes that segment out of the record, and only it
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [s["id"] for s in record.to_dict()["segments_info"]] == [CAT_ID]
    assert len(ds.annotations) == 1
    ds.history.undo()
    ds.history.undo()
    out = on_disk.parent / "undone.json"
    save_dataset(ds, out)
    assert json.loads(out.read_bytes()) == json.loads(original)
    # after a deletion nothing is pointed at any more: a second Delete asks first
    scene.annotation_at(QPointF(127.5, 75.5))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [s["id"] for s in record.to_dict()["segments_info"]] == [CAT_ID]
    assert "point at one of its segments" in hints[-1]
