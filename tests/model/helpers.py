"""Small documents and comparisons shared by the model tests."""

from __future__ import annotations

import json
import math
from typing import Any


def small_doc() -> dict:
    """Three images (ids 0, 1, 2), four categories, extra fields at every level."""
    return {
        "info": {"description": "tiny", "year": ""},
        "licenses": [],
        "images": [
            {"id": 0, "file_name": "a/one.jpg", "width": 100, "height": 80, "image_source_path": "s3://x"},
            {"id": 1, "file_name": "a/two.jpg", "width": 100, "height": 80},
            {"id": 2, "file_name": "b/three.jpg", "width": 50, "height": 40},
        ],
        "annotations": [
            {"id": 10, "image_id": 0, "category_id": 7, "bbox": [1, 2, 30, 20], "area": 600,
             "iscrowd": 0, "score": 0.91, "segmentation": [], "attributes": {"occluded": False}},
            {"id": 11, "image_id": 0, "category_id": 3, "bbox": [10, 10, 10, 10], "area": 100,
             "iscrowd": 0, "score": 0.2, "segmentation": [[10, 10, 20, 10, 20, 20, 10, 20]], "track_id": 4},
            {"id": 12, "image_id": 1, "category_id": 7, "bbox": [0, 0, 5, 5], "area": 25,
             "iscrowd": 0, "score": 0.5, "segmentation": []},
            {"id": 13, "image_id": 1, "category_id": 9, "bbox": [5, 5, 5, 5], "area": 25,
             "iscrowd": 0, "segmentation": []},
        ],
        "categories": [
            {"id": 3, "name": "signboard", "supercategory": "sign"},
            {"id": 7, "name": "billboard", "supercategory": "sign"},
            {"id": 9, "name": "car", "supercategory": "vehicle"},
            {"id": 12, "name": "unused", "supercategory": "none"},
        ],
    }


def write_json(path, obj: Any, **kwargs) -> str:
    path.write_text(json.dumps(obj, **kwargs), encoding="utf-8")
    return str(path)


def same(a: Any, b: Any) -> bool:
    """Equal values, equal types and equal key order, at every level (NaN equals NaN)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b
