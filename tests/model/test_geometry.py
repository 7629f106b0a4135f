import json
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_api

from cocoview.model import geometry as g
from cocoview.model.annotation import Annotation


def runs_of(mask: np.ndarray) -> list[int]:
    """Column-major run lengths starting with background, as COCO writes them."""
    flat = mask.T.ravel()
    runs, value, n = [], 0, 0
    for px in flat:
        if px != value:
            runs.append(n)
            n, value = 0, px
        n += 1
    runs.append(n)
    return runs


# ---- kinds ------------------------------------------------------------------
@pytest.mark.parametrize("seg, kind", [
    (None, "none"),
    ([], "empty"),
    ([[]], "empty"),
    ([[0, 0, 4, 0, 4, 4]], "polygon"),
    ([[0, 0, 4, 0, 4, 4], [1, 1]], "polygon"),
    ({"size": [2, 3], "counts": "06"}, "rle_string"),
    ({"size": [2, 3], "counts": b"06"}, "rle_string"),
    ({"size": [2, 3], "counts": [0, 6]}, "rle_list"),
    ({"size": [2, 3]}, "invalid"),
    ({"size": [2], "counts": [6]}, "invalid"),
    ({"size": ["2", 3], "counts": [6]}, "invalid"),
    ({"counts": [6]}, "invalid"),
    ([0, 0, 4, 0, 4, 4], "invalid"),
    ("polygon", "invalid"),
    (5, "invalid"),
])
def test_segmentation_kind(seg, kind):
    assert g.segmentation_kind(seg) == kind


# ---- string counts ------------------------------------------------------------
def test_decode_rle_string_matches_pycocotools_encoding():
    rng = np.random.default_rng(1)
    for _ in range(50):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        mask = np.asfortranarray((rng.random((h, w)) < rng.random()).astype(np.uint8))
        counts = mask_api.encode(mask)["counts"]
        assert g.decode_rle_string(counts).tolist() == runs_of(mask)
        assert g.decode_rle_string(counts.decode()).tolist() == runs_of(mask)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 5000), min_size=1, max_size=30))
def test_string_counts_round_trip_any_runs(runs):
    # Any non-negative runs compress and decompress to themselves.
    total = sum(runs)
    if total == 0:
        return
    rle = mask_api.frPyObjects({"size": [1, total], "counts": runs}, 1, total)
    decoded = g.decode_rle_string(rle["counts"]).tolist()
    # pycocotools drops nothing but may merge zero runs; the pixel sums agree.
    assert sum(decoded) == total
    assert sum(decoded[1::2]) == sum(runs[1::2])
    assert g.rle_foreground_area(rle) == int(mask_api.area(rle))


def test_decode_rle_string_rejects_garbage():
    with pytest.raises(ValueError):
        g.decode_rle_string("ab\x01")
    with pytest.raises(ValueError):
        g.decode_rle_string("0P")  # 'P' (32) says more follows, then the string ends
    with pytest.raises(ValueError):
        g.decode_rle_string("P" * 20 + "0")  # a number of 21 groups
    assert g.decode_rle_string("").tolist() == []


def test_counts_on_real_string_rles(corpus):
    path = corpus / "cocoapi/results/instances_val2014_fakesegm100_results.json"
    results = json.loads(path.read_text())
    for r in results[:300]:
        seg = r["segmentation"]
        h, w = seg["size"]
        assert g.rle_counts_total(seg) == h * w
        assert g.rle_foreground_area(seg) == int(mask_api.area(seg))


# ---- list counts -------------------------------------------------------------
def test_list_counts_total_and_area():
    rle = {"size": [10, 5], "counts": [0, 20, 30]}
    assert g.rle_counts_total(rle) == 50
    assert g.rle_foreground_area(rle) == 20
    assert g.rle_counts_total({"size": [2, 2], "counts": [1.0, 3.0]}) == 4


@pytest.mark.parametrize("counts", [[1, -2], [1, "3"], [1, None], [1.5, 2], [True, False], [[1, 2]], [1, 2.0 ** 70]])
def test_list_counts_rejects_non_counts(counts):
    with pytest.raises(ValueError):
        g.rle_counts_total({"size": [1, 3], "counts": counts})


def test_huge_claimed_rle_is_counted_without_a_mask():
    big = {"size": [200000, 200000], "counts": [0, 200000 * 200000]}
    start = time.perf_counter()
    assert g.rle_counts_total(big) == 200000 * 200000
    assert g.rle_foreground_area(big) == 200000 * 200000
    assert g.annotation_mask({"segmentation": big}, 10, 10) is None
    assert time.perf_counter() - start < 1.0


def test_counts_sum_larger_than_64_bits_is_exact():
    rle = {"size": [1, 1], "counts": [(1 << 62), (1 << 62), (1 << 62), (1 << 62)]}
    assert g.rle_counts_total(rle) == 1 << 64


# ---- polygons -------------------------------------------------------------------
def test_polygon_area_shoelace():
    assert g.polygon_area([0, 0, 10, 0, 10, 10, 0, 10]) == 100.0
    assert g.polygon_area([0, 0, 0, 10, 10, 10, 10, 0]) == 100.0  # orientation
    assert g.polygon_area([0, 0, 10, 0, 10, 10]) == 50.0
    assert g.polygon_area([0, 0, 10, 0, 10, 10, 7]) == 50.0  # odd tail ignored
    assert g.polygon_area([0, 0, 10, 0]) == 0.0
    assert g.polygons_area([[0, 0, 2, 0, 2, 2, 0, 2], [5, 5, 6, 5, 6, 6, 5, 6]]) == 5.0
    assert g.polygon_perimeter([0, 0, 3, 0, 3, 4]) == pytest.approx(12.0)


def test_polygon_area_of_100k_points_is_fast():
    t = np.linspace(0, 2 * np.pi, 100_000, endpoint=False)
    flat = np.column_stack([500 + 400 * np.cos(t), 500 + 400 * np.sin(t)]).ravel().tolist()
    start = time.perf_counter()
    area = g.polygon_area(flat)
    assert time.perf_counter() - start < 1.0
    assert area == pytest.approx(np.pi * 400 ** 2, rel=1e-6)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), st.integers(1, 30), st.integers(1, 30))
def test_rectangle_polygon_area_matches_raster(x, y, w, h):
    flat = [x, y, x + w, y, x + w, y + h, x, y + h]
    assert g.polygon_area(flat) == w * h
    mask = g.annotation_mask({"segmentation": [flat]}, 64, 64, cache=g.MaskCache())
    # pycocotools rasterises an axis-aligned box with integer corners exactly.
    assert int(mask.sum()) == w * h
    assert g.mask_bbox(mask) == [x, y, w, h]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_masks_match_pycocotools_decode():
    rng = np.random.default_rng(7)
    for _ in range(20):
        h, w = (int(v) for v in rng.integers(5, 80, 2))
        pts = rng.uniform(0, max(h, w), size=12).tolist()
        seg = [pts]
        ours = g.annotation_mask({"segmentation": seg}, h, w, cache=g.MaskCache())
        theirs = mask_api.decode(mask_api.merge(mask_api.frPyObjects(seg, h, w)))
        assert ours.shape == (h, w)
        assert (ours == theirs).all()


# ---- to_rle ------------------------------------------------------------------
def test_to_rle_polygon_merges_parts():
    seg = [[0, 0, 4, 0, 4, 4, 0, 4], [10, 10, 14, 10, 14, 14, 10, 14]]
    rle = g.to_rle(seg, 20, 20)
    assert rle["size"] == [20, 20]
    assert isinstance(rle["counts"], bytes)
    assert g.mask_area(rle) == 32
    mask = g.runs_to_mask(g.decode_rle_string(rle["counts"]), 20, 20)
    assert mask[2, 2] == 1 and mask[12, 12] == 1 and mask[7, 7] == 0


def test_to_rle_skips_parts_pycocotools_cannot_take():
    # A first part of 4 numbers would make pycocotools read the list as boxes.
    seg = [[1, 1, 2, 2], [0, 0, 4, 0, 4, 4, 0, 4], [3], [0, 0, "x", 1, 2, 2]]
    rle = g.to_rle(seg, 10, 10)
    assert g.mask_area(rle) == 16
    assert g.to_rle([[1, 1, 2, 2]], 10, 10) is None
    assert g.to_rle([[0, 0, 4, 0, 4, 4]], 0, 10) is None


def test_to_rle_list_and_string_counts():
    mask = np.zeros((6, 4), dtype=np.uint8, order="F")
    mask[1:4, 1:3] = 1
    runs = runs_of(mask)
    from_list = g.to_rle({"size": [6, 4], "counts": runs}, 99, 99)
    assert from_list["size"] == [6, 4]
    assert (g.runs_to_mask(g.decode_rle_string(from_list["counts"]), 6, 4) == mask).all()
    text = mask_api.encode(mask)["counts"].decode()
    from_string = g.to_rle({"size": [6, 4], "counts": text}, 99, 99)
    assert from_string == {"size": [6, 4], "counts": text.encode()}


def test_to_rle_refuses_counts_not_matching_size():
    assert g.to_rle({"size": [20, 30], "counts": [5, 10, 385]}, 20, 30) is None
    assert g.to_rle({"size": [2, 2], "counts": [1, 2, 3]}, 2, 2) is None
    assert g.to_rle({"size": [0, 0], "counts": []}, 2, 2) is None
    assert g.to_rle({"size": [2, 2], "counts": "\x01"}, 2, 2) is None


@pytest.mark.parametrize("seg", [None, [], [[]], {"counts": [1]}, "x", [1, 2, 3]])
def test_to_rle_without_geometry(seg):
    assert g.to_rle(seg, 10, 10) is None


def test_polygon_raster_area():
    square = [[0, 0, 4, 0, 4, 4, 0, 4]]
    assert g.polygon_raster_area(square, 10, 10) == 16
    # Clipped to the image, like pycocotools.
    assert g.polygon_raster_area([[5, 5, 20, 5, 20, 20, 5, 20]], 10, 10) == 25
    assert g.polygon_raster_area(square, 0, 10) is None
    assert g.polygon_raster_area([[1, 2]], 10, 10) is None
    huge = [[0, 0, 1e9, 0, 1e9, 1e9]]
    start = time.perf_counter()
    assert g.polygon_raster_area(huge, 100, 100) is None
    assert time.perf_counter() - start < 1.0


# ---- mask_area, mask_bbox -------------------------------------------------------
def test_mask_area_chunks_large_lists():
    one = mask_api.encode(np.asfortranarray(np.ones((3, 3), dtype=np.uint8)))
    two = mask_api.encode(np.asfortranarray(np.eye(3, dtype=np.uint8)))
    areas = g.mask_area([one, two] * 350)
    assert areas.shape == (700,)
    assert areas[:4].tolist() == [9, 3, 9, 3] and areas[-1] == 3
    assert g.mask_area(one) == 9
    assert g.mask_area({"size": [10, 5], "counts": [0, 20, 30]}) == 20
    assert g.mask_area([{"size": [10, 5], "counts": [0, 20, 30]}, one]).tolist() == [20, 9]
    assert g.mask_area([]).shape == (0,)


def test_mask_bbox():
    mask = np.zeros((10, 8), dtype=np.uint8)
    assert g.mask_bbox(mask) == [0, 0, 0, 0]
    mask[2:5, 3:7] = 1
    mask[8, 1] = 1
    assert g.mask_bbox(mask) == [1.0, 2.0, 6.0, 7.0]


# ---- annotation_mask and the cache -------------------------------------------------
def test_annotation_mask_polygon_and_rle():
    square = {"segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]]}
    mask = g.annotation_mask(square, 10, 12, cache=g.MaskCache())
    assert mask.shape == (10, 12) and mask.dtype == np.uint8
    assert int(mask.sum()) == 16
    assert mask.flags.c_contiguous and not mask.flags.writeable
    rle = {"segmentation": {"size": [10, 5], "counts": [0, 20, 30]}}
    mask = g.annotation_mask(rle, 480, 640, cache=g.MaskCache())
    assert mask.shape == (10, 5)  # an RLE keeps its own size
    assert int(mask.sum()) == 20 and mask[:, :2].all() and not mask[:, 2:].any()


@pytest.mark.parametrize("data", [{}, {"segmentation": None}, {"segmentation": []},
                                  {"segmentation": [[1, 2]]}, {"segmentation": {"size": [2, 2]}},
                                  {"segmentation": {"size": [2, 2], "counts": [1, 1]}}, "x"])
def test_annotation_mask_none(data):
    assert g.annotation_mask(data, 10, 10, cache=g.MaskCache()) is None


def test_annotation_mask_accepts_annotation_objects():
    ann = Annotation.from_dict({"id": 1, "segmentation": [[0, 0, 3, 0, 3, 3, 0, 3]]})
    assert int(g.annotation_mask(ann, 5, 5, cache=g.MaskCache()).sum()) == 9


def test_cache_serves_equal_segmentations_and_not_edited_ones():
    cache = g.MaskCache()
    first = cache.mask([[0, 0, 4, 0, 4, 4, 0, 4]], 10, 10)
    again = cache.mask([[0, 0, 4, 0, 4, 4, 0, 4]], 10, 10)  # a fresh but equal object
    assert again is first and cache.hits == 1
    edited = cache.mask([[0, 0, 6, 0, 6, 6, 0, 6]], 10, 10)
    assert int(edited.sum()) == 36 and int(first.sum()) == 16
    other_size = cache.mask([[0, 0, 4, 0, 4, 4, 0, 4]], 20, 20)
    assert other_size.shape == (20, 20)
    assert cache.misses == 3


def test_cache_is_bounded_by_bytes():
    cache = g.MaskCache(max_bytes=250)
    for i in range(5):
        cache.mask([[0, 0, i + 1, 0, i + 1, i + 1]], 10, 10)  # 100 bytes each
    assert cache.nbytes <= 250 and len(cache) == 2
    # The most recent masks are kept; the oldest were dropped.
    cache.mask([[0, 0, 5, 0, 5, 5]], 10, 10)
    assert cache.hits == 1
    cache.mask([[0, 0, 1, 0, 1, 1]], 10, 10)
    assert cache.hits == 1
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0


def test_cache_skips_masks_larger_than_itself():
    cache = g.MaskCache(max_bytes=50)
    assert cache.mask([[0, 0, 4, 0, 4, 4]], 10, 10) is not None
    assert len(cache) == 0


def test_real_crowd_list_rle(corpus):
    path = corpus / "mmdetection/tests/data/coco_dummy/annotations/instances_val2017.json"
    data = json.loads(path.read_text())
    crowd = next(a for a in data["annotations"] if a.get("iscrowd"))
    image = next(i for i in data["images"] if i["id"] == crowd["image_id"])
    assert g.segmentation_kind(crowd["segmentation"]) == "rle_list"
    mask = g.annotation_mask(crowd, image["height"], image["width"], cache=g.MaskCache())
    assert mask.shape == (image["height"], image["width"])
    assert int(mask.sum()) == g.rle_foreground_area(crowd["segmentation"])
    rle = g.to_rle(crowd["segmentation"], image["height"], image["width"])
    assert int(mask.sum()) == g.mask_area(rle) == 3386
    # The official file stores 4015 for this crowd: crowd areas are not exact.
    assert crowd["area"] == 4015


def test_polygon_measures_in_one_pass():
    square = [[0, 0, 4, 0, 4, 4, 0, 4]]
    two = [[0, 0, 2, 0, 2, 2, 0, 2], [5, 5, 8, 5, 8, 8]]
    segs = [square, None, two, [[0, 0, 1, 1]], {"size": [1, 1], "counts": [1]}, [], square]
    out = g.polygon_measures(segs)
    assert out[0] == (16.0, 16.0)
    assert out[1] is None and out[3] is None and out[4] is None and out[5] is None
    assert out[2][0] == pytest.approx(4 + 4.5)
    assert out[2][1] == pytest.approx(8 + 6 + 3 * 2 ** 0.5)
    assert out[6] == (16.0, 16.0)
    # Something that is not a number spoils only its own segmentation.
    mixed = g.polygon_measures([square, [[0, 0, 4, 0, "4", 4]], [[0, 0, 4, 0, None, 4]],
                                [[0, 0, 4, 0, 4, float("nan")]], square])
    assert mixed[0] == mixed[4] == (16.0, 16.0)
    assert mixed[1] is None and mixed[2] is None and mixed[3] is None
    assert g.polygon_measures([]) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.floats(-1e4, 1e4), min_size=6, max_size=20).map(
    lambda p: p[:len(p) - len(p) % 2]), min_size=1, max_size=4))
def test_polygon_measures_match_single_part_helpers(parts):
    (area, perimeter), = g.polygon_measures([parts])
    assert area == pytest.approx(g.polygons_area(parts), rel=1e-9, abs=1e-6)
    assert perimeter == pytest.approx(sum(g.polygon_perimeter(p) for p in parts), rel=1e-9, abs=1e-6)
