from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cocoview.model import image_paths
from cocoview.model.errors import CocoError
from cocoview.model.image_paths import (
    ImageLocator,
    exif_orientation,
    image_size_of_file,
    normalize_file_name,
    read_image_header,
    subset_names,
)


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def write_jpeg(path: Path, width: int, height: int, orientation: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (width, height), (10, 200, 30))
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


# ---- subset names and file name normalisation ---------------------------------
@pytest.mark.parametrize("name, subsets", [
    ("instances_val.json", ["val"]),
    ("person_keypoints_train2017.json", ["train2017"]),
    ("image_info_test-dev.json", ["test-dev"]),
    ("panoptic_val.json", ["val"]),
    ("train.json", ["train"]),
    ("coco_val.json", ["coco_val", "val"]),
    ("_annotations.coco.json", []),
    ("instances_.json", ["instances_"]),
])
def test_subset_names(name, subsets):
    assert subset_names(Path("/data/annotations") / name) == subsets


def test_normalize_file_name_handles_backslashes_and_dot_prefix():
    assert normalize_file_name("JPEGImages\\a.jpg") == "JPEGImages/a.jpg"
    assert normalize_file_name(".\\sub\\a.jpg") == "sub/a.jpg"
    assert normalize_file_name("./a.jpg") == "a.jpg"


# ---- resolution order ------------------------------------------------------------
def test_resolution_order_follows_the_documented_list(tmp_path):
    ann = tmp_path / "ds" / "annotations"
    ann.mkdir(parents=True)
    json_path = ann / "instances_val.json"
    chosen = tmp_path / "chosen"
    image = {"file_name": "sub/a.jpg"}
    ordered = [
        chosen / "sub" / "a.jpg",
        ann / "sub" / "a.jpg",
        tmp_path / "ds" / "images" / "val" / "sub" / "a.jpg",
        tmp_path / "ds" / "images" / "sub" / "a.jpg",
        tmp_path / "ds" / "val" / "sub" / "a.jpg",
        tmp_path / "ds" / "sub" / "a.jpg",
        chosen / "a.jpg",
        ann / "a.jpg",
    ]
    locator = ImageLocator(json_path, chosen)
    assert locator.candidates(image) == ordered
    for path in ordered:
        touch(path)
    # Remove the winner each time: the next candidate in the list must win.
    for path in ordered:
        locator.refresh()
        assert locator.resolve(image) == path
        path.unlink()
    locator.refresh()
    assert locator.resolve(image) is None


def test_without_images_dir_the_json_folder_comes_first(tmp_path):
    json_path = tmp_path / "train.json"
    touch(tmp_path / "a.jpg")
    locator = ImageLocator(json_path)
    assert locator.candidates({"file_name": "a.jpg"})[0] == tmp_path / "a.jpg"
    assert locator.resolve({"file_name": "a.jpg"}) == tmp_path / "a.jpg"


def test_datumaro_layout_uses_subset_from_json_name(tmp_path):
    root = tmp_path / "export"
    json_path = root / "annotations" / "person_keypoints_train.json"
    touch(json_path)
    val = touch(root / "images" / "val" / "img.jpg")
    train = touch(root / "images" / "train" / "img.jpg")
    locator = ImageLocator(json_path)
    assert locator.resolve({"file_name": "img.jpg"}) == train
    other = ImageLocator(root / "annotations" / "instances_val.json")
    assert other.resolve({"file_name": "img.jpg"}) == val


def test_subfolder_in_file_name_and_windows_separators(tmp_path):
    json_path = tmp_path / "annotations.json"
    target = touch(tmp_path / "JPEGImages" / "2011_000003.jpg")
    locator = ImageLocator(json_path)
    assert locator.resolve({"file_name": "JPEGImages/2011_000003.jpg"}) == target
    assert locator.resolve({"file_name": "JPEGImages\\2011_000003.jpg"}) == target
    assert locator.resolve({"file_name": ".\\JPEGImages\\2011_000003.jpg"}) == target


def test_basename_fallback_when_folders_in_file_name_do_not_exist(tmp_path):
    images = tmp_path / "imgs"
    target = touch(images / "x.jpg")
    locator = ImageLocator(tmp_path / "a" / "train.json", images)
    assert locator.resolve({"file_name": "some/old/place/x.jpg"}) == target
    assert locator.resolve({"file_name": "D:\\datasets\\old\\x.jpg"}) == target


def test_absolute_file_name_used_as_is_when_it_exists(tmp_path):
    elsewhere = touch(tmp_path / "elsewhere" / "x.jpg")
    near = touch(tmp_path / "ds" / "x.jpg")
    locator = ImageLocator(tmp_path / "ds" / "train.json")
    assert locator.resolve({"file_name": str(elsewhere)}) == elsewhere
    gone = {"file_name": str(tmp_path / "gone" / "x.jpg")}
    assert locator.resolve(gone) == near
    assert locator.candidates(gone)[0] == tmp_path / "gone" / "x.jpg"


def test_roboflow_layout_images_beside_json(tmp_path):
    json_path = touch(tmp_path / "valid" / "_annotations.coco.json")
    target = touch(tmp_path / "valid" / "b.jpg")
    assert ImageLocator(json_path).resolve({"file_name": "b.jpg"}) == target


def test_entries_without_usable_file_name(tmp_path):
    locator = ImageLocator(tmp_path / "x.json")
    for image in ({}, {"file_name": None}, {"file_name": ""}, {"file_name": 5}, None):
        assert locator.resolve(image) is None
        assert locator.candidates(image) == []


def test_a_directory_is_not_an_image(tmp_path):
    (tmp_path / "a.jpg").mkdir()
    assert ImageLocator(tmp_path / "x.json").resolve({"file_name": "a.jpg"}) is None


# ---- caching ---------------------------------------------------------------------
def test_resolving_twice_does_not_touch_the_disk(tmp_path, monkeypatch):
    target = touch(tmp_path / "images" / "val" / "a.jpg")
    locator = ImageLocator(tmp_path / "annotations" / "instances_val.json")
    assert locator.resolve({"file_name": "a.jpg"}) == target
    assert locator.resolve({"file_name": "b.jpg"}) is None
    operations = locator.disk_operations
    assert operations > 0

    def no_disk(*args, **kwargs):
        raise AssertionError("disk touched")

    monkeypatch.setattr(image_paths.os.path, "isfile", no_disk)
    monkeypatch.setattr(image_paths.os, "scandir", no_disk)
    assert locator.resolve({"file_name": "a.jpg"}) == target
    assert locator.resolve({"file_name": "b.jpg"}) is None
    assert locator.disk_operations == operations


def test_many_images_cost_one_listing_per_folder(tmp_path):
    folder = tmp_path / "images"
    names = [f"{i:05d}.jpg" for i in range(300)]
    for name in names:
        touch(folder / name)
    locator = ImageLocator(tmp_path / "ann.json", folder)
    assert all(locator.resolve({"file_name": n}) == folder / n for n in names)
    # A few single probes, then one listing serves the rest.
    assert locator.disk_operations <= 10
    missing = [{"file_name": f"missing{i}.jpg"} for i in range(300)]
    assert all(locator.resolve(m) is None for m in missing)
    # Each candidate folder is listed (or found absent) once.
    assert locator.disk_operations <= 10 + 9 * len(locator.candidates(missing[0]))


def test_set_images_dir_clears_the_cache(tmp_path):
    first = touch(tmp_path / "one" / "a.jpg")
    second = touch(tmp_path / "two" / "a.jpg")
    locator = ImageLocator(tmp_path / "ann" / "x.json", tmp_path / "one")
    assert locator.resolve({"file_name": "a.jpg"}) == first
    locator.set_images_dir(tmp_path / "two")
    assert locator.images_dir == tmp_path / "two"
    assert locator.resolve({"file_name": "a.jpg"}) == second
    locator.set_images_dir(None)
    assert locator.resolve({"file_name": "a.jpg"}) is None


def test_refresh_sees_files_added_later(tmp_path):
    locator = ImageLocator(tmp_path / "x.json")
    image = {"file_name": "late.jpg"}
    assert locator.resolve(image) is None
    touch(tmp_path / "late.jpg")
    assert locator.resolve(image) is None  # cached answer
    locator.refresh()
    assert locator.resolve(image) == tmp_path / "late.jpg"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "sub", "images", "val", ".."]), min_size=1, max_size=3),
       st.sampled_from(["\\", "/"]))
def test_resolve_agrees_with_a_plain_existence_check(parts, separator):
    # Whatever the cache does, resolve() returns the first candidate that exists.
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        touch(root / "ds" / "images" / "val" / "sub" / "x.jpg")
        touch(root / "ds" / "annotations" / "x.jpg")
        touch(root / "ds" / "a" / "x.jpg")
        locator = ImageLocator(root / "ds" / "annotations" / "instances_val.json")
        image = {"file_name": separator.join(parts + ["x.jpg"])}
        expected = next((c for c in locator.candidates(image) if c.is_file()), None)
        assert locator.resolve(image) == expected
        assert locator.resolve(image) == expected


# ---- corpus layouts -------------------------------------------------------------
def test_corpus_datumaro_images_under_images_subset(corpus):
    base = corpus / "datumaro/tests/assets/coco_dataset/coco"
    locator = ImageLocator(base / "annotations" / "instances_val.json")
    assert locator.resolve({"file_name": "b.jpg"}) == base / "images" / "val" / "b.jpg"
    train = ImageLocator(base / "annotations" / "instances_train.json")
    assert train.resolve({"file_name": "a.jpg"}) == base / "images" / "train" / "a.jpg"
    assert image_size_of_file(base / "images" / "val" / "b.jpg") == (5, 10)


def test_corpus_labelme_jpegimages_subfolder(corpus):
    import json

    base = corpus / "labelme/examples/instance_segmentation/data_dataset_coco"
    images = json.loads((base / "annotations.json").read_text())["images"]
    locator = ImageLocator(base / "annotations.json")
    for image in images:
        path = locator.resolve(image)
        assert path == base / image["file_name"]
        assert image_size_of_file(path) == (image["width"], image["height"])


def test_corpus_keras_retinanet_official_layout(corpus):
    import json

    base = corpus / "keras-retinanet-test-data/coco"
    for subset in ("train2017", "val2017"):
        json_path = base / "annotations" / f"instances_{subset}.json"
        image = json.loads(json_path.read_text())["images"][0]
        path = ImageLocator(json_path).resolve(image)
        assert path == base / "images" / subset / image["file_name"]
        assert image_size_of_file(path) == (image["width"], image["height"])


def test_corpus_roboflow_layout(corpus):
    base = corpus / "datumaro/tests/assets/coco_dataset/coco_roboflow/val"
    locator = ImageLocator(base / "_annotations.coco.json")
    assert locator.resolve({"file_name": "b.jpg"}) == base / "b.jpg"


# ---- headers -------------------------------------------------------------------
def test_header_reports_raw_size_and_exif_orientation(tmp_path):
    rotated = write_jpeg(tmp_path / "r.jpg", 40, 20, orientation=6)
    plain = write_jpeg(tmp_path / "p.jpg", 7, 3)
    assert image_size_of_file(rotated) == (40, 20)  # stored size, not the viewed one
    assert exif_orientation(rotated) == 6
    assert exif_orientation(plain) is None
    header = read_image_header(rotated)
    assert (header.width, header.height, header.exif_orientation, header.format) == (40, 20, 6, "JPEG")


def test_header_of_png_with_16_bit_pixels(tmp_path):
    path = tmp_path / "deep.png"
    Image.fromarray(np.arange(12, dtype=np.uint16).reshape(3, 4) * 1000).save(path)
    assert image_size_of_file(path) == (4, 3)


def test_header_does_not_decode_pixels(tmp_path, monkeypatch):
    path = write_jpeg(tmp_path / "a.jpg", 30, 10)

    def no_decode(self, *args, **kwargs):
        raise AssertionError("pixels decoded")

    from PIL import ImageFile

    monkeypatch.setattr(Image.Image, "load", no_decode)
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decode)
    assert image_size_of_file(path) == (30, 10)


def test_header_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.jpg"
    with pytest.raises(CocoError, match="not found.*nope.jpg"):
        image_size_of_file(missing)
    corrupt = tmp_path / "bad.jpg"
    corrupt.write_bytes(b"this is not an image")
    with pytest.raises(CocoError, match=r"bad\.jpg"):
        image_size_of_file(corrupt)
    assert exif_orientation(corrupt) is None
    assert exif_orientation(missing) is None
