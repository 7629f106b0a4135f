"""Synthetic datasets and pixel helpers shared by the canvas tests."""

from __future__ import annotations

import math
import random

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from cocoview.model.dataset import Dataset

GREY = 128
WIDTH, HEIGHT = 200, 100


def rle_list(mask: np.ndarray) -> dict:
    """An uncompressed COCO RLE (column-major runs, starting with zeros)."""
    flat = np.asarray(mask, dtype=np.uint8).flatten(order="F")
    counts, current, run = [], 0, 0
    for v in flat:
        if v != current:
            counts.append(run)
            current, run = v, 0
        run += 1
    counts.append(run)
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": counts}


def crowd_mask() -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    mask[80:95, 10:60] = 1
    return mask


def small_scene_doc() -> dict:
    """Image 1 (200x100): a cat polygon, two dog boxes, a person's keypoints,
    a crowd RLE, an image-level label; image 2 holds one more box."""
    return {
        "images": [{"id": 1, "file_name": "one.png", "width": WIDTH, "height": HEIGHT},
                   {"id": 2, "file_name": "two.png", "width": 50, "height": 40}],
        "categories": [
            {"id": 1, "name": "cat"},
            {"id": 2, "name": "dog"},
            {"id": 3, "name": "person", "keypoints": ["a", "b", "c"], "skeleton": [[1, 2], [2, 3]]},
        ],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 60, 60], "area": 1600,
             "segmentation": [[20, 20, 60, 20, 60, 60, 20, 60]], "iscrowd": 0, "score": 0.9},
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [100, 20, 40, 40], "area": 1600,
             "iscrowd": 0, "score": 0.3},
            {"id": 3, "image_id": 1, "category_id": 2, "bbox": [30, 30, 10, 10], "area": 100, "iscrowd": 0},
            {"id": 4, "image_id": 1, "category_id": 3, "bbox": [145, 65, 30, 10], "iscrowd": 0,
             "keypoints": [150, 70, 2, 160, 70, 1, 170, 70, 0], "num_keypoints": 2},
            {"id": 5, "image_id": 1, "category_id": 1, "bbox": [10, 80, 50, 15], "iscrowd": 1,
             "segmentation": rle_list(crowd_mask()), "area": 750},
            {"id": 6, "image_id": 1, "category_id": 2},
            {"id": 7, "image_id": 2, "category_id": 1, "bbox": [1, 1, 5, 5]},
        ],
    }


def small_dataset() -> Dataset:
    return Dataset.from_dict(small_scene_doc())


def grey_image(width: int = WIDTH, height: int = HEIGHT) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(GREY, GREY, GREY))
    return image


def render_scene(scene) -> QImage:
    """The scene painted 1:1 onto an image of the scene's image size."""
    rect = scene.image_rect
    out = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_ARGB32_Premultiplied)
    out.fill(QColor(0, 0, 0))
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    scene.render(painter, QRectF(0, 0, out.width(), out.height()), rect)
    painter.end()
    return out


def rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    c = image.pixelColor(int(x), int(y))
    return c.red(), c.green(), c.blue()


def close(a, b, tolerance: int = 4) -> bool:
    return all(abs(int(p) - int(q)) <= tolerance for p, q in zip(a, b))


def blend(under, over: QColor, alpha: float) -> tuple[int, int, int]:
    o = (over.red(), over.green(), over.blue())
    return tuple(round(u + alpha * (v - u)) for u, v in zip(under, o))


def many_annotations_doc(n: int, seed: int = 0, width: int = 1920, height: int = 1080) -> dict:
    """One image with ``n`` annotations: two thirds polygons with boxes, a third boxes only."""
    rng = random.Random(seed)
    anns = []
    for k in range(n):
        w, h = rng.uniform(10, 200), rng.uniform(10, 200)
        x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
        ann = {"id": k + 1, "image_id": 1, "category_id": rng.randint(1, 80),
               "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)], "area": w * h,
               "iscrowd": 0, "score": round(rng.random(), 3)}
        if k % 3:
            m = rng.randint(8, 30)
            pts = []
            for j in range(m):
                a = 2 * math.pi * j / m
                r = 0.6 + 0.4 * rng.random()
                pts += [round(x + w / 2 + r * w / 2 * math.cos(a), 2),
                        round(y + h / 2 + r * h / 2 * math.sin(a), 2)]
            ann["segmentation"] = [pts]
        anns.append(ann)
    return {"images": [{"id": 1, "file_name": "big.jpg", "width": width, "height": height}],
            "categories": [{"id": i + 1, "name": f"class_{i}"} for i in range(80)],
            "annotations": anns}


def pentagram(cx: float, cy: float, r: float) -> list[float]:
    """A five-pointed star drawn in one stroke (its centre is covered twice:
    even-odd leaves it out), as a flat COCO polygon."""
    points = []
    for k in range(5):
        a = -math.pi / 2 + k * 4 * math.pi / 5
        points += [cx + r * math.cos(a), cy + r * math.sin(a)]
    return points
