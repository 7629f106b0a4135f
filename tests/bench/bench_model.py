"""Model benchmark: load, save and export against pycocotools' COCO() in the same run.

    python tests/bench/bench_model.py [--scale train|val|both] [--workdir DIR]

Files come from ../shared/tools/make_coco.py (deterministic by seed) and are
cached in the work folder. Each measurement runs in a fresh process so that
peak memory (ru_maxrss) belongs to that measurement alone. Not a test: it
prints figures and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[2]
MAKE_COCO = REPO.parent / "shared" / "tools" / "make_coco.py"
SCALES = {
    "val": ["--images", "5000"],
    "train": ["--images", "118287", "--per-image", "7.3", "--points", "20"],
}

CHILD = r"""
import json, resource, sys, time
kind, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
result = {}
if kind == "coco":
    from pycocotools.coco import COCO
    t = time.perf_counter()
    COCO(path)
    result["load"] = time.perf_counter() - t
else:
    from cocoview.model.dataset import Dataset
    from cocoview.model.export import ExportOptions, export_dataset
    from cocoview.model.writer import save_dataset
    t = time.perf_counter()
    ds = Dataset.load(path)
    result["load"] = time.perf_counter() - t
    result["peak_after_load_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if kind == "ours-full":
        t = time.perf_counter()
        save_dataset(ds, out)
        result["save"] = time.perf_counter() - t
        keep = [img["id"] for img in ds.images[: len(ds.images) // 2]]
        cats = [c["name"] for c in ds.categories[: len(ds.categories) * 3 // 4]]
        t = time.perf_counter()
        plan = export_dataset(ds, out, ExportOptions(image_ids=keep, categories=cats, reindex=True,
                                                     reindex_categories=True, drop_empty=True))
        result["export"] = time.perf_counter() - t
        result["exported_annotations"] = len(plan.annotations)
result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def child(kind: str, path: pathlib.Path, out: pathlib.Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, kind, str(path), str(out)],
                          capture_output=True, text=True, cwd=REPO)
    if proc.returncode:
        sys.exit(f"{kind} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ensure(scale: str, workdir: pathlib.Path) -> pathlib.Path:
    path = workdir / f"{scale}.json"
    if not path.exists():
        print(f"writing {path} with make_coco.py …", flush=True)
        subprocess.run([sys.executable, str(MAKE_COCO), str(path), *SCALES[scale]], check=True)
    return path


def bench(scale: str, workdir: pathlib.Path) -> None:
    path = ensure(scale, workdir)
    out = workdir / f"{scale}-out.json"
    size = path.stat().st_size / 1e6
    ref = child("coco", path, out)
    ours = child("ours-full", path, out)
    load_only = child("ours", path, out)
    print(f"\n{scale}: {path} ({size:.0f} MB)")
    print(f"  COCO()            load {ref['load']:7.2f} s   peak {ref['peak_mb']:7.0f} MB")
    print(f"  cocoview          load {load_only['load']:7.2f} s   peak {load_only['peak_mb']:7.0f} MB"
          f"   ratios: time {load_only['load'] / ref['load']:.2f}x, memory {load_only['peak_mb'] / ref['peak_mb']:.2f}x")
    print(f"  lossless save          {ours['save']:7.2f} s")
    print(f"  subset export + reindex {ours['export']:6.2f} s   ({ours['exported_annotations']:,} annotations)")
    out.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["train", "val", "both"], default="both")
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "cocoview-bench"))
    args = parser.parse_args()
    if not MAKE_COCO.exists():
        sys.exit(f"{MAKE_COCO} not found")
    workdir = pathlib.Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for scale in (["val", "train"] if args.scale == "both" else [args.scale]):
        bench(scale, workdir)


if __name__ == "__main__":
    main()
