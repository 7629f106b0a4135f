"""Counts that summarise a dataset: images, annotations, categories, kinds.

Annotations are read in chunks straight from their bytes, and polygons are
never turned into Python lists: the segmentation kind is told from the raw
JSON, so the counts stay fast on files with close to a million annotations.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Hashable

import msgspec

from cocoview.model.geometry import KINDS, segmentation_kind
from cocoview.model.ids import id_key

_CHUNK = 4000
_UNSET = msgspec.UNSET


class _Shape(msgspec.Struct):
    segmentation: msgspec.Raw = _UNSET
    segments_info: Any = _UNSET


_decode_shapes = msgspec.json.Decoder(list[_Shape]).decode
_split = msgspec.json.Decoder(list[msgspec.Raw]).decode
_decode_any = msgspec.json.Decoder().decode


def raw_segmentation_kind(raw: Any) -> str:
    """:func:`segmentation_kind` of a segmentation given as JSON bytes."""
    view = memoryview(raw)
    if not len(view):
        return "none"
    first = view[:1].tobytes()
    if first == b"n":
        return "none"
    if first == b"{":
        return segmentation_kind(_decode_any(raw))
    if first != b"[":
        return "invalid"
    parts = _split(raw)
    if not parts:
        return "empty"
    empty = True
    for part in parts:
        pv = memoryview(part)
        if pv[:1].tobytes() != b"[":
            return "invalid"
        if empty and (len(pv) > 16 or _decode_any(part)):
            empty = False
    return "empty" if empty else "polygon"


def _shapes(anns: list) -> list[tuple[str, Any]]:
    """(segmentation kind, segments_info or UNSET) for a chunk of annotations."""
    out: list[tuple[str, Any] | None] = [None] * len(anns)
    raw_pos, raws = [], []
    for i, ann in enumerate(anns):
        if ann.data is not None or ann.raw is None:
            d = ann.to_dict() if ann.data is not None else {}
            out[i] = (segmentation_kind(d.get("segmentation")), d.get("segments_info", _UNSET))
        else:
            raw_pos.append(i)
            raws.append(ann.raw)
    if raws:
        for i, shape in zip(raw_pos, _decode_shapes(b"[" + b",".join(raws) + b"]")):
            seg = shape.segmentation
            kind = "none" if seg is _UNSET else raw_segmentation_kind(seg)
            out[i] = (kind, shape.segments_info)
    return out  # type: ignore[return-value]


def _is_crowd(value: Any) -> bool:
    return (type(value) is int or type(value) is bool) and bool(value)


def stats(ds) -> dict:
    """Summary counts of a dataset.

    Keys: ``images``, ``annotations``, ``categories`` (ints); ``per_category``
    (``{"id", "name", "count"}`` per category in file order, then one row
    with ``id`` and ``name`` None counting annotations whose category_id
    matches no category, when there are any); ``per_segmentation_kind``
    (``{kind: count}`` for the kinds present); ``with_score`` and ``crowd``.
    Panoptic files also get ``segments`` (all ``segments_info`` entries); their
    per-category counts and crowd count are taken from the segments.
    """
    kinds: Counter[str] = Counter()
    segment_counts: Counter[Hashable] = Counter()
    segments = 0
    segment_crowds = 0
    with_score = 0
    crowd = 0
    any_segments = False
    anns = ds.annotations
    for start in range(0, len(anns), _CHUNK):
        chunk = anns[start:start + _CHUNK]
        for ann, (kind, info) in zip(chunk, _shapes(chunk)):
            kinds[kind] += 1
            if ann.score_value() is not None:
                with_score += 1
            if _is_crowd(ann.iscrowd):
                crowd += 1
            if info is not _UNSET:
                any_segments = True
                if type(info) is list:
                    for seg in info:
                        segments += 1
                        if type(seg) is dict:
                            segment_counts[id_key(seg.get("category_id"))] += 1
                            if _is_crowd(seg.get("iscrowd")):
                                segment_crowds += 1
                        else:
                            segment_counts[id_key(None)] += 1
    panoptic = any_segments and ds.is_panoptic
    counts = segment_counts if panoptic else Counter(ds.category_counts())
    per_category = []
    known = set()
    for cat in ds.categories:
        key = id_key(cat.get("id"))
        known.add(key)
        per_category.append({"id": cat.get("id"), "name": cat.get("name"),
                             "count": counts.get(key, 0)})
    missing = sum(n for key, n in counts.items() if key not in known)
    if missing:
        per_category.append({"id": None, "name": None, "count": missing})
    result = {
        "images": len(ds.images),
        "annotations": len(anns),
        "categories": len(ds.categories),
        "per_category": per_category,
        "per_segmentation_kind": {k: kinds[k] for k in KINDS if kinds[k]},
        "with_score": with_score,
        "crowd": segment_crowds if panoptic else crowd,
    }
    if panoptic:
        result["segments"] = segments
    return result
