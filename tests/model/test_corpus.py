"""Every COCO file of the shared corpus loads and saves back losslessly."""

import json

import pytest

from cocoview.model.dataset import Dataset
from cocoview.model.errors import NotCocoError
from cocoview.model.writer import encode_document

from .helpers import same

NOT_DATASETS = ("results", "_non_coco_labelme", "panoptic_coco_categories.json",
                "dt_dataset.json", "dt_ignore_test.json", "example_crowdpose_preds.json")


def corpus_files(corpus):
    return sorted(p for p in corpus.rglob("*.json") if p.parent.name != "Visualization")


def test_every_dataset_loads_and_round_trips(corpus):
    loaded = refused = 0
    for path in corpus_files(corpus):
        original = json.loads(path.read_text(encoding="utf-8-sig"))
        if isinstance(original, list) or "images" not in original:
            with pytest.raises(NotCocoError):
                Dataset.load(path)
            refused += 1
            continue
        ds = Dataset.load(path)
        assert len(ds.images) == len(original["images"]), path
        assert len(ds.annotations) == len(original.get("annotations", [])), path
        out = json.loads(encode_document(ds.top_level, ds.layout, ds.absent_keys))
        assert same(out, original), path
        loaded += 1
    assert loaded >= 55 and refused >= 12


def test_refused_files_are_the_non_coco_ones(corpus):
    for path in corpus_files(corpus):
        if any(part in str(path) for part in NOT_DATASETS):
            with pytest.raises(NotCocoError):
                Dataset.load(path)
