"""Window benchmark: tree and canvas readiness, image flipping, drawing many annotations.

    python tests/bench/bench_gui.py [--workdir DIR]

Runs offscreen. Prints figures against the targets; it is not a test.
Uses the train2017-scale file written by bench_model.py (or make_coco.py).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = pathlib.Path(__file__).resolve().parents[2]
MAKE_COCO = REPO.parent / "shared" / "tools" / "make_coco.py"


def pump(app, seconds: float = 0.0) -> None:
    end = time.perf_counter() + seconds
    while True:
        app.processEvents()
        if time.perf_counter() >= end:
            break


def wait_until(app, predicate, timeout: float = 20.0) -> float:
    start = time.perf_counter()
    while not predicate():
        app.processEvents()
        if time.perf_counter() - start > timeout:
            raise TimeoutError("condition not met")
        time.sleep(0.0005)
    return time.perf_counter() - start


def big_jpeg(path: pathlib.Path, seed: int) -> None:
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(seed)
    h, w = 2784, 4176
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
    x, y = np.broadcast_arrays(x, y)
    base = np.stack([(x + y) / 2, x, y], axis=-1)
    noise = rng.normal(0, 25, (h, w, 3)).astype(np.float32)
    Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8)).save(path, quality=90)


def polygons_doc(n: int, w: int = 4176, h: int = 2784) -> dict:
    import numpy as np
    rng = np.random.default_rng(n)
    anns = []
    for i in range(n):
        cx, cy = rng.uniform(50, w - 50), rng.uniform(50, h - 50)
        r = rng.uniform(8, 40)
        angles = np.sort(rng.uniform(0, 2 * np.pi, 12))
        pts = np.stack([cx + r * np.cos(angles), cy + r * np.sin(angles)], 1).ravel().round(1).tolist()
        xs, ys = pts[0::2], pts[1::2]
        anns.append({"id": i + 1, "image_id": 1, "category_id": 1 + i % 20, "iscrowd": 0,
                     "segmentation": [pts], "area": 3.0 * r * r,
                     "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
                     "score": round(float(rng.uniform()), 3)})
    return {"images": [{"id": 1, "file_name": "big.jpg", "width": w, "height": h}],
            "annotations": anns, "categories": [{"id": c, "name": f"class {c}"} for c in range(1, 21)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "cocoview-bench"))
    args = parser.parse_args()
    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    train = work / "train.json"
    if not train.exists():
        subprocess.run([sys.executable, str(MAKE_COCO), str(train), "--images", "118287",
                        "--per-image", "7.3", "--points", "20"], check=True)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from cocoview.gui.main_window import MainWindow
    from cocoview.gui.settings import Settings
    from cocoview.model.dataset import Dataset

    app = QApplication.instance() or QApplication([])
    settings = Settings(QSettings(str(work / "bench-settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings)
    window.resize(1600, 1000)
    window.show()
    pump(app, 0.2)

    # 1. Tree and canvas ready after the model of a train2017-scale file is loaded
    t = time.perf_counter()
    ds = Dataset.load(train)
    load = time.perf_counter() - t
    t = time.perf_counter()
    window.set_dataset(ds)
    wait_until(app, lambda: window.canvas.annotation_scene.image is window.current_image)
    app.processEvents()
    window.canvas.viewport().repaint()
    ready = time.perf_counter() - t
    print(f"train2017 scale: {len(ds.images):,} images, {len(ds.annotations):,} annotations; model {load:.2f} s")
    print(f"  tree and canvas ready after the model: {ready * 1000:.0f} ms   (target ≤ 1000 ms)")

    # 2. Flipping through 4176×2784 JPEGs
    folder = work / "big-images"
    folder.mkdir(exist_ok=True)
    names = [f"big{i}.jpg" for i in range(8)]
    for i, name in enumerate(names):
        if not (folder / name).exists():
            big_jpeg(folder / name, i)
    doc = {"images": [{"id": i + 1, "file_name": n, "width": 4176, "height": 2784} for i, n in enumerate(names)],
           "annotations": [{"id": i + 1, "image_id": 1 + i % len(names), "category_id": 1,
                            "bbox": [100 + i, 100, 400, 300], "area": 120000, "iscrowd": 0} for i in range(40)],
           "categories": [{"id": 1, "name": "thing"}]}
    flip = Dataset.from_dict(doc, str(folder / "flip.json"))
    window.set_dataset(flip, str(folder))
    shown = lambda img: (window.canvas.annotation_scene.image is img  # noqa: E731
                         and window.canvas.annotation_scene.image_item is not None
                         and not window.canvas.annotation_scene.note_text)
    wait_until(app, lambda: shown(flip.images[0]))
    cold, warm = [], []
    window.image_loader.clear_cache()
    for img in flip.images[1:4]:          # cold: drop prefetches, jump
        window.image_loader.clear_cache()
        window.image_loader.prefetch([])
        t = time.perf_counter()
        window.image_loader.cancel()
        window.current_image = None
        window.show_image(img)
        wait_until(app, lambda: shown(img))
        window.canvas.viewport().repaint()
        cold.append(time.perf_counter() - t)
    window.show_image(flip.images[0])
    wait_until(app, lambda: shown(flip.images[0]))
    for img in flip.images[1:6]:          # warm: next image after its prefetch finished
        pump(app, 0.6)
        t = time.perf_counter()
        window.step(1)
        wait_until(app, lambda: shown(img))
        window.canvas.viewport().repaint()
        warm.append(time.perf_counter() - t)
    print(f"next 4176×2784 JPEG, prefetched: median {statistics.median(warm) * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms"
          "   (target ≤ 50 ms)")
    print(f"next 4176×2784 JPEG, not prefetched: median {statistics.median(cold) * 1000:.0f} ms, "
          f"max {max(cold) * 1000:.0f} ms   (target ≤ 150 ms)")

    # 3. Drawing many annotations (each measured five times; median and worst)
    for n, target in ((1000, 150), (10000, 1500)):
        many = Dataset.from_dict(polygons_doc(n), str(work / f"many{n}.json"))
        image = many.images[0]
        builds, paints = [], []
        for _ in range(5):
            window.canvas.clear()
            app.processEvents()
            t = time.perf_counter()
            window.canvas.show_image(many, image, None, window.view_state, None)
            builds.append(time.perf_counter() - t)
            t = time.perf_counter()
            window.canvas.viewport().repaint()
            paints.append(time.perf_counter() - t)
        totals = [b + p for b, p in zip(builds, paints)]
        zooms = []
        for factor in (1.5, 1.5, 0.5, 2.0):
            t = time.perf_counter()
            window.canvas.zoom_by(factor)
            window.canvas.viewport().repaint()
            zooms.append(time.perf_counter() - t)
        pans = []
        bar = window.canvas.horizontalScrollBar()
        for _ in range(8):
            t = time.perf_counter()
            bar.setValue(bar.value() + 15)
            app.processEvents()
            pans.append(time.perf_counter() - t)
        ms = lambda v: statistics.median(v) * 1000  # noqa: E731
        print(f"{n:,} polygon annotations: drawn in median {ms(totals):.0f} ms, worst {max(totals) * 1000:.0f} ms "
              f"(scene {ms(builds):.0f} ms + paint {ms(paints):.0f} ms)   (target ≤ {target} ms); "
              f"repaint per zoom step {ms(zooms):.0f} ms, per pan step {ms(pans):.0f} ms")
    window.close()


if __name__ == "__main__":
    main()
