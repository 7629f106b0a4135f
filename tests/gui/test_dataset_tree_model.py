"""The dataset tree model: grouping, counts, filters, events, scale."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex
from PySide6.QtTest import QAbstractItemModelTester

from cocoview.gui.dataset_tree_model import (CATEGORIES, COL_COUNT, COL_ID, COL_NAME, CountsRole,
                                             DatasetTreeModel, GroupRole, ImageFilter, ImageRole)
from cocoview.gui.image_groups import split_file_name
from cocoview.model.commands import delete_annotations, delete_images, set_annotation_fields, set_category
from cocoview.model.dataset import Dataset
from cocoview.model.view_state import ViewState
from tests.conftest import REPO

LABELME = "labelme/examples/instance_segmentation/data_dataset_coco/annotations.json"
VISDRONE = "sahi/tests/data/coco_utils/visdrone2019-det-train-first50image.json"
COCO_SAMPLE = "mmdetection/tests/data/coco_sample.json"
MAKE_COCO = REPO.parent / "shared" / "tools" / "make_coco.py"


def make_model(qtbot, ds, vs=None):
    model = DatasetTreeModel(ds, vs or ViewState())
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    return model


def children(model, parent=QModelIndex()):
    return [model.index(r, 0, parent) for r in range(model.rowCount(parent))]


def leaves(model, parent=QModelIndex()):
    """Image dicts under ``parent``, in tree order."""
    out = []
    for index in children(model, parent):
        image = model.image_at(index)
        if image is None:
            out.extend(leaves(model, index))
        else:
            out.append(image)
    return out


def row_of(model, image):
    index = model.index_for_image(image)
    assert index.isValid()
    return index


def doc(file_names, anns=()):
    images = [{"id": i, "file_name": fn, "width": 10, "height": 10} for i, fn in enumerate(file_names)]
    annotations = [{"id": n, "image_id": i, "category_id": c, "bbox": [0, 0, 1, 1]}
                   for n, (i, c) in enumerate(anns)]
    return {"images": images, "annotations": annotations,
            "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]}


# ---- folders ---------------------------------------------------------------
def test_labelme_images_group_under_their_folder(qtbot, corpus):
    ds = Dataset.load(corpus / LABELME)
    model = make_model(qtbot, ds)
    (folder,) = children(model)
    assert folder.data() == "JPEGImages"
    assert folder.data(GroupRole) == ("folder", "JPEGImages")
    assert model.index(0, COL_COUNT).data() == "3"  # images in the folder
    shown = leaves(model, folder)
    assert [s is i for s, i in zip(shown, ds.images)] == [True] * 3
    assert [model.index(r, COL_NAME, folder).data() for r in range(3)] == \
        [i["file_name"].split("/")[1] for i in ds.images]
    # Image id 0 is shown as an id, not as nothing.
    assert model.index(0, COL_ID, folder).data() == "0"
    assert model.image_at(folder) is None
    assert model.index(0, 0, folder).data(ImageRole) == ds.images[0]  # a copy through Qt
    assert model.image_at(model.index(0, 0, folder)) is ds.images[0]


def test_visdrone_counts_every_annotation_once(qtbot, corpus):
    ds = Dataset.load(corpus / VISDRONE)
    model = make_model(qtbot, ds)
    (folder,) = children(model)
    assert folder.data() == "images"
    totals = [model.index(r, 0, folder).data(CountsRole) for r in range(50)]
    assert sum(t for _, t in totals) == len(ds.annotations) == 3326
    assert sum(1 for v, t in totals if t == 0) == 2
    assert all(v == t for v, t in totals)
    first = model.index(0, COL_COUNT, folder)
    assert first.data() == str(len(ds.annotations_of_image(ds.images[0]["id"])))


def test_nested_folders_compact_and_sort_naturally(qtbot):
    ds = Dataset.from_dict(doc([
        "data/coco/val/b.jpg", "data/coco/train/img10.jpg", "top.jpg", "data/coco/train/img2.jpg",
        "x\\y\\win.jpg", "./data/coco/train/dot.jpg", "data/coco/extra/z/deep.jpg",
    ]))
    model = make_model(qtbot, ds)
    top = children(model)
    assert [i.data() for i in top] == ["data/coco", "x/y", "top.jpg"]
    assert [i.data() for i in children(model, top[0])] == ["extra/z", "train", "val"]
    train = children(model, top[0])[1]
    # Images keep file order inside their folder (not sorted by name).
    assert [i.data() for i in children(model, train)] == ["img10.jpg", "img2.jpg", "dot.jpg"]
    assert model.index(0, COL_COUNT).data() == "5"
    assert model.index_for_image(ds.images[4]).parent().data() == "x/y"
    assert model.ordered_images() == [ds.images[i] for i in (6, 1, 3, 5, 0, 4, 2)]


# ---- counts ------------------------------------------------------------------
def test_counts_follow_score_threshold_and_edits(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    vs = ViewState()
    model = make_model(qtbot, ds, vs)
    fake1, fake2, fake3 = ds.images
    assert [row_of(model, i).data(CountsRole) for i in ds.images] == [(2, 2), (1, 1), (0, 0)]

    # Every score is 1.0: a threshold above it hides all of them.
    with qtbot.waitSignal(model.dataChanged):
        vs.set_min_score(1.5)
    assert [row_of(model, i).data(CountsRole) for i in ds.images] == [(0, 2), (0, 1), (0, 0)]
    assert row_of(model, fake1).siblingAtColumn(COL_COUNT).data() == "0 / 2"

    vs.set_min_score(0.5)
    assert model.counts(fake1) == (2, 2)
    first = ds.annotations_of_image(0)[0]
    with qtbot.waitSignal(model.dataChanged) as blocker:
        ds.history.push(set_annotation_fields(ds, first, score=0.25))
    assert model.image_at(blocker.args[0]) is fake1
    assert row_of(model, fake1).data(CountsRole) == (1, 2)
    assert row_of(model, fake1).siblingAtColumn(COL_COUNT).data() == "1 / 2"
    ds.history.undo()
    assert row_of(model, fake1).data(CountsRole) == (2, 2)
    vs.set_category_hidden(2, True)
    assert row_of(model, fake1).data(CountsRole) == (1, 2)
    assert row_of(model, fake2).data(CountsRole) == (1, 1)


def test_delete_and_undo_update_counts(qtbot, corpus):
    ds = Dataset.load(corpus / VISDRONE)
    model = make_model(qtbot, ds)
    image = ds.images[3]
    anns = list(ds.annotations_of_image(image["id"]))
    before = row_of(model, image).data(CountsRole)
    assert before == (len(anns), len(anns))
    with qtbot.waitSignal(model.dataChanged) as blocker:
        ds.history.push(delete_annotations(ds, anns[:5]))
    assert model.image_at(blocker.args[0]) is image
    assert row_of(model, image).data(CountsRole) == (len(anns) - 5, len(anns) - 5)
    assert row_of(model, ds.images[2]).data(CountsRole)[1] == len(ds.annotations_of_image(ds.images[2]["id"]))
    ds.history.undo()
    assert row_of(model, image).data(CountsRole) == before


def test_moving_an_annotation_to_another_image_recounts_both(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    model = make_model(qtbot, ds)
    fake1, fake2, fake3 = ds.images
    assert model.counts(fake1) == (2, 2)
    ann = ds.annotations_of_image(0)[0]
    ds.history.push(set_annotation_fields(ds, ann, image_id=2))
    assert model.counts(fake1) == (1, 1)
    assert model.counts(fake3) == (1, 1)


def test_deleting_images_keeps_other_rows_current(qtbot, corpus):
    ds = Dataset.load(corpus / VISDRONE)
    model = make_model(qtbot, ds)
    keep = ds.images[10]
    persistent = model.index_for_image(keep)
    from PySide6.QtCore import QPersistentModelIndex
    persistent = QPersistentModelIndex(persistent)
    ds.history.push(delete_images(ds, ds.images[:4]))
    assert model.total_count() == 46
    assert persistent.isValid() and model.image_at(QModelIndex(persistent)) is keep
    assert persistent.row() == 6
    ds.history.undo()
    assert model.total_count() == 50
    assert model.image_at(QModelIndex(persistent)) is keep and persistent.row() == 10


# ---- filters -------------------------------------------------------------------
def test_filters_by_name_category_and_annotations(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    vs = ViewState()
    model = make_model(qtbot, ds, vs)
    fake1, fake2, fake3 = ds.images
    with qtbot.waitSignal(model.filtered) as blocker:
        model.set_filter(ImageFilter(text="KE2"))
    assert blocker.args == [1, 3]
    assert leaves(model) == [fake2]
    model.set_filter(ImageFilter(category_id=2))
    assert leaves(model) == [fake1]
    model.set_filter(ImageFilter(category_id="1"))  # ids compare as keys
    assert leaves(model) == [fake1, fake2]
    model.set_filter(ImageFilter(has_annotations=True))
    assert leaves(model) == [fake1, fake2]
    assert not model.index_for_image(fake3).isValid()

    # Visibility-dependent filters follow the view state.
    vs.set_min_score(1.5)
    model.flush()
    assert leaves(model) == []
    vs.set_min_score(0.0)
    vs.set_category_hidden(1, True)
    model.flush()
    assert leaves(model) == [fake1]
    model.set_filter(ImageFilter(category_id=1, text="fake"))
    assert leaves(model) == []
    model.set_filter(ImageFilter())
    assert leaves(model) == list(ds.images)


def test_findings_filter_uses_the_injected_predicate(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    model = make_model(qtbot, ds)
    model.set_filter(ImageFilter(has_findings=True))
    assert len(leaves(model)) == 3  # no predicate yet: the option does nothing
    calls = []

    def has_findings(image):
        calls.append(image["id"])
        return image["id"] == 2

    model.set_findings_predicate(has_findings)
    assert leaves(model) == [ds.images[2]]
    model.set_filter(ImageFilter(has_findings=True, text="fake"))
    assert leaves(model) == [ds.images[2]]
    assert sorted(calls) == [0, 1, 2]  # cached per image


def test_filter_keeps_persistent_indexes(qtbot, corpus):
    ds = Dataset.load(corpus / VISDRONE)
    model = make_model(qtbot, ds)
    from PySide6.QtCore import QPersistentModelIndex
    target = ds.images[7]
    kept = QPersistentModelIndex(model.index_for_image(target))
    folder = QPersistentModelIndex(model.index(0, 0))
    model.set_filter(ImageFilter(text=target["file_name"].split("/")[1][:12]))
    assert kept.isValid() and model.image_at(QModelIndex(kept)) is target
    assert folder.isValid()
    model.set_filter(ImageFilter(text="no such name"))
    assert not kept.isValid()
    assert model.rowCount() == 0 and model.shown_count() == 0


# ---- category grouping -----------------------------------------------------------
def test_category_grouping(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    model = make_model(qtbot, ds)
    model.set_grouping(CATEGORIES)
    fake1, fake2, fake3 = ds.images
    groups = children(model)
    assert [g.data() for g in groups] == ["bus", "car", "without annotations"]
    assert [g.siblingAtColumn(COL_COUNT).data() for g in groups] == ["2", "1", "1"]
    assert groups[0].siblingAtColumn(COL_ID).data() == "1"
    assert leaves(model, groups[0]) == [fake1, fake2]
    # Under a category, a leaf counts that category's annotations.
    assert model.index(0, 0, groups[0]).data(CountsRole) == (1, 1)
    assert model.index_for_image(fake1).parent().data() == "bus"
    assert model.index_for_image(fake1, category_id=2).parent().data() == "car"
    assert model.ordered_images() == [fake1, fake2, fake3]
    model.set_filter(ImageFilter(category_id=2))
    assert [g.data() for g in children(model)] == ["car"]
    assert model.shown_count() == 1


def test_category_grouping_follows_edits(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    model = make_model(qtbot, ds)
    model.set_grouping(CATEGORIES)
    fake2 = ds.images[1]
    ds.history.push(set_category(ds, ds.annotations_of_image(1), 2))
    model.flush()
    car = children(model)[1]
    assert car.data() == "car" and fake2 in leaves(model, car)
    ds.history.push(delete_annotations(ds, list(ds.annotations_of_image(1))))
    model.flush()
    assert model.index_for_image(fake2).parent().data() == "without annotations"
    ds.history.undo()
    ds.history.undo()
    model.flush()
    assert leaves(model, children(model)[0]) == ds.images[:2]


# ---- scale --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    if not MAKE_COCO.is_file():
        pytest.skip("../shared/tools/make_coco.py is not present")
    path = tmp_path_factory.mktemp("tree") / "synthetic.json"
    subprocess.run([sys.executable, str(MAKE_COCO), str(path), "--images", "20000", "--per-image", "2",
                    "--points", "4", "--categories", "20", "--scores"], check=True, capture_output=True)
    return Dataset.load(path)


def test_twenty_thousand_images_stay_lazy_and_paged(qtbot, synthetic):
    ds = synthetic
    start = time.perf_counter()
    model = DatasetTreeModel(ds, ViewState())
    built = time.perf_counter() - start
    assert built < 1.0
    assert model._counts == {}  # nothing counted before anything is shown
    # 20k images in one folder: pages of 5,000 so views lay out only what is opened.
    assert model.rowCount() == 4
    assert [model.index(r, COL_COUNT).data() for r in range(4)] == ["5,000"] * 4
    image = ds.images[12345]
    index = model.index_for_image(image)
    assert index.row() == 2345 and index.parent().row() == 2
    assert index.data(CountsRole)[1] == len(ds.annotations_of_image(image["id"]))
    assert len(model._counts) == 1
    start = time.perf_counter()
    model.set_filter(ImageFilter(text="1234"))
    assert time.perf_counter() - start < 1.0
    names = [i for i in ds.images if "1234" in i["file_name"]]
    assert model.rowCount() == len(names) and leaves(model) == names
    model.set_filter(ImageFilter(has_annotations=True))
    annotated = [i for i in ds.images if ds.annotations_of_image(i["id"])]
    assert model.shown_count() == len(annotated)
    assert model.ordered_images() == annotated


# ---- invariants ---------------------------------------------------------------------
_parts = st.sampled_from(["a", "b", "img", "A", "10", "2", "x y"])
_names = st.lists(_parts, min_size=1, max_size=4).map(lambda p: "/".join(p) + ".jpg")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_names, min_size=0, max_size=30), needle=st.sampled_from(["", "a", "IMG", "2", "b/"]))
def test_every_image_shows_once_under_its_folder(qtbot, names, needle):
    ds = Dataset.from_dict(doc(names))
    model = DatasetTreeModel(ds, ViewState())
    model.page_size, model.page_above = 3, 5
    model.set_filter(ImageFilter(text=needle))
    expected = [i for i in ds.images if needle.casefold() in i["file_name"].casefold()]
    shown = leaves(model)
    assert sorted(map(id, shown)) == sorted(map(id, expected))
    assert model.shown_count() == len(expected)
    for image in expected:
        index = model.index_for_image(image)
        assert model.image_at(index) is image
        parent = index.parent()
        while parent.isValid() and parent.data(GroupRole)[0] == "page":
            parent = parent.parent()
        folder = parent.data(GroupRole)[1] if parent.isValid() else ""
        assert folder == split_file_name(image["file_name"])[0]
    # Within a folder, file order.
    order = {id(img): n for n, img in enumerate(ds.images)}
    by_folder: dict[str, list[int]] = {}
    for image in shown:
        by_folder.setdefault(split_file_name(image["file_name"])[0], []).append(order[id(image)])
    assert all(v == sorted(v) for v in by_folder.values())
    assert model.ordered_images() == shown
