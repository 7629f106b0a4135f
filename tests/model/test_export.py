import json

import pytest
from pycocotools.coco import COCO

from cocoview.model.dataset import Dataset
from cocoview.model.errors import CocoError
from cocoview.model.export import ExportOptions, export_dataset, plan_export

from .helpers import small_doc, write_json


@pytest.fixture
def ds(tmp_path):
    return Dataset.load(write_json(tmp_path / "in.json", small_doc()))


def export(ds, tmp_path, **kw):
    out = tmp_path / "out.json"
    id_map = kw.pop("id_map", None)
    export_dataset(ds, str(out), ExportOptions(**kw), id_map)
    return json.loads(out.read_text())


def assert_sound(doc, tmp_path):
    """References resolve and pycocotools accepts the file."""
    images = {i["id"] for i in doc["images"]}
    cats = {c["id"] for c in doc["categories"]}
    for a in doc["annotations"]:
        assert a["image_id"] in images and a["category_id"] in cats
    path = tmp_path / "check.json"
    path.write_text(json.dumps(doc))
    coco = COCO(str(path))
    assert len(coco.anns) == len(doc["annotations"])


def test_plain_export_keeps_everything(ds, tmp_path):
    doc = export(ds, tmp_path)
    assert doc == small_doc()


def test_subset_by_categories_and_score(ds, tmp_path):
    doc = export(ds, tmp_path, categories=["billboard", "9"], min_score=0.3)
    assert [c["name"] for c in doc["categories"]] == ["billboard", "car"]
    # 12 (0.5) kept, 10 (0.91) kept, 13 has no score: kept; 11 is another category
    assert [a["id"] for a in doc["annotations"]] == [10, 12, 13]
    assert doc["annotations"][0]["attributes"] == {"occluded": False}
    assert_sound(doc, tmp_path)


def test_drop_empty_and_image_ids(ds, tmp_path):
    doc = export(ds, tmp_path, image_ids=["0", 2], drop_empty=True)
    assert [i["id"] for i in doc["images"]] == [0]
    doc = export(ds, tmp_path, image_ids=[2])
    assert [i["id"] for i in doc["images"]] == [2] and doc["annotations"] == []


def test_unknown_category_or_image_is_a_clear_error(ds, tmp_path):
    with pytest.raises(CocoError, match='no category named or numbered "nope"'):
        export(ds, tmp_path, categories=["nope"])
    with pytest.raises(CocoError, match="no image with id 77"):
        export(ds, tmp_path, image_ids=[77])


@pytest.mark.parametrize("start", [0, 1, 100])
def test_reindex_rewrites_references_and_maps(ds, tmp_path, start):
    map_path = tmp_path / "map.json"
    doc = export(ds, tmp_path, reindex=True, start_id=start, reindex_categories=True,
                 categories=[7, 9], id_map=str(map_path))
    assert [i["id"] for i in doc["images"]] == [start, start + 1, start + 2]
    assert [a["id"] for a in doc["annotations"]] == [start, start + 1, start + 2]
    assert [c["id"] for c in doc["categories"]] == [1, 2]
    assert [a["category_id"] for a in doc["annotations"]] == [1, 1, 2]
    assert doc["images"][0]["image_source_path"] == "s3://x"
    maps = json.loads(map_path.read_text())
    assert maps["images"] == [[0, start], [1, start + 1], [2, start + 2]]
    assert maps["annotations"] == [[10, start], [12, start + 1], [13, start + 2]]
    assert maps["categories"] == [[7, 1], [9, 2]]
    assert_sound(doc, tmp_path)


def test_dangling_annotations_are_dropped_and_counted(tmp_path):
    d = small_doc()
    d["annotations"].append({"id": 99, "image_id": 42, "category_id": 3, "bbox": [0, 0, 1, 1]})
    d["annotations"].append({"id": 98, "image_id": 0, "category_id": 55, "bbox": [0, 0, 1, 1]})
    ds = Dataset.from_dict(d)
    plan = plan_export(ds, ExportOptions())
    assert plan.dropped_dangling == 2 and len(plan.annotations) == 4
    assert_sound(export(ds, tmp_path, reindex=True), tmp_path)


def test_string_ids_reindexed_to_ints(corpus, tmp_path):
    ds = Dataset.load(corpus / "datumaro/tests/assets/mapillary_vistas_dataset/val/v2.0/panoptic/panoptic_2020.json")
    doc = export(ds, tmp_path, reindex=True)
    assert [i["id"] for i in doc["images"]] == [1, 2]
    assert {a["image_id"] for a in doc["annotations"]} == {1, 2}


def test_export_of_real_file_passes_pycocotools(corpus, tmp_path):
    ds = Dataset.load(corpus / "mmdetection/tests/data/coco_dummy/annotations/instances_val2017.json")
    doc = export(ds, tmp_path, reindex=True, reindex_categories=True, drop_empty=True)
    assert [c["id"] for c in doc["categories"]] == list(range(1, 81))
    assert_sound(doc, tmp_path)


def test_panoptic_records_get_no_invented_ids(corpus, tmp_path):
    ds = Dataset.load(corpus / "panopticapi/sample_data/panoptic_examples.json")
    map_path = tmp_path / "map.json"
    doc = export(ds, tmp_path, reindex=True, reindex_categories=True, id_map=str(map_path))
    assert all("id" not in a for a in doc["annotations"])
    assert [a["image_id"] for a in doc["annotations"]] == [1, 2]
    cats = {c["id"] for c in doc["categories"]}
    assert all(s["category_id"] in cats for a in doc["annotations"] for s in a["segments_info"])
    assert json.loads(map_path.read_text())["annotations"] == []
