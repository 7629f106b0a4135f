import pytest

from cocoview.model import commands as C
from cocoview.model.dataset import Dataset
from cocoview.model.writer import encode_document

from .helpers import small_doc


def doc_bytes(ds):
    return encode_document(ds.top_level, ds.layout, ds.absent_keys)


@pytest.fixture
def ds():
    return Dataset.from_dict(small_doc())


def ids(anns):
    return sorted(a.id for a in anns)


def check_undo(ds, command):
    before = doc_bytes(ds)
    ds.history.push(command)
    after = doc_bytes(ds)
    assert after != before
    assert not ds.history.is_clean
    ds.history.undo()
    assert doc_bytes(ds) == before and ds.history.is_clean
    ds.history.redo()
    assert doc_bytes(ds) == after
    return command


def test_set_category_moves_indexes(ds):
    ann = ds.annotations[0]
    cmd = check_undo(ds, C.set_category(ds, [ann], 3))
    assert ann.category_id == 3 and ann.to_dict()["attributes"] == {"occluded": False}
    assert ids(ds.annotations_of_category(3)) == [10, 11]
    assert ids(ds.annotations_of_category(7)) == [12]
    assert cmd.text == "Set category of 1 annotation to 'signboard'" and cmd.touches == 1


def test_delete_annotations_and_undo_restores_order(ds):
    anns = [ds.annotations[0], ds.annotations[2]]
    check_undo(ds, C.delete_annotations(ds, anns))
    assert [a.id for a in ds.annotations] == [11, 13]
    ds.history.undo()
    assert [a.id for a in ds.annotations] == [10, 11, 12, 13]
    assert [a.id for a in ds.annotations_of_image(0)] == [10, 11]
    assert ids(ds.annotations_of_category(7)) == [10, 12]


def test_delete_images_takes_their_annotations(ds):
    cmd = check_undo(ds, C.delete_images(ds, [ds.images[0]]))
    assert cmd.text == "Delete image 0 (2 annotations)"
    assert [i["id"] for i in ds.images] == [1, 2]
    assert ds.image(0) is None and ds.annotations_of_image(0) == []
    assert [a.id for a in ds.annotations] == [12, 13]


def test_edit_bbox(ds):
    ann = ds.annotations[0]
    check_undo(ds, C.set_bbox(ds, ann, [2, 3, 10, 10]))
    assert ann.bbox == [2.0, 3.0, 10.0, 10.0]
    assert ann.to_dict()["area"] == 100.0  # box-only annotation: area follows the box


def test_rename_category(ds):
    cat = ds.category(7)
    cmd = check_undo(ds, C.rename_category(ds, cat, "signboard-2"))
    assert cmd.text == "Rename category 'billboard' to 'signboard-2'"
    assert ds.category(7)["name"] == "signboard-2"
    assert list(ds.category(7)) == ["id", "name", "supercategory"]


def test_change_category_id_cascades(ds):
    check_undo(ds, C.change_category_id(ds, ds.category(7), 70))
    assert ds.category(7) is None and ds.category(70)["name"] == "billboard"
    assert ids(ds.annotations_of_category(70)) == [10, 12]
    assert all(a.category_id != 7 for a in ds.annotations)


def test_change_category_id_into_existing_is_merge(ds):
    cmd = check_undo(ds, C.change_category_id(ds, ds.category(7), 3))
    assert cmd.text == "Merge 'billboard' into 'signboard' (2 annotations)"
    assert [c["id"] for c in ds.categories] == [3, 9, 12]
    assert ids(ds.annotations_of_category(3)) == [10, 11, 12]


def test_merge_categories(ds):
    cmd = check_undo(ds, C.merge_categories(ds, [ds.category(7), ds.category(9)], ds.category(3)))
    assert cmd.touches == 3
    assert ids(ds.annotations_of_category(3)) == [10, 11, 12, 13]


def test_delete_category_with_annotations(ds):
    cmd = check_undo(ds, C.delete_category(ds, ds.category(7)))
    assert cmd.text == "Delete category 'billboard' and 2 annotations"
    assert [a.id for a in ds.annotations] == [11, 13]


def test_delete_category_reassigning(ds):
    check_undo(ds, C.delete_category(ds, ds.category(7), reassign_to=9))
    assert ids(ds.annotations_of_category(9)) == [10, 12, 13]
    assert len(ds.annotations) == 4


def test_add_category(ds):
    cmd = check_undo(ds, C.add_category(ds, "lamp", supercategory="street"))
    assert cmd.text == "Add category 'lamp' (id 13)"
    assert ds.categories[-1] == {"id": 13, "name": "lamp", "supercategory": "street"}


def test_renumber_categories_handles_swaps(ds):
    check_undo(ds, C.renumber_categories(ds, 1))
    assert [c["id"] for c in ds.categories] == [1, 2, 3, 4]
    assert {a.id: a.category_id for a in ds.annotations} == {10: 2, 11: 1, 12: 2, 13: 3}


def test_panoptic_category_change_rewrites_segments(corpus):
    ds = Dataset.load(corpus / "panopticapi/sample_data/panoptic_examples.json")
    assert ds.is_panoptic
    first = ds.annotations[0].to_dict()["segments_info"][0]["category_id"]
    cat = ds.category(first)
    ds.history.push(C.change_category_id(ds, cat, 999))
    segs = [s for a in ds.annotations for s in a.to_dict()["segments_info"]]
    assert not any(s["category_id"] == first for s in segs)
    assert any(s["category_id"] == 999 for s in segs)


def test_history_clean_state_and_events(ds):
    events = []
    ds.history.events.clean_changed.connect(lambda clean: events.append(clean))
    removed = []
    ds.events.annotations_removed.connect(lambda annotations: removed.extend(annotations))
    ds.history.push(C.delete_annotations(ds, [ds.annotations[0]]))
    assert events == [False] and [a.id for a in removed] == [10]
    ds.history.set_clean()
    assert events == [False, True] and ds.history.is_clean
    ds.history.undo()
    assert not ds.history.is_clean and ds.history.redo_text == "Delete 1 annotation"
    ds.history.push(C.rename_category(ds, ds.categories[0], "x"))
    # the clean state was on the discarded redo branch: unreachable now
    ds.history.undo()
    assert not ds.history.is_clean
    assert ds.history.texts() == ["Rename category 'signboard' to 'x'"]


def test_undo_of_a_single_delete_restores_index_order(ds):
    first = ds.annotations[0]
    ds.history.push(C.delete_annotations(ds, [first]))
    ds.history.undo()
    assert [a.id for a in ds.annotations_of_image(0)] == [10, 11]
    assert [a.id for a in ds.annotations_of_category(7)] == [10, 12]


def test_moving_an_annotation_keeps_lists_in_file_order(ds):
    ds.history.push(C.set_category(ds, [ds.annotations[2]], 3))   # 12 joins 11 in category 3
    ds.history.push(C.set_category(ds, [ds.annotations[0]], 3))   # 10 comes before both
    assert [a.id for a in ds.annotations_of_category(3)] == [10, 11, 12]


def test_delete_several_categories(ds):
    cmd = check_undo(ds, C.delete_categories(ds, [ds.category(7), ds.category(9)]))
    assert cmd.text == "Delete categories 'billboard', 'car' and 3 annotations"
    assert [a.id for a in ds.annotations] == [11] and [c["id"] for c in ds.categories] == [3, 12]


def test_delete_several_categories_reassigning(ds):
    cmd = check_undo(ds, C.delete_categories(ds, [ds.category(7), ds.category(9)], reassign_to=3))
    assert cmd.touches == 3 and ids(ds.annotations_of_category(3)) == [10, 11, 12, 13]
