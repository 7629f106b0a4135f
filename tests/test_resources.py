"""Bundled resources: the demo dataset, the icons and the desktop files."""

from __future__ import annotations

import configparser
import json
import pathlib
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pycocotools import mask as mask_api
from pycocotools.coco import COCO

import cocoview
from cocoview import resources
from cocoview.model.dataset import Dataset

REPO = pathlib.Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
APP_ID = "io.github.cocoview.CocoView"
ABSENT = "street/closed_shop.jpg"       # referenced, deliberately not shipped
RESIZED = "harbour_front.jpg"           # recorded size differs from the file

# pycocotools' decode trips a numpy 2 deprecation; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def demo() -> dict:
    return json.loads(resources.demo_annotations_path().read_text(encoding="utf-8"))


def _segmentations(demo, kind):
    out = []
    for ann in demo["annotations"]:
        seg = ann.get("segmentation")
        if kind == "polygon" and isinstance(seg, list):
            out.append(ann)
        elif kind in ("string", "list") and isinstance(seg, dict):
            if isinstance(seg["counts"], str if kind == "string" else list):
                out.append(ann)
    return out


# ---- paths ------------------------------------------------------------------
def test_paths_point_at_files():
    assert resources.demo_annotations_path().is_file()
    assert resources.demo_images_dir().is_dir()
    assert resources.demo_annotations_path().parent == resources.demo_images_dir()
    assert resources.icon_path().name == "cocoview.svg"
    for size in resources.ICON_SIZES:
        assert resources.icon_path(size).is_file()


def test_icon_path_refuses_unknown_size():
    with pytest.raises(ValueError, match="24"):
        resources.icon_path(24)


# ---- the demo dataset ---------------------------------------------------------
def test_demo_loads_in_cocoview(demo):
    ds = Dataset.load(resources.demo_annotations_path())
    assert len(ds.images) == len(demo["images"]) >= 6
    assert len(ds.annotations) == len(demo["annotations"])
    for ann in ds.annotations:
        assert ds.image_of(ann) is not None
        assert ds.category_of(ann) is not None
    assert ds.category_count(10) == sum(a["category_id"] == 10 for a in demo["annotations"])
    assert not ds.is_panoptic


def test_demo_loads_in_pycocotools(demo, capsys):
    coco = COCO(str(resources.demo_annotations_path()))
    capsys.readouterr()
    assert len(coco.anns) == len(demo["annotations"])
    assert len(coco.cats) == len(demo["categories"])
    for ann in coco.anns.values():
        if "segmentation" not in ann:
            continue
        rle = coco.annToRLE(ann)
        mask = mask_api.decode(rle)
        image = coco.imgs[ann["image_id"]]
        assert mask.shape == (image["height"], image["width"])
        assert mask.any(), ann["id"]
        # The stored box and area describe the stored geometry.
        assert np.allclose(mask_api.toBbox(rle), ann["bbox"], atol=0.01), ann["id"]
        assert abs(float(mask_api.area(rle)) - ann["area"]) <= 0.5, ann["id"]


def test_demo_rle_string_and_list_counts(demo):
    strings = _segmentations(demo, "string")
    lists = _segmentations(demo, "list")
    assert strings and lists
    assert {a["iscrowd"] for a in strings} == {0, 1}
    assert all(a["iscrowd"] == 1 for a in lists)
    for ann in lists:
        h, w = ann["segmentation"]["size"]
        counts = ann["segmentation"]["counts"]
        assert sum(counts) == h * w
        assert all(isinstance(c, int) and c >= 0 for c in counts)
        decoded = mask_api.decode(mask_api.frPyObjects(ann["segmentation"], h, w))
        assert int(decoded.sum()) == ann["area"]


def test_demo_polygons_single_and_multi_part(demo):
    polygons = _segmentations(demo, "polygon")
    parts = [len(a["segmentation"]) for a in polygons]
    assert 1 in parts
    assert max(parts) >= 2
    for ann in polygons:
        for part in ann["segmentation"]:
            assert len(part) >= 6 and len(part) % 2 == 0
    assert any(a["category_id"] == 40 and len(a["segmentation"]) >= 2 for a in polygons)


def test_demo_boxes_without_segmentation(demo):
    bare = [a for a in demo["annotations"] if "segmentation" not in a]
    assert bare
    assert any("score" not in a for a in bare)      # ground truth box
    assert any("score" in a for a in bare)          # detection box


def test_demo_keypoints_and_skeleton(demo):
    person = next(c for c in demo["categories"] if c.get("keypoints"))
    names = person["keypoints"]
    assert len(names) == len(set(names)) >= 10
    for a, b in person["skeleton"]:
        assert 1 <= a <= len(names) and 1 <= b <= len(names)
    people = [a for a in demo["annotations"] if a["category_id"] == person["id"]]
    seen = set()
    for ann in people:
        kp = ann["keypoints"]
        assert len(kp) == 3 * len(names)
        flags = kp[2::3]
        seen.update(flags)
        assert ann["num_keypoints"] == sum(v > 0 for v in flags)
        if ann["iscrowd"]:
            assert ann["num_keypoints"] == 0
        image = next(i for i in demo["images"] if i["id"] == ann["image_id"])
        for x, y, v in zip(kp[0::3], kp[1::3], flags):
            if v:
                assert 0 <= x < image["width"] and 0 <= y < image["height"]
    assert seen == {0, 1, 2}


def test_demo_scores(demo):
    scores = [a["score"] for a in demo["annotations"] if "score" in a]
    assert len(scores) >= 10
    assert all(0 < s <= 1 for s in scores)
    assert min(scores) < 0.2 and max(scores) > 0.95
    assert any("score" not in a for a in demo["annotations"])
    scored = {a["category_id"] for a in demo["annotations"] if "score" in a}
    names = {c["id"]: c["name"] for c in demo["categories"]}
    assert {names[c] for c in scored} >= {"signboard", "billboard"}


def test_demo_extra_fields_at_every_level(demo):
    assert list(demo)[:2] == ["info", "licenses"]
    assert "tracks" in demo
    assert all("image_source_path" in i and "attributes" in i for i in demo["images"])
    assert any("classifications" in i for i in demo["images"])
    assert any("attributes" in a for a in demo["annotations"])
    track_ids = {t["id"] for t in demo["tracks"]}
    used = [a["track_id"] for a in demo["annotations"] if "track_id" in a]
    assert used and set(used) <= track_ids
    assert len(used) > len(set(used))  # a track seen in more than one image
    standard = {"id", "name", "supercategory", "keypoints", "skeleton"}
    assert any(set(c) - standard for c in demo["categories"])


def test_demo_category_ids(demo):
    ids = [c["id"] for c in demo["categories"]]
    assert len(ids) == len(set(ids))
    assert min(ids) > 1
    used = {a["category_id"] for a in demo["annotations"]}
    assert used <= set(ids)
    assert set(ids) - used  # a category with no annotations


def test_demo_ids_unique(demo):
    for key in ("images", "annotations"):
        ids = [x["id"] for x in demo[key]]
        assert len(ids) == len(set(ids))


def test_demo_image_files(demo):
    root = resources.demo_images_dir()
    names = [i["file_name"] for i in demo["images"]]
    assert any("/" in n for n in names) and any("/" not in n for n in names)
    assert {pathlib.Path(n).suffix for n in names} >= {".jpg", ".png"}
    for image in demo["images"]:
        path = root / image["file_name"]
        if image["file_name"] == ABSENT:
            assert not path.exists()
            assert any(a["image_id"] == image["id"] for a in demo["annotations"])
            continue
        with Image.open(path) as picture:
            size = picture.size
            assert picture.format == ("PNG" if path.suffix == ".png" else "JPEG")
        recorded = (image["width"], image["height"])
        if image["file_name"] == RESIZED:
            assert size != recorded
        else:
            assert size == recorded
            assert 640 <= size[0] <= 1280 and 480 <= size[1] <= 800


def test_demo_stays_small():
    total = sum(p.stat().st_size for p in resources.demo_images_dir().rglob("*") if p.is_file())
    assert total < 1_500_000


# ---- the script that writes the demo ------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.data())
def test_list_counts_round_trip(h, w, data):
    from cocoview.resources.make_demo import list_counts

    bits = data.draw(st.lists(st.booleans(), min_size=h * w, max_size=h * w))
    mask = np.array(bits, dtype=bool).reshape(h, w)
    counts = list_counts(mask)
    assert sum(counts) == h * w
    decoded = mask_api.decode(mask_api.frPyObjects({"size": [h, w], "counts": counts}, h, w))
    assert np.array_equal(decoded.astype(bool), mask)


def test_script_reproduces_an_image_annotations(demo):
    from cocoview.resources import make_demo

    image_id, width, height = 105, 640, 480
    canvas, plan = make_demo.kiosk()
    picture, masks = canvas.finish()
    assert picture.size == (width, height)
    stored = [a for a in demo["annotations"] if a["image_id"] == image_id]
    made = make_demo.annotate(image_id, width, height, masks, plan, stored[0]["id"])
    assert [a["id"] for a in made] == [a["id"] for a in stored]
    for new, old in zip(made, stored):
        assert new.keys() == old.keys()
        assert new["category_id"] == old["category_id"]
        assert np.allclose(new["bbox"], old["bbox"], atol=1.5)


# ---- icons ----------------------------------------------------------------------
def test_icon_pngs_have_their_sizes():
    for size in resources.ICON_SIZES:
        with Image.open(resources.icon_path(size)) as icon:
            assert icon.format == "PNG"
            assert icon.size == (size, size)
            assert icon.mode == "RGBA"
            alpha = np.asarray(icon)[..., 3]
        assert alpha[size // 2, size // 2] == 255
        assert alpha[0, 0] < 255  # rounded corners are transparent


def test_svg_icon_renders(qtbot):
    from PySide6.QtSvg import QSvgRenderer

    root = ET.parse(resources.icon_path()).getroot()
    assert root.tag.endswith("svg")
    renderer = QSvgRenderer(str(resources.icon_path()))
    assert renderer.isValid()
    assert renderer.defaultSize().width() == renderer.defaultSize().height() == 256


# ---- desktop integration ---------------------------------------------------------
def test_desktop_entry():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(PACKAGING / f"{APP_ID}.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split() == ["cocoview", "%f"]
    assert entry["Icon"] == APP_ID
    for key in ("Categories", "MimeType", "Keywords"):
        assert entry[key].endswith(";")
    assert "application/json" in entry["MimeType"].split(";")
    assert {"Graphics", "Development", "Science"} <= set(entry["Categories"].split(";"))


def test_appstream_metainfo():
    root = ET.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("name") and root.findtext("summary")
    assert root.find("description/p") is not None
    launchable = root.find("launchable")
    assert launchable.get("type") == "desktop-id"
    assert (PACKAGING / launchable.text).is_file()
    versions = [r.get("version") for r in root.iter("release")]
    assert cocoview.__version__ in versions


def test_pyinstaller_recipe_names_the_resources():
    spec = (PACKAGING / "cocoview.spec").read_text(encoding="utf-8")
    compile(spec, "cocoview.spec", "exec")
    assert '"cocoview/resources/demo"' in spec and '"cocoview/resources/icons"' in spec
    assert 'name="cocoview"' in spec
