"""Checks a dataset for problems that break tools or hint at bad exports.

:func:`validate` checks the whole dataset; :func:`validate_image` checks one
image and its annotations, using the dataset's indexes and a per-dataset
cache of id counts, so it stays fast however big the file is.

No check decodes a mask: RLE counts are summed from the counts themselves and
polygon areas come from the shoelace formula, so a file that claims a huge
image or a polygon with very many points is checked in little time.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any, Hashable, Iterable

import msgspec

from cocoview.model import geometry
from cocoview.model.annotation import Annotation
from cocoview.model.gc_pause import gc_paused
from cocoview.model.ids import format_id, id_key, is_valid_id

ERROR = "error"
WARNING = "warning"

_CHUNK = 4000
_UNSET = msgspec.UNSET
# Bounding boxes may reach this far past the image edge before a warning.
_EDGE_SLACK = 1.0
# Relative slack between the stored area and the geometry's.
_AREA_REL = 0.10
# Official COCO crowd RLEs differ from their stored area by up to ~16%.
_CROWD_AREA_REL = 0.25
_AREA_PIXELS = 4.0
# Rasterising a polygon gains or loses pixels along its outline; this share
# of the perimeter is allowed on top (areas further off are compared with
# pycocotools' rasterised area before a warning).
_PERIMETER_SLACK = 0.25


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a dataset; ``message`` is a single line."""

    severity: str
    code: str
    message: str
    image_id: Any = None
    annotation_id: Any = None
    category_id: Any = None

    def __post_init__(self) -> None:
        if "\n" in self.message or "\r" in self.message:
            flat = " ".join(self.message.split())
            object.__setattr__(self, "message", flat)

    def to_dict(self) -> dict:
        return {"severity": self.severity, "code": self.code, "message": self.message,
                "image_id": self.image_id, "annotation_id": self.annotation_id,
                "category_id": self.category_id}


class _Geometry(msgspec.Struct):
    """The fields of an annotation that checks need beyond the indexed ones."""

    segmentation: Any = _UNSET
    area: Any = _UNSET
    keypoints: msgspec.Raw = _UNSET
    segments_info: Any = _UNSET
    caption: msgspec.Raw = _UNSET


_decode_geometry = msgspec.json.Decoder(list[_Geometry]).decode


def _geometries(anns: list[Annotation]) -> list[_Geometry]:
    """Decode the checked fields of a chunk of annotations in one go."""
    out: list[_Geometry | None] = [None] * len(anns)
    raw_pos = []
    raws = []
    for i, ann in enumerate(anns):
        if ann.data is not None or ann.raw is None:
            d = ann.to_dict() if ann.data is not None else {}
            out[i] = _Geometry(d.get("segmentation", _UNSET), d.get("area", _UNSET),
                               d.get("keypoints", _UNSET), d.get("segments_info", _UNSET),
                               d.get("caption", _UNSET))
        else:
            raw_pos.append(i)
            raws.append(ann.raw)
    if raws:
        for i, geo in zip(raw_pos, _decode_geometry(b"[" + b",".join(raws) + b"]")):
            out[i] = geo
    return out  # type: ignore[return-value]


# ---- helpers for messages ---------------------------------------------------
def _short(value: Any, limit: int = 60) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _num(value: float) -> str:
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def _type_word(value: Any) -> str:
    if type(value) is int:
        return "a number"
    if type(value) is str:
        return "a string"
    return f"a {type(value).__name__}"


def _is_number(value: Any) -> bool:
    """An int or a finite float (bools are not numbers here)."""
    t = type(value)
    return t is int or (t is float and math.isfinite(value))


def _positions(places: list[int], name: str) -> str:
    shown = ", ".join(f"{name}[{p}]" for p in places[:4])
    return shown + (f" and {len(places) - 4} more" if len(places) > 4 else "")


# ---- the per-dataset context -----------------------------------------------------
class _Context:
    """Id counts over the whole dataset, rebuilt after any change."""

    def __init__(self, ds) -> None:
        self.image_dups = self._duplicates(img.get("id") for img in ds.images)
        self.category_dups = self._duplicates(cat.get("id") for cat in ds.categories)
        self.annotation_dups = self._duplicates(a.id for a in ds.annotations)

    @staticmethod
    def _duplicates(ids: Iterable[Any]) -> dict[Hashable, list[int]]:
        first: dict[Hashable, int] = {}
        dups: dict[Hashable, list[int]] = {}
        for pos, value in enumerate(ids):
            if not is_valid_id(value):
                continue
            key = id_key(value)
            seen = first.setdefault(key, pos)
            if seen != pos:
                if key in dups:
                    dups[key].append(pos)
                else:
                    dups[key] = [seen, pos]
        return dups


_contexts: "weakref.WeakKeyDictionary[Any, _Context]" = weakref.WeakKeyDictionary()
_listening: "weakref.WeakSet[Any]" = weakref.WeakSet()
_EVENTS = ("annotations_added", "annotations_removed", "annotations_changed",
           "images_added", "images_removed", "images_changed", "categories_changed")


def _context(ds, fresh: bool = False) -> _Context:
    """The dataset's id counts, cached until the dataset announces a change."""
    ctx = None if fresh else _contexts.get(ds)
    if ctx is None:
        ctx = _Context(ds)
        if ds not in _listening:
            forget = _Forget(ds)
            for name in _EVENTS:
                event = getattr(ds.events, name, None)
                if event is not None:
                    event.connect(forget)
            _listening.add(ds)
        _contexts[ds] = ctx
    return ctx


class _Forget:
    """Drops a dataset's cached context when the dataset changes."""

    __slots__ = ("_ds",)

    def __init__(self, ds) -> None:
        self._ds = weakref.ref(ds)

    def __call__(self, **_: Any) -> None:
        ds = self._ds()
        if ds is not None:
            _contexts.pop(ds, None)


# ---- images and categories -------------------------------------------------------
def _duplicate_finding(what: str, value: Any, places: list[int], plural: str) -> Finding:
    message = (f"{what} id {format_id(value)} is used by {len(places)} {plural} "
               f"({_positions(places, plural)})")
    code = f"duplicate-{what}-id"
    if what == "image":
        return Finding(ERROR, code, message, image_id=value)
    if what == "category":
        return Finding(ERROR, code, message, category_id=value)
    return Finding(ERROR, code, message, annotation_id=value)


def _check_image(image: dict, pos: int | None, ctx: _Context, out: list[Finding],
                 all_duplicates: bool, ds=None) -> None:
    iid = image.get("id")
    if not is_valid_id(iid):
        if pos is None:
            pos = next((i for i, x in enumerate(ds.images) if x is image), -1)
        said = "has no id" if "id" not in image else f"has id {_short(iid)}, expected an int or a string"
        out.append(Finding(ERROR, "bad-id-type", f"images[{pos}] {said}"))
        name = f"images[{pos}]"
        iid = None
    else:
        name = f"image {format_id(iid)}"
        places = ctx.image_dups.get(id_key(iid))
        if places and (all_duplicates or places[0] == pos):
            out.append(_duplicate_finding("image", iid, places, "images"))
    problems = []
    for key in ("width", "height"):
        if key not in image:
            problems.append(f"no {key}")
        elif not (_is_number(image[key]) and image[key] > 0):
            problems.append(f"{key} {_short(image[key])}")
    if problems:
        out.append(Finding(WARNING, "bad-image-size", f"{name} has {' and '.join(problems)}",
                           image_id=iid))


def _check_categories(ds, ctx: _Context, out: list[Finding]) -> None:
    for pos, cat in enumerate(ds.categories):
        cid = cat.get("id")
        if not is_valid_id(cid):
            said = "has no id" if "id" not in cat else f"has id {_short(cid)}, expected an int or a string"
            out.append(Finding(ERROR, "bad-id-type", f"categories[{pos}] {said}"))
            continue
        places = ctx.category_dups.get(id_key(cid))
        if places and places[0] == pos:
            out.append(_duplicate_finding("category", cid, places, "categories"))


# ---- annotations ---------------------------------------------------------------------
def _check_annotations(ds, anns: list[Annotation], ctx: _Context, out: list[Finding],
                       whole: bool) -> None:
    """Check annotations in chunks. ``whole``: ``anns`` is ``ds.annotations``
    (positions are known, and each duplicate id is reported once)."""
    for start in range(0, len(anns), _CHUNK):
        chunk = anns[start:start + _CHUNK]
        geos = _geometries(chunk)
        poly_areas = geometry.polygon_measures([g.segmentation for g in geos])
        for i, (ann, geo) in enumerate(zip(chunk, geos)):
            _check_annotation(ds, ann, geo, poly_areas[i], ctx, out,
                              start + i if whole else None)


class _Name:
    """How messages name an annotation, worked out only when a message is made."""

    __slots__ = ("ds", "ann", "pos", "panoptic")

    def __init__(self, ds, ann: Annotation, pos: int | None, panoptic: bool) -> None:
        self.ds, self.ann, self.pos, self.panoptic = ds, ann, pos, panoptic

    def __str__(self) -> str:
        ann = self.ann
        if is_valid_id(ann.id):
            return f"annotation {format_id(ann.id)}"
        if self.panoptic and ann.id is None and is_valid_id(ann.image_id):
            return f"the annotation of image {format_id(ann.image_id)}"
        pos = self.pos
        if pos is None:
            pos = next((i for i, a in enumerate(self.ds.annotations) if a is ann), -1)
        return f"annotations[{pos}]"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


_NUMBER_TYPES = frozenset((int, float))


def _check_annotation(ds, ann: Annotation, geo: _Geometry, poly: tuple[float, float] | None,
                      ctx: _Context, out: list[Finding], pos: int | None) -> None:
    """All checks of one annotation. ``poly``: its polygons' (area, perimeter)
    when they are well formed; ``pos``: its index in ``ds.annotations`` when
    the whole dataset is checked (None for one image)."""
    add = out.append
    aid = ann.id
    panoptic = geo.segments_info is not _UNSET
    name = _Name(ds, ann, pos, panoptic)
    if type(aid) is not int and type(aid) is not str:
        if not (panoptic and aid is None):
            said = "has no id" if aid is None else f"has id {_short(aid)}, expected an int or a string"
            add(Finding(ERROR, "bad-id-type", f"{name} {said}", image_id=_valid(ann.image_id)))
        aid = None
    elif ctx.annotation_dups:
        places = ctx.annotation_dups.get(id_key(aid))
        if places and (pos is None or places[0] == pos):
            add(_duplicate_finding("annotation", aid, places, "annotations"))

    # -- image link
    iid = ann.image_id
    image = None
    if type(iid) is not int and type(iid) is not str:
        said = "has no image_id" if iid is None else f"has image_id {_short(iid)}, expected an int or a string"
        add(Finding(ERROR, "bad-id-type", f"{name} {said}", annotation_id=aid))
        iid = None
    else:
        image = ds.image(iid)
        if image is None:
            add(Finding(ERROR, "dangling-image-id",
                        f"{name} refers to image_id {format_id(iid)}, which no image has",
                        image_id=iid, annotation_id=aid))
        elif type(image.get("id")) is not type(iid):
            add(Finding(WARNING, "mixed-id-types",
                        f"{name} has image_id {format_id(iid)} ({_type_word(iid)}) but the image's id is "
                        f"{format_id(image.get('id'))} ({_type_word(image.get('id'))}); cocoview links them, "
                        "pycocotools would not", image_id=iid, annotation_id=aid))

    # -- category link (captions carry no meaningful category)
    cid = ann.category_id
    if cid is not None and geo.caption is _UNSET:
        cat = ds.category(cid) if type(cid) is int or type(cid) is str else None
        if cat is None or type(cat.get("id")) is not type(cid):
            _check_category_link(ds, cid, name, iid, aid, add)
    if panoptic:
        _check_segments(ds, geo.segments_info, name, iid, aid, add)
        return

    # -- bbox
    bbox = ann.bbox
    box_ok = False
    if bbox is not None:
        box_ok = _check_bbox(bbox, image, name, iid, aid, cid, add)

    # -- segmentation
    seg = geo.segmentation
    if poly is not None:
        kind = "polygon"
    else:
        kind = geometry.segmentation_kind(None if seg is _UNSET else seg)
    ref = None          # the geometry's area, to compare with the stored one
    slack = 0.0
    rel = _AREA_REL
    iscrowd = ann.iscrowd
    crowd = (type(iscrowd) is int or type(iscrowd) is bool) and bool(iscrowd)
    if kind == "polygon":
        if poly is not None:
            ref, perimeter = poly
            slack = perimeter * _PERIMETER_SLACK
        else:
            _polygon_ok(seg, name, iid, aid, cid, add)
        if crowd:
            add(Finding(WARNING, "crowd-mismatch",
                        f"{name} has iscrowd {_short(iscrowd)} but a polygon segmentation "
                        "(crowd regions are written as RLE)", image_id=iid, annotation_id=aid,
                        category_id=cid))
    elif kind == "rle_string" or kind == "rle_list":
        ref = _check_rle(seg, image, name, iid, aid, cid, add)
        if crowd:
            rel = _CROWD_AREA_REL
        elif ann.score is None:
            # Detections (with a score) carry RLE masks with iscrowd 0 by design.
            said = "no iscrowd" if iscrowd is None else f"iscrowd {_short(iscrowd)}"
            add(Finding(WARNING, "crowd-mismatch",
                        f"{name} has an RLE segmentation but {said} (RLE is meant for crowd regions; "
                        "evaluation treats it as a single object)", image_id=iid, annotation_id=aid,
                        category_id=cid))
    elif kind == "invalid":
        add(Finding(ERROR, "bad-segmentation",
                    f"{name} has segmentation {_short(seg)}, expected polygons or an RLE",
                    image_id=iid, annotation_id=aid, category_id=cid))

    # -- area (keypoint annotations without a mask store the person's area)
    keypoints_only = geo.keypoints is not _UNSET and (kind == "none" or kind == "empty")
    if keypoints_only:
        return
    area = geo.area
    if area is _UNSET:
        if box_ok or kind in ("polygon", "rle_string", "rle_list"):
            add(Finding(WARNING, "area-missing", f"{name} has no area", image_id=iid,
                        annotation_id=aid, category_id=cid))
        return
    if not _is_number(area):
        add(Finding(WARNING, "bad-area", f"{name} has area {_short(area)}, expected a number",
                    image_id=iid, annotation_id=aid, category_id=cid))
        return
    if ref is not None:
        if abs(area - ref) > rel * max(area, ref) + _AREA_PIXELS + slack \
                and not (kind == "polygon" and _matches_raster(area, seg, image)):
            what = "its polygons cover about" if kind == "polygon" else "its RLE covers"
            add(Finding(WARNING, "area-mismatch",
                        f"{name} has area {_num(area)} but {what} {_num(round(ref, 2))}",
                        image_id=iid, annotation_id=aid, category_id=cid))
            return
    if box_ok:
        w, h = bbox[2], bbox[3]
        # Rasterised polygons may spill half a pixel past each side of the box.
        limit = w * h * (1 + _AREA_REL) + _AREA_PIXELS + (w + h if kind == "polygon" else 0)
        if area > limit:
            add(Finding(WARNING, "area-exceeds-bbox",
                        f"{name} has area {_num(area)}, more than its {_num(w)}x{_num(h)} bbox holds",
                        image_id=iid, annotation_id=aid, category_id=cid))


def _matches_raster(area: float, seg: list, image: dict | None) -> bool:
    """Whether the area is what pycocotools' rasteriser gives the polygons
    (exporters that store that area; thin shapes differ most from the
    shoelace area)."""
    if image is None:
        return False
    raster = geometry.polygon_raster_area(seg, image.get("height"), image.get("width"))
    return raster is not None and abs(area - raster) <= _AREA_REL * max(area, raster) + _AREA_PIXELS


def _valid(value: Any) -> Any:
    return value if is_valid_id(value) else None


def _check_category_link(ds, cid, name, iid, aid, add, what: str = "category_id") -> None:
    if not is_valid_id(cid):
        add(Finding(ERROR, "bad-id-type",
                    f"{name} has {what} {_short(cid)}, expected an int or a string",
                    image_id=iid, annotation_id=aid))
        return
    cat = ds.category(cid)
    if cat is None:
        add(Finding(ERROR, "dangling-category-id",
                    f"{name} refers to {what} {format_id(cid)}, which no category has",
                    image_id=iid, annotation_id=aid, category_id=cid))
    elif type(cat.get("id")) is not type(cid):
        add(Finding(WARNING, "mixed-id-types",
                    f"{name} has {what} {format_id(cid)} ({_type_word(cid)}) but the category's id is "
                    f"{format_id(cat.get('id'))} ({_type_word(cat.get('id'))}); cocoview links them, "
                    "pycocotools would not", image_id=iid, annotation_id=aid, category_id=cid))


def _check_segments(ds, segments, name, iid, aid, add) -> None:
    if type(segments) is not list:
        add(Finding(ERROR, "bad-segments-info",
                    f"{name} has segments_info {_short(segments)}, expected a list",
                    image_id=iid, annotation_id=aid))
        return
    for k, seg in enumerate(segments):
        if type(seg) is not dict:
            add(Finding(ERROR, "bad-segments-info",
                        f"{name}: segments_info[{k}] is {_short(seg)}, expected an object",
                        image_id=iid, annotation_id=aid))
            continue
        sid = seg.get("id")
        label = f"segment {format_id(sid)} of {name}" if is_valid_id(sid) else \
            f"segments_info[{k}] of {name}"
        cid = seg.get("category_id")
        if cid is None:
            add(Finding(ERROR, "bad-id-type", f"{label} has no category_id",
                        image_id=iid, annotation_id=aid))
        else:
            _check_category_link(ds, cid, label, iid, aid, add)


def _bbox_numbers(bbox: Any) -> bool:
    if type(bbox) is not list or len(bbox) != 4:
        return False
    x, y, w, h = bbox
    if not {type(x), type(y), type(w), type(h)} <= _NUMBER_TYPES:
        return False
    try:
        return math.isfinite(x + y + w + h) and math.isfinite(w - h)
    except OverflowError:
        return all(_is_number(v) for v in bbox)


def _check_bbox(bbox, image, name, iid, aid, cid, add) -> bool:
    if not _bbox_numbers(bbox):
        add(Finding(ERROR, "bad-bbox", f"{name} has bbox {_short(bbox)}, expected [x, y, width, height]",
                    image_id=iid, annotation_id=aid, category_id=cid))
        return False
    x, y, w, h = bbox
    if w <= 0 or h <= 0:
        add(Finding(ERROR, "degenerate-bbox",
                    f"{name} has bbox {_short(bbox)} with width {_num(w)} and height {_num(h)}; both must be positive",
                    image_id=iid, annotation_id=aid, category_id=cid))
        return False
    if image is not None:
        iw, ih = image.get("width"), image.get("height")
        if type(iw) in _NUMBER_TYPES and type(ih) in _NUMBER_TYPES and iw > 0 and ih > 0:
            if (x < -_EDGE_SLACK or y < -_EDGE_SLACK or x + w > iw + _EDGE_SLACK
                    or y + h > ih + _EDGE_SLACK):
                whole = x >= iw or y >= ih or x + w <= 0 or y + h <= 0
                add(Finding(WARNING, "bbox-outside-image",
                            f"{name} has bbox {_short(bbox)}, {'entirely' if whole else 'partly'} "
                            f"outside its {_num(iw)}x{_num(ih)} image",
                            image_id=iid, annotation_id=aid, category_id=cid))
    return True


def _polygon_ok(seg: list, name, iid, aid, cid, add) -> bool:
    for k, part in enumerate(seg):
        n = len(part)
        if n < 6:
            problem = f"has {n} number{'s' if n != 1 else ''}; a part needs at least 6 (3 points)"
        elif n % 2:
            problem = f"has {n} numbers, an odd count"
        elif not all(_is_number(v) for v in part):
            problem = "holds something that is not a finite number"
        else:
            continue
        add(Finding(ERROR, "bad-polygon", f"{name}: polygon part {k} {problem}",
                    image_id=iid, annotation_id=aid, category_id=cid))
        return False
    return True


def _check_rle(seg: dict, image, name, iid, aid, cid, add) -> int | None:
    """Errors for an RLE; returns its foreground area when well formed."""
    h, w = seg["size"]
    if image is not None:
        ih, iw = image.get("height"), image.get("width")
        if _is_number(ih) and _is_number(iw) and (h, w) != (ih, iw):
            add(Finding(ERROR, "rle-size-mismatch",
                        f"{name} has RLE size [{h}, {w}] but its image is {_num(ih)} high and {_num(iw)} wide",
                        image_id=iid, annotation_id=aid, category_id=cid))
    try:
        total, foreground = geometry.rle_totals(seg)
    except ValueError as e:
        add(Finding(ERROR, "bad-rle-counts", f"{name}: {e}", image_id=iid,
                    annotation_id=aid, category_id=cid))
        return None
    if total != h * w:
        add(Finding(ERROR, "bad-rle-counts",
                    f"{name} has RLE counts adding up to {total}, expected {h}x{w} = {h * w}",
                    image_id=iid, annotation_id=aid, category_id=cid))
        return None
    return foreground


# ---- entry points ---------------------------------------------------------------------
def validate(ds) -> list[Finding]:
    """Every finding for the dataset: images, categories, then annotations in file order."""
    # Decoding makes many short-lived lists; the cycle collector would scan
    # the whole dataset again and again for nothing.
    with gc_paused():
        ctx = _context(ds, fresh=True)
        out: list[Finding] = []
        for pos, image in enumerate(ds.images):
            _check_image(image, pos, ctx, out, all_duplicates=False)
        _check_categories(ds, ctx, out)
        _check_annotations(ds, ds.annotations, ctx, out, whole=True)
        return out


class _NoContext:
    """Stands in for the id counts while they are not computed (no duplicate findings)."""

    image_dups: dict = {}
    category_dups: dict = {}
    annotation_dups: dict = {}


def has_context(ds) -> bool:
    """Whether the whole-dataset id counts are computed and current."""
    return ds in _contexts


def warm_context(ds) -> None:
    """Compute the id counts ahead of use (e.g. on a worker thread after a load)."""
    _context(ds)


def validate_image(ds, image: dict, quick: bool = False) -> list[Finding]:
    """Findings for one image and the annotations linked to it.

    With ``quick``, a dataset whose id counts are not computed yet (a large
    one just loaded or edited) is checked without the duplicate-id findings
    instead of counting all ids now; see :func:`has_context`.
    """
    ctx = _contexts.get(ds) if quick else _context(ds)
    if ctx is None:
        ctx = _NoContext()
    out: list[Finding] = []
    _check_image(image, None, ctx, out, all_duplicates=True, ds=ds)
    iid = image.get("id")
    if is_valid_id(iid):
        anns = ds.annotations_of_image(iid)
        # With duplicate image ids, the index links annotations to the first image only.
        if ds.image(iid) is image:
            _check_annotations(ds, list(anns), ctx, out, whole=False)
    return out


def summary(findings: list[Finding]) -> dict[str, int]:
    """Counts per severity: {"error": n, "warning": m}."""
    counts = {ERROR: 0, WARNING: 0}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts
