"""Segmentation geometry: kinds, RLE conversion, masks, areas and boxes.

COCO writes a segmentation as polygons (a list of flat ``[x0, y0, x1, y1,
...]`` lists), as an RLE whose ``counts`` is a list of run lengths, or as an
RLE whose ``counts`` is the compact string written by pycocotools. Masks are
decoded only when asked for and kept in a small cache bounded by bytes.

Everything here tolerates bad input: a malformed segmentation gives ``None``
(or a ``ValueError`` from the counting helpers), never a crash. The counting
helpers (:func:`rle_counts_total`, :func:`rle_foreground_area`,
:func:`polygon_area`) never allocate a mask, so a file that claims a huge
image costs nothing to check.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from itertools import chain
from typing import Any, Hashable, Iterable, Sequence

import numpy as np
from pycocotools import mask as mask_api

# Masks above this many pixels are not decoded (a 16k x 16k image).
MAX_MASK_PIXELS = 1 << 28
# Longest polygon outline (in pixels) rasterised to measure an area.
MAX_RASTER_OUTLINE = 200_000
# pycocotools.mask.area fails on 256 or more RLEs in one call.
_AREA_CHUNK = 200
# A count in the string format spans at most this many characters (60 bits).
_MAX_COUNT_CHARS = 12

KINDS = ("polygon", "rle_string", "rle_list", "empty", "none", "invalid")


# ---- kinds ---------------------------------------------------------------
def segmentation_kind(seg: Any) -> str:
    """What a segmentation is: one of :data:`KINDS`.

    ``"empty"`` is an empty list (or a list of empty parts); ``"none"`` is a
    missing or null segmentation. Shape only is checked: a polygon part with
    too few numbers is still a ``"polygon"`` (validation reports it).
    """
    if seg is None:
        return "none"
    if type(seg) is list:
        if not seg:
            return "empty"
        if all(type(part) is list for part in seg):
            if all(not part for part in seg):
                return "empty"
            return "polygon"
        return "invalid"
    if type(seg) is dict:
        size = seg.get("size")
        if not (type(size) is list and len(size) == 2
                and all(type(v) is int for v in size)):
            return "invalid"
        counts = seg.get("counts")
        if type(counts) is str or type(counts) is bytes:
            return "rle_string"
        if type(counts) is list:
            return "rle_list"
        return "invalid"
    return "invalid"


def rle_size(rle: dict) -> tuple[int, int] | None:
    """An RLE's (height, width), or None when ``size`` is malformed."""
    size = rle.get("size") if type(rle) is dict else None
    if type(size) is list and len(size) == 2 and all(type(v) is int for v in size):
        return size[0], size[1]
    return None


# ---- counting without masks ------------------------------------------------
def decode_rle_string(counts: str | bytes) -> np.ndarray:
    """The run lengths of a pycocotools counts string, as uint64.

    The format: each count is written in 5-bit groups, least significant
    first, each group stored as ``chr(48 + g)`` with bit 0x20 meaning "more
    groups follow"; the last group's bit 0x10 is the sign. From the fourth
    count on, a value is stored as the difference to the count two places
    before it. Counts wrap to 32 bits as pycocotools stores them.
    Raises ValueError on characters outside the format.
    """
    data = counts.encode("ascii", "replace") if isinstance(counts, str) else bytes(counts)
    if not data:
        return np.zeros(0, dtype=np.uint64)
    c = np.frombuffer(data, dtype=np.uint8).astype(np.int64) - 48
    if c.min() < 0 or c.max() > 63:
        raise ValueError("RLE counts string has characters outside the COCO format")
    more = (c & 0x20) != 0
    if more[-1]:
        raise ValueError("RLE counts string ends in the middle of a number")
    ends = np.flatnonzero(~more)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1
    if lengths.max() > _MAX_COUNT_CHARS:
        raise ValueError("RLE counts string holds a number too large")
    # Position of each character within its number gives its shift.
    group = np.repeat(np.arange(len(ends)), lengths)
    pos = np.arange(len(c)) - starts[group]
    values = np.zeros(len(ends), dtype=np.int64)
    np.add.at(values, group, (c & 0x1F) << (5 * pos))
    negative = (c[ends] & 0x10) != 0
    values[negative] -= np.left_shift(np.int64(1), 5 * lengths[negative])
    # Undo the differences (per parity chain, from index 3 and 4 on); uint64
    # arithmetic wraps like the 32-bit counts pycocotools keeps.
    x = values.astype(np.uint64)
    out = x.copy()
    if len(out) > 3:
        out[1::2] = np.cumsum(x[1::2], dtype=np.uint64)
    if len(out) > 4:
        out[2::2] = np.cumsum(x[2::2], dtype=np.uint64)
    return out & np.uint64(0xFFFFFFFF)


def rle_counts(rle: dict) -> np.ndarray:
    """An RLE's run lengths as uint64 (string or list counts).

    Raises ValueError when the counts are not non-negative integers or not a
    valid counts string.
    """
    counts = rle.get("counts") if type(rle) is dict else None
    if type(counts) is str or type(counts) is bytes:
        return decode_rle_string(counts)
    if type(counts) is list:
        if not counts:
            return np.zeros(0, dtype=np.uint64)
        try:
            arr = np.asarray(counts)
        except (ValueError, OverflowError):
            arr = np.asarray(counts, dtype=object)
        kind = arr.dtype.kind
        if arr.ndim == 1 and kind in "iu":
            if kind == "i" and int(arr.min()) < 0:
                raise ValueError(f"RLE counts hold {int(arr.min())}, expected non-negative integers")
            return arr.astype(np.uint64)
        if arr.ndim == 1 and kind == "f":
            if np.isfinite(arr).all() and (arr >= 0).all() and (arr == np.floor(arr)).all() \
                    and float(arr.max()) < 2.0 ** 63:
                return arr.astype(np.uint64)
        for v in counts:
            if not (type(v) is int and 0 <= v < 1 << 63):
                raise ValueError(f"RLE counts hold {v!r}, expected non-negative integers")
        return np.asarray(counts, dtype=np.uint64)
    raise ValueError("RLE has no counts")


def rle_counts_total(rle: dict) -> int:
    """The sum of all run lengths (h*w for a well-formed RLE), without a mask."""
    return _big_sum(rle_counts(rle))


def rle_totals(rle: dict) -> tuple[int, int]:
    """(sum of all runs, foreground pixels) of an RLE, without a mask."""
    counts = rle_counts(rle)
    return _big_sum(counts), _big_sum(counts[1::2])


def rle_foreground_area(rle: dict) -> int:
    """Foreground pixels of an RLE (the sum of every second run), without a mask."""
    counts = rle_counts(rle)
    return _big_sum(counts[1::2])


def _big_sum(values: np.ndarray) -> int:
    # Counts below 2**32 cannot overflow a uint64 sum under 2**32 of them;
    # larger ones (only from list counts) are summed exactly as Python ints.
    if not len(values) or int(values.max()) < (1 << 32):
        return int(values.sum(dtype=np.uint64))
    return sum(int(v) for v in values)


def polygon_area(flat_xy: Sequence[float]) -> float:
    """Area of one polygon part ``[x0, y0, x1, y1, ...]`` (shoelace formula).

    An odd trailing number is ignored; fewer than three points give 0.
    """
    a = np.asarray(flat_xy, dtype=np.float64)
    n = len(a) // 2
    if n < 3:
        return 0.0
    x = a[0:2 * n:2]
    y = a[1:2 * n:2]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def polygons_area(parts: Iterable[Sequence[float]]) -> float:
    """Sum of the parts' shoelace areas (COCO parts are separate pieces)."""
    return float(sum(polygon_area(p) for p in parts))


def polygon_perimeter(flat_xy: Sequence[float]) -> float:
    """Perimeter of one polygon part (closed), 0 for fewer than two points."""
    a = np.asarray(flat_xy, dtype=np.float64)
    n = len(a) // 2
    if n < 2:
        return 0.0
    pts = a[:2 * n].reshape(n, 2)
    return float(np.hypot(*(pts - np.roll(pts, -1, axis=0)).T).sum())


# ---- many polygons at once ---------------------------------------------------
def polygon_measures(segmentations: list) -> list[tuple[float, float] | None]:
    """(shoelace area, perimeter) of each polygon segmentation, in one pass.

    Parts' areas and perimeters are summed per segmentation. An entry is None
    when the segmentation is not polygons or a part is malformed (fewer than
    6 numbers, odd length, something other than finite numbers).
    """
    result: list[tuple[float, float] | None] = [None] * len(segmentations)
    owners: list[int] = []
    parts: list[list] = []
    for i, seg in enumerate(segmentations):
        if type(seg) is list and seg and type(seg[0]) is list:
            for part in seg:
                if type(part) is not list or len(part) < 6 or len(part) & 1:
                    break
            else:
                owners.extend([i] * len(seg))
                parts.extend(seg)
    if not parts:
        return result
    try:
        flat = np.array(list(chain.from_iterable(parts)))
    except (TypeError, ValueError, OverflowError):
        flat = None
    if flat is None or flat.ndim != 1 or flat.dtype.kind not in "if":
        # Strings, nulls or nested lists somewhere in the chunk.
        return _measures_one_by_one(len(segmentations), owners, parts)
    _areas_from_flat(flat.astype(np.float64, copy=False), owners, parts, result)
    return result


def _areas_from_flat(flat: np.ndarray, owners: list[int], parts: list[list],
                     result: list) -> None:
    npts = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)) // 2
    starts = np.zeros(len(parts), dtype=np.int64)
    np.cumsum(npts[:-1], out=starts[1:])
    x = flat[0::2]
    y = flat[1::2]
    # Each point's successor within its part (the last point's is the first).
    ends = starts + npts - 1
    xn = np.empty_like(x)
    yn = np.empty_like(y)
    xn[:-1] = x[1:]
    yn[:-1] = y[1:]
    xn[ends] = x[starts]
    yn[ends] = y[starts]
    with np.errstate(invalid="ignore", over="ignore"):
        cross = x * yn - xn * y
        step = np.hypot(xn - x, yn - y)
        part_area = np.abs(np.add.reduceat(cross, starts)) / 2.0
        part_perim = np.add.reduceat(step, starts)
    owner_arr = np.asarray(owners, dtype=np.int64)
    size = int(owner_arr[-1]) + 1
    area = np.bincount(owner_arr, weights=part_area, minlength=size)
    perim = np.bincount(owner_arr, weights=part_perim, minlength=size)
    finite = np.isfinite(area) & np.isfinite(perim)
    for i in np.unique(owner_arr[finite[owner_arr]]).tolist():
        result[i] = (float(area[i]), float(perim[i]))


def _measures_one_by_one(n: int, owners: list[int], parts: list[list]) -> list:
    """Per segmentation, when some polygon holds something not a number."""
    result: list[tuple[float, float] | None] = [None] * n
    by_owner: dict[int, list[list]] = defaultdict(list)
    for owner, part in zip(owners, parts):
        by_owner[owner].append(part)
    for owner, seg in by_owner.items():
        if not all(type(v) is int or type(v) is float for v in chain.from_iterable(seg)):
            continue
        flat = np.fromiter(chain.from_iterable(seg), dtype=np.float64)
        _areas_from_flat(flat, [owner] * len(seg), seg, result)
    return result


# ---- RLE conversion ---------------------------------------------------------
def _usable_parts(seg: list) -> list[list[float]]:
    """Polygon parts pycocotools can rasterise: 3+ points, numbers only."""
    parts = []
    for part in seg:
        if type(part) is not list or len(part) < 6:
            continue
        try:
            arr = np.asarray(part[:len(part) - len(part) % 2], dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if arr.ndim != 1 or not np.isfinite(arr).all():
            continue
        parts.append(arr.tolist())
    return parts


def to_rle(seg: Any, height: int, width: int) -> dict | None:
    """A compressed RLE (``counts`` as bytes) for a segmentation, or None.

    Polygon parts are merged into one RLE over ``height`` x ``width``; list
    counts are compressed; string counts are used as they are (as bytes).
    RLEs keep their own ``size``. None when there is no usable geometry,
    including RLEs whose counts do not add up to their size.
    """
    kind = segmentation_kind(seg)
    if kind == "polygon":
        if not (_positive_int(height) and _positive_int(width)):
            return None
        parts = _usable_parts(seg)
        if not parts:
            return None
        rles = mask_api.frPyObjects(parts, int(height), int(width))
        return rles[0] if len(rles) == 1 else mask_api.merge(rles)
    if kind not in ("rle_string", "rle_list"):
        return None
    h, w = seg["size"]
    if h <= 0 or w <= 0:
        return None
    try:
        total = rle_counts_total(seg)
    except ValueError:
        return None
    if total != h * w:
        return None
    counts = seg["counts"]
    if kind == "rle_string":
        if isinstance(counts, str):
            counts = counts.encode("ascii")
        return {"size": [h, w], "counts": counts}
    if h * w >= 1 << 32:
        return None
    return mask_api.frPyObjects({"size": [h, w], "counts": [int(v) for v in counts]}, h, w)


def polygon_raster_area(seg: list, height: int, width: int) -> int | None:
    """Pixels pycocotools fills for a polygon segmentation on an image.

    Works on the RLE, never a mask; None when nothing can be rasterised or
    the outline is too long to trace cheaply.
    """
    if not (_positive_int(height) and _positive_int(width)):
        return None
    parts = _usable_parts(seg) if type(seg) is list else []
    if not parts:
        return None
    # pycocotools traces the outline at 5x; keep that bounded.
    if sum(polygon_perimeter(p) for p in parts) > MAX_RASTER_OUTLINE:
        return None
    rle = to_rle(parts, int(height), int(width))
    return None if rle is None else mask_area(rle)


def _positive_int(v: Any) -> bool:
    return (type(v) is int or type(v) is float) and v >= 1 and float(v).is_integer()


def mask_area(rles: dict | list[dict]):
    """pycocotools' area for one RLE (an int) or a list of RLEs (an int64 array).

    RLEs with list counts are compressed first. Large lists are measured in
    chunks (pycocotools fails on 256 or more at once).
    """
    if isinstance(rles, dict):
        return int(mask_api.area(_compressed(rles)))
    out = np.zeros(len(rles), dtype=np.int64)
    for i in range(0, len(rles), _AREA_CHUNK):
        chunk = [_compressed(r) for r in rles[i:i + _AREA_CHUNK]]
        out[i:i + len(chunk)] = mask_api.area(chunk)
    return out


def _compressed(rle: dict) -> dict:
    if type(rle.get("counts")) is list:
        h, w = rle["size"]
        return mask_api.frPyObjects({"size": [h, w], "counts": rle["counts"]}, h, w)
    return rle


def mask_bbox(mask: np.ndarray) -> list[float]:
    """The ``[x, y, w, h]`` box around a mask's non-zero pixels ([0,0,0,0] if none)."""
    rows = np.flatnonzero(mask.any(axis=1))
    if not len(rows):
        return [0.0, 0.0, 0.0, 0.0]
    cols = np.flatnonzero(mask.any(axis=0))
    y0, y1 = int(rows[0]), int(rows[-1])
    x0, x1 = int(cols[0]), int(cols[-1])
    return [float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)]


# ---- masks and their cache ----------------------------------------------------
def _content_key(seg: Any) -> Hashable | None:
    """A hashable key equal for equal segmentations (None if not hashable)."""
    try:
        if type(seg) is dict:
            counts = seg.get("counts")
            size = seg.get("size")
            size_key = tuple(size) if type(size) is list else size
            if type(counts) is list:
                return ("l", tuple(counts), size_key)
            return ("s", counts, size_key)
        if type(seg) is list:
            return ("p", tuple(tuple(p) if type(p) is list else p for p in seg))
        return None
    except TypeError:
        return None


class MaskCache:
    """Decoded masks, least recently used dropped first, bounded by total bytes.

    Keys are built from the segmentation's content plus the image size, so an
    edited annotation (a new segmentation) never gets a stale mask, and the
    fresh dicts an unedited annotation decodes to each time share one entry.
    Safe to use from several threads.
    """

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, np.ndarray | None] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def mask(self, seg: Any, height: int, width: int) -> np.ndarray | None:
        """The decoded mask for a segmentation (read-only), or None."""
        content = _content_key(seg)
        if content is None:
            return _decode_mask(seg, height, width)
        key = (content, height, width)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
        mask = _decode_mask(seg, height, width)
        size = mask.nbytes if mask is not None else 0
        if size > self.max_bytes:
            return mask
        with self._lock:
            if key not in self._entries:
                self._entries[key] = mask
                self._bytes += size
                while self._bytes > self.max_bytes and self._entries:
                    _, old = self._entries.popitem(last=False)
                    self._bytes -= old.nbytes if old is not None else 0
        return mask


def _decode_mask(seg: Any, height: int, width: int) -> np.ndarray | None:
    kind = segmentation_kind(seg)
    if kind == "rle_string" or kind == "rle_list":
        h, w = seg["size"]
        if h <= 0 or w <= 0 or h * w > MAX_MASK_PIXELS:
            return None
        try:
            counts = rle_counts(seg)
        except ValueError:
            return None
    elif kind == "polygon":
        if not (_positive_int(height) and _positive_int(width)):
            return None
        h, w = int(height), int(width)
        if h * w > MAX_MASK_PIXELS:
            return None
        rle = to_rle(seg, h, w)
        if rle is None:
            return None
        counts = decode_rle_string(rle["counts"])
    else:
        return None
    if _big_sum(counts) != h * w:
        return None
    return runs_to_mask(counts, h, w)


def runs_to_mask(counts: np.ndarray, height: int, width: int) -> np.ndarray:
    """A read-only C-ordered uint8 mask from run lengths that sum to h*w.

    Runs alternate background/foreground, starting with background, down the
    columns (COCO's column-major order).
    """
    values = (np.arange(len(counts)) & 1).astype(np.uint8)
    flat = np.repeat(values, counts.astype(np.int64))
    mask = np.ascontiguousarray(flat.reshape(width, height).T)
    mask.setflags(write=False)
    return mask


MASKS = MaskCache()


def annotation_mask(data: Any, height: int, width: int,
                    cache: MaskCache | None = None) -> np.ndarray | None:
    """An annotation's mask as a read-only uint8 HxW array, or None.

    ``data`` is the annotation dict (an object with ``to_dict()`` also works).
    RLEs use their own ``size``; polygons use ``height`` x ``width``. None for
    a missing, empty or invalid segmentation, or one too large to decode.
    """
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    if type(data) is not dict:
        return None
    seg = data.get("segmentation")
    if seg is None:
        return None
    return (cache or MASKS).mask(seg, height, width)
