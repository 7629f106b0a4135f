import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cocoview.model import commands
from cocoview.model.dataset import Dataset
from cocoview.model.geometry import segmentation_kind
from cocoview.model.stats import raw_segmentation_kind, stats

from tests.model.helpers import small_doc


def both(obj: dict, tmp_path) -> tuple[dict, dict]:
    """Stats from the dicts and from the file's bytes (the two reading paths)."""
    path = tmp_path / "d.json"
    path.write_text(json.dumps(obj, indent=1))
    return stats(Dataset.from_dict(json.loads(json.dumps(obj)))), stats(Dataset.load(path))


def test_small_document(tmp_path):
    from_dict, from_file = both(small_doc(), tmp_path)
    assert from_dict == from_file
    assert from_file == {
        "images": 3, "annotations": 4, "categories": 4,
        "per_category": [
            {"id": 3, "name": "signboard", "count": 1},
            {"id": 7, "name": "billboard", "count": 2},
            {"id": 9, "name": "car", "count": 1},
            {"id": 12, "name": "unused", "count": 0},
        ],
        "per_segmentation_kind": {"polygon": 1, "empty": 3},
        "with_score": 3,
        "crowd": 0,
    }


def test_every_kind_and_missing_categories(tmp_path):
    obj = {
        "images": [{"id": 1, "width": 10, "height": 10}],
        "categories": [{"id": 2, "name": "b"}, {"id": "1", "name": "a"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 1, 0, 1, 1]]},
            {"id": 2, "image_id": 1, "category_id": 2, "segmentation": {"size": [10, 10], "counts": "0`1"},
             "iscrowd": 1},
            {"id": 3, "image_id": 1, "category_id": 2, "segmentation": {"size": [10, 10], "counts": [100]},
             "iscrowd": True},
            {"id": 4, "image_id": 1, "category_id": 5, "segmentation": []},
            {"id": 5, "image_id": 1, "category_id": 6, "segmentation": None, "score": 0.5},
            {"id": 6, "image_id": 1, "category_id": 6, "score": "high"},
            {"id": 7, "image_id": 1, "segmentation": "oops", "iscrowd": 0, "score": 1},
            {"id": 8, "image_id": 1, "category_id": 2, "segmentation": [[]]},
            {"id": 9, "image_id": 1, "category_id": 2, "segmentation": [[0, 0, 1, 0, 1, 1], 3]},
        ],
    }
    from_dict, from_file = both(obj, tmp_path)
    assert from_dict == from_file
    assert from_file["per_segmentation_kind"] == {
        "polygon": 1, "rle_string": 1, "rle_list": 1, "empty": 2, "none": 2, "invalid": 2}
    # "1" and 1 are the same category; 5, 6 and the missing one have none.
    assert from_file["per_category"] == [
        {"id": 2, "name": "b", "count": 4},
        {"id": "1", "name": "a", "count": 1},
        {"id": None, "name": None, "count": 4},
    ]
    assert from_file["with_score"] == 2
    assert from_file["crowd"] == 2
    assert all(type(from_file[k]) is int for k in ("images", "annotations", "categories",
                                                   "with_score", "crowd"))


def test_empty_dataset():
    assert stats(Dataset.from_dict({"images": []})) == {
        "images": 0, "annotations": 0, "categories": 0, "per_category": [],
        "per_segmentation_kind": {}, "with_score": 0, "crowd": 0}


def test_panoptic_counts_segments(tmp_path):
    obj = {
        "images": [{"id": 1}, {"id": 2}],
        "categories": [{"id": 1, "name": "person"}, {"id": 10, "name": "road"}],
        "annotations": [
            {"image_id": 1, "file_name": "1.png", "segments_info": [
                {"id": 5, "category_id": 1, "iscrowd": 0}, {"id": 6, "category_id": 1, "iscrowd": 1},
                {"id": 7, "category_id": 10, "iscrowd": 0}]},
            {"image_id": 2, "file_name": "2.png", "segments_info": [
                {"id": 8, "category_id": 99, "iscrowd": 0}]},
        ],
    }
    from_dict, from_file = both(obj, tmp_path)
    assert from_dict == from_file
    assert from_file["segments"] == 4
    assert from_file["annotations"] == 2
    assert from_file["per_category"] == [{"id": 1, "name": "person", "count": 2},
                                         {"id": 10, "name": "road", "count": 1},
                                         {"id": None, "name": None, "count": 1}]
    assert from_file["crowd"] == 1


def test_stats_follow_edits():
    ds = Dataset.from_dict(small_doc())
    ds.history.push(commands.set_category(ds, ds.annotations_of_category(7), 3))
    counts = {row["id"]: row["count"] for row in stats(ds)["per_category"]}
    assert counts == {3: 3, 7: 0, 9: 1, 12: 0}
    ds.history.push(commands.set_annotation_fields(ds, ds.annotations[0],
                                                   segmentation={"size": [80, 100], "counts": [8000]}))
    assert stats(ds)["per_segmentation_kind"] == {"polygon": 1, "rle_list": 1, "empty": 2}


@settings(max_examples=150, deadline=None)
@given(st.recursive(
    st.none() | st.integers(-5, 5) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=3),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["size", "counts", "x"]), children, max_size=3),
    max_leaves=12))
def test_raw_kind_matches_decoded_kind(seg):
    raw = json.dumps(seg).encode()
    assert raw_segmentation_kind(raw) == segmentation_kind(json.loads(raw))
    spaced = json.dumps(seg, indent=2).encode()
    assert raw_segmentation_kind(spaced) == segmentation_kind(seg)


@pytest.mark.parametrize("seg, kind", [
    ([[1, 2, 3, 4, 5, 6]], "polygon"), ([[]], "empty"), ([[], []], "empty"), ([], "empty"),
    ([[], [1, 2, 3, 4, 5, 6]], "polygon"), ([[1.5] * 40], "polygon"), ([[1, 2], 3], "invalid"),
    ({"size": [1, 2], "counts": "02"}, "rle_string"), (None, "none"), ("x", "invalid"), (3, "invalid"),
])
def test_raw_kind_examples(seg, kind):
    assert raw_segmentation_kind(json.dumps(seg).encode()) == kind


def test_corpus_panoptic(corpus):
    ds = Dataset.load(corpus / "panopticapi/sample_data/panoptic_examples.json")
    result = stats(ds)
    assert result["annotations"] == 2 and result["segments"] == 50 and result["categories"] == 133
    assert sum(row["count"] for row in result["per_category"]) == 50
    assert result["per_category"][0] == {"id": 1, "name": "person", "count": 28}
    assert result["crowd"] == 3


def test_corpus_detection_files(corpus):
    ds = Dataset.load(corpus / "faster_coco_eval/tests/dataset/cocoapi/instances_val2014_100.json")
    result = stats(ds)
    assert result["per_segmentation_kind"] == {"polygon": 830, "rle_list": 9}
    assert result["crowd"] == 9 and "segments" not in result
    assert result["per_category"][0] == {"id": 1, "name": "person", "count": 256}
    assert sum(row["count"] for row in result["per_category"]) == 839
    ds = Dataset.load(corpus / "mmdetection/tests/data/coco_sample.json")
    assert stats(ds)["with_score"] == 3
    ds = Dataset.load(corpus / "datumaro/tests/assets/coco_dataset/coco_captions/annotations/captions_val.json")
    assert stats(ds)["per_category"] == [{"id": None, "name": None, "count": 2}]
