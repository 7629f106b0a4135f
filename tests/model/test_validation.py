import dataclasses
import json
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_api

from cocoview.model import commands
from cocoview.model.dataset import Dataset
from cocoview.model.geometry import polygon_area
from cocoview.model.validation import Finding, summary, validate, validate_image


def doc(images=None, annotations=None, categories=None, **extra) -> dict:
    out = {
        "images": images if images is not None else [
            {"id": 1, "file_name": "a.jpg", "width": 100, "height": 80},
            {"id": 2, "file_name": "b.jpg", "width": 50, "height": 40},
        ],
        "annotations": annotations if annotations is not None else [],
        "categories": categories if categories is not None else [
            {"id": 1, "name": "cat"}, {"id": 2, "name": "dog"},
        ],
    }
    out.update(extra)
    return out


def ann(id=1, image_id=1, category_id=1, **fields) -> dict:
    base = {"id": id, "image_id": image_id, "category_id": category_id,
            "bbox": [10, 10, 20, 10], "area": 200, "iscrowd": 0,
            "segmentation": [[10, 10, 30, 10, 30, 20, 10, 20]]}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


def check(obj: dict, tmp_path=None) -> list[Finding]:
    """Validate from dicts and, when a folder is given, from the file's bytes too."""
    found = validate(Dataset.from_dict(obj))
    if tmp_path is not None:
        path = tmp_path / "d.json"
        path.write_text(json.dumps(obj))
        from_file = validate(Dataset.load(path))
        assert from_file == found
    return found


def codes(findings) -> list[tuple[str, str]]:
    return [(f.severity, f.code) for f in findings]


def only(findings, code) -> list[Finding]:
    return [f for f in findings if f.code == code]


# ---- the Finding record ---------------------------------------------------------------
def test_finding_is_frozen_and_serialises():
    f = Finding("error", "dangling-image-id", "annotation 17 refers to image_id 99, which no image has",
                image_id=99, annotation_id=17)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.code = "x"
    assert f.to_dict() == {"severity": "error", "code": "dangling-image-id",
                           "message": "annotation 17 refers to image_id 99, which no image has",
                           "image_id": 99, "annotation_id": 17, "category_id": None}
    assert json.loads(json.dumps(f.to_dict())) == f.to_dict()
    assert summary([f, f, Finding("warning", "x", "m")]) == {"error": 2, "warning": 1}


def test_clean_dataset_has_no_findings(tmp_path):
    obj = doc(annotations=[ann(1), ann(2, image_id=2, category_id=2, bbox=[0, 0, 50, 40],
                                       area=2000, segmentation=[[0, 0, 50, 0, 50, 40, 0, 40]])])
    assert check(obj, tmp_path) == []


# ---- links ------------------------------------------------------------------------------
def test_dangling_image_and_category_ids(tmp_path):
    found = check(doc(annotations=[ann(17, image_id=99), ann(18, category_id=42)]), tmp_path)
    assert codes(found) == [("error", "dangling-image-id"), ("error", "dangling-category-id")]
    first, second = found
    assert first.message == "annotation 17 refers to image_id 99, which no image has"
    assert (first.image_id, first.annotation_id) == (99, 17)
    assert second.message == "annotation 18 refers to category_id 42, which no category has"
    assert (second.image_id, second.annotation_id, second.category_id) == (1, 18, 42)


def test_string_ids_are_named_quoted(tmp_path):
    found = check(doc(annotations=[ann("a-1", image_id="img-9")]), tmp_path)
    assert found[0].message == 'annotation "a-1" refers to image_id "img-9", which no image has'


def test_panoptic_segment_with_unknown_category(tmp_path):
    obj = doc(annotations=[{"image_id": 1, "file_name": "a.png", "segments_info": [
        {"id": 5, "category_id": 1, "area": 10, "bbox": [0, 0, 2, 5], "iscrowd": 0},
        {"id": 6, "category_id": 77, "area": 10, "bbox": [], "iscrowd": 0},
    ]}])
    found = check(obj, tmp_path)
    assert codes(found) == [("error", "dangling-category-id")]
    assert found[0].message == ("segment 6 of the annotation of image 1 refers to category_id 77, "
                                "which no category has")
    assert found[0].category_id == 77 and found[0].image_id == 1 and found[0].annotation_id is None


def test_panoptic_bad_segments_info():
    found = check(doc(annotations=[{"image_id": 1, "segments_info": {"id": 1}},
                                   {"image_id": 2, "segments_info": [3, {"id": 1}]}]))
    assert codes(found) == [("error", "bad-segments-info"), ("error", "bad-segments-info"),
                            ("error", "bad-id-type")]
    assert "segments_info[0]" in found[1].message and "segment 1 " in found[2].message


def test_captions_are_not_checked_for_categories():
    found = check(doc(annotations=[{"id": 1, "image_id": 1, "category_id": 0, "caption": "a cat"}],
                      categories=[]))
    assert found == []


# ---- duplicates and id types ---------------------------------------------------------------
def test_duplicate_ids_reported_once_each(tmp_path):
    images = [{"id": 1, "width": 10, "height": 10}, {"id": "1", "width": 10, "height": 10},
              {"id": 1, "width": 10, "height": 10}, {"id": 2, "width": 10, "height": 10}]
    cats = [{"id": 3, "name": "a"}, {"id": 3, "name": "b"}]
    anns = [ann(5, category_id=3, bbox=[1, 1, 2, 2], area=4, segmentation=...),
            ann(6, category_id=3, bbox=[1, 1, 2, 2], area=4, segmentation=...),
            ann(5, category_id=3, image_id=2, bbox=[1, 1, 2, 2], area=4, segmentation=...)]
    found = check(doc(images=images, annotations=anns, categories=cats), tmp_path)
    dup_img = only(found, "duplicate-image-id")
    assert len(dup_img) == 1 and dup_img[0].severity == "error"
    assert dup_img[0].message == "image id 1 is used by 3 images (images[0], images[1], images[2])"
    dup_cat = only(found, "duplicate-category-id")
    assert [f.message for f in dup_cat] == ["category id 3 is used by 2 categories (categories[0], categories[1])"]
    dup_ann = only(found, "duplicate-annotation-id")
    assert [f.message for f in dup_ann] == ["annotation id 5 is used by 2 annotations (annotations[0], annotations[2])"]
    assert dup_ann[0].annotation_id == 5
    # The string "1" links to image 1, which pycocotools would not do.
    assert not only(found, "mixed-id-types")


def test_many_duplicates_keep_the_message_short():
    anns = [ann(7, bbox=[1, 1, 2, 2], area=4, segmentation=...) for _ in range(50)]
    found = only(check(doc(annotations=anns)), "duplicate-annotation-id")
    assert len(found) == 1
    assert found[0].message.endswith("annotations[3] and 46 more)")


@pytest.mark.parametrize("bad, shown", [(1.5, "1.5"), (None, None), ([1], "[1]"), (True, "True")])
def test_wrong_id_types(bad, shown):
    images = [{"id": 1, "width": 10, "height": 10}, {"id": bad, "width": 10, "height": 10}]
    cats = [{"id": 1, "name": "a"}, {"id": bad, "name": "b"}]
    anns = [ann(bad, bbox=[1, 1, 2, 2], area=4, segmentation=...),
            ann(2, image_id=bad, bbox=[1, 1, 2, 2], area=4, segmentation=...),
            ann(3, category_id=bad, bbox=[1, 1, 2, 2], area=4, segmentation=...)]
    found = check(doc(images=images, annotations=anns, categories=cats))
    bad_ids = only(found, "bad-id-type")
    messages = [f.message for f in bad_ids]
    if bad is None:
        # A null category_id is treated as absent.
        assert messages == ["images[1] has no id" if False else "images[1] has id None, expected an int or a string",
                            "categories[1] has id None, expected an int or a string",
                            "annotations[0] has no id",
                            "annotation 2 has no image_id"]
    else:
        assert messages == [f"images[1] has id {shown}, expected an int or a string",
                            f"categories[1] has id {shown}, expected an int or a string",
                            f"annotations[0] has id {shown}, expected an int or a string",
                            f"annotation 2 has image_id {shown}, expected an int or a string",
                            f"annotation 3 has category_id {shown}, expected an int or a string"]
    assert all(f.severity == "error" for f in bad_ids)
    assert not only(found, "dangling-image-id") and not only(found, "dangling-category-id")


def test_missing_ids_are_named_by_position():
    images = [{"width": 10, "height": 10}]
    cats = [{"name": "x"}]
    anns = [{"image_id": 5, "category_id": 1, "bbox": [1, 1, 2, 2], "area": 4}]
    found = check(doc(images=images, annotations=anns, categories=cats))
    assert [f.message for f in only(found, "bad-id-type")] == [
        "images[0] has no id", "categories[0] has no id", "annotations[0] has no id"]


def test_big_and_zero_ids_are_fine():
    big = 2 ** 70
    found = check(doc(images=[{"id": 0, "width": 10, "height": 10}],
                      annotations=[ann(big, image_id=0, category_id=0, bbox=[1, 1, 2, 2], area=4,
                                       segmentation=...)],
                      categories=[{"id": 0, "name": "bg"}]))
    assert found == []


def test_mixed_id_types_warn(tmp_path):
    images = [{"id": "2299", "width": 500, "height": 302}]
    cats = [{"id": 1, "name": "person"}]
    anns = [ann(1, image_id="2299", segmentation=...), ann(2, image_id=2299, segmentation=...),
            ann(3, image_id="2299", category_id="1", segmentation=...)]
    found = check(doc(images=images, annotations=anns, categories=cats), tmp_path)
    assert codes(found) == [("warning", "mixed-id-types")] * 2
    assert found[0].message == ('annotation 2 has image_id 2299 (a number) but the image\'s id is "2299" '
                                "(a string); cocoview links them, pycocotools would not")
    assert found[0].image_id == 2299 and found[0].annotation_id == 2
    assert found[1].message.startswith('annotation 3 has category_id "1" (a string) but the category\'s id is 1')


# ---- images -----------------------------------------------------------------------------------
def test_image_sizes():
    images = [{"id": 1, "width": 10}, {"id": 2, "width": 0, "height": -3},
              {"id": 3, "width": "640", "height": 480}, {"id": 4, "width": 64.0, "height": 48}]
    found = check(doc(images=images))
    assert codes(found) == [("warning", "bad-image-size")] * 3
    assert [f.message for f in found] == ["image 1 has no height", "image 2 has width 0 and height -3",
                                          'image 3 has width "640"']
    assert [f.image_id for f in found] == [1, 2, 3]


# ---- boxes ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("bbox", [[], [1, 2, 3], [1, 2, 3, 4, 5], "1,2,3,4", [1, 2, "3", 4],
                                  [1, 2, None, 4], [1, 2, True, 4], [1, 2, float("nan"), 4],
                                  [1, 2, float("inf"), 4], {"x": 1}])
def test_bad_bbox_shapes(bbox):
    found = check(doc(annotations=[ann(4, bbox=bbox, segmentation=...)]))
    assert codes(found)[0] == ("error", "bad-bbox")
    assert found[0].message.startswith("annotation 4 has bbox ")
    assert found[0].message.endswith(", expected [x, y, width, height]")
    assert found[0].annotation_id == 4 and found[0].image_id == 1 and found[0].category_id == 1


@pytest.mark.parametrize("bbox", [[1, 1, 0, 5], [1, 1, 5, -1], [0, 0, 0, 0]])
def test_degenerate_bbox(bbox):
    found = check(doc(annotations=[ann(4, bbox=bbox)]))
    assert codes(found) == [("error", "degenerate-bbox")]
    assert "both must be positive" in found[0].message


def test_bbox_outside_image():
    anns = [ann(1, bbox=[90, 70, 20, 20], area=100, segmentation=...),
            ann(2, bbox=[-0.5, 0, 100.5, 80.4], area=100, segmentation=...),   # within slack
            ann(3, bbox=[200, 10, 5, 5], area=25, segmentation=...),
            ann(4, bbox=[-10, 5, 5, 5], area=25, segmentation=...)]
    found = check(doc(annotations=anns))
    assert codes(found) == [("warning", "bbox-outside-image")] * 3
    assert found[0].message == "annotation 1 has bbox [90, 70, 20, 20], partly outside its 100x80 image"
    assert "entirely outside" in found[1].message and found[1].annotation_id == 3
    assert "entirely outside" in found[2].message and found[2].annotation_id == 4


def test_missing_bbox_is_fine_for_image_labels():
    found = check(doc(annotations=[{"id": 1, "image_id": 1, "category_id": 1}]))
    assert found == []


# ---- segmentations --------------------------------------------------------------------------------
def test_polygon_parts():
    anns = [ann(1, segmentation=[[10, 10, 30, 10, 30, 20, 10, 20], [1, 1, 2, 2]]),
            ann(2, segmentation=[[10, 10, 30, 10, 30, 20, 10]]),
            ann(3, segmentation=[[10, 10, 30, 10, 30, "20"]]),
            ann(4, segmentation=[[10, 10, 30, 10, 30, None, 10, 20]]),
            ann(5, segmentation=[[10, 10, 30, 10, 30, 20, 10, 20], []])]
    found = check(doc(annotations=anns))
    assert codes(found) == [("error", "bad-polygon")] * 5
    assert [f.message for f in found] == [
        "annotation 1: polygon part 1 has 4 numbers; a part needs at least 6 (3 points)",
        "annotation 2: polygon part 0 has 7 numbers, an odd count",
        "annotation 3: polygon part 0 holds something that is not a finite number",
        "annotation 4: polygon part 0 holds something that is not a finite number",
        "annotation 5: polygon part 1 has 0 numbers; a part needs at least 6 (3 points)",
    ]


@pytest.mark.parametrize("seg", ["abc", 5, [1, 2, 3, 4, 5, 6], {"counts": [1]},
                                 {"size": [80, 100]}, {"size": "80x100", "counts": "abc"}])
def test_bad_segmentation(seg):
    found = check(doc(annotations=[ann(9, segmentation=seg)]))
    assert codes(found)[0] == ("error", "bad-segmentation")
    assert found[0].message.startswith("annotation 9 has segmentation ")


def test_messages_stay_on_one_line():
    found = check(doc(annotations=[ann(9, segmentation="line one\nline two" * 20),
                                   ann("a\nb", image_id="x\r\ny")]))
    assert len(found) == 2
    assert all("\n" not in f.message and "\r" not in f.message and len(f.message) < 200 for f in found)
    assert found[1].annotation_id == "a\nb"  # the id itself is kept as it is


def full_rle(h, w, fg_first_col=True):
    """List counts with the first column foreground."""
    return {"size": [h, w], "counts": [0, h, h * w - h]} if fg_first_col else {"size": [h, w], "counts": [h * w]}


def test_rle_size_and_counts(tmp_path):
    good = full_rle(80, 100)
    anns = [ann(1, iscrowd=1, segmentation=good, area=80, bbox=[0, 0, 1, 80]),
            ann(2, iscrowd=1, segmentation=full_rle(40, 50), area=40, bbox=[0, 0, 1, 40]),
            ann(3, iscrowd=1, segmentation={"size": [80, 100], "counts": [0, 80, 10]}, area=80,
                bbox=[0, 0, 1, 80]),
            ann(4, iscrowd=1, segmentation={"size": [80, 100], "counts": [0, -80, 10]}, area=80,
                bbox=[0, 0, 1, 80]),
            ann(5, iscrowd=1, segmentation={"size": [80, 100], "counts": "0\x7f"}, area=80,
                bbox=[0, 0, 1, 80])]
    found = check(doc(annotations=anns), tmp_path)
    assert codes(found) == [("error", "rle-size-mismatch"), ("error", "bad-rle-counts"),
                            ("error", "bad-rle-counts"), ("error", "bad-rle-counts")]
    assert found[0].message == "annotation 2 has RLE size [40, 50] but its image is 80 high and 100 wide"
    assert found[1].message == "annotation 3 has RLE counts adding up to 90, expected 80x100 = 8000"
    assert found[2].annotation_id == 4 and "-80" in found[2].message
    assert found[3].annotation_id == 5


def test_string_rle_is_checked_like_list_rle():
    mask = np.zeros((80, 100), dtype=np.uint8, order="F")
    mask[10:20, 10:30] = 1
    rle = mask_api.encode(mask)
    good = {"size": [80, 100], "counts": rle["counts"].decode()}
    short = {"size": [80, 101], "counts": rle["counts"].decode()}
    found = check(doc(annotations=[ann(1, iscrowd=1, segmentation=good),
                                   ann(2, iscrowd=1, segmentation=short)]))
    assert codes(found) == [("error", "rle-size-mismatch"), ("error", "bad-rle-counts")]
    assert "expected 80x101 = 8080" in found[1].message


def test_huge_claimed_rle_validates_without_a_mask():
    side = 200_000
    total = side * side
    runs = [0] + [1_000_000_000] * (total // 1_000_000_000)
    assert sum(runs) == total
    images = [{"id": 1, "width": side, "height": side}]
    anns = [ann(1, iscrowd=1, bbox=[0, 0, side, side], area=total // 2,
                segmentation={"size": [side, side], "counts": runs}),
            ann(2, iscrowd=1, bbox=[0, 0, side, side], area=total,
                segmentation={"size": [side, side], "counts": [0, total + 1]})]
    start = time.perf_counter()
    found = check(doc(images=images, annotations=anns))
    assert time.perf_counter() - start < 5
    assert codes(found) == [("error", "bad-rle-counts")]
    assert found[0].annotation_id == 2


def test_huge_polygon_validates_quickly():
    t = np.linspace(0, 2 * np.pi, 100_000, endpoint=False)
    flat = np.column_stack([50 + 30 * np.cos(t), 40 + 30 * np.sin(t)]).ravel().round(3).tolist()
    area = float(np.pi * 30 ** 2)
    anns = [ann(1, segmentation=[flat], area=area, bbox=[20, 10, 60, 60]),
            ann(2, segmentation=[flat], area=area * 3, bbox=[20, 10, 60, 60])]
    obj = doc(images=[{"id": 1, "width": 100, "height": 80}], annotations=anns)
    start = time.perf_counter()
    found = check(obj)
    assert time.perf_counter() - start < 5
    assert codes(found) == [("warning", "area-mismatch")]
    assert found[0].annotation_id == 2


# ---- crowd flags ---------------------------------------------------------------------------
def test_hasty_style_rle_with_iscrowd_zero(tmp_path):
    mask = np.zeros((80, 100), dtype=np.uint8, order="F")
    mask[5:25, 40:60] = 1
    counts = mask_api.encode(mask)["counts"].decode()
    anns = [ann(31, iscrowd=0, bbox=[40, 5, 20, 20], area=400,
                segmentation={"size": [80, 100], "counts": counts}),
            ann(32, iscrowd=..., bbox=[40, 5, 20, 20], area=400,
                segmentation={"size": [80, 100], "counts": counts})]
    found = check(doc(annotations=anns), tmp_path)
    assert codes(found) == [("warning", "crowd-mismatch")] * 2
    assert found[0].message.startswith("annotation 31 has an RLE segmentation but iscrowd 0")
    assert found[1].message.startswith("annotation 32 has an RLE segmentation but no iscrowd")


def test_crowd_polygon():
    found = check(doc(annotations=[ann(8, iscrowd=1)]))
    assert codes(found) == [("warning", "crowd-mismatch")]
    assert found[0].message.startswith("annotation 8 has iscrowd 1 but a polygon segmentation")


# ---- areas ------------------------------------------------------------------------------------
def test_area_missing_and_not_a_number():
    anns = [ann(1, area=...), ann(2, area="200"), ann(3, area=None),
            {"id": 4, "image_id": 1, "category_id": 1}]
    found = check(doc(annotations=anns))
    assert codes(found) == [("warning", "area-missing"), ("warning", "bad-area"), ("warning", "bad-area")]
    assert found[0].message == "annotation 1 has no area"
    assert found[1].message == 'annotation 2 has area "200", expected a number'


def test_area_far_from_polygon():
    found = check(doc(annotations=[ann(1, area=8000), ann(2, area=150), ann(3, area=215)]))
    assert codes(found) == [("warning", "area-mismatch"), ("warning", "area-mismatch")]
    assert found[0].message == "annotation 1 has area 8000 but its polygons cover about 200"
    assert found[1].annotation_id == 2


def test_area_of_rle():
    rle = full_rle(80, 100)   # 80 foreground pixels
    anns = [ann(1, iscrowd=1, segmentation=rle, area=80, bbox=[0, 0, 1, 80]),
            ann(2, iscrowd=1, segmentation=rle, area=95, bbox=[0, 0, 2, 80]),    # crowd slack
            ann(3, iscrowd=1, segmentation=rle, area=200, bbox=[0, 0, 3, 80])]
    found = check(doc(annotations=anns))
    assert codes(found) == [("warning", "area-mismatch")]
    assert found[0].message == "annotation 3 has area 200 but its RLE covers 80"


def test_box_only_area():
    anns = [ann(1, segmentation=..., area=200),           # exactly w*h
            ann(2, segmentation=[], area=120),            # a stripped mask's area is smaller
            ann(3, segmentation=..., area=8000),          # the whole image's area
            ann(4, segmentation=[], area=0)]
    found = check(doc(annotations=anns))
    assert codes(found) == [("warning", "area-exceeds-bbox")]
    assert found[0].message == "annotation 3 has area 8000, more than its 20x10 bbox holds"


def test_keypoint_annotations_skip_area_checks():
    kp = [15, 15, 2] * 17
    anns = [ann(1, segmentation=..., area=..., keypoints=kp, num_keypoints=17),
            ann(2, segmentation=[], area=5000, keypoints=kp, num_keypoints=17)]
    assert check(doc(annotations=anns)) == []


@settings(max_examples=80, deadline=None)
@given(st.integers(3, 12), st.floats(0.5, 35), st.floats(0, 2 * np.pi), st.booleans(),
       st.integers(0, 10 ** 6))
def test_rasterised_and_shoelace_areas_are_accepted(n, radius, phase, star, seed):
    # Exporters store either pycocotools' rasterised area or the polygon's
    # own area (official COCO); neither may be warned about.
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n)) + phase
    radii = radius * (rng.uniform(0.2, 1.0, n) if star else 1.0)
    xs = 50 + radii * np.cos(angles)
    ys = 40 + radii * np.sin(angles)
    flat = np.column_stack([xs, ys]).ravel().round(2).tolist()
    raster = int(mask_api.area(mask_api.frPyObjects([flat], 80, 100)[0]))
    x0, y0 = float(xs.min()), float(ys.min())
    bbox = [x0, y0, float(xs.max()) - x0 + 0.01, float(ys.max()) - y0 + 0.01]
    anns = [ann(1, segmentation=[flat], area=raster, bbox=bbox),
            ann(2, segmentation=[flat], area=round(polygon_area(flat), 2), bbox=bbox)]
    found = check(doc(annotations=anns))
    assert not [f for f in found if f.code in ("area-mismatch", "area-exceeds-bbox")], found


def test_thin_polygon_with_rasterised_area():
    sliver = [43, 77, 45, 65, 21, 52, 36, 49, 38, 45, 32, 39]   # shoelace 24.5
    raster = int(mask_api.area(mask_api.frPyObjects([sliver], 80, 100)[0]))
    assert raster > 2 * polygon_area(sliver) + 10
    found = check(doc(annotations=[ann(1, segmentation=[sliver], area=raster, bbox=[21, 39, 24, 38]),
                                   ann(2, segmentation=[sliver], area=raster * 3, bbox=[21, 39, 24, 38])]))
    assert [(f.code, f.annotation_id) for f in found] == [("area-mismatch", 2)]


# ---- edits and one image ------------------------------------------------------------------------
def test_edited_annotations_are_validated(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(doc(annotations=[ann(1), ann(2)])))
    ds = Dataset.load(path)
    assert validate(ds) == []
    ds.history.push(commands.set_bbox(ds, ds.annotations[1], [10, 10, 0, 10]))
    ds.history.push(commands.set_annotation_fields(ds, ds.annotations[0], image_id=99))
    found = validate(ds)
    assert codes(found) == [("error", "dangling-image-id"), ("error", "degenerate-bbox")]
    ds.history.undo()
    ds.history.undo()
    assert validate(ds) == []


def test_validate_image_reports_its_own_findings():
    anns = [ann(1, image_id=1, category_id=42), ann(2, image_id=2, area=9999, bbox=[0, 0, 10, 10],
                                                    segmentation=...),
            ann(1, image_id=2, bbox=[0, 0, 5, 5], area=25, segmentation=...), ann(3, image_id=77)]
    ds = Dataset.from_dict(doc(annotations=anns))
    first = validate_image(ds, ds.images[0])
    assert codes(first) == [("error", "duplicate-annotation-id"), ("error", "dangling-category-id")]
    second = validate_image(ds, ds.images[1])
    assert codes(second) == [("warning", "area-exceeds-bbox"), ("error", "duplicate-annotation-id")]
    # The whole-file check holds the same findings (plus the dangling image).
    everything = validate(ds)
    assert set(first + second) < set(everything)
    assert only(everything, "dangling-image-id")[0].annotation_id == 3


def test_validate_image_follows_changes():
    anns = [ann(1, image_id=1), ann(1, image_id=1, bbox=[0, 0, 5, 5], area=25, segmentation=...)]
    ds = Dataset.from_dict(doc(annotations=anns))
    image = ds.images[0]
    assert codes(validate_image(ds, image)) == [("error", "duplicate-annotation-id")] * 2
    ds.history.push(commands.delete_annotations(ds, [ds.annotations[1]]))
    assert validate_image(ds, image) == []
    ds.history.undo()
    assert len(validate_image(ds, image)) == 2
    ds.history.push(commands.set_annotation_fields(ds, ds.annotations[1], id=2))
    assert validate_image(ds, image) == []


def test_validate_image_with_bad_image():
    ds = Dataset.from_dict(doc(images=[{"id": 1, "width": 10, "height": 10},
                                       {"file_name": "x.jpg", "width": 0, "height": 5}]))
    found = validate_image(ds, ds.images[1])
    assert [f.message for f in found] == ["images[1] has no id", "images[1] has width 0"]


def test_validate_image_is_fast_on_a_big_dataset():
    n_images, per = 5000, 8
    images = [{"id": i, "width": 640, "height": 480} for i in range(n_images)]
    anns = [ann(i * per + k, image_id=i, segmentation=...) for i in range(n_images) for k in range(per)]
    ds = Dataset.from_dict(doc(images=images, annotations=anns))
    validate_image(ds, ds.images[0])  # builds the id counts once
    start = time.perf_counter()
    for image in ds.images[:500]:
        assert validate_image(ds, image) == []
    assert time.perf_counter() - start < 2.0


# ---- real files ------------------------------------------------------------------------------------
def load(corpus, rel):
    return Dataset.load(corpus / rel)


def test_corpus_mixed_id_types(corpus):
    ds = load(corpus, "faster_coco_eval/tests/dataset/gt_ignore_test.json")
    found = validate(ds)
    assert codes(found) == [("warning", "mixed-id-types")] * 13
    assert found[0].annotation_id == 1226789 and found[0].image_id == 2299
    assert "annotation 1226789 has image_id 2299 (a number)" in found[0].message
    assert found[-1].annotation_id == 900100002299
    assert not only(found, "dangling-image-id")


def test_corpus_duplicate_annotation_ids(corpus):
    found = validate(load(corpus, "mmdetection/tests/data/coco_wrong_format_sample.json"))
    assert codes(found) == [("error", "duplicate-annotation-id")]
    assert found[0].message == "annotation id 1 is used by 2 annotations (annotations[0], annotations[1])"


def test_corpus_datumaro_crowd_area_beyond_bbox(corpus):
    found = validate(load(corpus, "datumaro/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json"))
    assert codes(found) == [("warning", "area-exceeds-bbox")]
    assert found[0].annotation_id == 2 and found[0].image_id == 40
    assert found[0].message == "annotation 2 has area 20, more than its 1x9 bbox holds"


def test_corpus_area_of_whole_image(corpus):
    found = validate(load(corpus, "sahi/tests/data/coco_utils/terrain2_coco.json"))
    assert codes(found) == [("warning", "area-mismatch")] * 5
    assert found[0].message == "annotation 1 has area 698368 but its polygons cover about 35742"
    found = validate(load(corpus, "sahi/tests/data/coco_evaluate/dataset.json"))
    assert set(codes(found)) == {("warning", "area-exceeds-bbox")} and len(found) == 249


def test_corpus_rle_without_crowd_flag(corpus):
    found = validate(load(corpus, "panopticapi/sample_data/panoptic_coco_detection_format.json"))
    assert codes(found) == [("warning", "crowd-mismatch")] * 47
    assert found[0].annotation_id == 0


@pytest.mark.parametrize("rel", [
    "panopticapi/sample_data/panoptic_examples.json",
    "datumaro/tests/assets/coco_dataset/coco_panoptic/annotations/panoptic_train.json",
    "datumaro/tests/assets/mapillary_vistas_dataset/val/v2.0/panoptic/panoptic_2020.json",
    "faster_coco_eval/tests/dataset/cocoapi/instances_val2014_100.json",
    "faster_coco_eval/tests/keypoints_dataset/gt_dataset.json",
    "mmdetection/tests/data/coco_dummy/annotations/instances_val2017.json",
    "labelme/examples/instance_segmentation/data_dataset_coco/annotations.json",
    "sahi/tests/data/coco_utils/visdrone2019-det-train-first50image.json",
    "datumaro/tests/assets/coco_dataset/coco_captions/annotations/captions_val.json",
    "datumaro/tests/assets/coco_dataset/coco_labels/annotations/labels_val.json",
])
def test_corpus_files_without_problems(corpus, rel):
    assert validate(load(corpus, rel)) == []


def test_corpus_panoptic_segment_category_removed(corpus):
    obj = json.loads((corpus / "panopticapi/sample_data/panoptic_examples.json").read_text())
    first_segment = obj["annotations"][0]["segments_info"][0]
    gone = first_segment["category_id"]
    obj["categories"] = [c for c in obj["categories"] if c["id"] != gone]
    found = validate(Dataset.from_dict(obj))
    assert found and {f.code for f in found} == {"dangling-category-id"}
    assert all(f.category_id == gone for f in found)
    assert found[0].message == (f"segment {first_segment['id']} of the annotation of image "
                                f"{obj['annotations'][0]['image_id']} refers to category_id {gone}, "
                                "which no category has")


def test_scored_detections_with_rle_are_not_crowd_mismatches():
    from pycocotools import mask as mask_utils
    import numpy as np
    from cocoview.model.dataset import Dataset
    from cocoview.model.validation import validate
    m = np.zeros((20, 20), dtype=np.uint8, order="F")
    m[2:8, 2:8] = 1
    rle = mask_utils.encode(m)
    rle["counts"] = rle["counts"].decode()
    doc = {"images": [{"id": 1, "width": 20, "height": 20, "file_name": "a.jpg"}],
           "categories": [{"id": 1, "name": "a"}],
           "annotations": [
               {"id": 1, "image_id": 1, "category_id": 1, "segmentation": rle, "area": 36,
                "bbox": [2, 2, 6, 6], "iscrowd": 0, "score": 0.8},
               {"id": 2, "image_id": 1, "category_id": 1, "segmentation": rle, "area": 36,
                "bbox": [2, 2, 6, 6], "iscrowd": 0}]}
    codes = [(f.code, f.annotation_id) for f in validate(Dataset.from_dict(doc))]
    assert codes == [("crowd-mismatch", 2)]


def test_quick_image_validation_skips_uncounted_duplicates(corpus):
    from cocoview.model.dataset import Dataset
    from cocoview.model.validation import has_context, validate_image, warm_context
    ds = Dataset.load(corpus / "mmdetection/tests/data/coco_wrong_format_sample.json")
    image = ds.images[0]
    assert not has_context(ds)
    assert "duplicate-annotation-id" not in {f.code for f in validate_image(ds, image, quick=True)}
    assert not has_context(ds)  # quick did not count
    warm_context(ds)
    assert "duplicate-annotation-id" in {f.code for f in validate_image(ds, image, quick=True)}
