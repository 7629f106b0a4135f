"""The inspector: every field shown, geometry summarised, values copied whole."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cocoview.gui.inspector_view import InspectorView, copy_text, summarize, summarize_segmentation
from cocoview.model.dataset import Dataset
from cocoview.model.validation import Finding

DATUMARO = "datumaro/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json"
IGNORE = "faster_coco_eval/tests/dataset/gt_ignore_test.json"
COCO_DUMMY = "mmdetection/tests/data/coco_dummy/annotations/instances_val2017.json"
LABELME = "labelme/examples/instance_segmentation/data_dataset_coco/annotations.json"
KEYPOINTS = "faster_coco_eval/tests/keypoints_dataset/gt_dataset.json"


def make_view(qtbot):
    view = InspectorView()
    qtbot.addWidget(view)
    view.resize(420, 600)
    view.show()
    return view


def values(item):
    return {item.child(i).text(0): item.child(i).text(1) for i in range(item.childCount())}


def test_unknown_fields_of_datumaro_annotations(qtbot, corpus):
    ds = Dataset.load(corpus / DATUMARO)
    view = make_view(qtbot)
    image = ds.images[0]
    polygon, rle = ds.annotations_of_image(image["id"])
    view.show_image(ds, image, [])
    view.show_annotation(polygon)
    section = view.section("annotation")
    assert section.text(0) == "Annotation 1 · a"
    assert list(values(section)) == list(polygon.to_dict())  # every field, file order
    attributes = view.field_item("annotation", "attributes")
    assert attributes.text(1) == "{ 2 fields }" and attributes.font(0).italic()
    assert attributes.isExpanded()
    assert values(attributes) == {"x": "1", "y": "hello"}
    assert not view.field_item("annotation", "bbox").font(0).italic()
    assert view.field_item("annotation", "segmentation").text(1) == "polygon, 1 part, 4 points"
    assert view.field_item("annotation", "category_id").text(1) == "1  (a)"
    view.show_annotation(rle)
    assert view.field_item("annotation", "segmentation").text(1) == "RLE 10×5, 3 counts (list)"
    assert view.field_item("annotation", "iscrowd").text(1) == "1"
    assert values(view.section("image"))["file_name"] == "b.jpg"
    assert view.section("findings").text(0) == "Findings: none"


def test_ignore_field_and_string_image_id(qtbot, corpus):
    ds = Dataset.load(corpus / IGNORE)
    view = make_view(qtbot)
    image = ds.images[0]
    view.show_image(ds, image, None)
    assert view.section("image").text(0) == 'Image "2299" · 000000002299.jpg'
    assert view.field_item("image", "id").text(1) == '"2299"'
    assert view.section("findings").text(0) == "Findings: not checked"
    assert values(view.section("image"))["annotations"] == "14 annotations"
    first = ds.annotations[0]
    view.show_annotation(first)
    ignore = view.field_item("annotation", "ignore")
    assert ignore is not None and ignore.font(0).italic()
    assert ignore.text(1) == "0"
    assert view.field_item("annotation", "image_id").text(1) == '"2299"'
    view.show_annotation(ds.annotations[1])
    assert view.field_item("annotation", "image_id").text(1) == "2299"
    crowd = next(a for a in ds.annotations if a.iscrowd == 1)
    view.show_annotation(crowd)
    assert view.field_item("annotation", "id").text(1) == "900100002299"
    assert view.field_item("annotation", "ignore") is None


def test_copy_value_copies_the_whole_geometry(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_DUMMY)
    view = make_view(qtbot)
    crowd = next(a for a in ds.annotations if a.iscrowd == 1)
    view.show_image(ds, ds.image_of(crowd), [])
    view.show_annotation(crowd)
    seg = view.field_item("annotation", "segmentation")
    counts = crowd.to_dict()["segmentation"]["counts"]
    assert seg.text(1) == f"RLE 427×640, {len(counts)} counts (list)"
    assert values(seg)["counts"] == f"{len(counts)} counts"
    view.tree.setCurrentItem(seg)
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert json.loads(QApplication.clipboard().text()) == crowd.to_dict()["segmentation"]
    view.tree.setCurrentItem(view.field_item("image", "file_name"))
    view.copy_value()
    assert QApplication.clipboard().text() == ds.image_of(crowd)["file_name"]


def test_polygon_parts_and_image_extras(qtbot, corpus):
    ds = Dataset.load(corpus / LABELME)
    view = make_view(qtbot)
    multi = next(a for a in ds.annotations if len(a.to_dict()["segmentation"]) > 1)
    seg = multi.to_dict()["segmentation"]
    view.show_image(ds, ds.image_of(multi), [])
    view.show_annotation(multi)
    item = view.field_item("annotation", "segmentation")
    points = sum(len(p) // 2 for p in seg)
    assert item.text(1) == f"polygon, {len(seg)} parts, {points} points"
    assert item.childCount() == len(seg) and item.child(0).text(1) == f"{len(seg[0]) // 2} points"
    url = view.field_item("image", "url")
    assert url is not None and url.font(0).italic() and url.text(1) == "null"


def test_keypoints_summary(qtbot, corpus):
    ds = Dataset.load(corpus / KEYPOINTS)
    view = make_view(qtbot)
    ann = ds.annotations[0]
    kps = ann.to_dict()["keypoints"]
    view.show_image(ds, ds.image_of(ann) or ds.images[0], [])
    view.show_annotation(ann)
    labelled = sum(1 for v in kps[2::3] if v > 0)
    item = view.field_item("annotation", "keypoints")
    assert item.text(1) == f"17 keypoints, {labelled} labelled"
    assert item.childCount() == 17


def test_findings_show_severity(qtbot, corpus):
    ds = Dataset.load(corpus / DATUMARO)
    view = make_view(qtbot)
    image = ds.images[0]
    findings = [Finding("error", "bad-bbox", "annotation 2: bbox outside the image", 40, 2),
                Finding("warning", "area", "annotation 1: area differs", 40, 1)]
    view.show_image(ds, image, findings)
    view.show_annotation(ds.annotations_of_image(40)[1])
    section = view.section("findings")
    assert section.text(0) == "Findings (1 error, 1 other)"
    first, second = section.child(0), section.child(1)
    assert first.text(0) == "annotation 2: bbox outside the image"
    assert not first.icon(0).isNull()
    assert first.foreground(0).color() != second.foreground(0).color()
    assert first.font(0).bold() and not second.font(0).bold()  # about the shown annotation
    with qtbot.waitSignal(view.finding_activated) as blocker:
        view.tree.itemDoubleClicked.emit(second, 0)
    assert blocker.args[0] is findings[1]


def test_sections_follow_the_selection(qtbot, corpus):
    ds = Dataset.load(corpus / LABELME)
    view = make_view(qtbot)
    assert view.tree.topLevelItem(0).text(0) == "No image"
    view.show_image(ds, ds.images[0], [])
    view.show_annotation(ds.annotations_of_image(ds.images[0]["id"])[0])
    assert view.section("annotation") is not None
    view.show_annotation(None)
    assert view.section("annotation") is None and view.section("image") is not None
    view.show_annotation(ds.annotations_of_image(ds.images[0]["id"])[0])
    view.show_image(ds, ds.images[1], [])  # another image drops the annotation
    assert view.section("annotation") is None
    view.clear()
    assert view.section("image") is None


def test_expansion_is_remembered_between_annotations(qtbot, corpus):
    ds = Dataset.load(corpus / LABELME)
    view = make_view(qtbot)
    a, b = ds.annotations[:2]
    view.show_image(ds, ds.image_of(a), [])
    view.show_annotation(a)
    view.field_item("annotation", "segmentation").setExpanded(True)
    view.show_annotation(b)
    assert view.field_item("annotation", "segmentation").isExpanded()


def test_summaries():
    assert summarize_segmentation({"size": [427, 640], "counts": "x" * 812}) == \
        "RLE 427×640, string counts (812 chars)"
    assert summarize_segmentation([[0, 0, 1, 0, 1, 1], [5, 5, 6, 5, 6, 6, 5, 6]]) == "polygon, 2 parts, 7 points"
    assert summarize_segmentation([]) == "empty"
    assert summarize("bbox", [1.5, 2, 30, 40.25]) == "[1.5, 2, 30, 40.25]"
    assert summarize("track_id", None) == "null"
    assert summarize("flag", True) == "true"
    assert summarize("name", "") == '""'
    assert summarize("values", list(range(300))) == "300 numbers"
    assert copy_text({"a": [1, 2]}) == '{"a": [1, 2]}'
    assert copy_text("plain") == "plain"


def _small_dataset() -> Dataset:
    return Dataset.from_dict({
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80}],
        "categories": [{"id": 1, "name": "table"}, {"id": 2, "name": "chair"}],
        "annotations": [{"id": 10, "image_id": 1, "category_id": 1, "bbox": [1, 2, 30, 20]},
                        {"id": 11, "image_id": 1, "category_id": 2, "bbox": [40, 2, 10, 20]}]})


def test_edits_and_undo_refresh_what_is_shown(qtbot):
    from cocoview.model.commands import change_category_id, delete_annotations, rename_category, set_bbox

    ds = _small_dataset()
    view = make_view(qtbot)
    table, chair = ds.annotations
    view.show_image(ds, ds.images[0], [])
    view.show_annotation(table)
    # renaming the category retitles the annotation
    ds.history.push(rename_category(ds, ds.category(1), "TABLE"))
    qtbot.waitUntil(lambda: view.section("annotation").text(0) == "Annotation 10 · TABLE", timeout=2000)
    # an id change and its undo: the category is found again under its old id
    ds.history.push(change_category_id(ds, ds.category(1), 500))
    qtbot.waitUntil(lambda: view.field_item("annotation", "category_id").text(1).startswith("500"), timeout=2000)
    ds.history.undo()
    ds.history.undo()
    qtbot.waitUntil(lambda: view.section("annotation").text(0) == "Annotation 10 · table", timeout=2000)
    assert "no such category" not in view.field_item("annotation", "category_id").text(1)
    # a box edit shows the new box
    ds.history.push(set_bbox(ds, table, [5, 6, 7, 8]))
    qtbot.waitUntil(lambda: view.field_item("annotation", "bbox").text(1) == "[5.0, 6.0, 7.0, 8.0]", timeout=2000)
    # deleting another annotation updates the image's count; deleting the shown one drops its section
    ds.history.push(delete_annotations(ds, [chair]))
    qtbot.waitUntil(lambda: view.field_item("image", "annotations").text(1) == "1 annotation", timeout=2000)
    ds.history.push(delete_annotations(ds, [table]))
    qtbot.waitUntil(lambda: view.section("annotation") is None, timeout=2000)
    assert view.field_item("image", "annotations").text(1) == "0 annotations"
    ds.history.undo()
    qtbot.waitUntil(lambda: view.field_item("image", "annotations").text(1) == "1 annotation", timeout=2000)


def test_the_inspector_stops_listening_to_a_dataset_it_left(qtbot):
    ds = _small_dataset()
    view = make_view(qtbot)
    view.show_image(ds, ds.images[0], [])
    assert ds.events.categories_changed._callbacks
    other = _small_dataset()
    view.show_image(other, other.images[0], [])
    assert not ds.events.categories_changed._callbacks
    view.clear()
    assert not other.events.categories_changed._callbacks
