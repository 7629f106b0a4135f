import json

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from cocoview.gui.colors import category_color
from cocoview.gui.image_loader import decode_image
from cocoview.gui.render import render_image, render_to_file
from cocoview.model.dataset import Dataset
from cocoview.model.errors import CocoError
from cocoview.model.geometry import annotation_mask
from cocoview.model.image_paths import ImageLocator
from cocoview.model.view_state import ViewState
from tests.gui.scene_data import blend, close, pentagram, rgb

KERAS = "keras-retinanet-test-data/coco/annotations/instances_val2017.json"
LABELME = "labelme/examples/instance_segmentation/data_dataset_coco/annotations.json"
DATUMARO = "datumaro/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json"
PANOPTIC = "panopticapi/sample_data/panoptic_coco_detection_format.json"
KEYPOINTS = "faster_coco_eval/tests/keypoints_dataset/gt_dataset.json"


def only(*layers: str, opacity: float | None = None) -> ViewState:
    state = ViewState()
    for name in state.layers:
        state.set_layer(name, name in layers)
    if opacity is not None:
        state.set_mask_opacity(opacity)
    return state


def source_image(ds: Dataset, image: dict, images_dir=None) -> QImage:
    path = ImageLocator(ds.path, images_dir).resolve(image)
    assert path is not None
    return decode_image(path)[0]


def lone_pixels(ds: Dataset, image: dict, target, erode: int = 4) -> list[tuple[int, int]]:
    """Pixels inside ``target``'s mask, away from its edge and from every other mask."""
    import cv2

    h, w = image["height"], image["width"]
    kernel = np.ones((2 * erode + 1, 2 * erode + 1), np.uint8)
    mine = cv2.erode(annotation_mask(target.to_dict(), h, w), kernel,
                     borderType=cv2.BORDER_CONSTANT, borderValue=0)
    for other in ds.annotations_of_image(image["id"]):
        if other is not target:
            m = annotation_mask(other.to_dict(), h, w)
            if m is not None:
                mine[cv2.dilate(m, kernel).astype(bool)] = 0
    ys, xs = np.nonzero(mine)
    return list(zip(xs.tolist(), ys.tolist()))


def test_polygons_tint_pixels_and_boxes_take_the_colour(corpus, qapp):
    ds = Dataset.load(corpus / KERAS)
    image = ds.images[0]
    src = source_image(ds, image)
    state = only("masks", opacity=0.5)
    out = render_image(ds, image, src, state)
    assert (out.width(), out.height()) == (image["width"], image["height"])
    tested = 0
    for ann in ds.annotations_of_image(image["id"]):
        pixels = lone_pixels(ds, image, ann)
        if not pixels:
            continue
        color = category_color(ds, ann.category_id)
        for x, y in pixels[:: max(1, len(pixels) // 5)][:5]:
            want = blend(rgb(src, x, y), color, 0.5)
            assert close(rgb(out, x, y), want, 3), (ann.id, x, y)
            tested += 1
    assert tested >= 10
    # boxes only: the box outline is the category colour along its right edge
    out = render_image(ds, image, src, only("boxes"))
    for ann in ds.annotations_of_image(image["id"]):
        x, y, w, h = ann.bbox
        color = category_color(ds, ann.category_id)
        want = (color.red(), color.green(), color.blue())
        right = int(round(x + w))
        hits = sum(any(rgb(out, xx, yy) == want for xx in range(right - 2, right + 2)
                       if 0 <= xx < out.width())
                   for yy in range(int(y + 2), int(y + h - 2), 3))
        rows = len(range(int(y + 2), int(y + h - 2), 3))
        if rows and right < out.width() - 2:
            # other boxes may cross the edge here and there
            assert hits >= rows * 0.6, ann.id


def test_render_to_file_finds_the_image_in_a_subfolder(corpus, qapp, tmp_path):
    ds = Dataset.load(corpus / LABELME)
    image = ds.images[1]
    out_path = tmp_path / "labelme.png"
    assert render_to_file(ds, image["id"], out_path) == str(out_path)
    out = QImage(str(out_path))
    assert (out.width(), out.height()) == (image["width"], image["height"])
    src = source_image(ds, image)
    # the real pixels are there (not the placeholder): an untouched corner matches
    blank = np.ones((image["height"], image["width"]), bool)
    for ann in ds.annotations_of_image(image["id"]):
        x, y, w, h = ann.bbox
        blank[max(0, int(y) - 25):int(y + h) + 4, max(0, int(x) - 4):int(x + w) + 4] = False
    ys, xs = np.nonzero(blank)
    assert len(xs) > 100
    for x, y in list(zip(xs, ys))[:: len(xs) // 20]:
        assert close(rgb(out, x, y), rgb(src, x, y), 2)


def test_rle_with_list_counts_is_tinted(corpus, qapp):
    ds = Dataset.load(corpus / DATUMARO)
    image = ds.images[0]
    src = source_image(ds, image)
    crowd = next(a for a in ds.annotations if a.iscrowd == 1)
    color = category_color(ds, crowd.category_id)
    out = render_image(ds, image, src, only("masks", opacity=0.6))
    # the RLE covers the first two columns (column-major runs 0, 20, 30 on 10x5)
    for y in range(3, 10):
        before, after = rgb(src, 1, y), rgb(out, 1, y)
        target = (color.red(), color.green(), color.blue())
        assert sum(abs(a - t) for a, t in zip(after, target)) < sum(abs(b - t) for b, t in zip(before, target))
    assert close(rgb(out, 4, 8), rgb(src, 4, 8), 2)  # outside the mask


def test_rle_with_string_counts_is_tinted(corpus, qapp):
    ds = Dataset.load(corpus / PANOPTIC)
    images_dir = corpus / "panopticapi/sample_data/input_images"
    image = ds.images[0]
    src = source_image(ds, image, images_dir)
    out = render_image(ds, image, src, only("masks", opacity=0.5))
    tested = 0
    for ann in ds.annotations_of_image(image["id"]):
        if ann.iscrowd:
            continue
        pixels = lone_pixels(ds, image, ann, erode=2)
        if not pixels:
            continue
        color = category_color(ds, ann.category_id)
        x, y = pixels[len(pixels) // 2]
        assert close(rgb(out, x, y), blend(rgb(src, x, y), color, 0.5), 3), ann.id
        tested += 1
    assert tested >= 5


def test_self_overlapping_polygon_is_filled_even_odd_like_pycocotools(qapp):
    # a pentagram: pycocotools leaves its centre out of the mask, the canvas too
    points = pentagram(100, 100, 80)
    doc = {"images": [{"id": 1, "width": 200, "height": 200}], "categories": [{"id": 1, "name": "star"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [points]}]}
    ds = Dataset.from_dict(doc)
    src = QImage(200, 200, QImage.Format.Format_RGB32)
    src.fill(QColor(128, 128, 128))
    out = render_image(ds, ds.images[0], src, only("masks", opacity=0.5))
    mask = annotation_mask(ds.annotations[0].to_dict(), 200, 200)
    color = category_color(ds, 1)
    centre, tip = (100, 100), (100, 35)
    assert mask[centre[1], centre[0]] == 0 and mask[tip[1], tip[0]] == 1
    assert rgb(out, *centre) == (128, 128, 128)
    assert close(rgb(out, *tip), blend((128, 128, 128), color, 0.5), 3)


def _scored_dataset(tmp_path) -> Dataset:
    from PIL import Image

    # the boxes stand far enough apart that their label chips do not meet
    Image.new("RGB", (200, 60), (128, 128, 128)).save(tmp_path / "pic.png")
    doc = {"images": [{"id": 5, "file_name": "pic.png", "width": 200, "height": 60}],
           "categories": [{"id": 1, "name": "thing"}],
           "annotations": [
               {"id": 1, "image_id": 5, "category_id": 1, "bbox": [10, 20, 20, 20], "score": 0.3},
               {"id": 2, "image_id": 5, "category_id": 1, "bbox": [150, 20, 20, 20], "score": 0.9}]}
    path = tmp_path / "scored.json"
    path.write_text(json.dumps(doc))
    return Dataset.load(path)


def test_score_threshold_hides_annotations(qapp, tmp_path):
    ds = _scored_dataset(tmp_path)
    color = category_color(ds, 1)
    want = (color.red(), color.green(), color.blue())

    def right_edge_coloured(out, x):
        return any(rgb(out, xx, 30) == want for xx in range(x - 2, x + 2))

    render_to_file(ds, 5, tmp_path / "all.png")
    render_to_file(ds, "5", tmp_path / "some.png", min_score=0.5)
    everything, filtered = QImage(str(tmp_path / "all.png")), QImage(str(tmp_path / "some.png"))
    assert right_edge_coloured(everything, 30) and right_edge_coloured(everything, 170)
    assert not right_edge_coloured(filtered, 30) and right_edge_coloured(filtered, 170)
    assert rgb(filtered, 30, 30) == (128, 128, 128)


def test_missing_image_renders_a_placeholder_with_a_note(qapp, tmp_path):
    doc = {"images": [{"id": 1, "file_name": "gone.jpg", "width": 320, "height": 200}],
           "categories": [{"id": 1, "name": "thing"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 30]}]}
    path = tmp_path / "missing.json"
    path.write_text(json.dumps(doc))
    ds = Dataset.load(path)
    render_to_file(ds, 1, tmp_path / "missing.png")
    out = QImage(str(tmp_path / "missing.png"))
    assert (out.width(), out.height()) == (320, 200)
    # the note chip in the middle: a dark chip with light text on it
    light = dark = 0
    for y in range(88, 112):
        for x in range(60, 260):
            r, g, b = rgb(out, x, y)
            light += min(r, g, b) > 200
            dark += max(r, g, b) < 40
    assert light > 30 and dark > 500
    assert close(rgb(out, 5, 190), (52, 54, 58), 12) or close(rgb(out, 5, 190), (60, 62, 67), 12)


def test_keypoints_drawn_over_placeholder(corpus, qapp):
    ds = Dataset.load(corpus / KEYPOINTS)
    image = ds.images[0]
    out = render_image(ds, image, None, only("keypoints"), note="Image not found")
    color = category_color(ds, 1)
    want = (color.red(), color.green(), color.blue())
    drawn = skipped = 0
    for ann in ds.annotations_of_image(image["id"]):
        kps = ann.get("keypoints") or []
        for i in range(0, len(kps), 3):
            x, y, v = kps[i:i + 3]
            if v == 2 and 0 <= x < out.width() and 0 <= y < out.height():
                drawn += close(rgb(out, int(x), int(y)), want, 40)
                skipped += 1
    assert skipped > 20 and drawn >= skipped * 0.8


def test_unknown_image_id_is_a_clear_error(qapp, tmp_path):
    ds = _scored_dataset(tmp_path)
    with pytest.raises(CocoError, match="No image with id 99"):
        render_to_file(ds, 99, tmp_path / "x.png")


def test_unwritable_output_is_a_clear_error(qapp, tmp_path):
    ds = _scored_dataset(tmp_path)
    with pytest.raises(CocoError, match="does not exist"):
        render_to_file(ds, 5, tmp_path / "no" / "such" / "x.png")
    (tmp_path / "taken.png").mkdir()
    with pytest.raises(CocoError, match="Cannot write"):
        render_to_file(ds, 5, tmp_path / "taken.png")


def test_render_image_leaves_no_listeners_behind(qapp, tmp_path):
    ds = _scored_dataset(tmp_path)
    state = ViewState()
    render_image(ds, ds.images[0], None, state)
    assert state.events.changed._callbacks == []
    assert ds.events.annotations_changed._callbacks == []


def test_labels_keep_their_pixel_size_on_large_images(qapp):
    doc = {"images": [{"id": 1, "width": 2000, "height": 1500}],
           "categories": [{"id": 1, "name": "thing"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [100, 200, 400, 300]}]}
    ds = Dataset.from_dict(doc)
    base = QColor(128, 128, 128)
    src = QImage(2000, 1500, QImage.Format.Format_RGB32)
    src.fill(base)
    out = render_image(ds, ds.images[0], src, only("labels"))
    # the chip sits just above the box's corner, about 18 px tall at 1:1
    rows = [y for y in range(150, 200) if max(rgb(out, 102, y)) < 60]
    assert rows and 14 <= len(rows) <= 24
    assert max(rows) < 200


def _run_python(code: str, env_drop: tuple[str, ...] = ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in env_drop}
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=repo,
                          capture_output=True, text=True, timeout=120)


def test_renders_without_a_display_or_an_application(tmp_path):
    out = tmp_path / "headless.png"
    result = _run_python(
        "from tests.gui.scene_data import small_dataset\n"
        "from cocoview.gui.render import render_image\n"
        "import os\n"
        "ds = small_dataset()\n"
        f"assert render_image(ds, ds.image(1), None, note='gone').save({str(out)!r})\n"
        "print(os.environ['QT_QPA_PLATFORM'])\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "offscreen"
    assert QImage(str(out)).width() == 200


def test_a_bare_gui_application_is_refused_clearly():
    result = _run_python(
        "import os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication([])\n"
        "from tests.gui.scene_data import small_dataset\n"
        "from cocoview.gui.render import render_image\n"
        "ds = small_dataset()\n"
        "try:\n"
        "    render_image(ds, ds.image(1), None)\n"
        "except RuntimeError as e:\n"
        "    print('refused:', e)\n")
    assert result.returncode == 0, result.stderr
    assert "needs a QApplication" in result.stdout
