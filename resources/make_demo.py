"""Write the demo dataset shipped with cocoview into ``resources/demo/``.

    python resources/make_demo.py

The images are painted street scenes (see demo_scenery.py) and the
annotations are taken from what was painted, so boxes, polygons, masks and
keypoints fit the pictures. The output is deterministic: running the script
again rewrites the same files.

The dataset is meant to show what cocoview handles: detections with scores
(some low), single and multi-part polygons, RLE masks with string counts and
with list counts, crowd regions, keypoints with a skeleton, extra fields at
every level, category ids that do not start at 1, one image whose recorded
size differs from the file and one image whose file is missing.
"""

from __future__ import annotations

import json
import pathlib
import random
import sys

import cv2
import numpy as np
from pycocotools import mask as mask_utils

try:
    from .demo_drawing import Canvas
    from .demo_scenery import (
        KEYPOINT_NAMES, SKELETON, Look, Shop, backdrop, billboard, building, car, crowd, ground,
        lamp, person, railing, tree,
    )
except ImportError:  # run as a script from this folder
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from demo_drawing import Canvas
    from demo_scenery import (
        KEYPOINT_NAMES, SKELETON, Look, Shop, backdrop, billboard, building, car, crowd, ground,
        lamp, person, railing, tree,
    )

HERE = pathlib.Path(__file__).resolve().parent

OUT = HERE / "demo"

CATEGORIES = [
    {"id": 10, "name": "signboard", "supercategory": "sign", "aliases": ["shop sign", "fascia"]},
    {"id": 11, "name": "billboard", "supercategory": "sign"},
    {"id": 12, "name": "storefront", "supercategory": "building"},
    {"id": 20, "name": "person", "supercategory": "person",
     "keypoints": KEYPOINT_NAMES, "skeleton": SKELETON, "color": [58, 134, 255]},
    {"id": 30, "name": "car", "supercategory": "vehicle", "color": [230, 57, 70]},
    {"id": 31, "name": "bicycle", "supercategory": "vehicle"},
    {"id": 40, "name": "tree", "supercategory": "plant"},
    {"id": 41, "name": "street lamp", "supercategory": "street furniture"},
]
CATEGORY_ID = {c["name"]: c["id"] for c in CATEGORIES}
CATEGORY_ID["crowd"] = CATEGORY_ID["person"]

RED_COAT = Look("#d1495b", "#2e294e", hair="#5a3825")
LOOKS = [
    Look("#edae49", "#3d5a80", skin="#8d5524", hair="#1b1b1b"),
    Look("#00798c", "#30343f", skin="#c68642"),
    Look("#6a994e", "#283d3b", hair="#a0522d"),
    Look("#f4a261", "#264653"),
    Look("#90be6d", "#3d405b", skin="#8d5524", hair="#111111"),
    Look("#118ab2", "#073b4c", skin="#f1c27d"),
    Look("#ef476f", "#3c3c3c", skin="#c68642", hair="#2b1d14"),
    Look("#ffd166", "#5c4d7d"),
    Look("#457b9d", "#1d3557", skin="#e0ac83", hair="#8a5a2b"),
    Look("#f28482", "#4a4e69", skin="#8d5524"),
    Look("#84a59d", "#2f3e46"),
]


class Plan:
    """What to annotate in one picture, and how."""

    def __init__(self) -> None:
        self.items: list[tuple] = []

    def add(self, thing, style: str = "polygon", **options) -> None:
        self.items.append((thing, style, options))

    def false_detection(self, category: str, bbox: list[float], score: float) -> None:
        self.items.append((None, "bbox", {"category": category, "bbox": bbox, "score": score}))


def people(c: Canvas, plan: Plan, walkers: list[dict], evening: bool = False) -> None:
    """Paint people back to front and plan their annotations."""
    for w in sorted(walkers, key=lambda w: w["foot"]):
        someone = person(c, w["x"], w["foot"], w["height"], w["look"], w.get("swing", 0.0),
                         w.get("stride", 0.0), w.get("wave", False), evening)
        extra = {"attributes": w.get("attributes", {"pose": "waving" if w.get("wave") else "walking"})}
        if "track" in w:
            extra["track_id"] = w["track"]
        plan.add(someone, "polygon", keypoints=True, unlabelled=w.get("unlabelled", ()), **extra)


def shop_plan(plan: Plan, made: dict, sign_style: str, score: float) -> None:
    front = made["storefront"]
    plan.add(front, "polygon", attributes={"shop": front.info["shop"], "open": front.info["open"]})
    sign = made["signboard"]
    plan.add(sign, sign_style, score=score, attributes={"text": sign.info["text"]})


# ---- the scenes -----------------------------------------------------------
def market_street():
    c = Canvas(1280, 800, seed=11)
    plan = Plan()
    gy = 560
    backdrop(c, gy)
    ground(c, gy, "road")
    made = building(c, -25, 330, 440, gy, "#e8c39e", Shop("BAKERY", "#1f4d3a", "#f6e7b0",
                    ("#c0392b", "#f7f3ea")), floors=3)
    shop_plan(plan, made, "rle", 0.97)
    made = building(c, 305, 290, 370, gy, "#c96f53", Shop("BOOKS", "#223a5e", "#ffffff",
                    ("#2e4a7d", "#e8eef7")), floors=2)
    shop_plan(plan, made, "bbox", 0.91)
    made = building(c, 595, 330, 330, gy, "#f0e2c3", Shop("FLOWERS", "#6d1f2f", "#f2c14e",
                    ("#1f6f5c", "#f7f3ea")), floors=2,
                    billboard_ad=("FRESH JUICE", "squeezed every morning", "#ff9f1c", "#f4511e", "#ffd23f"))
    shop_plan(plan, made, "bbox", 0.88)
    plan.add(made["billboard"], "polygon", score=0.93, attributes={"text": made["billboard"].info["text"]})
    made = building(c, 925, 380, 450, gy, "#8fb3a5", Shop("PHARMACY", "#f7f3ea", "#c0392b"), floors=3)
    shop_plan(plan, made, "rle", 0.95)
    plan.add(tree(c, 300, 588, 300), "polygon", attributes={"species": "plane"})
    plan.add(tree(c, 905, 590, 280, autumn=True), "rle", attributes={"species": "maple"})
    plan.add(lamp(c, 335, 620, 350), "polygon")
    people(c, plan, [
        dict(x=470, foot=640, height=230, look=RED_COAT, swing=0.6, stride=0.5, track=1),
        dict(x=660, foot=615, height=210, look=LOOKS[0], wave=True, track=2),
        dict(x=1150, foot=668, height=240, look=LOOKS[1], swing=-0.5, stride=-0.4, track=3),
    ])
    plan.add(car(c, 40, 778, 300, "#3a6ea5", facing_right=False), "polygon", track_id=8,
             attributes={"colour": "blue", "parked": True})
    plan.add(car(c, 800, 765, 330, "#d62828"), "polygon", track_id=7,
             attributes={"colour": "red", "parked": False})
    plan.false_detection("signboard", [1013.0, 148.5, 58.0, 84.0], 0.14)
    plan.false_detection("billboard", [42.5, 112.0, 251.0, 31.5], 0.21)
    return c, plan


def corner_cafe():
    c = Canvas(800, 600, seed=12)
    plan = Plan()
    gy = 420
    backdrop(c, gy, warm=True)
    ground(c, gy, "road")
    made = building(c, -20, 470, 330, gy, "#d9a5b3", Shop("COFFEE", "#3d2b1f", "#f4d58d",
                    ("#f2a541", "#fff4e0")), floors=2)
    shop_plan(plan, made, "bbox", 0.96)
    made = building(c, 450, 370, 300, gy, "#7d8fb3", Shop("BIKES", "#f2f2f2", "#2e4a7d"), floors=2)
    shop_plan(plan, made, "bbox", 0.58)
    sign = made["signboard"]
    plan.add(sign, "bbox", score=0.33, shift=(9.0, -5.0), attributes={"text": "BIKE"})
    plan.add(tree(c, 432, 440, 230), "polygon", attributes={"species": "lime"})
    people(c, plan, [
        dict(x=300, foot=478, height=175, look=RED_COAT, swing=-0.4, stride=0.3, track=1),
        dict(x=640, foot=470, height=165, look=LOOKS[2], swing=0.3, stride=-0.6,
             unlabelled=("left_wrist", "right_wrist")),
    ])
    plan.add(car(c, 500, 588, 250, "#f6f1e7"), "polygon", attributes={"colour": "white", "parked": True})
    return c, plan


def evening_row():
    c = Canvas(1024, 768, seed=13)
    plan = Plan()
    gy = 538
    backdrop(c, gy, evening=True)
    ground(c, gy, "road", evening=True)
    made = building(c, -10, 330, 400, gy, "#b56576", Shop("NOODLES", "#1b1b2f", "#ff5d8f"),
                    floors=3, evening=True)
    shop_plan(plan, made, "rle", 0.89)
    made = building(c, 320, 330, 330, gy, "#6d597a", Shop("RECORDS", "#111827", "#5ef2ff",
                    ("#355070", "#eaac8b"), is_open=False), floors=2, evening=True,
                    billboard_ad=("NIGHT MARKET", "fridays from 6 pm", "#3a0ca3", "#f72585", "#ffd166"))
    shop_plan(plan, made, "bbox", 0.47)
    plan.add(made["billboard"], "polygon", score=0.97, attributes={"text": made["billboard"].info["text"]})
    made = building(c, 650, 390, 420, gy, "#e56b6f", Shop("BAR 24", "#0b0b0b", "#ffd166"),
                    floors=3, evening=True)
    shop_plan(plan, made, "bbox", 0.76)
    plan.add(tree(c, 620, 560, 210, evening=True), "polygon")
    plan.add(lamp(c, 300, 600, 345, evening=True), "polygon")
    plan.add(lamp(c, 700, 600, 345, evening=True), "bbox")
    people(c, plan, [
        dict(x=520, foot=610, height=215, look=LOOKS[3], swing=0.2, stride=0.6, track=4),
        dict(x=860, foot=628, height=225, look=LOOKS[4], swing=-0.7, stride=0.2),
    ], evening=True)
    plan.add(car(c, 560, 745, 330, "#f2c14e", facing_right=False, evening=True), "polygon",
             attributes={"colour": "yellow", "parked": False, "lights_on": True})
    plan.false_detection("signboard", [88.0, 170.0, 64.0, 70.0], 0.09)
    return c, plan


def billboard_plaza():
    c = Canvas(1200, 800, seed=14)
    plan = Plan()
    gy = 496
    backdrop(c, gy, warm=True)
    ground(c, gy, "plaza")
    made = building(c, -20, 400, 300, gy, "#f0e2c3", Shop("GALLERY", "#2b2d42", "#edf2f4"), floors=2)
    shop_plan(plan, made, "bbox", 0.86)
    building(c, 380, 440, 360, gy, "#b9a48a", floors=3)
    made = building(c, 820, 400, 280, gy, "#8fb3a5", Shop("MARKET", "#386641", "#f2e8cf",
                    ("#a7c957", "#f2e8cf")), floors=2)
    shop_plan(plan, made, "rle", 0.92)
    plan.add(tree(c, 60, 560, 320), "polygon", attributes={"species": "plane"})
    plan.add(tree(c, 1150, 560, 300, autumn=True), "rle", attributes={"species": "maple"})
    board = billboard(c, (110, 60, 510, 200), 540,
                      ("CITY RUNS", "join the 10 k on sunday", "#2a9d8f", "#264653", "#e9c46a"))
    plan.add(board, "polygon", score=0.98, attributes={"text": board.info["text"]})
    board = billboard(c, (760, 80, 1100, 210), 545,
                      ("GREEN TEA", "cool and calm", "#90be6d", "#43aa8b", "#f9f7f3"))
    plan.add(board, "bbox", score=0.64, attributes={"text": board.info["text"]})
    plan.add(crowd(c, 390, 800, 565, 70, 26, LOOKS), "rle_list", attributes={"size": "large"})
    plan.add(crowd(c, 880, 1120, 585, 64, 12, LOOKS[3:]), "rle", attributes={"size": "small"})
    plan.add(lamp(c, 700, 612, 330), "polygon")
    people(c, plan, [
        dict(x=250, foot=700, height=260, look=LOOKS[5], swing=0.5, stride=0.4, track=5),
        dict(x=960, foot=722, height=270, look=LOOKS[6], wave=True, stride=-0.3),
        dict(x=600, foot=650, height=190, look=LOOKS[7], swing=-0.3, stride=0.7),
    ])
    plan.false_detection("billboard", [452.0, 250.0, 140.0, 60.0], 0.27)
    return c, plan


def kiosk():
    c = Canvas(640, 480, seed=15)
    plan = Plan()
    gy = 288
    backdrop(c, gy)
    ground(c, gy, "plaza")
    plan.add(tree(c, 80, 300, 200), "polygon", attributes={"species": "birch"})
    plan.add(tree(c, 565, 300, 190), "rle", attributes={"species": "lime"})
    made = building(c, 190, 250, 150, gy, "#f1faee", Shop("NEWS", "#f7f3ea", "#1d3557",
                    ("#e63946", "#f1faee"), frame="#1d3557"), floors=0)
    front = made["storefront"]
    plan.add(front, "polygon", attributes={"shop": "NEWS", "open": True, "kind": "kiosk"})
    plan.add(made["signboard"], "rle", score=0.99, attributes={"text": "NEWS"})
    plan.add(lamp(c, 140, 380, 230), "bbox")
    people(c, plan, [dict(x=480, foot=400, height=170, look=LOOKS[8], swing=0.8, stride=0.2)])
    return c, plan


def harbour_front():
    c = Canvas(1280, 720, seed=16)
    plan = Plan()
    gy = 446
    backdrop(c, gy)
    kerb = ground(c, gy, "water")
    specs = [
        (-20, 360, 330, "#f4d35e", Shop("FISH & CHIPS", "#0d3b66", "#faf0ca", ("#0d3b66", "#faf0ca")), 2, 0.93),
        (340, 300, 290, "#ee964b", Shop("ICE CREAM", "#f95738", "#ffffff", ("#f95738", "#fff1e6")), 2, 0.88),
        (640, 340, 350, "#9bc1bc", Shop("HARBOUR INN", "#2f3e46", "#e9c46a"), 3, 0.71),
        (980, 320, 300, "#e6ebe0", Shop("TICKETS", "#5d2e46", "#ffffff"), 2, 0.41),
    ]
    for x, w, h, colour, shop, floors, score in specs:
        made = building(c, x, w, h, gy, colour, shop, floors=floors)
        shop_plan(plan, made, "bbox", score)
    plan.add(lamp(c, 320, 510, 290), "polygon")
    people(c, plan, [
        dict(x=520, foot=530, height=190, look=LOOKS[9], swing=0.4, stride=0.5, track=6),
        dict(x=860, foot=500, height=180, look=LOOKS[10], swing=-0.2, stride=-0.5),
    ])
    railing(c, kerb)
    return c, plan


def closed_shop():
    c = Canvas(1024, 683, seed=17)
    plan = Plan()
    gy = 478
    backdrop(c, gy)
    ground(c, gy, "road")
    made = building(c, -20, 520, 380, gy, "#c9ada7", Shop("ANTIQUES", "#22223b", "#f2e9e4",
                    ("#4a4e69", "#f2e9e4"), is_open=False), floors=3)
    shop_plan(plan, made, "bbox", 0.9)
    made = building(c, 500, 540, 340, gy, "#a3b18a", Shop("TAILOR", "#344e41", "#dad7cd"), floors=2)
    shop_plan(plan, made, "bbox", 0.82)
    people(c, plan, [dict(x=760, foot=530, height=190, look=LOOKS[1], swing=0.1, stride=0.3)])
    return c, plan


# Each image: id, file name, painter, size written to the JSON, size of the file
# (None: not written), image fields beyond the basic ones.
IMAGES = [
    (101, "street/market_street.jpg", market_street, (1280, 800), (1280, 800), {
        "date_captured": "2024-05-03 10:14:52",
        "image_source_path": "/mnt/capture/2024-05-03/cam2/frame_000184.jpg",
        "attributes": {"time_of_day": "day", "weather": "clear"},
        "classifications": [{"label": "street", "score": 0.98}, {"label": "daytime", "score": 0.95}],
    }),
    (102, "street/corner_cafe.png", corner_cafe, (800, 600), (800, 600), {
        "date_captured": "2024-05-03 10:16:07",
        "image_source_path": "/mnt/capture/2024-05-03/cam2/frame_000231.png",
        "attributes": {"time_of_day": "morning", "weather": "clear", "street": "Rue du Marché"},
        "classifications": [{"label": "street", "score": 0.91}],
    }),
    (103, "street/evening_row.jpg", evening_row, (1024, 768), (1024, 768), {
        "date_captured": "2024-05-03 20:41:19",
        "image_source_path": "/mnt/capture/2024-05-03/cam4/frame_004410.jpg",
        "attributes": {"time_of_day": "evening", "weather": "clear"},
        "classifications": [{"label": "street", "score": 0.87}, {"label": "night", "score": 0.81}],
    }),
    (104, "plaza/billboard_plaza.jpg", billboard_plaza, (1200, 800), (1200, 800), {
        "date_captured": "2024-05-04 16:02:45",
        "image_source_path": "/mnt/capture/2024-05-04/cam1/frame_002047.jpg",
        "attributes": {"time_of_day": "afternoon", "weather": "clear", "crowded": True},
    }),
    (105, "plaza/kiosk.png", kiosk, (640, 480), (640, 480), {
        "date_captured": "2024-05-04 16:09:30",
        "image_source_path": "/mnt/capture/2024-05-04/cam1/frame_002311.png",
        "attributes": {"time_of_day": "afternoon", "weather": "clear"},
    }),
    (106, "harbour_front.jpg", harbour_front, (1280, 720), (960, 540), {
        "date_captured": "2024-05-05 12:30:00",
        "image_source_path": "/mnt/capture/2024-05-05/cam3/frame_000009.jpg",
        "attributes": {"time_of_day": "noon", "weather": "clear"},
        "classifications": [{"label": "waterfront", "score": 0.93}],
    }),
    (107, "street/closed_shop.jpg", closed_shop, (1024, 683), None, {
        "date_captured": "2024-05-05 08:05:12",
        "image_source_path": "/mnt/capture/2024-05-05/cam2/frame_000117.jpg",
        "attributes": {"time_of_day": "morning", "weather": "overcast"},
    }),
]


# ---- turning painted objects into annotations ------------------------------
def polygons_of(mask: np.ndarray) -> list[list[float]]:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)
    parts = []
    for contour in contours:
        if cv2.contourArea(contour) < 30:
            continue
        simple = cv2.approxPolyDP(contour, 0.9, True).reshape(-1, 2)
        if len(simple) >= 3:
            parts.append([float(v) + 0.5 for xy in simple for v in xy])
    return parts


def list_counts(mask: np.ndarray) -> list[int]:
    """Uncompressed RLE counts: column-major runs, starting with a run of zeros."""
    flat = mask.flatten(order="F").astype(np.uint8)
    change = np.flatnonzero(np.diff(flat)) + 1
    edges = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(edges).tolist()
    if flat[0]:
        runs = [0] + runs
    return [int(r) for r in runs]


def round_box(box) -> list[float]:
    return [round(float(v), 2) for v in box]


def annotate(image_id: int, width: int, height: int, masks: dict, plan: Plan,
             next_id: int) -> list[dict]:
    rng = random.Random(image_id)
    out = []
    for thing, style, opts in plan.items:
        kind = opts.get("category") or thing.kind
        ann: dict = {"id": next_id, "image_id": image_id, "category_id": CATEGORY_ID[kind]}
        next_id += 1
        mask = masks[thing.number] if thing is not None else None
        crowd = kind == "crowd"
        if style == "polygon":
            seg = polygons_of(mask)
            rle = mask_utils.merge(mask_utils.frPyObjects(seg, height, width))
            ann["segmentation"] = seg
            ann["area"] = round(float(mask_utils.area(rle)), 1)
            ann["bbox"] = round_box(mask_utils.toBbox(rle))
        elif style in ("rle", "rle_list"):
            rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
            counts = rle["counts"].decode("ascii") if style == "rle" else list_counts(mask)
            ann["segmentation"] = {"size": [height, width], "counts": counts}
            ann["area"] = int(mask_utils.area(rle))
            ann["bbox"] = round_box(mask_utils.toBbox(rle))
        else:
            if thing is None:
                box = opts["bbox"]
            else:
                ys, xs = np.nonzero(mask)
                box = [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
                dx, dy = opts.get("shift", (0.0, 0.0))
                box = [box[0] + dx, box[1] + dy, box[2], box[3]]
            if "score" in opts:
                box = [box[0] + rng.uniform(-2, 2), box[1] + rng.uniform(-2, 2),
                       box[2] + rng.uniform(-3, 3), box[3] + rng.uniform(-3, 3)]
            ann["bbox"] = round_box(box)
            ann["area"] = round(ann["bbox"][2] * ann["bbox"][3], 1)
        ann["iscrowd"] = 1 if crowd else 0
        if "score" in opts:
            ann["score"] = opts["score"]
        if opts.get("keypoints") or crowd:
            ann["keypoints"], ann["num_keypoints"] = keypoints_of(
                thing, mask, width, height, opts.get("unlabelled", ()))
        for key in ("attributes", "track_id"):
            if key in opts:
                ann[key] = opts[key]
        out.append(ann)
    return out


def keypoints_of(thing, mask, width, height, unlabelled) -> tuple[list, int]:
    points = thing.info.get("points")
    if points is None:  # a crowd: COCO writes zeros
        return [0] * (3 * len(KEYPOINT_NAMES)), 0
    flat, count = [], 0
    for name in KEYPOINT_NAMES:
        x, y = points[name]
        inside = 0 <= x < width and 0 <= y < height
        if name in unlabelled or not inside:
            flat += [0, 0, 0]
            continue
        seen = bool(mask[int(y), int(x)])
        flat += [round(x, 1), round(y, 1), 2 if seen else 1]
        count += 1
    return flat, count


def main() -> None:
    OUT.mkdir(exist_ok=True)
    images, annotations = [], []
    next_id = 1001
    for image_id, file_name, paint, (width, height), file_size, extra in IMAGES:
        canvas, plan = paint()
        picture, masks = canvas.finish()
        assert picture.size == (width, height), file_name
        anns = annotate(image_id, width, height, masks, plan, next_id)
        next_id += len(anns)
        annotations += anns
        images.append({"id": image_id, "file_name": file_name, "width": width, "height": height,
                       "license": 1, **extra})
        target = OUT / file_name
        if file_size is None:
            target.unlink(missing_ok=True)
            continue
        if file_size != picture.size:
            picture = picture.resize(file_size, resample=3)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".png":
            picture.save(target, optimize=True)
        else:
            picture.save(target, quality=86, optimize=True)
        print(f"{file_name}: {len(anns)} annotations, {target.stat().st_size // 1024} KiB")
    document = {
        "info": {
            "description": "cocoview demo: painted street scenes",
            "version": "1.0",
            "year": 2024,
            "contributor": "cocoview",
            "date_created": "2024-05-06",
        },
        "licenses": [{"id": 1, "name": "MIT License", "url": "https://opensource.org/licenses/MIT"}],
        "images": images,
        "annotations": annotations,
        "categories": CATEGORIES,
        "tracks": [
            {"id": 1, "name": "pedestrian in a red coat", "category_id": 20},
            {"id": 2, "name": "pedestrian waving", "category_id": 20},
            {"id": 3, "name": "pedestrian in teal", "category_id": 20},
            {"id": 4, "name": "evening walker", "category_id": 20},
            {"id": 5, "name": "runner", "category_id": 20},
            {"id": 6, "name": "harbour visitor", "category_id": 20},
            {"id": 7, "name": "red hatchback", "category_id": 30},
            {"id": 8, "name": "blue estate car", "category_id": 30},
        ],
    }
    path = OUT / "annotations.json"
    path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n",
                    encoding="utf-8")
    print(f"annotations.json: {len(images)} images, {len(annotations)} annotations, "
          f"{path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
