"""Subset export with optional reindexing; the same code serves the CLI and the GUI.

An export keeps every field of what it writes. It drops annotations whose
image or category is not written, so the result always has sound references
and loads in pycocotools. Reindexing renumbers images and annotations from a
start id (and categories contiguously, on request) and rewrites every
reference; the old→new maps can be written beside the export.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterable

import msgspec

from cocoview.model.annotation import Annotation
from cocoview.model.errors import Cancelled, CocoError
from cocoview.model.gc_pause import gc_paused
from cocoview.model.ids import format_id, id_key
from cocoview.model.writer import encode_document, write_atomic

if TYPE_CHECKING:
    from cocoview.model.dataset import Dataset

_CHUNK = 20000
_decode_raw_dicts = msgspec.json.Decoder(list[dict[str, msgspec.Raw]]).decode
_decode_any = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


@dataclass
class ExportOptions:
    """What to write. ``None`` means no restriction."""

    image_ids: Iterable[Any] | None = None
    categories: Iterable[Any] | None = None   # category ids, names or category dicts
    min_score: float | None = None            # annotations without a score are kept
    drop_empty: bool = False                  # drop images left without annotations
    reindex: bool = False                     # images and annotations from start_id
    start_id: int = 1
    reindex_categories: bool = False          # categories contiguous from category_start
    category_start: int = 1


@dataclass
class ExportPlan:
    """What an export will write, computed without writing (for previews)."""

    images: list[dict] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    dropped_dangling: int = 0

    def counts(self) -> dict[str, int]:
        return {"images": len(self.images), "annotations": len(self.annotations),
                "categories": len(self.categories)}


def resolve_categories(ds: "Dataset", tokens: Iterable[Any]) -> list[dict]:
    """Categories named by name or id; unknown ones raise CocoError."""
    by_name: dict[str, dict] = {}
    for cat in ds.categories:
        by_name.setdefault(str(cat.get("name")), cat)
    found: list[dict] = []
    for token in tokens:
        if isinstance(token, dict):  # a category of this dataset, as the window passes them
            if all(token is not c for c in found):
                found.append(token)
            continue
        cat = by_name.get(str(token)) if isinstance(token, str) else None
        if cat is None:
            cat = ds.category(token)
        if cat is None:
            names = ", ".join(str(c.get("name")) for c in ds.categories[:12])
            raise CocoError(f"{ds.path or 'dataset'}: no category named or numbered {format_id(token)}"
                            f" (categories: {names}{', …' if len(ds.categories) > 12 else ''})")
        if all(cat is not c for c in found):
            found.append(cat)
    return found


def plan_export(ds: "Dataset", options: ExportOptions) -> ExportPlan:
    plan = ExportPlan()
    if options.categories is not None:
        wanted = {id(c) for c in resolve_categories(ds, options.categories)}
        plan.categories = [c for c in ds.categories if id(c) in wanted]
    else:
        plan.categories = list(ds.categories)
    cat_keys = {id_key(c.get("id")) for c in plan.categories}

    images = ds.images
    if options.image_ids is not None:
        keys = {id_key(i) for i in options.image_ids}
        missing = keys - {id_key(img.get("id")) for img in images}
        if missing:
            shown = ", ".join(format_id(k) for k in sorted(missing, key=str)[:10])
            raise CocoError(f"{ds.path or 'dataset'}: no image with id {shown}")
        images = [img for img in images if id_key(img.get("id")) in keys]
    image_keys = {id_key(img.get("id")) for img in images}

    min_score = options.min_score
    panoptic = ds.is_panoptic
    kept: list[Annotation] = []
    used_images: set[Hashable] = set()
    for ann in ds.annotations:
        ik = id_key(ann.image_id)
        if ik not in image_keys:
            if ds.image(ann.image_id) is None:
                plan.dropped_dangling += 1
            continue
        if not panoptic:
            ck = id_key(ann.category_id)
            if ck not in cat_keys:
                if ds.category(ann.category_id) is None:
                    plan.dropped_dangling += 1
                continue
        if min_score is not None:
            score = ann.score
            if (type(score) is float or type(score) is int) and score < min_score:
                continue
        kept.append(ann)
        used_images.add(ik)
    if options.drop_empty:
        images = [img for img in images if id_key(img.get("id")) in used_images]
    plan.images = images
    plan.annotations = kept
    return plan


def _id_maps(plan: ExportPlan, options: ExportOptions) -> dict[str, dict[Hashable, Any]]:
    maps: dict[str, dict[Hashable, Any]] = {"images": {}, "annotations": {}, "categories": {}}
    if options.reindex:
        for i, img in enumerate(plan.images):
            maps["images"].setdefault(id_key(img.get("id")), options.start_id + i)
    if options.reindex_categories:
        for i, cat in enumerate(plan.categories):
            maps["categories"].setdefault(id_key(cat.get("id")), options.category_start + i)
    return maps


def _rewrite_annotations(plan: ExportPlan, options: ExportOptions, maps, check) -> list:
    """Annotation objects with new ids (or the untouched Annotation objects).

    Values other than the rewritten ids stay as the file's bytes (``Raw``),
    so polygons and RLE counts are copied, never parsed.
    """
    if not options.reindex and not options.reindex_categories:
        return plan.annotations
    image_map, cat_map = maps["images"], maps["categories"]
    ann_pairs: list[tuple[Any, int]] = []
    out: list = []
    anns = plan.annotations
    for start in range(0, len(anns), _CHUNK):
        check(start / max(len(anns), 1))
        chunk = anns[start:start + _CHUNK]
        if all(a.data is None for a in chunk):  # one decode for the chunk
            objects = _decode_raw_dicts(b"[" + b",".join([a.raw for a in chunk]) + b"]")
            for ann, obj in zip(chunk, objects):
                if ann.patch:
                    obj.update(ann.patch)
        else:
            objects = [a.fields() for a in chunk]
        for ann, obj in zip(chunk, objects):
            if options.reindex:
                if "id" in obj:  # panoptic records have no id of their own: none is added
                    new_id = options.start_id + len(ann_pairs)
                    ann_pairs.append((ann.id, new_id))
                    obj["id"] = new_id
                obj["image_id"] = image_map[id_key(ann.image_id)]
            if cat_map:
                if "category_id" in obj:
                    obj["category_id"] = cat_map[id_key(ann.category_id)]
                if "segments_info" in obj:
                    segs = _plain(obj["segments_info"])
                    if isinstance(segs, list):
                        obj["segments_info"] = [
                            {**s, "category_id": cat_map.get(id_key(s.get("category_id")), s.get("category_id"))}
                            if isinstance(s, dict) else s for s in segs]
            out.append(obj)
    maps["annotations"] = ann_pairs  # type: ignore[assignment]
    return out


def _plain(value: Any) -> Any:
    return _decode_any(value) if isinstance(value, msgspec.Raw) else value


def build_export(ds: "Dataset", options: ExportOptions,
                 progress: Callable[[str, float], None] | None = None,
                 cancel: threading.Event | None = None) -> tuple[bytes, dict, ExportPlan]:
    """Encode the export; returns (bytes, id maps, plan)."""
    def check(fraction: float) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        if progress is not None:
            progress("Exporting", fraction)

    with gc_paused():
        check(0.0)
        plan = plan_export(ds, options)
        maps = _id_maps(plan, options)
        annotations = _rewrite_annotations(plan, options, maps, lambda f: check(0.1 + 0.7 * f))
        images = plan.images
        if options.reindex:
            images = [{**img, "id": maps["images"][id_key(img.get("id"))]} for img in images]
        categories = plan.categories
        if options.reindex_categories:
            categories = [{**c, "id": maps["categories"][id_key(c.get("id"))]} for c in categories]
        top: dict[str, Any] = {}
        for key, value in ds.top_level.items():
            if key == "images":
                top[key] = images
            elif key == "annotations":
                top[key] = annotations
            elif key == "categories":
                top[key] = categories
            else:
                top[key] = value
        check(0.85)
        data = encode_document(top, ds.layout, ds.absent_keys)
    check(1.0)
    return data, maps, plan


def _pairs(mapping: dict, originals: list[dict]) -> list[list[Any]]:
    pairs = []
    seen = set()
    for obj in originals:
        key = id_key(obj.get("id"))
        if key in mapping and key not in seen:
            seen.add(key)
            pairs.append([obj.get("id"), mapping[key]])
    return pairs


def id_map_document(maps: dict, plan: ExportPlan) -> dict[str, list[list[Any]]]:
    """Old→new ids as lists of [old, new] pairs (old ids keep their JSON type)."""
    return {
        "images": _pairs(maps["images"], plan.images),
        "annotations": [list(p) for p in maps["annotations"]] if isinstance(maps["annotations"], list) else [],
        "categories": _pairs(maps["categories"], plan.categories),
    }


def export_dataset(ds: "Dataset", out_path: str, options: ExportOptions, id_map_path: str | None = None,
                   progress: Callable[[str, float], None] | None = None,
                   cancel: threading.Event | None = None) -> ExportPlan:
    """Write a subset (atomically) and optionally its id maps. Returns the plan."""
    data, maps, plan = build_export(ds, options, progress, cancel)
    write_atomic(out_path, data)
    if id_map_path:
        doc = id_map_document(maps, plan)
        body = ",\n".join(f" {_encode(k).decode()}: {_encode(v).decode()}" for k, v in doc.items())
        write_atomic(id_map_path, ("{\n" + body + "\n}\n").encode())
    return plan
