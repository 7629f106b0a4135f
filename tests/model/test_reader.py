import json

import pytest

from cocoview.model.dataset import Dataset
from cocoview.model.errors import CocoError, NotCocoError, ResultsFileError

from .helpers import same, small_doc, write_json


def test_loads_small_document(tmp_path):
    ds = Dataset.load(write_json(tmp_path / "a.json", small_doc()))
    assert len(ds.images) == 3 and len(ds.annotations) == 4 and len(ds.categories) == 4
    assert [a.id for a in ds.annotations_of_image(0)] == [10, 11]   # image 0 has annotations
    assert ds.annotations[0].to_dict()["attributes"] == {"occluded": False}


def test_bom_non_ascii_and_nan(tmp_path):
    doc = small_doc()
    doc["categories"][0]["name"] = "Schild – 看板"
    text = json.dumps(doc, ensure_ascii=False).replace('"score": 0.5', '"score": NaN')
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    ds = Dataset.load(str(path))
    assert ds.categories[0]["name"] == "Schild – 看板"
    score = ds.annotations[2].score
    assert score != score  # NaN survives
    assert ds.layout.bom and ds.layout.stdlib


def test_string_ids_and_big_ints(tmp_path):
    doc = small_doc()
    doc["images"][0]["id"] = "img-0"
    doc["annotations"][0]["image_id"] = "img-0"
    doc["annotations"][1]["image_id"] = "img-0"
    doc["annotations"][3]["id"] = 900100002299123456789012345
    ds = Dataset.load(write_json(tmp_path / "s.json", doc))
    assert len(ds.annotations_of_image("img-0")) == 2
    assert ds.annotations[3].id == 900100002299123456789012345
    assert type(ds.images[0]["id"]) is str


def test_mixed_string_and_int_ids_link_up(corpus):
    ds = Dataset.load(corpus / "faster_coco_eval/tests/dataset/gt_ignore_test.json")
    assert ds.images[0]["id"] == "2299"
    assert len(ds.annotations_of_image(2299)) == 14


@pytest.mark.parametrize("text, expected", [
    ("", "is empty"),
    ("   \n", "is empty"),
    ('{"images": [{"id": 1}', "line 1, column 22"),
    ('{"images": [],\n  "annotations": [1, 2,]}', "line 2, column 24"),
    ('{"images": "all"}', '"images" is a string, expected a list'),
    ('{"images": [], "annotations": {"a": 1}}', '"annotations" is an object'),
    ('{"images": [1, 2]}', "images[0] is a number, expected an object"),
    ('{"images": [], "annotations": [{"id": 1}, "x"]}', "annotations[1] is a string"),
    ('{"foo": 1}', 'no "images" list'),
    ('"hello"', "not a COCO dataset"),
    ("[1, 2, 3]", "not a COCO dataset"),
])
def test_unreadable_input_names_file_and_place(tmp_path, text, expected):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CocoError) as info:
        Dataset.load(str(path))
    message = str(info.value)
    assert str(path) in message and expected in message
    assert "\n" not in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CocoError, match="no such file"):
        Dataset.load(str(tmp_path / "nope.json"))
    with pytest.raises(CocoError, match="is a folder"):
        Dataset.load(str(tmp_path))


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"images": [], "x": "\xe9"}')
    with pytest.raises(CocoError, match="not UTF-8"):
        Dataset.load(str(path))


def test_results_list_is_refused(corpus):
    with pytest.raises(ResultsFileError, match="results file.*ground-truth"):
        Dataset.load(corpus / "cocoapi/results/instances_val2014_fakebbox100_results.json")


def test_labelme_and_category_list_are_refused(corpus):
    with pytest.raises(NotCocoError, match="LabelMe"):
        Dataset.load(corpus / "sahi/_non_coco_labelme/terrain1.json")
    with pytest.raises(NotCocoError, match="list of 133 categories"):
        Dataset.load(corpus / "panopticapi/panoptic_coco_categories.json")


def test_no_annotations_key(corpus):
    ds = Dataset.load(corpus / "panopticapi/sample_data/images_info_examples.json")
    assert ds.annotations == [] and "annotations" in ds.absent_keys
    assert len(ds.images) == 2 and len(ds.categories) == 133


def test_progress_and_cancel(tmp_path):
    import threading

    from cocoview.model.errors import Cancelled
    path = write_json(tmp_path / "p.json", small_doc())
    seen = []
    Dataset.load(path, progress=lambda m, f: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        Dataset.load(path, cancel=cancel)


def test_annotation_dict_is_exact(tmp_path):
    doc = small_doc()
    ds = Dataset.load(write_json(tmp_path / "a.json", doc))
    for ann, original in zip(ds.annotations, doc["annotations"]):
        assert same(ann.to_dict(), original)
